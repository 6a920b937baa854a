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
const os = require('os');
const path = require('path');
const { startDriver, Session } = require('./webdriver');

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
    },
    firefox: {
        blockedError: /^TypeError: NetworkError when attempting to fetch resource\.$/,
        defaultMaxAge: 5,
        maxAgeCap: 86400,
        // "Cross-Origin Request Blocked: ..." comes over BiDi as a log entry of type
        // "javascript" (puppeteer: pageerror).
        consoleHasCorsErrors: true,
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

const LAUNCH = { chromium: launchChromium, firefox: launchFirefox, webkit: launchWebKit };

function launch(engine, options) {
    return LAUNCH[engine](options);
}

module.exports = { ENGINE_NAMES, FACTS, launch };
