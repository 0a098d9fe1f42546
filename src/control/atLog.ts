/**
 * The AT log: a bounded ring of what the DTE sent (each command line with its final
 * result and duration) and the URCs the module raised, redacted by the engine
 * (redactLine) before they get here. `GET /log` and scenario expectations read it.
 */
import type { AtRecord } from '../at/engine';
import type { AtRecorder, Modem } from '../modem/modem';

export interface AtLogEntry extends AtRecord {
  /** Sequence number, from 1: `GET /log?since=N` returns what came after N. */
  seq: number;
  /** Modem-clock milliseconds. */
  t: number;
}

export class AtLog implements AtRecorder {
  /**
   * A ring: once full, each record overwrites the oldest at `head`. (Splicing the oldest
   * off an array of 2000 on every command took a third of the CPU of an AT round trip.)
   * The engine's records are kept as they come, field by field in arrays side by side
   * (Modem.addAtRecorder), their times beside them; the entries are built when somebody
   * reads them. (Building one per record, in the engine's hot path, cost 8 % of the CPU
   * of a publish loop; an object a record was a seventh of what an `AT` round trip put on
   * the heap.) A record's seq follows from its place. The arrays grow with the records
   * rather than being sized up front: most of a fleet's logs hold a few lines. `ms` and
   * `t` are doubles, unboxed; a URC's `ms` is NaN.
   */
  private readonly dirs: AtRecord['dir'][] = [];
  private readonly lines: string[] = [];
  private readonly finals: (string | undefined)[] = [];
  private readonly infos: (readonly string[] | undefined)[] = [];
  private readonly ms: number[] = [];
  private readonly times: number[] = [];
  private head = 0;
  private seq = 0;

  constructor(
    modem: Modem,
    readonly capacity = 2000,
  ) {
    modem.addAtRecorder(this);
  }

  push(dir: AtRecord['dir'], line: string, final: string | undefined, info: readonly string[] | undefined, ms: number | undefined, t: number): void {
    this.seq++;
    const ms1 = ms ?? NaN;
    if (this.lines.length < this.capacity) {
      this.dirs.push(dir);
      this.lines.push(line);
      this.finals.push(final);
      this.infos.push(info);
      this.ms.push(ms1);
      this.times.push(t);
      return;
    }
    const i = this.head;
    this.dirs[i] = dir;
    this.lines[i] = line;
    this.finals[i] = final;
    this.infos[i] = info;
    this.ms[i] = ms1;
    this.times[i] = t;
    this.head = (i + 1) % this.capacity;
  }

  /** Entries after `since` (a seq), at most `limit` of the newest. */
  read(since = 0, limit = this.capacity): AtLogEntry[] {
    const count = this.lines.length;
    const first = this.seq - count + 1; // seq of the oldest record kept
    const from = Math.max(first, since + 1, this.seq - Math.max(0, limit) + 1);
    const out: AtLogEntry[] = [];
    for (let seq = from; seq <= this.seq; seq++) {
      const i = (this.head + (seq - first)) % count;
      const dir = this.dirs[i];
      const line = this.lines[i];
      const t = this.times[i];
      if (dir === 'urc') out.push({ dir, line, seq, t });
      else out.push({ dir, line, final: this.finals[i], info: this.infos[i], ms: Number.isNaN(this.ms[i]) ? undefined : this.ms[i], seq, t });
    }
    return out;
  }

  /** The seq of the newest entry (0 when empty). */
  get last(): number {
    return this.seq;
  }
}
