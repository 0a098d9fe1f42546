/**
 * The AT engine: bytes in, bytes out. It owns line assembly, echo, dispatch by name and
 * form, result framing and the URC queue. It never touches a socket: a transport hands
 * it bytes with receive() and takes bytes from the sink it attached.
 *
 * One command line runs at a time. Bytes that arrive meanwhile wait in the input queue
 * (AT-REFERENCE §11 #7) and URCs wait in the URC queue until the final result code has
 * gone out, so a URC never lands inside a response.
 */
import type { Logger } from 'pino';
import { parseArgs } from './args';
import type { CollectOptions, CommandContext, CommandDef, CommandTable, HandlerResult, PromptOptions } from './command';
import { finalText, frameBlock, frameFinal, frameLine, type FrameSettings } from './format';
import { LineAssembler, type Assembled, type LineChars } from './lineAssembler';
import { parseCommandLine, type Invocation } from './parser';
import { ERROR, NONE, OK, isSuccess, type Final } from './result';
import type { Clock, TimerHandle } from '../clock';
import { DEBUG_LEVEL, logInfo, redactLine } from '../log';
import type { Sink, WireData } from '../uart/pacer';

export interface EngineHost {
  /** Current line and framing settings (they change as commands run). */
  lineSettings(): FrameSettings & LineChars & { echo: boolean };
  /** Autobaud: until the first `AT`/`at` the module neither answers nor prints anything. */
  readonly synced: boolean;
  markSynced(): void;
  /** A powered-down or frozen module ignores its input. */
  readonly accepting: boolean;
  /** The module has power: a frozen one still finishes the line it runs, a dead one does not. */
  readonly powered?: boolean;
  /** How long a command line takes before it answers (the timing profile); 0 = at once. */
  commandDelay?(): number;
  /**
   * Sees every exchange and URC in wire order, already redacted (the AT log): an AtRecord's
   * fields one by one, so that a line that nobody but the log sees makes no object.
   */
  record?(dir: AtRecord['dir'], line: string, final?: string, info?: readonly string[], ms?: number): void;
  /** A line's final result code has been written (AT+IPR's new rate applies from here). */
  lineDone?(): void;
}

/**
 * One entry of the AT log: a command line with what it answered, or a URC, as the wire
 * carried them. Records are pushed in wire order: a command's when its final result goes
 * out, a URC's when it goes out (after the final result it waited for).
 */
export interface AtRecord {
  dir: 'cmd' | 'urc';
  line: string;
  /**
   * A command's final result code as sent under the ATV/ATQ/CMEE then in force (`OK`,
   * `ERROR`, `4`, `+CME ERROR: Invalid input value`, `SHUT OK`); '' when none was sent.
   */
  final?: string;
  /** A command's information lines, in order (redacted and bounded: src/log.ts logInfo). */
  info?: readonly string[];
  /** How long the command took, on the modem's clock. */
  ms?: number;
}

/** How many lines the pump runs in one go before it lets the event loop turn. */
export const LINES_PER_TURN = 256;
/**
 * Lines counted before the count is watched: only then does the end of the event-loop
 * turn reset it (one setImmediate per this many lines, not one per line in the common
 * case of a line or a few per turn). A hold so needs at least LINES_PER_TURN - TURN_WATCH
 * + 1 lines in one turn.
 */
const TURN_WATCH = 32;

const isPromise = <T>(x: T | Promise<T>): x is Promise<T> => typeof (x as { then?: unknown } | null)?.then === 'function';

/** A handler's result, nothing meaning OK; a promise stays a promise. */
function orOk(result: HandlerResult): Final | Promise<Final> {
  return isPromise(result) ? result.then((f) => f ?? OK) : (result ?? OK);
}

/** A URC waiting for the running line's final result: its bytes, and its lines for the AT log. */
interface QueuedUrc {
  bytes: WireData;
  lines: readonly string[] | string | null;
}

/**
 * Command names already reported as not emulated, per command table (a fleet shares one,
 * so a name is reported once per process, not once per modem). Bounded: a DTE sending
 * random names must not grow it without end.
 */
const notEmulatedSeen = new WeakMap<object, Set<string>>();
const NOT_EMULATED_MAX = 256;

interface DataWait {
  size: number;
  chunks: Buffer[];
  got: number;
  timer: TimerHandle;
  resolve: (b: Buffer | null) => void;
}

/** A data phase ended by a byte (Ctrl-Z) rather than a count. */
interface CollectWait {
  opts: CollectOptions;
  bytes: number[];
  timers: TimerHandle[];
  resolve: (b: Buffer | 'cancel' | null) => void;
}

export class AtEngine<M = unknown> {
  private readonly assembler = new LineAssembler();
  private readonly input: Buffer[] = [];
  /** How much of input[0] the pump has consumed (one offset, not a subarray per byte). */
  private inputPos = 0;
  /** The chunk receive() was lent for the call only (a wire's read buffer), while it runs. */
  private lent: Buffer | null = null;
  private readonly urcQueue: QueuedUrc[] = [];
  /** Information lines the running line has sent, for its AT log record (null: none yet). */
  private lineInfo: string[] | null = null;
  private sink: Sink | null = null;
  private busy = false;
  private data: DataWait | null = null;
  private collecting: CollectWait | null = null;
  /**
   * Data mode outside any command (transparent TCP/IP): while set and no line runs, every
   * input byte goes here instead of to the line assembler.
   */
  private dataSink: ((bytes: Buffer) => void) | null = null;
  /** The data phase under way opened with input already waiting (see dataPhaseStarts). */
  private lfCameWithLine = false;
  private lastLine = '';
  private syncPrev = -1;
  private pumping = false;
  private ctxCache: { generation: number; ctx: CommandContext<M> } | null = null;
  /** Lines run since the count was last reset at the end of a turn (TURN_WATCH), and whether the input is held until the next. */
  private linesThisTurn = 0;
  private readonly turnEnded = () => {
    this.linesThisTurn = 0;
  };
  private resumeScheduled = false;
  /** Bumped by resetLine(): a line started before a power cycle must not answer after it. */
  private generation = 0;

  constructor(
    private readonly table: CommandTable<M>,
    private readonly host: EngineHost,
    private readonly ctxFactory: (engine: AtEngine<M>) => CommandContext<M>,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  setSink(sink: Sink | null): void {
    this.sink = sink;
  }

  /** True while a command line is executing. */
  get isBusy(): boolean {
    return this.busy;
  }

  /** True while the running line waits at a `> ` prompt for the DTE's data. */
  get awaitingData(): boolean {
    return this.data !== null || this.collecting !== null;
  }

  /** Forget partial input (power cycle, DTE reconnect with reset). */
  resetLine(): void {
    this.generation++;
    this.assembler.reset();
    this.dropInput();
    this.urcQueue.length = 0;
    this.lineInfo = null;
    this.syncPrev = -1;
    this.busy = false;
    if (this.data) this.clock.clearTimeout(this.data.timer);
    this.data = null;
    this.endCollect();
    this.dataSink = null;
  }

  /** Enters (a sink) or leaves (null) data mode; it takes effect once no line runs. */
  setDataSink(sink: ((bytes: Buffer) => void) | null): void {
    if (sink) this.dataPhaseStarts();
    this.dataSink = sink;
    if (sink) queueMicrotask(() => this.pump());
  }

  get inDataMode(): boolean {
    return this.dataSink !== null;
  }

  /**
   * Bytes from the DTE. The chunk is the engine's from here on (it may wait in the input
   * queue, and data phases keep views of it), unless it is `lent`: then it is the caller's
   * again when the call returns (a wire reads every socket into one buffer), and what the
   * engine keeps of it, the unread rest and a data phase's bytes, is copied out.
   */
  receive(chunk: Buffer, lent = false): void {
    if (chunk.length === 0) return;
    this.input.push(chunk);
    if (!lent) return this.pump();
    this.lent = chunk;
    try {
      this.pump();
    } finally {
      this.lent = null;
      this.keepUnread(chunk);
    }
  }

  /** A lent chunk still in the input (a line is running, or the turn's quota is used) becomes a copy of its unread rest. */
  private keepUnread(chunk: Buffer): void {
    const k = this.input.lastIndexOf(chunk);
    if (k < 0) return;
    this.input[k] = Buffer.from(k === 0 ? chunk.subarray(this.inputPos) : chunk);
    if (k === 0) this.inputPos = 0;
  }

  /** Bytes of input[0] that leave the pump (a data phase's, data mode's): a copy when the chunk is lent. */
  private own(head: Buffer, view: Buffer): Buffer {
    return head === this.lent ? Buffer.from(view) : view;
  }

  /** Queues a URC (one line or several framed as one block each). */
  urc(...lines: string[]): void {
    if (!this.host.synced) return; // autobaud: nothing is printed before the DTE syncs
    const settings = this.host.lineSettings();
    this.queueUrc(lines.map((l) => frameLine(l, settings)).join(''), lines);
  }

  /** One URC line, as urc(line) (the hot path of MQTT acks and deliveries: no arrays made). */
  urcLine(line: string): void {
    if (!this.host.synced) return;
    this.queueUrc(frameLine(line, this.host.lineSettings()), line);
  }

  /** One URC of several lines framed as a single block (`+CMT: …` and its text). */
  urcBlock(lines: string[]): void {
    if (!this.host.synced) return;
    this.queueUrc(Buffer.from(frameBlock(lines, this.host.lineSettings()), 'latin1'), lines);
  }

  /** Unframed unsolicited bytes (RDY-style sequences are framed by the caller); not in the AT log. */
  urcBytes(bytes: Buffer): void {
    this.queueUrc(bytes, null);
  }

  private queueUrc(bytes: WireData, lines: readonly string[] | string | null): void {
    // While the pump holds its input for a turn (resumeLater), a line may be waiting that
    // would have run already: its URCs wait as they would have behind its final result.
    if (this.busy || this.resumeScheduled) this.urcQueue.push({ bytes, lines });
    else this.sendUrc(bytes, lines);
  }

  private sendUrc(bytes: WireData, lines: readonly string[] | string | null): void {
    const host = this.host;
    if (host.record && typeof lines === 'string') host.record('urc', lines);
    else if (host.record && lines) for (const line of lines) host.record('urc', line);
    this.write(bytes);
  }

  private flushUrcs(): void {
    if (this.urcQueue.length > 0) for (const u of this.urcQueue.splice(0)) this.sendUrc(u.bytes, u.lines);
  }

  /** Bytes to the DTE; a string is latin1 (one byte per character), as text goes out. */
  write(data: WireData): void {
    if (!this.sink || data.length === 0) return;
    this.sink(data);
  }

  // ---- input pump -------------------------------------------------------------------

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.input.length > 0 && !this.resumeScheduled) {
        if (!this.host.accepting) {
          this.dropInput();
          break;
        }
        if (this.busy && !this.data && !this.collecting) break;
        if (this.data) this.feedData();
        else if (this.collecting) this.feedCollect();
        else if (this.dataSink && !this.busy) this.feedSink(this.dataSink);
        else if (!this.host.synced) this.feedUnsynced();
        else this.feedLines();
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Before autobaud has locked: one byte, looking for `AT` or `at`. */
  private feedUnsynced(): void {
    const head = this.input[0];
    const byte = head[this.inputPos];
    this.consume(head, 1);
    const prev = this.syncPrev;
    if (!this.detectSync(byte)) return;
    this.host.markSynced();
    // The sync pair starts the first line; echo it as typed (`at` stays lower case).
    const settings = this.host.lineSettings();
    if (settings.echo) this.write(String.fromCharCode(prev, byte));
    this.assembler.feed(prev, settings);
    this.assembler.feed(byte, settings);
  }

  /**
   * Command-mode bytes of the head chunk, up to and including the first line end (or to the
   * chunk's end), then that line runs. What is typed is echoed as runs of the input (one
   * string per run, not a byte at a time); the LF of a CR LF is neither echoed nor a line.
   * Nothing in the scan can change the settings: only a line that runs can.
   */
  private feedLines(): void {
    const head = this.input[0];
    const settings = this.host.lineSettings();
    const echo = settings.echo;
    const start = this.inputPos;
    let i = start;
    let run = i;
    let done: Assembled | null = null;
    while (i < head.length) {
      done = this.assembler.feed(head[i++], settings);
      if (done === null) continue;
      if (done.kind !== 'crlf') break;
      if (echo && i - 1 > run) this.write(head.toString('latin1', run, i - 1));
      run = i;
      done = null;
    }
    if (echo && i > run) this.write(head.toString('latin1', run, i));
    this.consume(head, i - start);
    if (done === null) return;
    if (done.kind === 'repeat') this.startLine(this.lastLine);
    else if (done.kind === 'overflow') this.startLine(null);
    else if (done.kind === 'line') {
      this.lastLine = done.body;
      this.startLine(done.body);
    }
    // Lines that answer at once run back to back, here or through a DTE that sends its
    // next line from inside its data handler. After LINES_PER_TURN lines in one
    // event-loop turn the input waits for the next, so such a DTE cannot keep the
    // module's timers and its MQTT session from ever running. (Counting lines rather
    // than lines per turn held a steady publish stream every 256 lines, splitting its
    // batches for good: 12 % of benchmark 3.) The turn's end is watched from the
    // TURN_WATCH-th line on, and resets the count.
    if (++this.linesThisTurn === TURN_WATCH) setImmediate(this.turnEnded);
    if (this.linesThisTurn >= LINES_PER_TURN) this.resumeLater();
  }

  /** Holds the input until the next event-loop turn (host time, not the modem's clock). */
  private resumeLater(): void {
    this.resumeScheduled = true;
    setImmediate(() => {
      this.resumeScheduled = false;
      this.pump();
      if (!this.busy && !this.resumeScheduled) this.flushUrcs();
    });
  }

  /** Autobaud locks on `AT` or `at` (only these two, manual AT+IPR notes). */
  private detectSync(byte: number): boolean {
    const ok = (this.syncPrev === 0x41 && byte === 0x54) || (this.syncPrev === 0x61 && byte === 0x74);
    this.syncPrev = byte;
    return ok;
  }

  private dropInput(): void {
    this.input.length = 0;
    this.inputPos = 0;
  }

  /** Marks n bytes of input[0] (= head) consumed, moving to the next chunk at its end. */
  private consume(head: Buffer, n: number): void {
    this.inputPos += n;
    if (this.inputPos >= head.length) {
      this.input.shift();
      this.inputPos = 0;
    }
  }

  private feedData(): void {
    const d = this.data!;
    const head = this.input[0];
    // The LF of the CR LF that ended the command line is not the data's first byte (FONA
    // sends `AT+HTTPDATA=5,10000\r\n` and its 5 bytes right behind).
    if (this.assembler.swallows(head[this.inputPos], this.lfCameWithLine)) return this.consume(head, 1);
    const take = Math.min(d.size - d.got, head.length - this.inputPos);
    d.chunks.push(this.own(head, head.subarray(this.inputPos, this.inputPos + take)));
    d.got += take;
    this.consume(head, take);
    if (d.got >= d.size) {
      this.clock.clearTimeout(d.timer);
      this.data = null;
      d.resolve(Buffer.concat(d.chunks));
    }
  }

  /** The byte `ahead` bytes after the next unread one, if it has arrived. */
  private peek(ahead: number): number | undefined {
    let pos = this.inputPos + ahead;
    for (const chunk of this.input) {
      if (pos < chunk.length) return chunk[pos];
      pos -= chunk.length;
    }
    return undefined;
  }

  private feedCollect(): void {
    const c = this.collecting!;
    const o = c.opts;
    const head = this.input[0];
    // The LF of the CR LF that ended the command line is not data (`AT+CIPSEND\r\n`, `AT+CMGS="…"\r\n`).
    if (this.assembler.swallows(head[this.inputPos], this.lfCameWithLine)) return this.consume(head, 1);
    if (o.edit || o.keepEscape) return this.feedCollectByte(c);
    while (this.inputPos < head.length) {
      const byte = head[this.inputPos++];
      if (byte === o.cancel) return this.finishCollect('cancel', head);
      if (byte === o.end) return this.finishCollect(Buffer.from(c.bytes), head);
      if (c.bytes.length < o.max) c.bytes.push(byte);
      if (c.bytes.length >= o.max && o.overflow !== 'drop') return this.finishCollect(Buffer.from(c.bytes), head);
    }
    this.consume(head, 0);
  }

  /** Text entry, one byte at a time: echo and backspace under ATE1, the GSM escape kept. */
  private feedCollectByte(c: CollectWait): void {
    const o = c.opts;
    const s = this.host.lineSettings();
    const head = this.input[0];
    const byte = head[this.inputPos];
    if (byte === o.end || byte === o.cancel) {
      const next = byte === o.cancel && o.keepEscape ? this.peek(1) : undefined;
      if (next !== undefined && o.keepEscape!(next)) {
        this.consume(head, 1);
        this.consume(this.input[0], 1);
        if (c.bytes.length + 2 <= o.max) c.bytes.push(byte, next);
        if (o.edit && s.echo) this.write(Buffer.from([byte, next]));
        return;
      }
      this.consume(head, 1);
      return this.finishCollect(byte === o.end ? Buffer.from(c.bytes) : 'cancel');
    }
    this.consume(head, 1);
    if (o.edit && byte === s.s5) {
      c.bytes.pop();
      if (s.echo) this.write(Buffer.from([byte]));
      return;
    }
    if (c.bytes.length < o.max) c.bytes.push(byte);
    else if (o.overflow !== 'drop') return this.finishCollect(Buffer.from(c.bytes));
    if (o.edit && s.echo) this.write(byte === s.s3 ? '\r\n> ' : Buffer.from([byte]));
  }

  private finishCollect(result: Buffer | 'cancel' | null, head?: Buffer): void {
    const c = this.collecting;
    if (head) this.consume(head, 0);
    if (!c) return;
    this.endCollect();
    c.resolve(result);
  }

  private endCollect(): void {
    if (!this.collecting) return;
    for (const t of this.collecting.timers) this.clock.clearTimeout(t);
    this.collecting = null;
  }

  /** Hands the rest of the input to the data-mode sink, one chunk at a time. */
  private feedSink(sink: (bytes: Buffer) => void): void {
    const head = this.input[0];
    // The LF of the CR LF that ended the line which entered data mode (`ATO\r\n`) is not data.
    if (this.assembler.swallows(head[this.inputPos], this.lfCameWithLine)) return this.consume(head, 1);
    const bytes = this.own(head, head.subarray(this.inputPos));
    this.consume(head, bytes.length);
    sink(bytes);
  }

  // ---- execution ------------------------------------------------------------------

  /**
   * Runs one command line. A line whose handlers all answer at once (most of them, on
   * the instant profile) finishes here, synchronously, with no promise made: the pump
   * then goes on with the next line. A handler that returns a promise, or the profile's
   * command latency, makes the rest of the line asynchronous: a promise per line would
   * cost a tenth of the engine's time in the publish benchmark (bench/README.md).
   */
  private startLine(body: string | null): void {
    this.busy = true;
    const generation = this.generation;
    const started = this.clock.now();
    if (body === null) return this.finishLine(null, ERROR, generation, started);
    // The profile's command latency: the module answers tens of ms after the CR.
    const delay = this.host.commandDelay?.() ?? 0;
    if (delay > 0) return this.finishWhenDone(this.execLater(body, delay), body, generation, started);
    let run: Final | Promise<Final>;
    try {
      run = this.execLine(body);
    } catch (err) {
      run = this.handlerFailed(err, body);
    }
    if (!isPromise(run)) return this.finishLine(body, run, generation, started);
    this.finishWhenDone(run, body, generation, started);
  }

  /*
   * The closures of a line that goes asynchronous live in these two, not in startLine:
   * a function that makes closures puts what they capture in a context object on every
   * call, the synchronous path's too (~100 bytes a line).
   */
  private execLater(body: string, delay: number): Promise<Final> {
    return this.clock.sleep(delay).then(() => this.execLine(body));
  }

  private finishWhenDone(run: Promise<Final>, body: string, generation: number, started: number): void {
    run.catch((err: unknown) => this.handlerFailed(err, body)).then((final) => this.finishLine(body, final, generation, started));
  }

  private handlerFailed(err: unknown, body: string): Final {
    this.log.error({ err, line: redactLine('AT' + body) }, 'command handler failed');
    return ERROR;
  }

  private finishLine(body: string | null, final: Final, generation: number, started: number): void {
    // The module lost power (or restarted) while the line ran: its answer is gone.
    if (generation !== this.generation) return;
    const settings = this.host.lineSettings();
    // The level's number, read per line (it may change at any time): pino's isLevelEnabled() per line was ~1 % of a fleet's bring-up.
    const debug = this.log.levelVal <= DEBUG_LEVEL;
    if (this.host.record || debug) {
      const line = body === null ? '<overlong line>' : redactLine('AT' + body);
      const info = this.lineInfo === null ? undefined : logInfo(line, this.lineInfo);
      const text = finalText(final, settings);
      const ms = this.clock.now() - started;
      if (debug) this.log.debug({ dir: 'at', line, final: text, info, ms }, 'AT exchange');
      this.host.record?.('cmd', line, text, info, ms);
    }
    this.lineInfo = null;
    this.write(frameFinal(final, settings));
    this.host.lineDone?.();
    this.busy = false;
    this.data = null;
    this.endCollect();
    this.flushUrcs();
    this.pump();
  }

  private execLine(body: string): Final | Promise<Final> {
    const parsed = parseCommandLine(body);
    if (!parsed.ok) return ERROR;
    return this.runFrom(parsed.invocations, 0, OK, this.generation);
  }

  /** Runs a line's invocations from `i` on, synchronously until one answers with a promise. */
  private runFrom(invocations: readonly Invocation[], i: number, previous: Final, generation: number): Final | Promise<Final> {
    let final = previous;
    for (; i < invocations.length; i++) {
      if (generation !== this.generation) return NONE; // power cycled mid-line
      // A command that ends in its own text (SHUT OK) or in nothing (AT+CIFSR's bare
      // address) may be followed by more: its text becomes information and the last
      // command's result ends the line. TinyGSM's AT+CIFSR;E0 depends on this OK.
      if (final.kind === 'text') this.info([final.text]);
      const r = this.invoke(invocations[i]);
      if (isPromise(r)) {
        const next = i + 1;
        return r.then((f) => this.stopAfter(f) ?? this.runFrom(invocations, next, f, generation));
      }
      const stop = this.stopAfter(r);
      if (stop) return stop;
      final = r;
    }
    return final;
  }

  /** What ends a line early after one of its commands: its error, or the module powering down. */
  private stopAfter(final: Final): Final | null {
    if (!isSuccess(final)) return final;
    if (!(this.host.powered ?? this.host.accepting)) return NONE; // powered down mid-line (AT+CPOWD)
    return null;
  }

  /** The context handlers get, made once per generation (power cycle) and shared. */
  private context(): CommandContext<M> {
    const cached = this.ctxCache;
    if (cached && cached.generation === this.generation) return cached.ctx;
    const base = this.ctxFactory(this);
    const generation = this.generation;
    // A handler still running after a power cycle prints nothing into the new session.
    const live = () => generation === this.generation;
    const ctx: CommandContext<M> = {
      ...base,
      info: (...lines) => {
        if (live()) base.info(...lines);
      },
      raw: (data) => {
        if (live()) base.raw(data);
      },
    };
    this.ctxCache = { generation, ctx };
    return ctx;
  }

  private invoke(inv: Invocation): Final | Promise<Final> {
    const ctx = this.context();
    let def: CommandDef<M> | undefined;
    let result: HandlerResult;
    if (inv.basic && /^S\d+$/.test(inv.name)) {
      def = this.table.get('S');
      if (!def?.sreg) return ERROR;
      const reg = Number(inv.name.slice(1));
      if (inv.form === 'read') result = def.sreg(ctx, reg, undefined);
      else {
        const v = inv.args === '' ? 0 : Number(inv.args);
        result = def.sreg(ctx, reg, v);
      }
      return orOk(result);
    }
    def = this.table.get(inv.name);
    if (!def) return this.notEmulated(inv.name);
    if (inv.basic) {
      if (!def.basic || inv.form !== 'exec') return ERROR;
      result = def.basic(ctx, inv.args === '' ? undefined : Number(inv.args), inv.args);
      return orOk(result);
    }
    switch (inv.form) {
      case 'test':
        if (!def.test) return ERROR;
        if (typeof def.test === 'function') result = def.test(ctx);
        else {
          if (def.test.length) ctx.info(...def.test);
          result = OK;
        }
        break;
      case 'read':
        if (!def.read) return ERROR;
        result = def.read(ctx);
        break;
      case 'exec':
        if (!def.exec) return ERROR;
        result = def.exec(ctx);
        break;
      case 'write':
        if (def.writeRaw) result = def.writeRaw(ctx, inv.args);
        else if (def.write) {
          const parsed = parseArgs(inv.args, def.write.params);
          if (!parsed.ok) return { kind: 'cme', code: parsed.code };
          result = def.write.run(ctx, parsed.values, parsed.tokens);
        } else return ERROR;
        break;
    }
    return orOk(result);
  }

  /**
   * An unknown name answers ERROR, as the module does for a command it lacks; the log says
   * so once per name (`not emulated: AT+XYZ`), so a firmware author sees what is missing.
   */
  private notEmulated(name: string): Final {
    let seen = notEmulatedSeen.get(this.table);
    if (!seen) notEmulatedSeen.set(this.table, (seen = new Set()));
    if (!seen.has(name) && seen.size <= NOT_EMULATED_MAX) {
      seen.add(name);
      if (seen.size <= NOT_EMULATED_MAX) this.log.warn(`not emulated: AT${name}`);
      else this.log.warn(`not emulated: more than ${NOT_EMULATED_MAX} command names; no more are logged`);
    }
    return ERROR;
  }

  // ---- context services -------------------------------------------------------------

  /**
   * One information block. The running line's blocks go into its AT log record (the array
   * is kept: every caller passes a fresh one); a block sent while no line runs (the last
   * words of a power-down from the control API) is logged as a URC.
   */
  info(lines: string[]): void {
    if (this.busy) this.lineInfo = this.lineInfo === null ? lines : this.lineInfo.concat(lines);
    else if (this.host.record) for (const line of logInfo('', lines)) this.host.record('urc', line);
    this.write(frameBlock(lines, this.host.lineSettings()));
  }

  /** A data phase opens: an LF already waiting came with the command line (lineAssembler.swallows). */
  private dataPhaseStarts(): void {
    this.lfCameWithLine = this.input.length > 0;
  }

  prompt(size: number, timeoutMs: number, opts: PromptOptions = {}): Promise<Buffer | null> {
    this.dataPhaseStarts();
    this.write(opts.text ?? '\r\n> ');
    if (size <= 0) return Promise.resolve(Buffer.alloc(0));
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => {
        const d = this.data;
        if (d?.resolve === resolve) {
          this.data = null;
          resolve(opts.partial ? Buffer.concat(d.chunks) : null);
        }
      }, timeoutMs);
      this.data = { size, chunks: [], got: 0, timer, resolve };
      // Bytes may already be waiting (the DTE sent the data right behind the command).
      queueMicrotask(() => this.pump());
    });
  }

  collect(opts: CollectOptions): Promise<Buffer | 'cancel' | null> {
    this.dataPhaseStarts();
    this.write(opts.text ?? '\r\n> ');
    return new Promise((resolve) => {
      const c: CollectWait = { opts, bytes: [], timers: [], resolve };
      const end = (result: () => Buffer | null) => () => {
        if (this.collecting === c) this.finishCollect(result());
      };
      if (opts.timeoutMs !== undefined) c.timers.push(this.clock.setTimeout(end(() => null), opts.timeoutMs));
      if (opts.autoMs !== undefined) c.timers.push(this.clock.setTimeout(end(() => Buffer.from(c.bytes)), opts.autoMs));
      this.collecting = c;
      queueMicrotask(() => this.pump());
    });
  }
}
