/**
 * One AT+HTTPACTION as real HTTP (docs/http.md, "The request on the wire"): the URL as
 * the module reads it, routing (`--map`), DNS, the TCP connection, TLS when the module
 * (or a map rule) says so, a proxy when PROIP/PROPORT name one, the request head in the
 * module's order, redirects, and every failure mapped to the module's 60x code.
 *
 * Node's http client parses the response; the connection is ours (createConnection), so
 * routing, TLS, faults and aborts stay under the family's control.
 */
import type * as http from 'node:http';
import * as net from 'node:net';
import type * as tls from 'node:tls';
import type { BrokerRouter, HttpTarget } from '../../net/routing';
import type { HttpLinkFaults } from '../../modem/modem';
import { nodeDns, nodeHttp, nodeTls } from '../../builtins';

export type HttpMethod = 'GET' | 'POST' | 'HEAD' | 'DELETE';
export const METHODS: readonly HttpMethod[] = ['GET', 'POST', 'HEAD', 'DELETE'];

/** The response buffer of the module: a larger body is 602 (MAN: HTTPREAD up to 318976 bytes). */
export const MAX_BODY = 318976;
export const MAX_REDIRECTS = 10;

/** Why an action failed, as the control API names it. */
export type HttpError = 'bearer' | 'dns' | 'connect' | 'timeout' | 'not-http' | 'too-large' | 'tls' | 'alert' | 'aborted';

/** The module's own +HTTPACTION codes (MAN, SSL-AN) for each failure. */
export const ERROR_CODE: Readonly<Record<Exclude<HttpError, 'aborted'>, number>> = {
  'not-http': 600,
  bearer: 601,
  connect: 601,
  timeout: 601,
  'too-large': 602,
  dns: 603,
  tls: 605,
  alert: 606,
};

export interface HttpUrl {
  scheme?: 'http' | 'https';
  host: string;
  /** Explicit port of the URL, if any. */
  port?: number;
  /** Path and query, at least `/`. */
  path: string;
  /** `user[:password]` before `@` (masked in views, not sent). */
  userinfo?: string;
}

const URL_RE = /^(?:([a-z][a-z0-9+.-]*):\/\/)?(?:([^@/?#]*)@)?(\[[0-9a-f:.]+\]|[^:/?#]*)(?::(\d{1,5}))?([/?][^#]*)?(#.*)?$/i;
const HOST_RE = /^[A-Za-z0-9_.-]+$/;

/** The URL as the module reads it; null when it names no usable host (the action says 603). */
export function parseUrl(text: string): HttpUrl | null {
  const m = URL_RE.exec(text.trim());
  if (!m) return null;
  const scheme = m[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') return null;
  let host = m[3];
  if (host.startsWith('[')) host = host.slice(1, -1);
  else if (!HOST_RE.test(host)) return null;
  if (host === '') return null;
  const port = m[4] === undefined ? undefined : Number(m[4]);
  if (port !== undefined && (port < 1 || port > 65535)) return null;
  let path = m[5] ?? '/';
  if (path.startsWith('?')) path = '/' + path;
  return { scheme, host, port, path, userinfo: m[2] || undefined };
}

/** The port the URL means: its own, else the scheme's, else 443 with HTTPSSL=1 (docs/http.md). */
export function effectivePort(u: HttpUrl, ssl: boolean): number {
  if (u.port !== undefined) return u.port;
  if (u.scheme) return u.scheme === 'https' ? 443 : 80;
  return ssl ? 443 : 80;
}

/** `host[:port]` for the Host header: the port only when it is not the one the URL implies. */
export function hostHeader(u: HttpUrl, ssl: boolean): string {
  const implied = u.scheme ? (u.scheme === 'https' ? 443 : 80) : ssl ? 443 : 80;
  const host = net.isIPv6(u.host) ? `[${u.host}]` : u.host;
  return u.port === undefined || u.port === implied ? host : `${host}:${u.port}`;
}

/** The URL for views, with a password masked. */
export function showUrl(text: string): string {
  return text.replace(/^((?:[a-z][a-z0-9+.-]*:\/\/)?[^@/?#:]*:)[^@/?#]*@/i, '$1***@');
}

/** What one action asks for. */
export interface HttpRequestSpec {
  method: HttpMethod;
  url: HttpUrl;
  /** AT+HTTPSSL. */
  ssl: boolean;
  ua: string;
  content: string;
  /** USERDATA lines, already checked. */
  extraHeaders: [string, string][];
  /** POST body (the HTTPDATA input). */
  body: Buffer;
  breakStart: number;
  breakEnd: number;
  redirect: boolean;
  proxy: { host: string; port: number } | null;
}

export interface HttpEnvironment {
  router?: BrokerRouter;
  faults?: HttpLinkFaults;
  /** Progress for AT+HTTPSTATUS?. */
  progress(p: { sending: boolean; done: number; remain: number }): void;
}

export interface HttpOutcome {
  /** The server's status, or the module's 60x code. */
  code: number;
  error?: Exclude<HttpError, 'aborted'>;
  body: Buffer;
  /** The response head as HTTPHEAD shows it (lower case), '' without a response. */
  head: string;
  /** Where the last connection went, for views (`http://127.0.0.1:8080`). */
  target: string;
  tls: boolean;
  redirects: number;
  sentBytes: number;
}

class Failure extends Error {
  constructor(readonly kind: Exclude<HttpError, 'aborted'>, message: string) {
    super(message);
  }
}

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

/** Runs the action to its end (following redirects); never rejects: failures are outcomes. */
export async function runHttp(spec: HttpRequestSpec, env: HttpEnvironment, signal: AbortSignal): Promise<HttpOutcome> {
  let url = spec.url;
  let method = spec.method;
  let body: Buffer | null = method === 'POST' ? spec.body : null;
  let redirects = 0;
  let target = '';
  let tlsUsed = false;
  for (;;) {
    let hop: HopResult;
    try {
      hop = await oneHop({ ...spec, url, method }, body, env, signal, (t, secure) => {
        target = t;
        tlsUsed = secure;
      });
    } catch (err) {
      const f = err instanceof Failure ? err : new Failure('connect', (err as Error).message);
      return { code: ERROR_CODE[f.kind], error: f.kind, body: Buffer.alloc(0), head: '', target, tls: tlsUsed, redirects, sentBytes: body?.length ?? 0 };
    }
    const location = hop.location;
    if (spec.redirect && REDIRECT_CODES.has(hop.status) && location !== undefined && redirects < MAX_REDIRECTS) {
      const next = resolveLocation(url, location, spec.ssl);
      if (next) {
        redirects++;
        url = next;
        if (hop.status !== 307 && hop.status !== 308 && method !== 'HEAD') {
          method = 'GET';
          body = null;
        }
        continue;
      }
    }
    const result = method === 'HEAD' ? Buffer.from(hop.head, 'latin1') : hop.body;
    return { code: hop.status, body: result, head: hop.head, target, tls: tlsUsed, redirects, sentBytes: body?.length ?? 0 };
  }
}

/** A Location against the current URL; the scheme only picks the port, as for the first URL. */
function resolveLocation(current: HttpUrl, location: string, ssl: boolean): HttpUrl | null {
  const scheme = current.scheme ?? (ssl ? 'https' : 'http');
  const base = `${scheme}://${net.isIPv6(current.host) ? `[${current.host}]` : current.host}:${effectivePort(current, ssl)}${current.path}`;
  try {
    const u = new URL(location, base);
    return parseUrl(`${u.protocol}//${u.host}${u.pathname}${u.search}`);
  } catch {
    return null;
  }
}

interface HopResult {
  status: number;
  head: string;
  body: Buffer;
  location?: string;
}

/** One request and its response. Throws a Failure. */
async function oneHop(
  spec: HttpRequestSpec,
  body: Buffer | null,
  env: HttpEnvironment,
  signal: AbortSignal,
  dialled: (target: string, tls: boolean) => void,
): Promise<HopResult> {
  const { url } = spec;
  const port = effectivePort(url, spec.ssl);
  // Through a proxy the module talks plain TCP to it; TLS (if any) goes inside a CONNECT tunnel.
  const via: HttpTarget = spec.proxy ? route(env, spec.proxy, false) : route(env, { host: url.host, port }, spec.ssl);
  const tunnel = spec.proxy !== null && spec.ssl;
  const useTls = spec.proxy ? via.tls || tunnel : via.tls;
  dialled(`${via.tls ? 'https' : 'http'}://${net.isIPv6(via.host) ? `[${via.host}]` : via.host}:${via.port}`, useTls);
  if (env.faults?.down) throw new Failure('connect', 'fault httpDown: connection refused');

  let socket: net.Socket | tls.TLSSocket = await connect(via, signal);
  try {
    if (via.tls && spec.proxy) socket = await startTls(socket, spec.proxy.host, signal);
    if (tunnel) {
      await openTunnel(socket, url.host, port, signal);
      socket = await startTls(socket, url.host, signal);
    } else if (!spec.proxy && via.tls) {
      socket = await startTls(socket, url.host, signal);
    }
  } catch (err) {
    socket.destroy();
    throw err;
  }
  const absolute = spec.proxy !== null && !spec.ssl;
  const path = absolute ? `http://${hostHeader(url, false)}${url.path}` : url.path;
  return exchange(socket, spec, body, path, env, signal);
}

function route(env: HttpEnvironment, dest: { host: string; port: number }, tlsWanted: boolean): HttpTarget {
  return env.router ? env.router.routeHttp(dest, tlsWanted) : { ...dest, tls: tlsWanted };
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA', 'ENODATA']);

/** Resolves (a DNS failure is 603) and connects (a refusal or reset is 601). */
async function connect(to: { host: string; port: number }, signal: AbortSignal): Promise<net.Socket> {
  let address = to.host;
  if (!net.isIP(to.host)) {
    try {
      address = (await nodeDns().promises.lookup(to.host)).address;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      throw new Failure(DNS_CODES.has(code) ? 'dns' : 'connect', `resolve ${to.host}: ${code || (err as Error).message}`);
    }
  }
  if (signal.aborted) throw new Failure('timeout', 'aborted');
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: address, port: to.port });
    const abort = () => {
      s.destroy();
      reject(new Failure('timeout', 'aborted'));
    };
    signal.addEventListener('abort', abort, { once: true });
    s.once('connect', () => {
      signal.removeEventListener('abort', abort);
      s.removeAllListeners('error');
      s.on('error', () => undefined); // the exchange reports what follows
      s.setNoDelay(true);
      resolve(s);
    });
    s.once('error', (err) => {
      signal.removeEventListener('abort', abort);
      reject(new Failure('connect', `connect ${to.host}:${to.port}: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
    });
  });
}

/**
 * TLS as the module does it: no certificate check (docs/decisions.md, HTTP), SNI for
 * names. A fatal alert from the server is 606, any other handshake failure 605.
 */
function startTls(socket: net.Socket, servername: string, signal: AbortSignal): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const t = nodeTls().connect({ socket, servername: net.isIP(servername) ? undefined : servername, rejectUnauthorized: false });
    const abort = () => {
      t.destroy();
      reject(new Failure('timeout', 'aborted'));
    };
    signal.addEventListener('abort', abort, { once: true });
    t.once('secureConnect', () => {
      signal.removeEventListener('abort', abort);
      t.removeAllListeners('error');
      t.on('error', () => undefined);
      resolve(t);
    });
    t.once('error', (err) => {
      signal.removeEventListener('abort', abort);
      t.destroy();
      reject(new Failure(/alert/i.test(err.message) ? 'alert' : 'tls', `TLS: ${err.message}`));
    });
  });
}

/** `CONNECT host:port` through a proxy; anything but 2xx fails the connection (601). */
function openTunnel(socket: net.Socket, host: string, port: number, signal: AbortSignal): Promise<void> {
  const authority = `${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const done = (err?: Failure) => {
      socket.off('data', onData);
      socket.off('close', onClose);
      signal.removeEventListener('abort', abort);
      if (err) reject(err);
      else resolve();
    };
    const onData = (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) return;
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(got.subarray(0, end).toString('latin1'));
      if (end + 4 < got.length) socket.unshift(got.subarray(end + 4));
      done(status && status[1].startsWith('2') ? undefined : new Failure('connect', `proxy refused CONNECT ${authority}`));
    };
    const onClose = () => done(new Failure('connect', 'proxy closed the connection'));
    const abort = () => done(new Failure('timeout', 'aborted'));
    socket.on('data', onData);
    socket.once('close', onClose);
    signal.addEventListener('abort', abort, { once: true });
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
  });
}

/** The request head in the module's order (docs/http.md). */
export function requestHeaders(spec: HttpRequestSpec, body: Buffer | null): [string, string][] {
  const h: [string, string][] = [
    ['Host', hostHeader(spec.url, spec.ssl)],
    ['User-Agent', spec.ua],
  ];
  if (spec.content) h.push(['Content-Type', spec.content]);
  if (spec.method === 'POST') h.push(['Content-Length', String(body?.length ?? 0)]);
  if (spec.method === 'GET' && (spec.breakStart !== 0 || spec.breakEnd !== 0)) {
    h.push(['Range', `bytes=${spec.breakStart}-${spec.breakEnd > spec.breakStart ? spec.breakEnd : ''}`]);
  }
  h.push(...spec.extraHeaders, ['Connection', 'close']);
  return h;
}

/** Sends the request on the connection and reads the response (a body over MAX_BODY: 602). */
function exchange(socket: net.Socket, spec: HttpRequestSpec, body: Buffer | null, path: string, env: HttpEnvironment, signal: AbortSignal): Promise<HopResult> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err: Failure | null, r?: HopResult) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', abort);
      socket.destroy();
      if (err) reject(err);
      else resolve(r!);
    };
    const abort = () => {
      req.destroy();
      finish(new Failure('timeout', 'aborted'));
    };
    const headers = requestHeaders(spec, body).flat();
    const req = nodeHttp().request({ method: spec.method, path, headers, createConnection: () => socket, setHost: false });
    signal.addEventListener('abort', abort, { once: true });
    let responded = false;
    req.on('error', (err: NodeJS.ErrnoException) => {
      // Before any response: the peer did not speak HTTP (or hung up); after: the link broke.
      // A TLS alert can also end a session after the handshake (TLS 1.3 servers send theirs late).
      const kind = /alert/i.test(err.message) ? 'alert' : responded ? 'connect' : 'not-http';
      finish(new Failure(kind, `${err.code ?? ''} ${err.message}`.trim()));
    });
    req.on('response', (res: http.IncomingMessage) => {
      responded = true;
      const total = Number(res.headers['content-length'] ?? 0) || 0;
      const chunks: Buffer[] = [];
      let got = 0;
      env.progress({ sending: false, done: 0, remain: total });
      res.on('data', (c: Buffer) => {
        got += c.length;
        if (got > MAX_BODY) {
          finish(new Failure('too-large', `body over ${MAX_BODY} bytes`));
          res.destroy();
          return;
        }
        chunks.push(c);
        env.progress({ sending: false, done: got, remain: Math.max(0, total - got) });
      });
      res.on('end', () => {
        const headLines = [`http/${res.httpVersion} ${res.statusCode} ${res.statusMessage ?? ''}`.trimEnd()];
        for (let i = 0; i < res.rawHeaders.length; i += 2) headLines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
        const head = headLines.map((l) => `${l.toLowerCase()}\r\n`).join('');
        const loc = res.headers.location;
        finish(null, { status: res.statusCode ?? 0, head, body: Buffer.concat(chunks), location: typeof loc === 'string' ? loc : undefined });
      });
      res.on('aborted', () => finish(new Failure('connect', 'response aborted')));
      res.on('error', () => finish(new Failure('connect', 'response error')));
    });
    env.progress({ sending: true, done: 0, remain: body?.length ?? 0 });
    // Once the request is out the module is receiving, even before the first response byte.
    req.once('finish', () => {
      if (!responded) env.progress({ sending: false, done: 0, remain: 0 });
    });
    req.end(body ?? undefined);
  });
}
