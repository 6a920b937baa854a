'use strict';
// Runs the scenarios of ../cors.test.js in headless Chromium against the suite's httpd
// and prints "ok N - title" or "not ok N - title: reason" for each, then
// "N passed, M failed".
//
// Every request is a real fetch() or XMLHttpRequest from a page: nothing is intercepted
// (Playwright's route() would answer preflights itself) and no header is injected.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');
const { startServer } = require('./server');

const CHROMIUM_ARGS = [
    '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// A scenario that takes longer has failed; past the suite's budget, the scenarios left
// fail without running (a run takes about 20 s).
const SCENARIO_TIMEOUT_MS = 20000;
const SUITE_BUDGET_MS = 150000;

// A headless Chromium with a fresh profile of its own; extraArgs adds to CHROMIUM_ARGS.
async function launch(executablePath, extraArgs = []) {
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mod_cors-chromium.'));
    // Playwright kills the browser when this process exits; then the profile can go.
    const removeProfile = () => fs.rmSync(userDataDir, { recursive: true, force: true });
    process.on('exit', removeProfile);
    const context = await chromium.launchPersistentContext(userDataDir, {
        executablePath, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs],
    });
    return {
        context,
        async close() {
            await context.close();
            process.removeListener('exit', removeProfile);
            removeProfile();
        },
    };
}

// Runs in the page: a fetch, and what the page can see of its answer.
async function pageFetch({ url, init, read }) {
    try {
        const res = await fetch(url, init);
        const body = await res.text();
        const headers = {};
        for (const name of read) {
            headers[name] = res.headers.get(name);
        }
        return { ok: true, status: res.status, body, headers };
    } catch (e) {
        return { ok: false, error: `${e.name}: ${e.message}` };
    }
}

// Runs in the page: an XMLHttpRequest, with or without an upload progress listener.
function pageXhr({ url, method, body, uploadListener, withCredentials }) {
    return new Promise((resolve) => {
        const xhr = new XMLHttpRequest();
        xhr.open(method, url);
        xhr.withCredentials = !!withCredentials;
        if (uploadListener) {
            xhr.upload.onprogress = () => {};
        }
        xhr.onload = () => resolve({ ok: true, status: xhr.status, body: xhr.responseText });
        xhr.onerror = () => resolve({ ok: false, error: 'XMLHttpRequest: network error' });
        xhr.send(body);
    });
}

class AssertionError extends Error {}

function describe(value) {
    return JSON.stringify(value);
}

// What a scenario's function gets: requests from the pages, the server's log, assertions.
class ScenarioContext {
    constructor(suite, scenario) {
        this.suite = suite;
        this.scenario = scenario;
        this.prefix = `/s/${scenario.name}/`;
        this.api = suite.server.origins.api;
        this.origins = suite.server.origins;
    }

    url(rest = 'echo') {
        return `${this.api}${this.prefix}${rest}`;
    }

    frame(from) {
        const frame = this.suite.frames[from || 'page'];
        if (!frame) {
            throw new Error(`no page "${from}"`);
        }
        return frame;
    }

    // fetch(url rest, RequestInit, { from: 'page' | 'localhost' | 'opaque' | 'flagged',
    // read: [response header names the page tries to read] })
    async fetch(rest, init = {}, { from, read = [] } = {}) {
        const res = await this.frame(from).evaluate(pageFetch,
            { url: this.url(rest), init, read: ['content-type', ...read] });
        if (res.ok) {
            try { res.json = JSON.parse(res.body); } catch (e) { res.json = null; }
        }
        return res;
    }

    async xhr(rest, options, { from } = {}) {
        const res = await this.frame(from).evaluate(pageXhr, { url: this.url(rest), ...options });
        if (res.ok) {
            try { res.json = JSON.parse(res.body); } catch (e) { res.json = null; }
        }
        return res;
    }

    // The API log lines of this scenario.  httpd writes a line just after it has sent
    // the response, so the page may have its answer first: wait until ready(lines)
    // holds (5 s at most), then until the log has not grown for 150 ms.
    async log(ready = () => true) {
        const mine = () => this.suite.server.apiLog().filter((e) => e.url.startsWith(this.prefix));
        const deadline = Date.now() + 5000;
        while (!ready(mine()) && Date.now() < deadline) {
            await sleep(25);
        }
        let size = this.suite.server.readLog('api_access_log').length;
        for (;;) {
            await sleep(150);
            const now = this.suite.server.readLog('api_access_log').length;
            if (now === size || Date.now() > deadline + 5000) {
                break;
            }
            size = now;
        }
        return mine();
    }

    fail(message) {
        throw new AssertionError(message);
    }

    equal(actual, expected, what) {
        if (describe(actual) !== describe(expected)) {
            this.fail(`${what}: expected ${describe(expected)}, got ${describe(actual)}`);
        }
    }

    // The browser let the page read the response, with this status.
    succeeds(res, status) {
        if (!res.ok) {
            this.fail(`expected status ${status} readable by the page, got ${res.error}`);
        }
        this.equal(res.status, status, 'status');
    }

    // The browser refused the response: fetch() rejects with a TypeError (an
    // XMLHttpRequest reports a network error).
    isBlocked(res) {
        if (res.ok) {
            this.fail(`expected the browser to block the response, the page read status ${res.status}`);
        }
        if (!/^(TypeError|XMLHttpRequest)/.test(res.error)) {
            this.fail(`expected a TypeError, got ${res.error}`);
        }
    }

    // The page reads these response headers with these values (null: cannot read).
    reads(res, expected) {
        for (const [name, value] of Object.entries(expected)) {
            this.equal(res.headers[name], value, `response.headers.get('${name}')`);
        }
    }

    // The API server saw this many preflights for the scenario's path.
    async preflights(count) {
        const log = await this.log((l) => l.filter((e) => e.method === 'OPTIONS').length >= count);
        this.equal(log.filter((e) => e.method === 'OPTIONS').length, count,
                   'preflights the server saw');
        return log;
    }

    // The API server saw this many requests of this method (e.g. the actual request).
    async requests(method, count) {
        const log = await this.log((l) => l.filter((e) => e.method === method).length >= count);
        this.equal(log.filter((e) => e.method === method).length, count,
                   `${method} requests the server saw`);
        return log;
    }
}

class Suite {
    constructor() {
        this.scenarios = [];
    }

    // scenario(title, { name, conf, extra, browser }, async (t) => { ... })
    scenario(title, options, fn) {
        if (!/^[a-z0-9-]+$/.test(options.name)) {
            throw new Error(`scenario name "${options.name}" must be [a-z0-9-]+`);
        }
        if (this.scenarios.some((s) => s.name === options.name)) {
            throw new Error(`scenario name "${options.name}" is used twice`);
        }
        this.scenarios.push({ title, ...options, fn });
    }

    async openFrames(context, flagged) {
        const { page, pageLocalhost } = this.server.origins;
        const open = async (url) => {
            const p = await context.newPage();
            p.on('console', (msg) => {
                if (msg.type() === 'error') {
                    this.console.push(msg.text());
                }
            });
            await p.goto(url);
            return p;
        };
        if (flagged) {
            this.frames.flagged = (await open(`${page}/page.html`)).mainFrame();
            return;
        }
        this.frames.page = (await open(`${page}/page.html`)).mainFrame();
        this.frames.localhost = (await open(`${pageLocalhost}/page.html`)).mainFrame();
        const sandboxed = await open(`${page}/sandboxed.html`);
        const opaque = sandboxed.frames().find((f) => f !== sandboxed.mainFrame());
        this.frames.opaque = opaque;
        const origin = await opaque.evaluate(() => self.origin);
        if (origin !== 'null') {
            throw new Error(`the sandboxed frame's origin is ${origin}, not null`);
        }
    }

    async run({ httpd, modCorsSo, chromiumPath, only }) {
        let scenarios = this.scenarios;
        if (only) {
            scenarios = scenarios.filter((s) => s.name.includes(only));
        }
        const started = Date.now();
        let passed = 0;
        let failed = 0;
        const browsers = [];
        this.frames = {};
        this.console = [];
        this.server = await startServer({ httpd, modCorsSo, scenarios });
        try {
            const main = await launch(chromiumPath);
            browsers.push(main);
            await this.openFrames(main.context, false);
            if (scenarios.some((s) => s.browser === 'flagged')) {
                // Chromium lets "Access-Control-Allow-Headers: *" cover Authorization
                // unless this feature is on; the Fetch standard says it never does.
                const flagged = await launch(chromiumPath,
                    ['--enable-features=CorsNonWildcardRequestHeadersSupport']);
                browsers.push(flagged);
                await this.openFrames(flagged.context, true);
            }

            for (const [i, s] of scenarios.entries()) {
                if (Date.now() - started > SUITE_BUDGET_MS) {
                    failed++;
                    console.log(`not ok ${i + 1} - ${s.title}: not run, the suite took over ${SUITE_BUDGET_MS / 1000} s`);
                    continue;
                }
                const t = new ScenarioContext(this, s);
                this.console = [];
                const t0 = Date.now();
                let timer;
                try {
                    await Promise.race([
                        s.fn(t),
                        new Promise((resolve, reject) => {
                            timer = setTimeout(() => reject(new Error(
                                `timed out after ${SCENARIO_TIMEOUT_MS / 1000} s`)), SCENARIO_TIMEOUT_MS);
                        }),
                    ]);
                    passed++;
                    console.log(`ok ${i + 1} - ${s.title}`);
                } catch (e) {
                    failed++;
                    const reason = e instanceof AssertionError ? e.message : (e.stack || String(e));
                    console.log(`not ok ${i + 1} - ${s.title}: ${reason}`);
                    for (const line of this.console) {
                        console.log(`#   browser console: ${line}`);
                    }
                    for (const e of this.server.apiLog().filter((e) => e.url.startsWith(t.prefix))) {
                        console.log(`#   server: ${e.method} ${e.url} ${e.status} cors=${e.cors}`);
                    }
                } finally {
                    clearTimeout(timer);
                }
                if (process.env.VERBOSE) {
                    console.log(`#   ${Date.now() - t0} ms`);
                }
            }
        } catch (e) {
            failed++;
            console.log(`not ok - the suite stopped: ${e.stack || e}`);
        } finally {
            for (const b of browsers) {
                await b.close().catch(() => {});
            }
            await this.server.stop();
        }
        const errors = this.server.readLog('error_log');
        if (failed) {
            console.log(`# server tree kept for inspection: ${this.server.root}`);
            if (errors.trim()) {
                console.log('# --- last lines of the error_log ---');
                for (const line of errors.trim().split('\n').slice(-20)) {
                    console.log(`# ${line}`);
                }
            }
        } else {
            fs.rmSync(this.server.root, { recursive: true, force: true });
        }
        console.log(`# ${scenarios.length} scenarios in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        console.log(`${passed} passed, ${failed} failed`);
        return failed === 0;
    }
}

module.exports = { Suite };
