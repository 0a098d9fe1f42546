/**
 * A small DTE-side client, the way firmware talks to the module: send a command line,
 * collect the lines up to its final result code; wait for a URC. Used by our tests and
 * offered to users' tests (`import { DteClient } from 'sim800-emu'`).
 */
import * as net from 'node:net';
import type { Duplex } from 'node:stream';

export interface AtResponse {
  /** Information lines, without the echo and without the final result code. */
  lines: string[];
  /** The final result line: OK, ERROR, +CME ERROR: n, SHUT OK, or '>' for a data prompt. */
  final: string;
  /** True for OK (and other success finals such as SHUT OK). */
  ok: boolean;
  /** Every byte received for this command, echo included, as latin1 text. */
  raw: string;
}

const FINAL_LINES = new Set(['OK', 'ERROR', 'SHUT OK', 'CLOSE OK', 'NO CARRIER', 'BUSY', 'NO ANSWER', 'NO DIALTONE']);
/** OK, ERROR, `+CME ERROR: <n>`, `+CMS ERROR: <n>` and the other final result codes. */
const isFinal = (line: string) => FINAL_LINES.has(line) || (line.length > 12 && (line.startsWith('+CME ERROR: ') || line.startsWith('+CMS ERROR: ')));
const SUCCESS = new Set(['OK', 'SHUT OK', 'CLOSE OK']);
/** A `> ` data prompt at the end of what has come, on a line of its own. */
const PROMPT_AT_END = /(^|\r\n)> $/;

interface Waiter {
  from: number;
  match: (line: string) => boolean;
  resolve: (line: string) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class DteClient {
  /** Every complete line received, in order (empty lines dropped). */
  readonly lines: string[] = [];
  private rawText = '';
  private partial = '';
  private cursor = 0; // waitFor() consumes lines from here
  private waiters: Waiter[] = [];
  private promptSeen = false;
  private closed = false;

  constructor(readonly stream: Duplex) {
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('close', () => {
      this.closed = true;
      for (const w of this.dataWaiters.splice(0)) w();
      for (const w of this.waiters.splice(0)) {
        clearTimeout(w.timer);
        w.reject(new Error('connection closed'));
      }
    });
    stream.on('error', () => undefined);
  }

  static connectTcp(port: number, host = '127.0.0.1'): Promise<DteClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host);
      socket.once('connect', () => {
        socket.off('error', reject);
        socket.setNoDelay(true);
        resolve(new DteClient(socket));
      });
      socket.once('error', reject);
    });
  }

  /** All bytes received so far as latin1 text. */
  get received(): string {
    return this.rawText;
  }

  private dataWaiters: (() => void)[] = [];

  private onData(chunk: Buffer): void {
    const text = chunk.toString('latin1');
    this.rawText += text;
    const partial = this.partial + text;
    if (partial.includes('> ') && PROMPT_AT_END.test(partial)) this.promptSeen = true;
    // Each line sliced once, the rest once: a load test reads from 10 000 of these. What
    // was left over holds no CR or LF, so the scan starts at the new text.
    let from = 0;
    for (let i = this.partial.length; i < partial.length; i++) {
      const c = partial.charCodeAt(i);
      if (c !== 0x0d && c !== 0x0a) continue;
      if (i > from) this.pushLine(partial.slice(from, i));
      from = i + 1;
    }
    this.partial = from === 0 ? partial : partial.slice(from);
    this.wakeDataWaiters();
  }

  private wakeDataWaiters(): void {
    const waiters = this.dataWaiters;
    if (waiters.length === 0) return;
    this.dataWaiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when more bytes arrive, the stream closes, or wakeDataWaiters() is called. */
  private moreData(): Promise<void> {
    return new Promise((resolve) => this.dataWaiters.push(resolve));
  }

  private pushLine(line: string): void {
    this.lines.push(line);
    if (this.waiters.length === 0) return;
    const at = this.lines.length - 1;
    for (const w of [...this.waiters]) {
      if (at >= w.from && w.match(line)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        clearTimeout(w.timer);
        if (w.from === this.cursor || at >= this.cursor) this.cursor = Math.max(this.cursor, at + 1);
        w.resolve(line);
      }
    }
  }

  /** Sends raw bytes (no CR added). */
  write(data: string | Buffer): void {
    this.stream.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /**
   * Sends `line` + CR and resolves with the response once its final result code (or a
   * `> ` data prompt) arrives. The echo of the line, when on, is left out of `lines`.
   *
   * `afterEcho`: the answer starts at this line's own echo; whatever comes before it is
   * the late answer of a command that timed out (the module answers in order), not this
   * one's, and is in neither `lines` nor `raw`. Only with echo on (ATE1): with it off no
   * echo comes and the send times out.
   * Without it, a final that comes late for a timed-out command is taken as this one's.
   */
  async send(line: string, timeoutMs = 10_000, opts: { afterEcho?: boolean } = {}): Promise<AtResponse> {
    if (this.closed) throw new Error('connection closed');
    let start = this.lines.length;
    let rawStart = this.rawText.length;
    this.promptSeen = false;
    this.write(line + '\r');
    // Lines are looked at once each as they come: a load test sends from 10 000 of these at once.
    let scanned = start;
    let echoed = !opts.afterEcho;
    const look = (): AtResponse | undefined => {
      for (; scanned < this.lines.length; scanned++) {
        const final = this.lines[scanned];
        if (!echoed) {
          // Lines before the echo are an earlier command's: the answer begins here.
          if (final === line) {
            echoed = true;
            start = scanned;
            // `raw` too starts at the echo, not with the late answers before it.
            const at = this.rawText.indexOf(line + '\r', rawStart);
            if (at >= 0) rawStart = at;
          }
          continue;
        }
        if (!isFinal(final)) continue;
        const body = this.lines.slice(start, scanned);
        if (body[0] === line) body.shift();
        this.cursor = Math.max(this.cursor, scanned + 1);
        return { lines: body, final, ok: SUCCESS.has(final), raw: this.rawText.slice(rawStart) };
      }
      if (echoed && this.promptSeen) {
        const body = this.lines.slice(start).filter((l) => l !== '> ' && l !== '>' && l !== line);
        return { lines: body, final: '>', ok: true, raw: this.rawText.slice(rawStart) };
      }
      return undefined;
    };
    return this.until(look, timeoutMs, (late) =>
      this.closed
        ? new Error(`connection closed while waiting for the answer to ${line}`)
        : late
          ? new Error(`no final result for ${line} within ${timeoutMs} ms; got ${JSON.stringify(this.rawText.slice(rawStart))}`)
          : undefined,
    );
  }

  /**
   * Looks with `look` now and each time bytes arrive, until it finds something; `stop`
   * names the error that ends the wait (told whether the time is up), or none. One timer
   * stands for the whole wait.
   */
  private async until<T>(look: () => T | undefined, timeoutMs: number, stop: (late: boolean) => Error | undefined): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    let late = false;
    try {
      for (;;) {
        const found = look();
        if (found !== undefined) return found;
        const err = stop(late);
        if (err) throw err;
        timer ??= setTimeout(() => {
          late = true;
          this.wakeDataWaiters();
        }, timeoutMs);
        await this.moreData();
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a command and throws unless it succeeded; returns its information lines. */
  async ok(line: string, timeoutMs?: number): Promise<string[]> {
    const r = await this.send(line, timeoutMs);
    if (!r.ok) throw new Error(`${line} answered ${r.final}`);
    return r.lines;
  }

  /**
   * Resolves with the next line that starts with `prefix` or matches the pattern, looking
   * only after the last line consumed: the line an earlier waitFor() returned, or the
   * final result of the last send(). A URC that arrived before a later send() is skipped,
   * so to collect URCs that come while commands are still being sent (acks of a burst of
   * publishes), read `lines` or `received` instead.
   */
  waitFor(prefix: string | RegExp, timeoutMs = 10_000): Promise<string> {
    const match = typeof prefix === 'string' ? (l: string) => l.startsWith(prefix) : (l: string) => prefix.test(l);
    for (let i = this.cursor; i < this.lines.length; i++) {
      if (match(this.lines[i])) {
        this.cursor = i + 1;
        return Promise.resolve(this.lines[i]);
      }
    }
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        from: this.cursor,
        match,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          reject(new Error(`no line matching ${String(prefix)} within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.push(w);
    });
  }

  /** Resolves once the raw byte stream contains `text` (after `from`, a received offset). */
  async waitForRaw(text: string, timeoutMs = 10_000, from = 0): Promise<void> {
    await this.until(
      () => (this.rawText.includes(text, from) ? true : undefined),
      timeoutMs,
      (late) =>
        late
          ? new Error(`no ${JSON.stringify(text)} within ${timeoutMs} ms; got ${JSON.stringify(this.rawText.slice(from))}`)
          : this.closed
            ? new Error('connection closed')
            : undefined,
    );
  }

  /**
   * Resolves with the match once the bytes received from offset `at` start with `re`
   * (an anchored match: nothing may come before it). For byte-exact transcripts.
   */
  waitForMatchAt(re: RegExp, at: number, timeoutMs = 10_000): Promise<RegExpExecArray> {
    const sticky = new RegExp(re.source, re.flags.replace('g', '') + (re.sticky ? '' : 'y'));
    const got = () => JSON.stringify(this.rawText.slice(at));
    return this.until(
      () => {
        sticky.lastIndex = at;
        return sticky.exec(this.rawText) ?? undefined;
      },
      timeoutMs,
      (late) => (this.closed ? new Error(`connection closed; got ${got()}`) : late ? new Error(`no match within ${timeoutMs} ms; got ${got()}`) : undefined),
    );
  }

  /**
   * Drops the history received and consumed so far (lines before the waitFor() cursor,
   * the raw text), so a DTE that runs for hours does not grow without end. Call it
   * between commands: not while a send() or waitFor() is pending.
   */
  forget(): void {
    if (this.waiters.length > 0) return;
    this.lines.splice(0, this.cursor);
    this.cursor = 0;
    this.rawText = '';
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed || this.stream.destroyed) {
        resolve();
        return;
      }
      this.stream.once('close', () => resolve());
      this.stream.destroy();
    });
  }
}
