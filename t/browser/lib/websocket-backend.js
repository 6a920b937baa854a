'use strict';
// The WebSocket echo backend of the browser suite, with nothing but node's own net and
// crypto: the suite's httpd proxies to it (ProxyPass "@WS_BACKEND@/..."
// upgrade=websocket, mod_proxy_http).  It completes the opening handshake (RFC 6455),
// answers each text message "echo: MESSAGE" (one frame; browsers do not fragment short
// messages), a ping with a pong and a close with a close, and records each handshake it
// received (method, path, Origin): a handshake that mod_cors answers 403 never gets here.
// Like t/bin/websocket-backend.pl, which serves t/websocket.t.

const crypto = require('crypto');
const net = require('net');

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

function frame(opcode, payload) {
    const len = payload.length;
    let head;
    if (len < 126) {
        head = Buffer.from([0x80 | opcode, len]);
    } else if (len < 65536) {
        head = Buffer.alloc(4);
        head.writeUInt16BE(len, 2);
        head[1] = 126;
    } else {
        head = Buffer.alloc(10);
        head.writeBigUInt64BE(BigInt(len), 2);
        head[1] = 127;
    }
    head[0] = 0x80 | opcode;
    return Buffer.concat([head, payload]);
}

// Reads the frames complete in buf, answers them; returns what is left of buf, or null
// when the connection is closing.
function serveFrames(sock, buf) {
    for (;;) {
        if (buf.length < 2) {
            return buf;
        }
        const opcode = buf[0] & 0x0f;
        const masked = (buf[1] & 0x80) !== 0;
        let len = buf[1] & 0x7f;
        let off = 2;
        if (len === 126) {
            if (buf.length < 4) {
                return buf;
            }
            len = buf.readUInt16BE(2);
            off = 4;
        } else if (len === 127) {
            if (buf.length < 10) {
                return buf;
            }
            len = Number(buf.readBigUInt64BE(2));
            off = 10;
        }
        const maskLen = masked ? 4 : 0;
        if (buf.length < off + maskLen + len) {
            return buf;
        }
        const mask = buf.subarray(off, off + maskLen);
        const payload = Buffer.from(buf.subarray(off + maskLen, off + maskLen + len));
        if (masked) {
            for (let i = 0; i < len; i++) {
                payload[i] ^= mask[i & 3];
            }
        }
        buf = buf.subarray(off + maskLen + len);
        if (opcode === 1) {
            sock.write(frame(1, Buffer.concat([Buffer.from('echo: '), payload])));
        } else if (opcode === 9) {
            sock.write(frame(10, payload));
        } else if (opcode === 8) {
            // The close frame's status code goes back (RFC 6455, 5.5.1).
            sock.end(frame(8, payload.subarray(0, 2)));
            return null;
        }
    }
}

// Listens on a free loopback port.  Returns { url, handshakes, close() }.
function startWebSocketBackend() {
    const handshakes = [];
    const sockets = new Set();
    const server = net.createServer((sock) => {
        sockets.add(sock);
        sock.on('close', () => sockets.delete(sock));
        sock.on('error', () => {});
        let buf = Buffer.alloc(0);
        let open = false;
        sock.on('data', (data) => {
            if (buf === null) {
                return;
            }
            buf = Buffer.concat([buf, data]);
            if (!open) {
                const end = buf.indexOf('\r\n\r\n');
                if (end < 0) {
                    if (buf.length > 65536) {
                        sock.destroy();
                    }
                    return;
                }
                const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
                buf = buf.subarray(end + 4);
                const [method, target] = lines[0].split(' ');
                const fields = {};
                for (const line of lines.slice(1)) {
                    const m = /^([^:]+):\s*(.*?)\s*$/.exec(line);
                    if (m) {
                        fields[m[1].toLowerCase()] = m[2];
                    }
                }
                handshakes.push({ method, path: target, origin: fields.origin || null });
                if (!/\bwebsocket\b/i.test(fields.upgrade || '') || !fields['sec-websocket-key']) {
                    sock.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
                    buf = null;
                    return;
                }
                const accept = crypto.createHash('sha1')
                    .update(fields['sec-websocket-key'] + GUID).digest('base64');
                sock.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n'
                           + `Connection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
                open = true;
            }
            buf = serveFrames(sock, buf);
        });
    });
    return new Promise((resolve, reject) => {
        server.on('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const { port } = server.address();
            resolve({
                url: `http://127.0.0.1:${port}`,
                handshakes,
                close() {
                    for (const sock of sockets) {
                        sock.destroy();
                    }
                    return new Promise((done) => server.close(() => done()));
                },
            });
        });
    });
}

module.exports = { startWebSocketBackend };
