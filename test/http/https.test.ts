/**
 * HTTPS as the module does it (SSL-AN): AT+HTTPSSL=1 speaks TLS, the server certificate is
 * not verified (a test CA nobody loaded, a self-signed-by-another-CA certificate, a wrong
 * name all work), SNI carries the URL's host; and `--map host:443=http://…` points HTTPS
 * firmware at a plain local server, with `https://` targets for TLS servers.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { CertificateAuthority } from '../../src/broker/ca';
import { startDte, readyDte, type Dte } from '../helpers/dte';
import { action, initHttp, openBearer, reply, TestServer, untilLine, urc } from './server';

let dte: Dte;
const servers: TestServer[] = [];
afterEach(async () => {
  await dte?.close();
  for (const s of servers.splice(0)) await s.close();
});
const keep = (s: TestServer) => (servers.push(s), s);

describe('AT+HTTPSSL=1', () => {
  it('the SSL note §3.5 sequence byte for byte (echo on) against a local HTTPS server', async () => {
    const s = keep(await TestServer.https(['www.example.com']));
    s.route('/', reply(200, 'secure hello'));
    dte = await startDte({ map: [`www.example.com:443=127.0.0.1:${s.port}`] });
    await dte.exchange('AT');
    await openBearer(dte);
    const steps: [string, string][] = [
      ['AT+HTTPINIT', '\r\nOK\r\n'],
      ['AT+HTTPPARA="CID",1', '\r\nOK\r\n'],
      ['AT+HTTPPARA="URL","https://www.example.com"', '\r\nOK\r\n'],
      ['AT+HTTPSSL=1', '\r\nOK\r\n'],
    ];
    for (const [line, answer] of steps) expect(await dte.exchange(line)).toBe(`${line}\r${answer}`);
    dte.mark();
    dte.write('AT+HTTPACTION=0\r');
    expect(await untilLine(dte, '+HTTPACTION:')).toBe('AT+HTTPACTION=0\r\r\nOK\r\n\r\n+HTTPACTION: 0,200,12\r\n');
    expect(await dte.exchange('AT+HTTPREAD')).toBe('AT+HTTPREAD\r\r\n+HTTPREAD: 12\r\nsecure hello\r\nOK\r\n');
    expect(await dte.exchange('AT+HTTPTERM')).toBe('AT+HTTPTERM\r\r\nOK\r\n');
    const req = await s.next();
    expect(req.servername).toBe('www.example.com');
    expect(req.headers.host).toBe('www.example.com');
  });

  it('no verification: a certificate from a CA the module never saw, for another name, is accepted', async () => {
    const s = keep(await TestServer.https(['somebody.else.example'], CertificateAuthority.generate('unrelated CA')));
    s.route('/t', reply(200, 'accepted'));
    dte = await readyDte({ map: [`api.example.com=127.0.0.1:${s.port}`] });
    await openBearer(dte);
    await initHttp(dte, 'https://api.example.com/t');
    await dte.exchange('AT+HTTPSSL=1');
    expect(urc(await action(dte, 0))).toEqual([0, 200, 8]);
  });

  it('the scheme only picks the port: https:// without HTTPSSL=1 is plain HTTP to 443 (the TLS server answers: 600)', async () => {
    const s = keep(await TestServer.https());
    dte = await readyDte({ map: [`api.example.com:443=127.0.0.1:${s.port}`] });
    await openBearer(dte);
    await initHttp(dte, 'https://api.example.com/');
    expect(urc(await action(dte, 0))).toEqual([0, 600, 0]);
  });

  it('no scheme with HTTPSSL=1 goes to port 443; an address URL sends no SNI', async () => {
    const s = keep(await TestServer.https(['127.0.0.1']));
    s.route('/', reply(200, 'ip'));
    dte = await readyDte({ map: [`api.example.com:443=127.0.0.1:${s.port}`, `10.1.2.3:443=127.0.0.1:${s.port}`] });
    await openBearer(dte);
    await initHttp(dte, 'api.example.com');
    await dte.exchange('AT+HTTPSSL=1');
    expect(urc(await action(dte, 0))).toEqual([0, 200, 2]);
    expect((await s.next()).servername).toBe('api.example.com');
    await dte.exchange('AT+HTTPPARA="URL","https://10.1.2.3/"');
    expect(urc(await action(dte, 0))).toEqual([0, 200, 2]);
    expect((await s.next()).servername).toBeUndefined();
  });
});

describe('--map with a scheme', () => {
  it('host:443=http://… : HTTPS firmware against a plain local server; Host stays the production name', async () => {
    const s = keep(await TestServer.http());
    s.route('/telemetry', reply(200, 'plain'));
    dte = await readyDte({ map: [`api.example.com:443=http://127.0.0.1:${s.port}`] });
    await openBearer(dte);
    await initHttp(dte, 'https://api.example.com/telemetry');
    await dte.exchange('AT+HTTPSSL=1');
    expect(urc(await action(dte, 0))).toEqual([0, 200, 5]);
    const req = await s.next();
    expect([req.url, req.headers.host, req.servername]).toEqual(['/telemetry', 'api.example.com', undefined]);
  });

  it('host=https://… : TLS to the target even when the module speaks plain HTTP', async () => {
    const s = keep(await TestServer.https(['api.example.com']));
    s.route('/', reply(200, 'tls'));
    dte = await readyDte({ map: [`api.example.com=https://127.0.0.1:${s.port}`] });
    await openBearer(dte);
    await initHttp(dte, 'api.example.com/');
    expect(urc(await action(dte, 0))).toEqual([0, 200, 3]);
    expect((await s.next()).servername).toBe('api.example.com');
  });

  it('a rule for port 443 does not catch the same host on port 80', async () => {
    const s = keep(await TestServer.http());
    s.route('/', reply(200, 'p80'));
    const other = keep(await TestServer.http());
    other.route('/', reply(200, 'p443'));
    dte = await readyDte({ map: [`api.example.com:443=http://127.0.0.1:${other.port}`, `api.example.com:80=127.0.0.1:${s.port}`] });
    await openBearer(dte);
    await initHttp(dte, 'http://api.example.com/');
    expect(urc(await action(dte, 0))).toEqual([0, 200, 3]);
    expect(await dte.exchange('AT+HTTPREAD')).toBe('\r\n+HTTPREAD: 3\r\np80\r\nOK\r\n');
  });
});

describe('TLS failures', () => {
  it('a server that answers the handshake with a fatal alert (it wants a client certificate): 606,0', async () => {
    const pair = CertificateAuthority.generate('alert CA').issue(['api.example.com']);
    const srv = https.createServer({ cert: pair.cert, key: pair.key, requestCert: true, rejectUnauthorized: true, maxVersion: 'TLSv1.2' }, (_q, r) => r.end('never'));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    try {
      dte = await readyDte({ map: [`api.example.com=127.0.0.1:${(srv.address() as AddressInfo).port}`] });
      await openBearer(dte);
      await initHttp(dte, 'https://api.example.com/');
      await dte.exchange('AT+HTTPSSL=1');
      expect(urc(await action(dte, 0))).toEqual([0, 606, 0]);
    } finally {
      srv.closeAllConnections();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });
});

describe('a proxy (PROIP/PROPORT)', () => {
  /** A forwarding proxy that records what it was asked: absolute-form requests and CONNECT tunnels. */
  async function proxy(): Promise<{ port: number; seen: string[]; close(): Promise<void> }> {
    const seen: string[] = [];
    const sockets = new Set<net.Socket>();
    const p = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      const u = new URL(req.url!);
      const up = http.request({ host: '127.0.0.1', port: Number(u.port), method: req.method, path: u.pathname + u.search, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode!, r.headers);
        r.pipe(res);
      });
      req.pipe(up);
    });
    p.on('connection', (s) => {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    });
    p.on('connect', (req, client: net.Socket, head: Buffer) => {
      seen.push(`CONNECT ${req.url}`);
      const [, port] = req.url!.split(':');
      const up = net.connect(Number(port), '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        up.write(head);
        up.pipe(client);
        client.pipe(up);
      });
      up.on('error', () => client.destroy());
      client.on('error', () => up.destroy());
    });
    await new Promise<void>((r) => p.listen(0, '127.0.0.1', () => r()));
    return {
      port: (p.address() as AddressInfo).port,
      seen,
      close: async () => {
        for (const s of sockets) s.destroy();
        await new Promise<void>((r) => p.close(() => r()));
      },
    };
  }

  it('plain HTTP goes to the proxy with the absolute URL; HTTPS through a CONNECT tunnel; maps route the proxy address', async () => {
    const plain = keep(await TestServer.http());
    plain.route('/p', reply(200, 'via proxy'));
    const secure = keep(await TestServer.https(['127.0.0.1']));
    secure.route('/s', reply(200, 'tunnelled'));
    const px = await proxy();
    try {
      dte = await readyDte({ map: [`10.0.0.172:8080=127.0.0.1:${px.port}`] });
      await openBearer(dte);
      await initHttp(dte, `http://127.0.0.1:${plain.port}/p?q=1`);
      await dte.exchange('AT+HTTPPARA="PROIP","10.0.0.172"');
      await dte.exchange('AT+HTTPPARA="PROPORT",8080');
      expect(urc(await action(dte, 0))).toEqual([0, 200, 9]);
      await dte.exchange(`AT+HTTPPARA="URL","https://127.0.0.1:${secure.port}/s"`);
      await dte.exchange('AT+HTTPSSL=1');
      expect(urc(await action(dte, 0))).toEqual([0, 200, 9]);
      expect(px.seen).toEqual([`GET http://127.0.0.1:${plain.port}/p?q=1`, `CONNECT 127.0.0.1:${secure.port}`]);
      expect((await secure.next()).url).toBe('/s');
    } finally {
      await px.close();
    }
  });
});
