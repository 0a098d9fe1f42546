/**
 * Test servers for the HTTP family: a real HTTP or HTTPS server on 127.0.0.1:0 that
 * records every request it gets (method, path, raw headers in order, body bytes, the TLS
 * server name) and answers from a route table; plus the DTE helpers the HTTP tests share.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { CertificateAuthority } from '../../src/broker/ca';
import type { Dte } from '../helpers/dte';

export interface Received {
  method: string;
  /** The request target as sent: path and query, or an absolute URL through a proxy. */
  url: string;
  /** Header names and values in the order they came, names as sent. */
  rawHeaders: [string, string][];
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** SNI of an HTTPS request (undefined without SNI or over plain HTTP). */
  servername?: string;
  /** Resolves when the module's side of the connection is gone. */
  closed: Promise<void>;
}

export type Route = (req: Received, res: http.ServerResponse) => void;

/** A fixed answer: status, headers in order, body. No Date header, so texts are exact. */
export function reply(status: number, body: string | Buffer = '', headers: [string, string][] = []): Route {
  return (_req, res) => {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
    res.sendDate = false;
    res.writeHead(status, [...headers.flat(), 'Content-Length', String(bytes.length)]);
    res.end(bytes);
  };
}

export class TestServer {
  readonly requests: Received[] = [];
  private readonly routes = new Map<string, Route>();
  private readonly waiters: ((r: Received) => void)[] = [];
  private readonly sockets = new Set<net.Socket>();

  private constructor(readonly server: http.Server | https.Server, readonly scheme: 'http' | 'https') {
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => this.onRequest(req, res));
    server.on('connection', (s: net.Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
  }

  /** A plain HTTP server. */
  static async http(): Promise<TestServer> {
    return new TestServer(http.createServer(), 'http').listen();
  }

  /** An HTTPS server presenting a certificate for `names` signed by `ca` (a fresh CA by default). */
  static async https(names: string[] = ['api.example.com'], ca: CertificateAuthority = testCa()): Promise<TestServer> {
    const pair = ca.issue(names);
    return new TestServer(https.createServer({ cert: pair.cert, key: pair.key }), 'https').listen();
  }

  private listen(): Promise<this> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve(this)));
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Answers requests whose path (before `?`) is `path`; others get 404. */
  route(path: string, fn: Route): this {
    this.routes.set(path, fn);
    return this;
  }

  /** The next request not yet taken by next(), waiting for it within a time limit. */
  next(timeoutMs = 10_000): Promise<Received> {
    if (this.taken < this.requests.length) return Promise.resolve(this.requests[this.taken++]);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no request within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve(this.requests[this.taken++]);
      });
    });
  }
  private taken = 0;

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    const closed = new Promise<void>((r) => req.socket.once('close', () => r()));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw: [string, string][] = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) raw.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
      const got: Received = {
        method: req.method ?? '',
        url: req.url ?? '',
        rawHeaders: raw,
        headers: req.headers,
        body: Buffer.concat(chunks),
        servername: (req.socket as TLSSocket).servername || undefined,
        closed,
      };
      this.requests.push(got);
      this.waiters.shift()?.(got);
      const route = this.routes.get((req.url ?? '').replace(/^https?:\/\/[^/]+/i, '').split('?')[0] || '/');
      if (route) route(got, res);
      else reply(404, 'not found')(got, res);
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

let ca: CertificateAuthority | undefined;
/** One CA per test file (RSA generation takes a while). */
export function testCa(): CertificateAuthority {
  return (ca ??= CertificateAuthority.generate('sim800-emu HTTP test CA'));
}

/** A TCP server that answers every connection with these raw bytes (or nothing), for 600. */
export async function rawServer(answer: string | null): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.once('data', () => (answer === null ? s.destroy() : s.end(answer)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

// ---- DTE helpers ----------------------------------------------------------------------

/** Waits until the bytes since the last mark contain `text`; fails loudly after timeoutMs. */
export async function until(dte: Dte, text: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!dte.sinceMark().includes(text)) {
    if (Date.now() > deadline) throw new Error(`no ${JSON.stringify(text)} within ${timeoutMs} ms; got ${JSON.stringify(dte.sinceMark())}`);
    await new Promise((r) => setTimeout(r, 2));
  }
  await dte.settle();
  return dte.sinceMark();
}

/** Opens bearer 1 (APN CMNET) with the bytes consumed. */
export async function openBearer(dte: Dte, cid = 1): Promise<void> {
  for (const line of [`AT+SAPBR=3,${cid},"Contype","GPRS"`, `AT+SAPBR=3,${cid},"APN","CMNET"`, `AT+SAPBR=1,${cid}`]) {
    const got = await dte.exchange(line);
    if (!got.endsWith('OK\r\n')) throw new Error(`${line} answered ${JSON.stringify(got)}`);
  }
}

/** HTTPINIT, CID 1 and the URL, each checked for OK. */
export async function initHttp(dte: Dte, url: string): Promise<void> {
  for (const line of ['AT+HTTPINIT', 'AT+HTTPPARA="CID",1', `AT+HTTPPARA="URL","${url}"`]) {
    const got = await dte.exchange(line);
    if (!got.endsWith('OK\r\n')) throw new Error(`${line} answered ${JSON.stringify(got)}`);
  }
}

/** AT+HTTPACTION=<m>: the bytes up to and including its URC line. */
export async function action(dte: Dte, method: number, timeoutMs = 10_000): Promise<string> {
  dte.mark();
  dte.write(`AT+HTTPACTION=${method}\r`);
  return untilLine(dte, '+HTTPACTION: ', timeoutMs);
}

/** Waits until a whole line starting with `prefix` (its CR LF included) arrived since the mark. */
export async function untilLine(dte: Dte, prefix: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = dte.sinceMark();
    const i = s.indexOf(`\r\n${prefix}`);
    if (i >= 0 && s.indexOf('\r\n', i + 2) >= 0) {
      await dte.settle();
      return dte.sinceMark();
    }
    if (Date.now() > deadline) throw new Error(`no ${JSON.stringify(prefix)} line within ${timeoutMs} ms; got ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** The `+HTTPACTION: m,code,len` fields of the bytes an action produced. */
export function urc(bytes: string): [number, number, number] {
  const m = /\r\n\+HTTPACTION: (\d+),(\d+),(\d+)\r\n/.exec(bytes);
  if (!m) throw new Error(`no +HTTPACTION URC in ${JSON.stringify(bytes)}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}
