'use strict';
// The three browser engines the suite runs every scenario in, all Debian's own builds:
//
//   chromium  /usr/bin/chromium (package chromium), puppeteer-core over the Chrome
//             DevTools Protocol, headless
//   firefox   /usr/bin/firefox-esr (firefox-esr), puppeteer-core over WebDriver BiDi,
//             which Firefox speaks itself (Debian 12 has no geckodriver), headless
//   webkit    WebKitGTK's MiniBrowser driven by WebKitWebDriver (webkit2gtk-driver) over
//             WebDriver classic (./webdriver.js); it has no headless mode and needs an X
//             display: run.sh runs the suite under xvfb-run -a
//
// Each launch() gives the same small interface, so that a scenario is written once:
//   open(url, { frame })       a page (frame: a CSS selector of an iframe of it to use
//                              instead) -> a handle
//   evaluate(handle, fn, arg)  fn(arg) in that document; fn is sent as source, gets and
//                              returns JSON values, may return a promise
//   console                    what the engine reported since the array was emptied:
//                              strings "type: text"
//   close()
//
// FACTS holds what differs between the engines and is not mod_cors's business; the
// scenarios read it (t.facts) or state their own differences (t.per()).

const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const { startDriver, Session } = require('./webdriver');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const FACTS = {
    chromium: {
        // The TypeError a blocked fetch() rejects with.
        blockedError: /^TypeError: Failed to fetch$/,
        // A preflight without Access-Control-Max-Age is kept this many seconds; a longer
        // Access-Control-Max-Age is cut to maxAgeCap.
        defaultMaxAge: 5,
        maxAgeCap: 7200,
        // Console messages: CDP reports the "blocked by CORS policy" errors.
        consoleHasCorsErrors: true,
        // t.consoleShowsRow() reads the console of the page that made the request.
        consoleReplay: false,
    },
    firefox: {
        blockedError: /^TypeError: NetworkError when attempting to fetch resource\.$/,
        defaultMaxAge: 5,
        maxAgeCap: 86400,
        // "Cross-Origin Request Blocked: ..." comes over BiDi as a log entry of type
        // "javascript" (puppeteer: pageerror).
        consoleHasCorsErrors: true,
        consoleReplay: false,
    },
    webkit: {
        blockedError: /^TypeError: Load failed$/,
        defaultMaxAge: 5,
        maxAgeCap: 600,
        // WebKitWebDriver has neither WebDriver BiDi nor a log endpoint, and MiniBrowser
        // does not apply --enable-write-console-messages-to-stdout to the views it opens
        // for automation: the CORS errors WebKit logs cannot be read.  console holds what
        // MiniBrowser and its driver printed instead.
        consoleHasCorsErrors: false,
        // ... but a MiniBrowser started alone prints its console: t.consoleShowsRow()
        // repeats the scenario's last fetch() in one (startWebKitConsole()) and reads that.
        consoleReplay: true,
    },
};

const ENGINE_NAMES = Object.keys(FACTS);

const CHROMIUM_ARGS = [
    '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
];

// puppeteer-core changes two cookie defaults of Firefox (third-party cookies accepted,
// "cookieBehavior0"); put back those of a fresh Firefox profile (5: dynamic partitioning).
const FIREFOX_PREFS = {
    'browser.contentblocking.features.standard': '-tp,tpPrivate,cookieBehavior5,-cryptoTP,-fp',
    'network.cookie.cookieBehavior': 5,
    // Nothing to fetch from the network at start-up.
    'app.normandy.enabled': false,
    'messaging-system.rsexperimentloader.enabled': false,
};

const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

function puppeteer() {
    return require('puppeteer-core');
}

// Wraps a puppeteer Browser.
async function puppeteerBrowser(browser) {
    const consoleMessages = [];
    const version = await browser.version();
    const pages = [];
    return {
        version,
        console: consoleMessages,
        async open(url, { frame } = {}) {
            const page = await browser.newPage();
            pages.push(page);
            page.on('console', (msg) => {
                if (['error', 'warn', 'warning'].includes(msg.type())) {
                    consoleMessages.push(`${msg.type()}: ${msg.text()}`);
                }
            });
            page.on('pageerror', (e) => consoleMessages.push(`pageerror: ${e.message}`));
            await page.goto(url);
            if (!frame) {
                return page.mainFrame();
            }
            const element = await page.waitForSelector(frame);
            const inner = await element.contentFrame();
            if (!inner) {
                throw new Error(`no frame ${frame} in ${url}`);
            }
            return inner;
        },
        evaluate(handle, fn, arg) {
            return handle.evaluate(fn, arg);
        },
        async close() {
            await browser.close();
        },
    };
}

async function launchChromium({ extraArgs = [] } = {}) {
    const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
    const browser = await puppeteer().launch({
        executablePath, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs],
    });
    return puppeteerBrowser(browser);
}

async function launchFirefox() {
    const executablePath = process.env.FIREFOX || '/usr/bin/firefox-esr';
    // A profile of our own under TMPDIR, also when root's HOME is not writable.
    const browser = await puppeteer().launch({
        browser: 'firefox', executablePath, headless: true, extraPrefsFirefox: FIREFOX_PREFS,
    });
    return puppeteerBrowser(browser);
}

async function launchWebKit() {
    if (!process.env.DISPLAY) {
        throw new Error('WebKitGTK needs an X display (MiniBrowser has no headless mode that '
                        + 'works here): run the suite under xvfb-run -a, as run.sh does');
    }
    const driverPath = process.env.WEBKIT_WEBDRIVER || 'WebKitWebDriver';
    const binary = process.env.MINIBROWSER || MINIBROWSER;
    // MiniBrowser keeps its data under XDG_*_HOME: a fresh directory, a fresh profile.
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mod_cors-webkit.'));
    const removeHome = () => fs.rmSync(home, { recursive: true, force: true });
    process.on('exit', removeHome);
    const saved = {};
    for (const v of ['XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME']) {
        saved[v] = process.env[v];
        process.env[v] = path.join(home, v.toLowerCase());
    }
    let driver;
    try {
        driver = await startDriver(driverPath);
    } finally {
        for (const [v, value] of Object.entries(saved)) {
            if (value === undefined) {
                delete process.env[v];
            } else {
                process.env[v] = value;
            }
        }
    }
    let session;
    try {
        session = await Session.create(driver.url, {
            browserName: 'MiniBrowser',
            'webkitgtk:browserOptions': { binary, args: ['--automation'] },
        });
        await session.setScriptTimeout(30000);
    } catch (e) {
        await driver.stop();
        throw new Error(`${e.message}\n${driver.log()}`);
    }
    const consoleMessages = [];
    let seen = 0;
    // What the driver and MiniBrowser printed since the last look.
    const collect = () => {
        const out = driver.log();
        for (const line of out.slice(seen).split('\n')) {
            if (line.trim()) {
                consoleMessages.push(`output: ${line}`);
            }
        }
        seen = out.length;
    };
    return {
        version: `WebKitGTK ${session.capabilities.browserVersion}`,
        console: consoleMessages,
        open: (url, options) => session.open(url, options),
        async evaluate(handle, fn, arg) {
            try {
                return await session.evaluate(handle, fn, arg);
            } finally {
                collect();
            }
        },
        async close() {
            try {
                await session.close();
            } finally {
                await driver.stop();
                process.removeListener('exit', removeHome);
                removeHome();
            }
        },
    };
}

// WebKit's console, which WebKitWebDriver does not let us read: a second MiniBrowser,
// started alone, without WebDriver, with --enable-write-console-messages-to-stdout,
// which it applies to its own views (not to those it opens for automation).  It opens
// ../htdocs/replay.html of the page origin, whose script asks a small HTTP server of
// ours for requests to make ("jobs"), every 50 ms, and makes them with fetch().
// replay(url, init) has it make one and returns the console lines WebKit printed for it,
// "type: text" (type "security error", "js error", "log").  Started once per run, at the
// first replay; close() stops it (its process group) and the server.
async function startWebKitConsole(pageOrigin) {
    const binary = process.env.MINIBROWSER || MINIBROWSER;
    const jobs = [];
    let polled = false;
    const server = http.createServer((req, res) => {
        polled = true;
        // replay.html is of the page origin, this server of another.
        res.setHeader('Access-Control-Allow-Origin', '*');
        if (req.url === '/job' && jobs.length) {
            res.setHeader('Content-Type', 'application/json');
            res.end(JSON.stringify(jobs.shift()));
        } else {
            res.statusCode = 204;
            res.end();
        }
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const control = `http://127.0.0.1:${server.address().port}`;

    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mod_cors-webkit-console.'));
    const env = { ...process.env };
    for (const v of ['XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME']) {
        env[v] = path.join(home, v.toLowerCase());
    }
    const url = `${pageOrigin}/replay.html?control=${encodeURIComponent(control)}`;
    const child = spawn(binary, ['--enable-write-console-messages-to-stdout=true', url],
                        { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let exited = null;
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    child.on('exit', (code, signal) => { exited = { code, signal }; });
    child.on('error', (e) => { exited = { error: e.message }; });
    const kill = (signal) => { try { process.kill(-child.pid, signal); } catch (e) { /* gone */ } };
    const killOnExit = () => kill('SIGKILL');
    process.on('exit', killOnExit);

    async function close() {
        kill('SIGTERM');
        for (let i = 0; i < 20 && !exited; i++) {
            await sleep(50);
        }
        kill('SIGKILL');
        process.removeListener('exit', killOnExit);
        server.close();
        fs.rmSync(home, { recursive: true, force: true });
    }

    const deadline = Date.now() + 15000;
    while (!polled && !exited && Date.now() < deadline) {
        await sleep(25);
    }
    if (!polled) {
        await close();
        throw new Error(`MiniBrowser, started alone for WebKit's console, did not open ${url} `
                        + `within 15 s (${JSON.stringify(exited)}): ${output}`);
    }

    let lastId = 0;
    async function replay(requestUrl, init) {
        const id = ++lastId;
        const done = `CONSOLE LOG replay: done ${id}\n`;
        jobs.push({ id, url: requestUrl, init });
        const until = Date.now() + 10000;
        while (!output.includes(done) && !exited && Date.now() < until) {
            await sleep(20);
        }
        const start = output.indexOf(`CONSOLE LOG replay: start ${id}\n`);
        const end = output.indexOf(done);
        if (start < 0 || end < 0) {
            throw new Error(`MiniBrowser, started alone for WebKit's console, did not make the request `
                            + `within 10 s (${JSON.stringify(exited)}): ${output.slice(-2000)}`);
        }
        // From the line after "start" to the line of "done" (which begins with the
        // page's URL and position).
        const text = output.slice(output.indexOf('\n', start) + 1, output.lastIndexOf('\n', end) + 1);
        return text.split('\n').filter((l) => l.trim()).map((line) => {
            const m = /CONSOLE ((?:[A-Z]+ )?[A-Z]+) (.*)$/.exec(line);
            return m ? `${m[1].toLowerCase()}: ${m[2]}` : `output: ${line}`;
        });
    }
    return { replay, close };
}

const LAUNCH = { chromium: launchChromium, firefox: launchFirefox, webkit: launchWebKit };

function launch(engine, options) {
    return LAUNCH[engine](options);
}

module.exports = { ENGINE_NAMES, FACTS, launch, startWebKitConsole };
