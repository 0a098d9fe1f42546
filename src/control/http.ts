/**
 * The control API over HTTP+JSON (node:http: a handful of routes needs no framework).
 * Bound to loopback by default; bound anywhere else it requires a bearer token (16
 * characters or more) on every request. Bad input answers 400 with `{ "error": "..." }`;
 * nothing a client sends can take the emulator down. docs/faults.md has every route with
 * curl examples.
 *
 * Loopback without a token is still reachable from a web page the developer has open:
 * a page can POST a "simple" request (text/plain, a form) without a CORS preflight, and a
 * DNS-rebinding page reaches 127.0.0.1 under its own host name. So every POST must say
 * `Content-Type: application/json` (which a page cannot send without a preflight this
 * server never grants: 415 otherwise), and without a token the `Host` header must be a
 * loopback name or address (421 otherwise).
 */
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { z } from 'zod';
import { InputError } from '../faults/params';
import { listenOrThrow, OptionError } from '../optionError';
import { checkBody } from './c2d';
import { Control } from './control';

export interface ControlServerOptions {
  host?: string;
  port?: number;
  /** Required when the host is not a loopback address. */
  token?: string;
  log: Logger;
}

export const MAX_BODY = 64 * 1024;

/** A shorter bearer token can be guessed by a client that may try as often as it likes. */
export const MIN_TOKEN_LENGTH = 16;

/** 127.0.0.0/8, ::1, localhost: nobody else can reach these. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::ffff:127.0.0.1';
}

/**
 * A `Host` header that names this machine by a loopback name or address (`localhost`,
 * `127.0.0.1:8080`, `[::1]:8080`), as every local client sends; a page that rebound its
 * own name to 127.0.0.1 sends that name instead.
 */
export function isLoopbackHostHeader(header: string): boolean {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::\d{1,5})?$/.exec(header.trim());
  if (!m) return false;
  const host = (m[1] ?? m[2]).toLowerCase();
  return isLoopback(host) || host.endsWith('.localhost');
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const POWER_BODY = z.object({ action: z.enum(['on', 'off', 'reboot'], { error: 'must be one of on, off, reboot' }) }, { error: '"action" must be one of on, off, reboot' });

type Handler = (c: Control, req: { body: unknown; query: URLSearchParams; param: string }) => unknown | Promise<unknown>;

const num = (q: URLSearchParams, key: string): number | undefined => {
  const v = q.get(key);
  if (v === null) return undefined;
  if (!/^\d+$/.test(v)) throw new InputError(`query "${key}" must be a whole number`);
  return Number(v);
};

/** METHOD /path → handler; `:name` is the one path parameter. Status 200 unless said. */
const ROUTES: Readonly<Record<string, { run: Handler; status?: number }>> = {
  'GET /': { run: () => ({ routes: Object.keys(ROUTES) }) },
  'GET /state': { run: (c) => c.state() },
  'GET /faults': { run: (c) => ({ active: c.faults.list(), catalog: Control.catalog() }) },
  'POST /faults': { run: (c, r) => ({ active: c.inject(r.body) }), status: 201 },
  'DELETE /faults': { run: (c) => (c.faults.clearAll(), { active: [] }) },
  'DELETE /faults/:name': {
    run: (c, r) => {
      if (!c.clear(r.param)) throw new HttpError(404, `fault "${r.param}" is not active`);
      return { cleared: r.param };
    },
  },
  'POST /c2d': { run: async (c, r) => (await c.c2d(r.body), { sent: true }), status: 202 },
  'POST /azure/c2d': { run: async (c, r) => c.azureC2d(r.body), status: 202 },
  'GET /published': {
    run: (c, r) => {
      const source = r.query.get('source') ?? undefined;
      if (source !== undefined && source !== 'device' && source !== 'cloud') throw new InputError('query "source" must be device or cloud');
      return { messages: c.published({ topic: r.query.get('topic') ?? undefined, source, since: num(r.query, 'since') }) };
    },
  },
  'GET /log': { run: (c, r) => ({ entries: c.log(num(r.query, 'since'), num(r.query, 'limit')) }) },
  'POST /sms': { run: (c, r) => c.sms.send(r.body), status: 201 },
  'GET /sms': { run: (c, r) => ({ messages: c.sms.sent({ to: r.query.get('to') ?? undefined, since: num(r.query, 'since') }) }) },
  'POST /call': { run: (c, r) => c.calls.call(r.body), status: 201 },
  'GET /calls': { run: (c) => ({ calls: c.calls.list() }) },
  'POST /calls/:name': {
    run: (c, r) => {
      const call = c.calls.act(r.param, r.body);
      if (!call) throw new HttpError(404, `no call "${r.param}"`);
      return { call };
    },
  },
  'POST /ussd': { run: (c, r) => c.ussd.set(r.body), status: 201 },
  'GET /ussd': { run: (c) => c.ussd.state() },
  'GET /http': { run: (c, r) => ({ exchanges: c.http({ since: num(r.query, 'since') }) }) },
  'POST /power': { run: (c, r) => ({ power: c.power(checkBody(POWER_BODY, r.body).action) }) },
};

function route(method: string, pathname: string): { key: string; param: string } | null {
  if (ROUTES[`${method} ${pathname}`]) return { key: `${method} ${pathname}`, param: '' };
  const m = /^(\/[a-z0-9]+)\/([^/]+)$/i.exec(pathname);
  if (m && ROUTES[`${method} ${m[1]}/:name`]) return { key: `${method} ${m[1]}/:name`, param: decodeURIComponent(m[2]) };
  return null;
}

function readBody(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) reject(new HttpError(413, `body larger than ${MAX_BODY} bytes`));
      else chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch (err) {
        reject(new InputError(`invalid JSON: ${(err as Error).message}`));
      }
    });
    req.on('error', reject);
  });
}

/** `application/json`, with or without parameters (`; charset=utf-8`). */
function isJson(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0].trim().toLowerCase() === 'application/json';
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1]);
  const b = Buffer.from(token);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

export class ControlServer {
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  /** Refuses what the server cannot safely start with (OptionError), before anything listens. */
  static checkOptions(opts: Omit<ControlServerOptions, 'log'>): void {
    const host = opts.host ?? '127.0.0.1';
    if (!isLoopback(host) && !opts.token) throw new OptionError('control.token', `control API on ${host}: a non-loopback address needs a token (--control-token)`);
    if (opts.token !== undefined && opts.token.length < MIN_TOKEN_LENGTH) {
      throw new OptionError('control.token', `control API token: ${opts.token.length} characters, at least ${MIN_TOKEN_LENGTH} are needed (--control-token)`);
    }
  }

  static async start(control: Control, opts: ControlServerOptions): Promise<ControlServer> {
    ControlServer.checkOptions(opts);
    const host = opts.host ?? '127.0.0.1';
    const port = opts.port ?? 0;
    const log = opts.log.child({ mod: 'control' });
    // The Host check guards loopback without a token; with a token, the token does.
    const checkHost = opts.token === undefined;
    const server = http.createServer((req, res) => {
      void ControlServer.handle(control, opts.token, checkHost, log, req, res);
    });
    await listenOrThrow(server, host, port, 'control', { who: 'control API' });
    server.on('error', (err) => log.error({ err: err.message }, 'control listener error'));
    const a = server.address() as AddressInfo;
    const url = `http://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`;
    log.info({ url, token: opts.token ? 'required' : 'none' }, 'control API listening');
    return new ControlServer(server, url);
  }

  private static async handle(control: Control, token: string | undefined, checkHost: boolean, log: Logger, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    try {
      if (token !== undefined && !tokenMatches(req.headers.authorization, token)) throw new HttpError(401, 'missing or wrong token: send Authorization: Bearer <token>');
      // A client without a Host header is no browser; a browser always sends the page's.
      const hostHeader = req.headers.host;
      if (checkHost && hostHeader !== undefined && !isLoopbackHostHeader(hostHeader)) {
        throw new HttpError(421, `Host "${hostHeader}" is not a loopback name: without a token the control API answers only requests for localhost, 127.0.0.1 or [::1]`);
      }
      const url = new URL(req.url ?? '/', 'http://control');
      const found = route(req.method ?? 'GET', url.pathname);
      if (!found) {
        const known = Object.keys(ROUTES).some((k) => k.endsWith(` ${url.pathname}`));
        throw new HttpError(known ? 405 : 404, known ? `${req.method} not allowed on ${url.pathname}` : `no route ${url.pathname} (GET / lists them)`);
      }
      if (req.method === 'POST' && !isJson(req.headers['content-type'])) {
        throw new HttpError(415, 'POST needs Content-Type: application/json');
      }
      const body = req.method === 'POST' ? await readBody(req) : undefined;
      const r = ROUTES[found.key];
      const out = await r.run(control, { body, query: url.searchParams, param: found.param });
      log.debug({ method: req.method, path: url.pathname }, 'control request');
      send(r.status ?? 200, out);
    } catch (err) {
      if (err instanceof HttpError) return send(err.status, { error: err.message });
      if (err instanceof InputError) return send(400, { error: err.message });
      log.error({ err: (err as Error).message }, 'control request failed');
      send(500, { error: (err as Error).message });
    }
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
