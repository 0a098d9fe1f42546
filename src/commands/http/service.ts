/**
 * The module's HTTP service, one per modem (docs/http.md, "State machine"): off until
 * AT+HTTPINIT; then the parameters, the SSL switch, the posted data, the last response;
 * at most one action at a time, whose result is the +HTTPACTION URC. It hears the modem's
 * lifecycle through the feature hooks: a power loss ends everything silently, a bearer
 * going down ends the action that rides on it with 601.
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import { writeFileAtomic } from '../../atomicFile';
import type { TimerHandle } from '../../clock';
import type { FeatureHooks } from '../../modem/feature';
import type { Modem } from '../../modem/modem';
import { BearerStatus } from '../../modem/bearer';
import { DEFAULT_PARAMS, maskUserdata, TAGS, userHeaders, type HttpParams } from './params';
import { ERROR_CODE, parseUrl, runHttp, showUrl, type HttpError, type HttpMethod, type HttpOutcome } from './request';

/** One action as the control API lists it. */
export interface HttpExchange {
  id: number;
  /** Modem-clock ms at the command. */
  t: number;
  method: HttpMethod;
  /** The URL as the firmware set it (a password masked). */
  url: string;
  /** Where the connection went after routing. */
  target: string;
  tls: boolean;
  /** The URC's code; null when no URC was sent (aborted). */
  status: number | null;
  sent: number;
  received: number;
  /** Command to URC (or to the abort), modem-clock ms. */
  ms: number;
  redirects: number;
  error?: HttpError;
}

export interface HttpSnapshot {
  initialised: boolean;
  ssl: number;
  action: { method: HttpMethod; url: string; since: number } | null;
  params: HttpParams;
}

interface Running {
  method: HttpMethod;
  cid: number;
  started: number;
  exchange: HttpExchange;
  controller: AbortController;
  timers: Set<TimerHandle>;
  /** Bytes done and remaining in the current direction, for AT+HTTPSTATUS?. */
  progress: { sending: boolean; done: number; remain: number };
  /** The result is known (its URC may still wait for httpActionMs). */
  settled: boolean;
}

/** How many finished exchanges the control API keeps. */
const KEEP_EXCHANGES = 500;
const CONTEXT_FILE = 'http-context.json';

export class HttpService implements FeatureHooks {
  initialised = false;
  params: HttpParams = { ...DEFAULT_PARAMS };
  ssl = 0;
  /** AT+HTTPDATA input: the POST body. */
  private postData: Buffer = Buffer.alloc(0);
  /** What AT+HTTPREAD reads: the last response body, or the HTTPDATA input until one comes. */
  private readBuffer: Buffer | null = null;
  /** What AT+HTTPHEAD shows. */
  private head: string | null = null;
  /** The last action's method (AT+HTTPSTATUS? shows it; GET after HTTPINIT). */
  lastMethod: HttpMethod = 'GET';
  private running: Running | null = null;
  private readonly log_: HttpExchange[] = [];
  private nextId = 1;
  /** AT+HTTPSCONT: flash; null when nothing was saved. */
  private saved: HttpParams | null | undefined;

  constructor(private readonly modem: Modem) {}

  // ---- the service ---------------------------------------------------------------------

  /** AT+HTTPINIT: false when already initialised. */
  init(): boolean {
    if (this.initialised) return false;
    this.initialised = true;
    this.params = { ...(this.savedContext() ?? DEFAULT_PARAMS) };
    this.ssl = 0;
    this.postData = Buffer.alloc(0);
    this.readBuffer = null;
    this.head = null;
    this.lastMethod = 'GET';
    return true;
  }

  /** AT+HTTPTERM: false when not initialised; a running action ends without a URC. */
  term(): boolean {
    if (!this.initialised) return false;
    this.abort();
    this.initialised = false;
    return true;
  }

  get busy(): boolean {
    return this.running !== null;
  }

  /** AT+HTTPDATA's bytes: the next POST's body, and what AT+HTTPREAD shows meanwhile (MAN). */
  setData(data: Buffer): void {
    this.postData = data;
    this.readBuffer = data;
  }

  /** What AT+HTTPREAD reads now: nothing while an action runs (LILY259). */
  readable(): Buffer | null {
    return this.running ? null : this.readBuffer;
  }

  headText(): string | null {
    return this.running ? null : this.head;
  }

  /** `<status>,<finish>,<remain>` of AT+HTTPSTATUS?. */
  status(): { method: HttpMethod; status: number; finish: number; remain: number } {
    const r = this.running;
    if (!r) return { method: this.lastMethod, status: 0, finish: 0, remain: 0 };
    return { method: r.method, status: r.progress.sending ? 2 : 1, finish: r.progress.done, remain: r.progress.remain };
  }

  // ---- the saved context (AT+HTTPSCONT) ------------------------------------------------------

  private contextFile(): string | null {
    return this.modem.stateDir ? path.join(this.modem.stateDir, CONTEXT_FILE) : null;
  }

  savedContext(): HttpParams | null {
    if (this.saved !== undefined) return this.saved;
    this.saved = null;
    const file = this.contextFile();
    if (file && fs.existsSync(file)) {
      try {
        const data = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<HttpParams>;
        const p: HttpParams = { ...DEFAULT_PARAMS };
        for (const t of TAGS) if (typeof data[t] === typeof DEFAULT_PARAMS[t]) (p as unknown as Record<string, unknown>)[t] = data[t];
        this.saved = p;
      } catch (err) {
        this.modem.log.warn({ file, err: (err as Error).message }, 'HTTP context file unreadable: ignored');
      }
    }
    return this.saved;
  }

  /** AT+HTTPSCONT: the current parameters to flash. */
  saveContext(): void {
    this.saved = { ...this.params };
    const file = this.contextFile();
    if (file) writeFileAtomic(file, JSON.stringify(this.saved, null, 2) + '\n');
  }

  // ---- an action ----------------------------------------------------------------------------

  /**
   * AT+HTTPACTION=<m>: starts the request (the command answers OK); the URC follows.
   * The caller checked the service is initialised, idle and has a URL.
   */
  start(method: HttpMethod): void {
    const m = this.modem;
    const p = this.params;
    const started = m.clock.now();
    const exchange: HttpExchange = { id: this.nextId++, t: started, method, url: showUrl(p.URL), target: '', tls: false, status: null, sent: 0, received: 0, ms: 0, redirects: 0 };
    const running: Running = { method, cid: p.CID, started, exchange, controller: new AbortController(), timers: new Set(), progress: { sending: true, done: 0, remain: 0 }, settled: false };
    this.running = running;
    this.lastMethod = method;
    this.readBuffer = null;
    this.head = null;
    this.record(exchange);

    const bearer = m.bearers.get(p.CID);
    if (!bearer || bearer.status !== BearerStatus.connected) {
      this.finish(running, { kind: 'error', error: 'bearer' });
      return;
    }
    const url = parseUrl(p.URL);
    if (!url) {
      this.finish(running, { kind: 'error', error: 'dns' });
      return;
    }
    const { headers, dropped } = userHeaders(p.USERDATA);
    if (dropped.length) m.log.warn({ lines: dropped.length }, 'USERDATA lines without "name: value" dropped');
    const proxy = p.PROIP !== '0.0.0.0' && p.PROPORT !== 0 ? { host: p.PROIP, port: p.PROPORT } : null;
    // TIMEOUT covers the whole action, on the modem's clock.
    this.after(running, p.TIMEOUT * 1000, () => {
      running.controller.abort();
      this.finish(running, { kind: 'error', error: 'timeout' });
    });
    void runHttp(
      {
        method,
        url,
        ssl: this.ssl === 1,
        ua: p.UA,
        content: p.CONTENT,
        extraHeaders: headers,
        body: this.postData,
        breakStart: p.BREAK,
        breakEnd: p.BREAKEND,
        redirect: p.REDIR === 1,
        proxy,
      },
      { router: m.router, faults: m.link?.http, progress: (pr) => void (running.progress = pr) },
      running.controller.signal,
    ).then((outcome) => {
      if (this.running !== running) return;
      // httpSlow: the response reaches the module later; TIMEOUT may still come first.
      const slow = m.link?.http?.delayMs ?? 0;
      if (slow > 0) this.after(running, slow, () => this.finish(running, { kind: 'done', outcome }));
      else this.finish(running, { kind: 'done', outcome });
    });
  }

  /** Ends an action: its result now, the URC no earlier than httpActionMs after the command. */
  private finish(running: Running, how: { kind: 'done'; outcome: HttpOutcome } | { kind: 'error'; error: Exclude<HttpError, 'aborted'> }): void {
    if (this.running !== running || running.settled) return;
    running.settled = true;
    const m = this.modem;
    for (const h of running.timers) m.clock.clearTimeout(h);
    running.timers.clear();
    const e = running.exchange;
    let code: number;
    let len = 0;
    if (how.kind === 'done') {
      const o = how.outcome;
      code = o.code;
      Object.assign(e, { target: o.target, tls: o.tls, redirects: o.redirects, sent: o.sentBytes });
      if (o.error) e.error = o.error;
      else {
        this.readBuffer = o.body;
        this.head = o.head;
        len = o.body.length;
        e.received = len;
      }
    } else {
      code = ERROR_CODE[how.error];
      e.error = how.error;
    }
    const wait = running.started + m.timing.delay('httpActionMs') - m.clock.now();
    const emit = () => {
      if (this.running !== running) return;
      this.running = null;
      e.status = code;
      e.ms = m.clock.now() - running.started;
      // The host only: paths and queries may carry tokens (a bot token in the path).
      m.log.info({ method: e.method, host: parseUrl(this.params.URL)?.host, status: code, ms: e.ms, error: e.error }, 'HTTP action');
      m.urc(`+HTTPACTION: ${METHOD_NUMBER[running.method]},${code},${len}`);
    };
    if (wait > 0) this.after(running, wait, emit);
    else emit();
  }

  private after(running: Running, ms: number, fn: () => void): void {
    const h = this.modem.clock.setTimeout(() => {
      running.timers.delete(h);
      fn();
    }, ms);
    running.timers.add(h);
  }

  /** Ends the running action without a URC (HTTPTERM, power). */
  private abort(): void {
    const r = this.running;
    if (!r) return;
    this.running = null;
    for (const h of r.timers) this.modem.clock.clearTimeout(h);
    r.controller.abort();
    if (r.exchange.status === null) {
      // No URC went out: the result (if any) is replaced by the abort.
      r.exchange.error = 'aborted';
      r.exchange.ms = this.modem.clock.now() - r.started;
    }
  }

  private record(e: HttpExchange): void {
    this.log_.push(e);
    if (this.log_.length > KEEP_EXCHANGES) this.log_.shift();
  }

  /** The exchanges after id `since`, oldest first (copies). */
  exchanges(since = 0): HttpExchange[] {
    return this.log_.filter((e) => e.id > since).map((e) => ({ ...e }));
  }

  // ---- the modem's lifecycle --------------------------------------------------------------

  reset(): void {
    this.abort();
    this.initialised = false;
  }

  bearerDown(cid: number): void {
    const r = this.running;
    if (r && r.cid === cid && !r.settled) {
      r.controller.abort();
      this.finish(r, { kind: 'error', error: 'bearer' });
    }
  }

  snapshot(): HttpSnapshot {
    const r = this.running;
    return {
      initialised: this.initialised,
      ssl: this.ssl,
      action: r ? { method: r.method, url: r.exchange.url, since: r.started } : null,
      params: { ...this.params, URL: showUrl(this.params.URL), USERDATA: maskUserdata(this.params.USERDATA) },
    };
  }
}

export const METHOD_NUMBER: Readonly<Record<HttpMethod, number>> = { GET: 0, POST: 1, HEAD: 2, DELETE: 3 };
