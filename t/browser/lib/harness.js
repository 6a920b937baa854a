'use strict';
// Runs the scenarios of ../cors.test.js in each browser engine (./engines.js: Chromium,
// Firefox, WebKitGTK), one engine after the other, each against an httpd of its own, and
// prints "ok N - [engine] title" or "not ok N - [engine] title: reason" for each, then
// "N passed, M failed".
//
// Every request is a real fetch() or XMLHttpRequest from a page: nothing is intercepted
// and no header is injected.

const fs = require('fs');
const { ENGINE_NAMES, FACTS, launch, startWebKitConsole } = require('./engines');
const { readTable, messageRe } = require('./troubleshooting');
const { startServer } = require('./server');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// A scenario that takes longer has failed; past an engine's budget, the scenarios left
// fail without running (an engine takes 20 to 40 s).
const SCENARIO_TIMEOUT_MS = 20000;
const ENGINE_BUDGET_MS = 150000;

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

// Runs in the page: opens a WebSocket, sends message once it is open and closes it
// (1000) at the first message it receives.  Resolves at the close event, or after 10 s,
// with what the page saw: events such as "open", "message: TEXT", "error", "close: CODE".
function pageWebSocket({ url, message }) {
    return new Promise((resolve) => {
        const events = [];
        let ws;
        try {
            ws = new WebSocket(url);
        } catch (e) {
            resolve({ events: [`exception: ${e.name}: ${e.message}`] });
            return;
        }
        const timer = setTimeout(() => {
            events.push('no close event within 10 s');
            resolve({ events });
        }, 10000);
        ws.onopen = () => {
            events.push('open');
            ws.send(message);
        };
        ws.onmessage = (e) => {
            events.push(`message: ${e.data}`);
            ws.close(1000);
        };
        ws.onerror = () => events.push('error');
        ws.onclose = (e) => {
            events.push(`close: ${e.code}`);
            clearTimeout(timer);
            resolve({ events });
        };
    });
}

class AssertionError extends Error {}

function describe(value) {
    return JSON.stringify(value);
}

// What a scenario's function gets: requests from the pages, the server's log, assertions.
class ScenarioContext {
    constructor(suite, scenario, run) {
        this.suite = suite;
        this.scenario = scenario;
        this.run = run;
        // chromium, firefox or webkit, and what tells it from the others (engines.js).
        this.engine = run.engine;
        this.facts = FACTS[run.engine];
        this.prefix = `/s/${scenario.name}/`;
        this.api = run.server.origins.api;
        this.origins = run.server.origins;
        this.server = run.server;
        // WebKit's console lines of the replays of t.consoleShowsRow().
        this.replayConsole = [];
    }

    // The value this engine expects, where engines legitimately differ:
    // t.per({ chromium: a, firefox: b, webkit: c }); every engine must be named.
    per(values) {
        if (!(this.engine in values)) {
            throw new Error(`t.per() names no value for ${this.engine}`);
        }
        return values[this.engine];
    }

    // What the engine reported (console errors and warnings; Firefox's CORS errors; for
    // WebKit what MiniBrowser printed) since the scenario began: strings "type: text".
    get console() {
        return [...this.run.browsers.flatMap((b) => b.console), ...this.replayConsole];
    }

    url(rest = 'echo') {
        return `${this.api}${this.prefix}${rest}`;
    }

    frame(from) {
        const frame = this.run.frames[from || 'page'];
        if (!frame) {
            throw new Error(`no page "${from}" in ${this.engine}`);
        }
        return frame;
    }

    evaluate(from, fn, arg) {
        const { browser, handle } = this.frame(from);
        return browser.evaluate(handle, fn, arg);
    }

    // fetch(url rest, RequestInit, { from: 'page' | 'localhost' | 'opaque' | 'flagged',
    // read: [response header names the page tries to read] })
    async fetch(rest, init = {}, { from, read = [] } = {}) {
        this.lastFetch = { url: this.url(rest), init, from: from || 'page' };
        const res = await this.evaluate(from, pageFetch,
            { url: this.url(rest), init, read: ['content-type', ...read] });
        this.blocked = this.blocked || !res.ok;
        if (res.ok) {
            try { res.json = JSON.parse(res.body); } catch (e) { res.json = null; }
        }
        return res;
    }

    async xhr(rest, options, { from } = {}) {
        const res = await this.evaluate(from, pageXhr, { url: this.url(rest), ...options });
        this.blocked = this.blocked || !res.ok;
        if (res.ok) {
            try { res.json = JSON.parse(res.body); } catch (e) { res.json = null; }
        }
        return res;
    }

    // new WebSocket('ws://API/s/NAME/rest') in the page (from as for fetch()): sends
    // message when open, closes at the first message.  Returns { events } (pageWebSocket).
    async websocket(rest, { from, message = 'hello' } = {}) {
        const url = this.url(rest).replace(/^http:/, 'ws:');
        const res = await this.evaluate(from, pageWebSocket, { url, message });
        this.blocked = this.blocked || !res.events.includes('open');
        return res;
    }

    // The handshakes that reached the WebSocket echo backend for this scenario's path
    // (the ProxyPass of the scenario maps @S@ to @WS_BACKEND@@S@).
    backendHandshakes() {
        return this.server.websocket.handshakes.filter((h) => h.path.startsWith(this.prefix));
    }

    // The API log lines of this scenario.  httpd writes a line just after it has sent
    // the response, so the page may have its answer first: wait until ready(lines)
    // holds (5 s at most), then until the log has not grown for 150 ms.
    async log(ready = () => true) {
        const mine = () => this.server.apiLog().filter((e) => e.url.startsWith(this.prefix) && !e.replay);
        const deadline = Date.now() + 5000;
        while (!ready(mine()) && Date.now() < deadline) {
            await sleep(25);
        }
        let size = this.server.readLog('api_access_log').length;
        for (;;) {
            await sleep(150);
            const now = this.server.readLog('api_access_log').length;
            if (now === size || Date.now() > deadline + 5000) {
                break;
            }
            size = now;
        }
        return mine();
    }

    // The engine reports a blocked request on its console a little after the page saw
    // the TypeError (Firefox the most): wait for it, so that t.console has it and the
    // next scenario does not.  At most 1 s; nothing when nothing was blocked.
    async settleConsole() {
        if (!this.blocked || !this.facts.consoleHasCorsErrors) {
            return;
        }
        const deadline = Date.now() + 1000;
        while (!this.console.length && Date.now() < deadline) {
            await sleep(20);
        }
        let count = -1;
        while (count !== this.console.length && Date.now() < deadline) {
            count = this.console.length;
            await sleep(100);
        }
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

    // The browser refused the response: fetch() rejects with the engine's TypeError
    // (facts.blockedError; an XMLHttpRequest reports a network error).
    isBlocked(res) {
        if (res.ok) {
            this.fail(`expected the browser to block the response, the page read status ${res.status}`);
        }
        if (!this.facts.blockedError.test(res.error) && !/^XMLHttpRequest/.test(res.error)) {
            this.fail(`expected ${this.facts.blockedError}, got ${res.error}`);
        }
    }

    // The engine's console says why it blocked a request: { chromium: RegExp, firefox:
    // RegExp, webkit: null }, every engine named; one console message must match the
    // engine's RegExp.  null only where the console cannot be read
    // (facts.consoleHasCorsErrors false: WebKit, whose fetch() rejects with "TypeError:
    // Load failed" whatever the reason); the scenario then says so.  Waits for the
    // message as settleConsole() does (Firefox reports a little after the TypeError).
    async consoleSays(expected) {
        const re = this.per(expected);
        if (re === null) {
            if (this.facts.consoleHasCorsErrors) {
                throw new Error(`t.consoleSays(): ${this.engine}'s console can be read, give a RegExp`);
            }
            return;
        }
        if (!this.facts.consoleHasCorsErrors) {
            throw new Error(`t.consoleSays(): ${this.engine}'s console cannot be read (README.md)`);
        }
        const deadline = Date.now() + 2000;
        while (!this.console.some((line) => re.test(line)) && Date.now() < deadline) {
            await sleep(20);
        }
        if (!this.console.some((line) => re.test(line))) {
            this.fail(`no console message matches ${re}`);
        }
    }

    // The engine's console printed the message of this row of README.md's
    // troubleshooting table (./troubleshooting.js) for the scenario's last t.fetch():
    // vars gives the row's placeholders; {url} and {origin} are the last fetch()'s.
    // Chromium and Firefox: a console message of the page matches it.  WebKit, whose
    // console cannot be read under WebDriver (facts.consoleReplay): a MiniBrowser of its
    // own, started alone at the first such check, repeats that fetch() from the page
    // origin and prints its console (engines.js, startWebKitConsole()); t.log() and the
    // counts leave the repeated requests out (their Referer is replay.html's URL).
    async consoleShowsRow(problem, vars = {}) {
        const rows = this.run.troubleshooting || (this.run.troubleshooting = readTable());
        if (!rows[problem]) {
            throw new Error(`README.md's troubleshooting table has no row "${problem}" `
                            + `(rows: ${Object.keys(rows).join('; ')})`);
        }
        const template = rows[problem][this.engine];
        if (!template) {
            throw new Error(`README.md's troubleshooting row "${problem}" has no ${this.engine} message`);
        }
        if (!this.lastFetch) {
            throw new Error('t.consoleShowsRow() follows a t.fetch()');
        }
        const { url, init, from } = this.lastFetch;
        // The replaying MiniBrowser has a page of the page origin alone.
        if (from !== 'page') {
            throw new Error(`t.consoleShowsRow(): a fetch() from "${from}" cannot be checked`);
        }
        const re = messageRe(template, { url, origin: this.origins.page, ...vars });
        (this.run.rowsChecked || (this.run.rowsChecked = new Set())).add(problem);
        if (this.facts.consoleReplay) {
            if (!this.run.replayer) {
                this.run.replayer = await startWebKitConsole(this.origins.page);
            }
            this.replayConsole.push(...await this.run.replayer.replay(url, init));
        } else {
            const deadline = Date.now() + 2000;
            while (!this.console.some((line) => re.test(line)) && Date.now() < deadline) {
                await sleep(20);
            }
        }
        if (!this.console.some((line) => re.test(line))) {
            this.fail(`no console message matches README.md's troubleshooting row "${problem}": ${re}`);
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

    // scenario(title, { name, conf, extra, files, browser, skip }, async (t) => { ... })
    // browser: 'flagged' for the scenarios that need Chromium's
    // CorsNonWildcardRequestHeadersSupport (from: 'flagged').  skip: { engine: 'why' }
    // leaves the scenario out in that engine; the reason is printed with it.
    scenario(title, options, fn) {
        if (!/^[a-z0-9-]+$/.test(options.name)) {
            throw new Error(`scenario name "${options.name}" must be [a-z0-9-]+`);
        }
        if (this.scenarios.some((s) => s.name === options.name)) {
            throw new Error(`scenario name "${options.name}" is used twice`);
        }
        for (const [engine, why] of Object.entries(options.skip || {})) {
            if (!ENGINE_NAMES.includes(engine) || typeof why !== 'string' || !why) {
                throw new Error(`scenario "${options.name}": skip needs an engine and a reason`);
            }
        }
        this.scenarios.push({ title, ...options, fn });
    }

    // The pages of one engine: the page origin, the localhost one, a sandboxed frame for
    // "null"; in Chromium a second browser for the 'flagged' scenarios.  Firefox and
    // WebKit have no such flag: their 'flagged' page is their ordinary one, and the
    // scenarios say what each engine does there.
    async openFrames(run, scenarios) {
        const { page, pageLocalhost } = run.server.origins;
        const browser = await launch(run.engine);
        run.browsers.push(browser);
        run.version = browser.version;
        const open = async (url, options) => ({ browser, handle: await browser.open(url, options) });
        run.frames.page = await open(`${page}/page.html`);
        run.frames.localhost = await open(`${pageLocalhost}/page.html`);
        run.frames.opaque = await open(`${page}/sandboxed.html`, { frame: 'iframe#opaque' });
        const origin = await browser.evaluate(run.frames.opaque.handle, () => self.origin);
        if (origin !== 'null') {
            throw new Error(`the sandboxed frame's origin is ${origin}, not null`);
        }
        run.frames.flagged = run.frames.page;
        if (run.engine === 'chromium' && scenarios.some((s) => s.browser === 'flagged')) {
            // Chromium lets "Access-Control-Allow-Headers: *" cover Authorization
            // unless this feature is on; the Fetch standard says it never does.
            const flagged = await launch('chromium',
                { extraArgs: ['--enable-features=CorsNonWildcardRequestHeadersSupport'] });
            run.browsers.push(flagged);
            run.frames.flagged = { browser: flagged, handle: await flagged.open(`${page}/page.html`) };
        }
    }

    // Runs the scenarios in one engine; number() gives each its "ok N".  Returns the
    // counts and appends to results.
    async runEngine(engine, scenarios, { httpd, modCorsSo }, number, results) {
        const started = Date.now();
        const counts = { passed: 0, failed: 0, skipped: 0 };
        const run = { engine, browsers: [], frames: {}, server: null, version: '' };
        try {
            run.server = await startServer({ httpd, modCorsSo, scenarios });
        } catch (e) {
            counts.failed++;
            console.log(`not ok ${number()} - [${engine}] the suite's httpd did not start: ${e.message}`);
            return counts;
        }
        try {
            await this.openFrames(run, scenarios);
            for (const s of scenarios) {
                const n = number();
                const label = `[${engine}] ${s.title}`;
                const why = s.skip && s.skip[engine];
                if (why) {
                    counts.skipped++;
                    console.log(`ok ${n} - ${label} # SKIP ${why}`);
                    results.push({ engine, name: s.name, title: s.title, status: 'skipped', reason: why });
                    continue;
                }
                if (Date.now() - started > ENGINE_BUDGET_MS) {
                    counts.failed++;
                    const reason = `not run, ${engine} took over ${ENGINE_BUDGET_MS / 1000} s`;
                    console.log(`not ok ${n} - ${label}: ${reason}`);
                    results.push({ engine, name: s.name, title: s.title, status: 'failed', reason });
                    continue;
                }
                for (const b of run.browsers) {
                    b.console.length = 0;
                }
                const t = new ScenarioContext(this, s, run);
                const t0 = Date.now();
                let timer;
                let status = 'passed';
                let reason = null;
                try {
                    await Promise.race([
                        s.fn(t).finally(() => t.settleConsole()),
                        new Promise((resolve, reject) => {
                            timer = setTimeout(() => reject(new Error(
                                `timed out after ${SCENARIO_TIMEOUT_MS / 1000} s`)), SCENARIO_TIMEOUT_MS);
                        }),
                    ]);
                    counts.passed++;
                    console.log(`ok ${n} - ${label}`);
                } catch (e) {
                    counts.failed++;
                    status = 'failed';
                    reason = e instanceof AssertionError ? e.message : (e.stack || String(e));
                    console.log(`not ok ${n} - ${label}: ${reason}`);
                    for (const line of t.console) {
                        console.log(`#   ${engine} console: ${line}`);
                    }
                    if (!t.facts.consoleHasCorsErrors) {
                        console.log(`#   ${engine} console: its CORS errors cannot be read under WebDriver `
                                    + '(README.md); those above come from t.consoleShowsRow()\'s replay');
                    }
                    for (const l of run.server.apiLog().filter((l) => l.url.startsWith(t.prefix))) {
                        console.log(`#   server: ${l.method} ${l.url} ${l.status} cors=${l.cors}`
                                    + (l.replay ? ' (WebKit\'s console replay)' : ''));
                    }
                } finally {
                    clearTimeout(timer);
                }
                const ms = Date.now() - t0;
                results.push({ engine, name: s.name, title: s.title, status, reason, ms, console: [...t.console] });
                if (process.env.VERBOSE) {
                    console.log(`#   ${ms} ms`);
                }
            }
        } catch (e) {
            counts.failed++;
            console.log(`not ok ${number()} - [${engine}] the suite stopped: ${e.stack || e}`);
        } finally {
            for (const b of run.browsers) {
                await b.close().catch(() => {});
            }
            if (run.replayer) {
                await run.replayer.close();
            }
            await run.server.stop();
        }
        if (counts.failed) {
            console.log(`# ${engine}: server tree kept for inspection: ${run.server.root}`);
            const errors = run.server.readLog('error_log').trim();
            if (errors) {
                console.log(`# --- last lines of ${engine}'s error_log ---`);
                for (const line of errors.split('\n').slice(-20)) {
                    console.log(`# ${line}`);
                }
            }
        } else {
            fs.rmSync(run.server.root, { recursive: true, force: true });
        }
        counts.seconds = (Date.now() - started) / 1000;
        counts.version = run.version;
        console.log(`# ${engine} (${run.version || 'did not start'}): ${counts.passed} passed, `
                    + `${counts.failed} failed, ${counts.skipped} skipped in ${counts.seconds.toFixed(1)} s`);
        return counts;
    }

    // engines: names from ENGINE_NAMES, run one after the other.  resultsFile: where to
    // write every result as JSON (console messages included).
    async run({ httpd, modCorsSo, engines, only, resultsFile }) {
        let scenarios = this.scenarios;
        if (only) {
            scenarios = scenarios.filter((s) => s.name.includes(only));
        }
        this.selected = scenarios;
        for (const e of engines) {
            if (!ENGINE_NAMES.includes(e)) {
                throw new Error(`unknown engine "${e}" (known: ${ENGINE_NAMES.join(', ')})`);
            }
        }
        const started = Date.now();
        let n = 0;
        const results = [];
        const totals = { passed: 0, failed: 0, skipped: 0 };
        const lines = [];
        for (const engine of engines) {
            const c = await this.runEngine(engine, scenarios, { httpd, modCorsSo }, () => ++n, results);
            for (const k of Object.keys(totals)) {
                totals[k] += c[k];
            }
            lines.push(`# ${engine}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped, ${c.seconds.toFixed(1)} s (${c.version})`);
        }
        if (resultsFile) {
            fs.writeFileSync(resultsFile, JSON.stringify(results, null, 1) + '\n');
        }
        for (const line of lines) {
            console.log(line);
        }
        console.log(`# ${scenarios.length} scenarios in ${engines.join(', ')}: ${totals.skipped} skipped, `
                    + `${((Date.now() - started) / 1000).toFixed(1)} s`);
        console.log(`${totals.passed} passed, ${totals.failed} failed`);
        return totals.failed === 0;
    }
}

module.exports = { Suite };
