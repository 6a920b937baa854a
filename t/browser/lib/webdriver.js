'use strict';
// A small WebDriver classic (W3C, HTTP) client: just what the suite needs to drive
// WebKitGTK's MiniBrowser through Debian's WebKitWebDriver (webkit2gtk-driver), which
// speaks no WebDriver BiDi.  Node's own fetch() talks to the driver.

const { spawn } = require('child_process');
const net = require('net');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

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

class WebDriverError extends Error {}

// Starts `driver --port=N` in a process group of its own and waits until it answers
// GET /status.  Returns { url, log(), stop() }; log() is what the driver (and the
// browser it starts, which inherits its stdout and stderr) printed.
async function startDriver(driver, args = []) {
    const port = await freePort();
    let output = '';
    const child = spawn(driver, [`--port=${port}`, ...args], {
        detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    let exited = null;
    child.on('exit', (code, signal) => { exited = { code, signal }; });
    child.on('error', (e) => { exited = { error: e }; });
    const kill = (signal) => { try { process.kill(-child.pid, signal); } catch (e) { /* gone */ } };
    const killOnExit = () => kill('SIGKILL');
    process.on('exit', killOnExit);
    const url = `http://127.0.0.1:${port}`;
    const stop = async () => {
        process.removeListener('exit', killOnExit);
        kill('SIGTERM');
        for (let i = 0; i < 30 && !exited; i++) {
            await sleep(100);
        }
        kill('SIGKILL');
    };
    for (let i = 0; ; i++) {
        if (exited || i === 100) {
            await stop();
            throw new Error(`${driver} did not start: ${JSON.stringify(exited)} ${output}`);
        }
        try {
            const res = await fetch(`${url}/status`);
            if (res.ok) {
                break;
            }
        } catch (e) { /* not listening yet */ }
        await sleep(100);
    }
    return { url, log: () => output, stop };
}

// A session: windows, frames, navigation and asynchronous scripts.
class Session {
    constructor(url, id, capabilities) {
        this.url = url;
        this.id = id;
        this.capabilities = capabilities;
        this.current = null;    // { window, frame } the driver is switched to
    }

    static async create(url, capabilities) {
        const value = await request(url, 'POST', '/session', { capabilities: { alwaysMatch: capabilities } });
        return new Session(url, value.sessionId, value.capabilities);
    }

    cmd(method, path, body) {
        return request(this.url, method, `/session/${this.id}${path}`, body);
    }

    // A window showing url; the first one is the session's own.  frame: a CSS selector
    // of an iframe whose document the handle then evaluates scripts in.
    async open(url, { frame } = {}) {
        let window;
        if (!this.windows) {
            this.windows = [];
            window = await this.cmd('GET', '/window');
        } else {
            ({ handle: window } = await this.cmd('POST', '/window/new', { type: 'tab' }));
        }
        this.windows.push(window);
        await this.switchTo({ window, frame: null });
        await this.cmd('POST', '/url', { url });
        let element = null;
        if (frame) {
            element = await this.cmd('POST', '/element', { using: 'css selector', value: frame });
        }
        return { window, frame: element };
    }

    async switchTo(target) {
        const cur = this.current;
        if (cur && cur.window === target.window && cur.frame === target.frame) {
            return;
        }
        if (!cur || cur.window !== target.window) {
            await this.cmd('POST', '/window', { handle: target.window });
        } else {
            await this.cmd('POST', '/frame', { id: null });
        }
        if (target.frame) {
            await this.cmd('POST', '/frame', { id: target.frame });
        }
        this.current = target;
    }

    // Runs fn(arg) in the target's document: fn is a function whose source is sent, may
    // return a promise, and gets and returns JSON values.
    async evaluate(target, fn, arg) {
        await this.switchTo(target);
        const script = `const done = arguments[arguments.length - 1];
Promise.resolve(arguments[0]).then(${fn.toString()}).then(
    (value) => done({ value: value === undefined ? null : value }),
    (e) => done({ error: String(e && e.stack || e) }));`;
        const res = await this.cmd('POST', '/execute/async', { script, args: [arg === undefined ? null : arg] });
        if (res && res.error) {
            throw new Error(`in the page: ${res.error}`);
        }
        return res.value;
    }

    async setScriptTimeout(ms) {
        await this.cmd('POST', '/timeouts', { script: ms });
    }

    async close() {
        await this.cmd('DELETE', '');
    }
}

async function request(url, method, path, body) {
    const res = await fetch(url + path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' },
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json;
    try {
        json = JSON.parse(text);
    } catch (e) {
        throw new WebDriverError(`${method} ${path}: HTTP ${res.status}: ${text.slice(0, 200)}`);
    }
    if (!res.ok || (json.value && json.value.error)) {
        const v = json.value || {};
        throw new WebDriverError(`${method} ${path}: ${v.error || res.status}: ${v.message || text.slice(0, 200)}`);
    }
    return json.value;
}

module.exports = { startDriver, Session, WebDriverError };
