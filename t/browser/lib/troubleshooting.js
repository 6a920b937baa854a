'use strict';
// The table of ../../README.md's section "Troubleshooting: the browser console says ...",
// read by the scenarios that make its mistakes: each checks that the engine's console
// printed the message of its row (t.consoleShowsRow()), so that the table says what the
// browsers say.
//
// The table: a header row "| problem | Chromium | Firefox | WebKit | cause | fix |", then
// one row per problem; each engine's cell holds one message in backquotes, with
// placeholders {url}, {origin}, {method}, {header}, {header-as-sent}, {status},
// {values}, or no backquotes where there is no message to check.

const fs = require('fs');
const path = require('path');

const README = path.join(__dirname, '..', '..', '..', 'README.md');
const SECTION = '## Troubleshooting: the browser console says ...';
const ENGINE_COLUMNS = { chromium: 'Chromium', firefox: 'Firefox', webkit: 'WebKit' };

const escapeRe = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Splits "| a | b |" into ["a", "b"]; a cell holds no "|".
const cells = (line) => line.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim());

// { problem: { chromium, firefox, webkit: message template or null } }, in the
// table's order.  Throws, saying what is wrong, when the table cannot be read.
function readTable(file = README) {
    const text = fs.readFileSync(file, 'utf8');
    const start = text.indexOf(`\n${SECTION}\n`);
    if (start < 0) {
        throw new Error(`${file}: no section "${SECTION}"`);
    }
    const rest = text.slice(start + SECTION.length + 2);
    const end = rest.search(/^## /m);
    const lines = (end < 0 ? rest : rest.slice(0, end)).split('\n');
    const first = lines.findIndex((l) => l.startsWith('|'));
    if (first < 0) {
        throw new Error(`${file}: no table in "${SECTION}"`);
    }
    const header = cells(lines[first]);
    const column = {};
    for (const [engine, name] of Object.entries({ problem: 'problem', ...ENGINE_COLUMNS })) {
        column[engine] = header.indexOf(name);
        if (column[engine] < 0) {
            throw new Error(`${file}: the troubleshooting table has no column "${name}"`);
        }
    }
    const rows = {};
    for (const line of lines.slice(first + 2)) {
        if (!line.startsWith('|')) {
            break;
        }
        const row = cells(line);
        const problem = row[column.problem];
        rows[problem] = {};
        for (const engine of Object.keys(ENGINE_COLUMNS)) {
            const cell = row[column[engine]] || '';
            const m = /^`([^`]+)`$/.exec(cell);
            if (!m && cell.includes('`')) {
                throw new Error(`${file}: troubleshooting row "${problem}", ${ENGINE_COLUMNS[engine]}: `
                                + 'one message in backquotes, nothing else');
            }
            rows[problem][engine] = m ? m[1] : null;
        }
    }
    return rows;
}

// The RegExp that a console line "type: MESSAGE" must match, the placeholders of the
// template replaced by vars.
function messageRe(template, vars) {
    const parts = template.split(/\{([a-z-]+)\}/);
    let re = '';
    parts.forEach((part, i) => {
        if (i % 2 === 0) {
            re += escapeRe(part);
        } else if (vars[part] === undefined) {
            throw new Error(`the message "${template}" has {${part}}, and the scenario gives no ${part}`);
        } else {
            re += escapeRe(String(vars[part]));
        }
    });
    return new RegExp(`^[a-z ]+: ${re}$`);
}

module.exports = { readTable, messageRe, README };
