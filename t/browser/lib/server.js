'use strict';
// Starts the suite's own httpd: Debian's apache2 with the mod_cors.so under test, a
// temporary ServerRoot written from ../httpd.conf.in, and one <Location /s/NAME/> per
// scenario.  httpd runs in the foreground in its own process group (mpm_prefork signals
// its whole group) and is stopped by stop(), or when this process exits.  Before it, a
// WebSocket echo backend (./websocket-backend.js) that scenarios proxy to.

const { spawn } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const { startWebSocketBackend } = require('./websocket-backend');

const here = path.join(__dirname, '..');

function freePort() {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.on('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const { port } = srv.address();
            srv.close(() => resolve(port));
        });
    });
}

function canConnect(port) {
    return new Promise((resolve) => {
        const sock = net.connect(port, '127.0.0.1');
        sock.on('connect', () => { sock.destroy(); resolve(true); });
        sock.on('error', () => resolve(false));
    });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function copyTree(from, to, mode) {
    fs.mkdirSync(to, { recursive: true, mode: 0o755 });
    for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
        const src = path.join(from, entry.name);
        const dst = path.join(to, entry.name);
        if (entry.isDirectory()) {
            copyTree(src, dst, mode);
        } else {
            fs.copyFileSync(src, dst);
            fs.chmodSync(dst, mode(src));
        }
    }
}

// The user httpd's children run as, when started by root: they must read the tree.
function runAs() {
    if (process.getuid() !== 0) {
        return { user: '#' + process.getuid(), group: '#' + process.getgid() };
    }
    return { user: 'nobody', group: 'nogroup' };
}

// scenarios: [{ name, conf, extra, files }]: conf is the body of <Location /s/NAME/>,
// extra whole sections of the API host, files { name: content } written into the
// ServerRoot; in all of them @PAGE@, @PAGE_LOCALHOST@, @API@, @ROOT@, @WS_BACKEND@ (the
// WebSocket echo backend, http://127.0.0.1:PORT) and @S@ (the scenario's path,
// /s/NAME/) are replaced.
async function startServer({ httpd, modCorsSo, scenarios }) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mod_cors-browser.'));
    fs.chmodSync(root, 0o755);
    for (const dir of ['logs', 'run', 'api']) {
        fs.mkdirSync(path.join(root, dir), { mode: 0o755 });
    }
    copyTree(path.join(here, 'htdocs'), path.join(root, 'htdocs'), () => 0o644);
    copyTree(path.join(here, 'cgi'), path.join(root, 'cgi'), () => 0o755);

    const [pagePort, apiPort] = [await freePort(), await freePort()];
    const origins = {
        page: `http://127.0.0.1:${pagePort}`,
        pageLocalhost: `http://localhost:${pagePort}`,
        api: `http://127.0.0.1:${apiPort}`,
    };
    const subst = (text, vars) => text.replace(/@([A-Z_]+)@/g, (all, name) => {
        if (!(name in vars)) {
            throw new Error(`unknown placeholder ${all}`);
        }
        return vars[name];
    });

    // alice:secret, in the {SHA} form that mod_authn_file reads.
    const sha = crypto.createHash('sha1').update('secret').digest('base64');
    fs.writeFileSync(path.join(root, 'htpasswd'), `alice:{SHA}${sha}\n`, { mode: 0o644 });

    const websocket = await startWebSocketBackend();
    const vars = {
        PAGE: origins.page, PAGE_LOCALHOST: origins.pageLocalhost, API: origins.api,
        ROOT: root, WS_BACKEND: websocket.url,
    };
    const sections = scenarios.map((s) => {
        const v = { ...vars, S: `/s/${s.name}/` };
        let text = `# ${s.title}\n<Location /s/${s.name}/>\n${subst(s.conf || '', v).trim()}\n</Location>\n`;
        if (s.extra) {
            text += subst(s.extra, v).trim() + '\n';
        }
        for (const [name, content] of Object.entries(s.files || {})) {
            fs.writeFileSync(path.join(root, name), subst(content, v), { mode: 0o644 });
        }
        return text;
    });
    fs.writeFileSync(path.join(root, 'scenarios.conf'), sections.join('\n'), { mode: 0o644 });

    const { user, group } = runAs();
    const conf = subst(fs.readFileSync(path.join(here, 'httpd.conf.in'), 'utf8'), {
        ROOT: root, PAGE_PORT: String(pagePort), API_PORT: String(apiPort),
        MOD_CORS_SO: modCorsSo, USER: user, GROUP: group,
    });
    const confFile = path.join(root, 'httpd.conf');
    fs.writeFileSync(confFile, conf, { mode: 0o644 });

    const out = fs.openSync(path.join(root, 'logs', 'httpd.out'), 'w');
    const child = spawn(httpd, ['-d', root, '-f', confFile, '-DFOREGROUND'], {
        detached: true, stdio: ['ignore', out, out],
    });
    fs.closeSync(out);
    let exited = null;
    child.on('exit', (code, signal) => { exited = { code, signal }; });
    // Also when this process dies of an exception or is interrupted: httpd is in a
    // process group of its own, which Ctrl-C does not reach.
    const killOnExit = () => { if (!exited) { try { process.kill(-child.pid, 'SIGTERM'); } catch (e) { /* gone */ } } };
    const onSignal = (signal) => { killOnExit(); process.exit(signal === 'SIGINT' ? 130 : 143); };
    process.on('exit', killOnExit);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    const readLog = (name) => {
        try {
            return fs.readFileSync(path.join(root, 'logs', name), 'utf8');
        } catch (e) {
            return '';
        }
    };

    async function stop() {
        process.removeListener('exit', killOnExit);
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
        await websocket.close();
        if (exited) {
            return;
        }
        try { process.kill(child.pid, 'SIGTERM'); } catch (e) { /* gone */ }
        for (let i = 0; i < 100 && !exited; i++) {
            await sleep(100);
        }
        // Whatever is left of the group (CGI daemon, children).
        try { process.kill(-child.pid, 'SIGKILL'); } catch (e) { /* gone */ }
    }

    for (let i = 0; ; i++) {
        if (exited || i === 100) {
            await stop();
            throw new Error(`httpd did not start (${root}):\n`
                            + readLog('httpd.out') + readLog('error_log'));
        }
        if (await canConnect(pagePort) && await canConnect(apiPort)) {
            break;
        }
        await sleep(100);
    }

    // The API host's access log, parsed: "METHOD URL STATUS cors=RESULT referer=URL";
    // replay: made by WebKit's console replay (../htdocs/replay.html), not by a scenario.
    function apiLog() {
        return readLog('api_access_log').split('\n').filter(Boolean).map((line) => {
            const [method, url, status, cors, referer] = line.split(' ');
            return {
                method, url, status: Number(status), cors: cors.replace(/^cors=/, ''),
                replay: /\/replay\.html/.test(referer || ''),
            };
        });
    }

    // websocket.handshakes: [{ method, path, origin }] that reached the echo backend.
    return { root, origins, pid: child.pid, apiLog, readLog, stop, websocket };
}

module.exports = { startServer };
