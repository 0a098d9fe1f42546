/**
 * The control API over HTTP+JSON (node:http: a handful of routes needs no framework).
 * Bound to loopback by default; bound anywhere else it requires a bearer token on every
 * request. Bad input answers 400 with `{ "error": "..." }`; nothing a client sends can
 * take the emulator down. docs/faults.md has every route with curl examples.
 */
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { InputError } from '../faults/params';
import { Control } from './control';

export interface ControlServerOptions {
  host?: string;
  port?: number;
  /** Required when the host is not a loopback address. */
  token?: string;
  log: Logger;
}

export const MAX_BODY = 64 * 1024;

/** 127.0.0.0/8, ::1, localhost: nobody else can reach these. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::ffff:127.0.0.1';
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

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
  'POST /power': {
    run: (c, r) => {
      const action = typeof r.body === 'object' && r.body !== null ? (r.body as { action?: unknown }).action : undefined;
      return { power: c.power(action) };
    },
  },
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

  static async start(control: Control, opts: ControlServerOptions): Promise<ControlServer> {
    const host = opts.host ?? '127.0.0.1';
    if (!isLoopback(host) && !opts.token) throw new Error(`control API on ${host}: a non-loopback address needs a token (--control-token)`);
    const log = opts.log.child({ mod: 'control' });
    const server = http.createServer((req, res) => {
      void ControlServer.handle(control, opts.token, log, req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => log.error({ err: err.message }, 'control listener error'));
    const a = server.address() as AddressInfo;
    const url = `http://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`;
    log.info({ url, token: opts.token ? 'required' : 'none' }, 'control API listening');
    return new ControlServer(server, url);
  }

  private static async handle(control: Control, token: string | undefined, log: Logger, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    try {
      if (token !== undefined && !tokenMatches(req.headers.authorization, token)) throw new HttpError(401, 'missing or wrong token: send Authorization: Bearer <token>');
      const url = new URL(req.url ?? '/', 'http://control');
      const found = route(req.method ?? 'GET', url.pathname);
      if (!found) {
        const known = Object.keys(ROUTES).some((k) => k.endsWith(` ${url.pathname}`));
        throw new HttpError(known ? 405 : 404, known ? `${req.method} not allowed on ${url.pathname}` : `no route ${url.pathname} (GET / lists them)`);
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
