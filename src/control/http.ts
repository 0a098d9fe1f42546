/**
 * The control API over HTTP+JSON (node:http: a handful of routes needs no framework), the
 * live event streams (Server-Sent Events) and the control page's static files (`/ui/`).
 * Bound to loopback by default; bound anywhere else it requires a bearer token (16
 * characters or more) on every request for data. Bad input answers 400 with
 * `{ "error": "..." }`; nothing a client sends can take the emulator down. docs/faults.md
 * has every route with curl examples, docs/ui.md the page and the streams.
 *
 * One server serves one modem or a fleet: every modem route is also under
 * `/modems/<i>/…`; the unprefixed routes are modem 0's when there is one modem.
 *
 * Loopback without a token is still reachable from a web page the developer has open:
 * a page can POST a "simple" request (text/plain, a form) without a CORS preflight, and a
 * DNS-rebinding page reaches 127.0.0.1 under its own host name. So every POST must say
 * `Content-Type: application/json` (which a page cannot send without a preflight this
 * server never grants: 415 otherwise), without a token the `Host` header must be a
 * loopback name or address (421 otherwise), a request that changes something or opens a
 * stream and names an `Origin` must come from this server's own (403 otherwise), and the
 * page may not be framed by another (CSP frame-ancestors), so no other site can click
 * its buttons.
 */
import * as fs from 'node:fs';
import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { Logger } from 'pino';
import { lazy, zod } from '../schema';
import { InputError } from '../faults/params';
import { listenOrThrow, OptionError } from '../optionError';
import { checkBody } from './c2d';
import { Control } from './control';
import type { AtRecord } from '../at/engine';
import { UI_DIR } from './assets';
import { nodeCrypto, nodeHttp } from '../builtins';

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

/** An event stream whose client reads slower than this much piles up is closed (the page reconnects). */
export const STREAM_BACKLOG_MAX = 4 * 1024 * 1024;

/** Live state pushes are coalesced to one per this many milliseconds (host time). */
export const STATE_PUSH_MS = 100;

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

/**
 * An `Origin` header is this server's own when its host (and port) is the `Host` the
 * request was sent to; the scheme is not compared, so a TLS proxy that keeps `Host` works.
 */
export function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    return new URL(origin).host.toLowerCase() === host.trim().toLowerCase();
  } catch {
    return false;
  }
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const POWER_BODY = lazy(() =>
  zod().object({ action: zod().enum(['on', 'off', 'reboot'], { error: 'must be one of on, off, reboot' }) }, { error: '"action" must be one of on, off, reboot' }),
);

type Handler = (c: Control, req: { body: unknown; query: URLSearchParams; param: string }) => unknown | Promise<unknown>;

const num = (q: URLSearchParams, key: string): number | undefined => {
  const v = q.get(key);
  if (v === null) return undefined;
  if (!/^\d+$/.test(v)) throw new InputError(`query "${key}" must be a whole number`);
  return Number(v);
};

/**
 * One modem's routes: METHOD /path → handler; `:name` is the one path parameter. Status
 * 200 unless said. Each is also served under `/modems/<i>` (a fleet's modem i).
 */
const ROUTES: Readonly<Record<string, { run: Handler; status?: number }>> = {
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
  'POST /power': { run: (c, r) => ({ power: c.power(checkBody(POWER_BODY(), r.body).action) }) },
  'GET /timeline': { run: (c, r) => ({ entries: c.live().timeline(num(r.query, 'since')) }) },
  'GET /messages': { run: (c, r) => ({ messages: c.live().messages(num(r.query, 'since')) }) },
  'POST /dte': {
    run: (c, r) => {
      if (!c.dteInput) throw new HttpError(403, 'typing DTE lines is off: start the emulator with --control-dte');
      return c.typeLine(r.body);
    },
    status: 202,
  },
  // Answered by stream() (Server-Sent Events); listed here so routing and GET / know it.
  'GET /events': { run: () => undefined },
};

/** Routes of the server itself, not of one modem. */
const SERVER_ROUTES = ['GET /', 'GET /modems', 'GET /modems/events', 'GET /modems/<i>', 'GET /ui/'];

/** Every route, for `GET /`: the server's, each modem's, and the same under /modems/<i>. */
export function routeList(): string[] {
  const modem = Object.keys(ROUTES);
  return [...SERVER_ROUTES.slice(0, 1), ...modem, ...SERVER_ROUTES.slice(1), ...modem.map((k) => k.replace(' /', ' /modems/<i>/'))];
}

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
  return a.length === b.length && nodeCrypto().timingSafeEqual(a, b);
}

/** A browser asking for a page (a navigation), not a script asking for JSON. */
function wantsHtml(req: http.IncomingMessage): boolean {
  return /\btext\/html\b/.test(req.headers.accept ?? '');
}

const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * The page's own files only, and never framed by another site (its buttons change the
 * modem): a script from elsewhere, an inline script or a frame around it are refused.
 */
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/** A modem of the fleet in one row of the overview. */
export interface ModemSummary {
  index: number;
  label: string;
  t: number;
  power: string;
  sim: string;
  registration: string;
  signal: string;
  bearer: string;
  mqtt: string;
  tcpip: string;
  dte: string;
  clientId: string;
  faults: string[];
}

export function summaryOf(c: Control, index: number): ModemSummary {
  const lanes = c.live().lanes();
  const mqtt = (c.modem.snapshots() as { mqtt?: { clientId?: string } }).mqtt;
  return { index, label: c.label, t: c.modem.clock.now(), ...lanes, clientId: mqtt?.clientId ?? '', faults: c.faults.list().map((f) => f.name) };
}

/** One Server-Sent Events connection: `event: NAME` and one JSON line of data per event. */
class EventStream {
  private closed = false;
  private readonly cleanups: (() => void)[] = [];

  constructor(
    private readonly res: http.ServerResponse,
    private readonly log: Logger,
  ) {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no', connection: 'keep-alive' });
    // A comment now and then keeps proxies from timing the stream out.
    const keepAlive = setInterval(() => this.raw(': keep-alive\n\n'), 15_000);
    keepAlive.unref();
    this.onClose(() => clearInterval(keepAlive));
    res.on('close', () => this.close());
  }

  onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.cleanups.push(fn);
  }

  send(event: string, data: unknown): void {
    this.raw(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private raw(text: string): void {
    if (this.closed) return;
    if (this.res.writableLength > STREAM_BACKLOG_MAX) {
      this.log.warn({ backlog: this.res.writableLength }, 'event stream client too slow: closed');
      this.res.destroy();
      return;
    }
    this.res.write(text);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fn of this.cleanups.splice(0)) fn();
    if (!this.res.writableEnded) this.res.end();
  }
}

/** How much of the AT log a new stream replays (the page's console). */
const STREAM_LOG_REPLAY = 1000;

export class ControlServer {
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    private readonly streams: Set<EventStream>,
  ) {}

  /** Refuses what the server cannot safely start with (OptionError), before anything listens. */
  static checkOptions(opts: Omit<ControlServerOptions, 'log'>): void {
    const host = opts.host ?? '127.0.0.1';
    if (!isLoopback(host) && !opts.token) throw new OptionError('control.token', `control API on ${host}: a non-loopback address needs a token (--control-token)`);
    if (opts.token !== undefined && opts.token.length < MIN_TOKEN_LENGTH) {
      throw new OptionError('control.token', `control API token: ${opts.token.length} characters, at least ${MIN_TOKEN_LENGTH} are needed (--control-token)`);
    }
  }

  /** Serves one modem, or every modem of a fleet (modem i under /modems/<i>/…). */
  static async start(target: Control | readonly Control[], opts: ControlServerOptions): Promise<ControlServer> {
    ControlServer.checkOptions(opts);
    const modems = Array.isArray(target) ? (target as readonly Control[]) : [target as Control];
    const host = opts.host ?? '127.0.0.1';
    const port = opts.port ?? 0;
    const log = opts.log.child({ mod: 'control' });
    // The Host check guards loopback without a token; with a token, the token does.
    const checkHost = opts.token === undefined;
    const streams = new Set<EventStream>();
    const ctx: ServerContext = { modems, token: opts.token, checkHost, log, streams };
    const server = nodeHttp().createServer((req, res) => {
      void handle(ctx, req, res);
    });
    await listenOrThrow(server, host, port, 'control', { who: 'control API' });
    server.on('error', (err) => log.error({ err: err.message }, 'control listener error'));
    const a = server.address() as AddressInfo;
    const url = `http://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`;
    log.info({ url, token: opts.token ? 'required' : 'none', modems: modems.length }, 'control API listening');
    return new ControlServer(server, url, streams);
  }

  async stop(): Promise<void> {
    for (const s of this.streams) s.close();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

interface ServerContext {
  modems: readonly Control[];
  token: string | undefined;
  checkHost: boolean;
  log: Logger;
  streams: Set<EventStream>;
}

const staticCache = new Map<string, Buffer>();

/** `/ui/` and `/ui/<file>`: the page's files, from the package's ui/ folder. */
function serveStatic(pathname: string, res: http.ServerResponse): void {
  const name = pathname === '/ui/' ? 'index.html' : pathname.slice('/ui/'.length);
  const type = STATIC_TYPES[path.extname(name)];
  if (!/^[a-z0-9][a-z0-9.-]*$/i.test(name) || name.includes('..') || !type) throw new HttpError(404, `no file ${pathname}`);
  let body = staticCache.get(name);
  if (!body) {
    try {
      body = fs.readFileSync(path.join(UI_DIR, name));
    } catch {
      throw new HttpError(404, `no file ${pathname}`);
    }
    staticCache.set(name, body);
  }
  res.writeHead(200, { 'content-type': type, 'content-length': body.length, ...PAGE_HEADERS });
  res.end(body);
}

async function handle(ctx: ServerContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const send = (status: number, body: unknown) => {
    if (res.headersSent) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
    res.end(text);
  };
  const method = req.method ?? 'GET';
  try {
    // A client without a Host header is no browser; a browser always sends the page's.
    const hostHeader = req.headers.host;
    if (ctx.checkHost && hostHeader !== undefined && !isLoopbackHostHeader(hostHeader)) {
      throw new HttpError(421, `Host "${hostHeader}" is not a loopback name: without a token the control API answers only requests for localhost, 127.0.0.1 or [::1]`);
    }
    const url = new URL(req.url ?? '/', 'http://control');
    const pathname = url.pathname;
    // The page's files hold no data: a browser loads them without the token, which the page then asks for.
    if (method === 'GET' && (pathname === '/ui' || pathname === '/')) {
      if (pathname === '/ui' || wantsHtml(req)) {
        res.writeHead(302, { location: '/ui/', 'content-length': 0 });
        res.end();
        return;
      }
    }
    if (method === 'GET' && pathname.startsWith('/ui/')) return serveStatic(pathname, res);
    if (ctx.token !== undefined && !tokenMatches(req.headers.authorization, ctx.token)) throw new HttpError(401, 'missing or wrong token: send Authorization: Bearer <token>');
    const origin = req.headers.origin;
    const stream = method === 'GET' && /\/events$/.test(pathname);
    if (origin !== undefined && (method !== 'GET' || stream) && !sameOrigin(origin, hostHeader)) {
      throw new HttpError(403, `Origin "${origin}" is not this server's: the control API takes changes and streams from its own page only`);
    }

    if (method === 'GET' && pathname === '/') return send(200, { routes: routeList() });
    if (method === 'GET' && pathname === '/modems') return send(200, { modems: ctx.modems.map((c, i) => summaryOf(c, i)) });
    if (method === 'GET' && pathname === '/modems/events') return fleetStream(ctx, res);

    // /modems/<i>/rest → modem i's route `rest`; anything else is modem 0's when there is one.
    let control: Control;
    let index: number;
    let rest = pathname;
    const m = /^\/modems\/([^/]+)(\/.*)?$/.exec(pathname);
    if (m) {
      if (!/^\d+$/.test(m[1]) || Number(m[1]) >= ctx.modems.length) throw new HttpError(404, `no modem ${m[1]} (modems 0..${ctx.modems.length - 1})`);
      index = Number(m[1]);
      control = ctx.modems[index];
      rest = m[2] ?? '';
      if (rest === '' || rest === '/') {
        if (method !== 'GET') throw new HttpError(405, `${method} not allowed on ${pathname}`);
        return send(200, summaryOf(control, index));
      }
    } else {
      index = 0;
      control = ctx.modems[0];
    }
    const found = route(method, rest);
    if (!found) {
      const known = Object.keys(ROUTES).some((k) => k.endsWith(` ${rest}`));
      throw new HttpError(known ? 405 : 404, known ? `${method} not allowed on ${pathname}` : `no route ${pathname} (GET / lists them)`);
    }
    if (!m && ctx.modems.length > 1) throw new HttpError(404, `this control API serves ${ctx.modems.length} modems: use /modems/<i>${rest} (GET /modems lists them)`);
    if (method === 'POST' && !isJson(req.headers['content-type'])) {
      throw new HttpError(415, 'POST needs Content-Type: application/json');
    }
    if (found.key === 'GET /events') return modemStream(ctx, control, index, url.searchParams, res);
    const body = method === 'POST' ? await readBody(req) : undefined;
    const r = ROUTES[found.key];
    const out = await r.run(control, { body, query: url.searchParams, param: found.param });
    ctx.log.debug({ method, path: pathname }, 'control request');
    send(r.status ?? 200, out);
  } catch (err) {
    if (err instanceof HttpError) return send(err.status, { error: err.message });
    if (err instanceof InputError) return send(400, { error: err.message });
    ctx.log.error({ err: (err as Error).message }, 'control request failed');
    send(500, { error: (err as Error).message });
  }
}

/**
 * One modem, live: `hello` (which modem, whether DTE input is on, the fault catalog, the
 * modem clock), `state`, `backlog` (the AT log after `since`, the timeline, the MQTT
 * messages), then as they happen: `at`, `timeline`, `message`, `mqtt`, and `state` again
 * (at most every STATE_PUSH_MS).
 */
function modemStream(ctx: ServerContext, control: Control, index: number, query: URLSearchParams, res: http.ServerResponse): void {
  const since = num(query, 'since');
  const s = new EventStream(res, ctx.log);
  ctx.streams.add(s);
  s.onClose(() => ctx.streams.delete(s));
  const modem = control.modem;
  const feed = control.live();
  s.send('hello', {
    modem: index,
    modems: ctx.modems.length,
    label: control.label,
    dteInput: control.dteInput,
    t: modem.clock.now(),
    wall: modem.clock.wallNow(),
    catalog: Control.catalog(),
    routes: routeList(),
  });
  s.send('state', control.view());
  s.send('backlog', {
    at: control.log(since, since === undefined ? STREAM_LOG_REPLAY : undefined),
    timeline: feed.timeline(),
    messages: feed.messages(),
  });
  let timer: NodeJS.Timeout | null = null;
  const pushState = () => {
    timer ??= setTimeout(() => {
      timer = null;
      s.send('state', control.view());
    }, STATE_PUSH_MS);
  };
  // The AT log's own listener came first: its newest seq is this record's.
  const onAt = (r: AtRecord) => {
    s.send('at', { ...r, seq: control.atLog.last, t: modem.clock.now() });
    pushState();
  };
  const onTimeline = (e: unknown) => s.send('timeline', e);
  const onMessage = (e: unknown) => s.send('message', e);
  const onMqtt = (e: unknown) => s.send('mqtt', e);
  modem.on('at', onAt);
  feed.on('timeline', onTimeline);
  feed.on('message', onMessage);
  feed.on('mqtt', onMqtt);
  feed.on('touch', pushState);
  s.onClose(() => {
    if (timer) clearTimeout(timer);
    modem.off('at', onAt);
    feed.off('timeline', onTimeline);
    feed.off('message', onMessage);
    feed.off('mqtt', onMqtt);
    feed.off('touch', pushState);
  });
}

/** Every modem's summary (`modems`), then a modem's again (`modem`) whenever it changed. */
function fleetStream(ctx: ServerContext, res: http.ServerResponse): void {
  const s = new EventStream(res, ctx.log);
  ctx.streams.add(s);
  s.onClose(() => ctx.streams.delete(s));
  s.send('modems', ctx.modems.map((c, i) => summaryOf(c, i)));
  const pending = new Set<number>();
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    timer = null;
    for (const i of pending) s.send('modem', summaryOf(ctx.modems[i], i));
    pending.clear();
  };
  ctx.modems.forEach((c, i) => {
    const touch = () => {
      pending.add(i);
      timer ??= setTimeout(flush, STATE_PUSH_MS);
    };
    const feed = c.live();
    feed.on('touch', touch);
    s.onClose(() => feed.off('touch', touch));
  });
  s.onClose(() => {
    if (timer) clearTimeout(timer);
  });
}
