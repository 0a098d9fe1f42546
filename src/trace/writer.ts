/**
 * `--trace FILE`: everything on one modem's wire and around it, as JSON lines
 * (src/trace/format.ts): every byte each way with its time, the AT log's records, the
 * timeline's state changes, faults, and the MQTT packets of the module's session; secrets
 * masked (src/trace/redact.ts; the AT log and the packets are masked at their source).
 *
 * Bounded: when FILE would grow past `maxBytes` it becomes FILE.1 (replacing an older
 * one) and a new FILE begins, so the disk holds at most about twice the bound and the
 * newest part of the run. Records are written in batches (every WRITE_EVERY_MS of host
 * time, or at BATCH_BYTES); close() writes the rest, so a process killed without a
 * chance to stop loses at most the last batch.
 */
import * as fs from 'node:fs';
import type { AtRecord } from '../at/engine';
import type { Control } from '../control/control';
import type { TimelineEntry } from '../control/live';
import type { MqttPacketEvent } from '../modem/modem';
import { OptionError } from '../optionError';
import { roundMs, TRACE_VERSION, type TraceKind } from './format';
import { StreamRedactor } from './redact';
import { nodeCrypto } from '../builtins';

export interface TraceOptions {
  /** The trace file (JSON lines); its previous part is `FILE.1`. */
  file: string;
  /** Rotate past this many bytes (default DEFAULT_TRACE_MAX_BYTES). */
  maxBytes?: number;
}

export const DEFAULT_TRACE_MAX_BYTES = 16 * 1024 * 1024;
export const MIN_TRACE_MAX_BYTES = 4096;
const WRITE_EVERY_MS = 200;
const BATCH_BYTES = 64 * 1024;

export class TraceWriter {
  private fd: number;
  private n = 0;
  private part = 0;
  private size = 0;
  private pending: string[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly run = nodeCrypto().randomBytes(6).toString('hex');
  private readonly t0: number;
  private readonly wall: string;
  private readonly rx = new StreamRedactor();
  private readonly tx = new StreamRedactor();
  private readonly maxBytes: number;
  private readonly detach: () => void;

  /** Opens FILE (truncated) and starts recording; an unwritable file is an OptionError. */
  static open(control: Control, opts: TraceOptions): TraceWriter {
    TraceWriter.check(opts);
    let fd: number;
    try {
      fd = fs.openSync(opts.file, 'w');
    } catch (err) {
      throw new OptionError('trace', `--trace: cannot write "${opts.file}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    // A FILE.1 left from an earlier run is not this run's: gone, so nobody reads it as such.
    fs.rmSync(`${opts.file}.1`, { force: true });
    return new TraceWriter(control, opts, fd);
  }

  static check(opts: TraceOptions): void {
    const max = opts.maxBytes;
    if (max !== undefined && !(Number.isInteger(max) && max >= MIN_TRACE_MAX_BYTES)) {
      throw new OptionError('traceMaxBytes', `trace: maxBytes "${max}" must be a whole number of bytes, at least ${MIN_TRACE_MAX_BYTES}`);
    }
  }

  private constructor(
    private readonly control: Control,
    private readonly opts: TraceOptions,
    fd: number,
  ) {
    this.fd = fd;
    this.maxBytes = opts.maxBytes ?? DEFAULT_TRACE_MAX_BYTES;
    const modem = control.modem;
    this.t0 = modem.clock.now();
    this.wall = new Date(modem.clock.wallNow()).toISOString();
    const feed = control.live();
    this.header();
    const lanes = feed.lanes();
    for (const [lane, value] of Object.entries(lanes)) this.record('state', { lane, value });

    modem.wireObserver = (dir, data) => this.bytes(dir, data);
    const onAt = (r: AtRecord) => this.record('at', r.ms === undefined ? { ...r } : { ...r, ms: roundMs(r.ms) });
    const onTimeline = (e: TimelineEntry) => {
      if (e.lane === 'fault') this.record('fault', { action: e.action, name: e.value, params: e.params, ...(e.until !== undefined ? { until: roundMs(e.until - this.t0) } : {}), ...(e.moment ? { moment: true } : {}) }, e.t);
      else this.record('state', { lane: e.lane, value: e.value }, e.t);
    };
    const onMqtt = (p: MqttPacketEvent & { t: number }) => {
      const { t, ...rest } = p;
      this.record('mqtt', rest, t);
    };
    modem.on('at', onAt);
    feed.on('timeline', onTimeline);
    feed.on('mqtt', onMqtt);
    this.detach = () => {
      if (modem.wireObserver) modem.wireObserver = null;
      modem.off('at', onAt);
      feed.off('timeline', onTimeline);
      feed.off('mqtt', onMqtt);
    };
  }

  get file(): string {
    return this.opts.file;
  }

  /** The number of the newest record (what a scenario result points at). */
  get position(): number {
    return this.n;
  }

  /** A record of the caller's (a scenario step). */
  note(k: Extract<TraceKind, 'step'>, fields: Record<string, unknown>): number {
    this.record(k, fields);
    return this.n;
  }

  /** Writes what is left (a held line, masked), an `end` record, and closes the file. */
  close(): void {
    if (this.closed) return;
    // Changes of this very moment (the power-down at stop) are looked at now, not a microtask later.
    this.control.live().lanes();
    this.detach();
    const rx = this.rx.flush();
    const tx = this.tx.flush();
    if (rx) this.record('rx', { d: rx });
    if (tx) this.record('tx', { d: tx });
    this.record('end', {});
    this.closed = true;
    this.write();
    fs.closeSync(this.fd);
  }

  private bytes(dir: 'rx' | 'tx', data: Buffer): void {
    const d = (dir === 'rx' ? this.rx : this.tx).push(data.toString('latin1'));
    if (d) this.record(dir, { d });
  }

  private header(): void {
    this.record('start', { v: TRACE_VERSION, run: this.run, part: this.part, wall: this.wall, label: this.control.label });
  }

  private record(k: TraceKind, fields: Record<string, unknown>, at?: number): void {
    if (this.closed) return;
    const t = roundMs((at ?? this.control.modem.clock.now()) - this.t0);
    const body = JSON.stringify({ t, k, ...fields }).slice(1);
    let line = `{"n":${this.n + 1},${body}\n`;
    let bytes = Buffer.byteLength(line);
    if (k !== 'start' && this.size + this.pendingBytes > 0 && this.size + this.pendingBytes + bytes > this.maxBytes) {
      // Past the bound: what is pending goes to this part, the record opens the next one.
      this.write();
      this.rotate(t);
      line = `{"n":${this.n + 1},${body}\n`;
      bytes = Buffer.byteLength(line);
    }
    this.n++;
    this.pending.push(line);
    this.pendingBytes += bytes;
    if (this.pendingBytes >= BATCH_BYTES) this.write();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.write(), WRITE_EVERY_MS);
      this.timer.unref();
    }
  }

  private write(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    fs.writeSync(this.fd, text);
    this.size += Buffer.byteLength(text);
  }

  /** FILE becomes FILE.1; the new FILE opens with its own start record (numbered in sequence). */
  private rotate(t: number): void {
    fs.closeSync(this.fd);
    fs.renameSync(this.opts.file, `${this.opts.file}.1`);
    this.fd = fs.openSync(this.opts.file, 'w');
    this.size = 0;
    this.part++;
    const line = `${JSON.stringify({ n: ++this.n, t, k: 'start', v: TRACE_VERSION, run: this.run, part: this.part, wall: this.wall, label: this.control.label })}\n`;
    fs.writeSync(this.fd, line);
    this.size += Buffer.byteLength(line);
  }
}
