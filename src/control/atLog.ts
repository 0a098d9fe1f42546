/**
 * The AT log: a bounded ring of what the DTE sent (each command line with its final
 * result and duration) and the URCs the module raised, redacted by the engine
 * (redactLine) before they get here. `GET /log` and scenario expectations read it.
 */
import type { AtRecord } from '../at/engine';
import type { Modem } from '../modem/modem';

export interface AtLogEntry extends AtRecord {
  /** Sequence number, from 1: `GET /log?since=N` returns what came after N. */
  seq: number;
  /** Modem-clock milliseconds. */
  t: number;
}

export class AtLog {
  /**
   * A ring: once full, each record overwrites the oldest at `head`. (Splicing the oldest
   * off an array of 2000 on every command took a third of the CPU of an AT round trip.)
   * The engine's records are kept as they come, their times beside them; the entries are
   * built when somebody reads them. (Building one per record, in the engine's hot path,
   * cost 8 % of the CPU of a publish loop.) A record's seq follows from its place.
   */
  private readonly records: AtRecord[] = [];
  /** Grows with the records (a double array, unboxed) rather than sized up front: most of a fleet's logs hold a few lines. */
  private readonly times: number[] = [];
  private head = 0;
  private seq = 0;

  constructor(
    modem: Modem,
    readonly capacity = 2000,
  ) {
    modem.on('at', (r) => this.push(r, modem.clock.now()));
  }

  private push(r: AtRecord, t: number): void {
    this.seq++;
    if (this.records.length < this.capacity) {
      this.records.push(r);
      this.times.push(t);
      return;
    }
    const i = this.head;
    this.records[i] = r;
    this.times[i] = t;
    this.head = (i + 1) % this.capacity;
  }

  /** Entries after `since` (a seq), at most `limit` of the newest. */
  read(since = 0, limit = this.capacity): AtLogEntry[] {
    const count = this.records.length;
    const first = this.seq - count + 1; // seq of the oldest record kept
    const from = Math.max(first, since + 1, this.seq - Math.max(0, limit) + 1);
    const out: AtLogEntry[] = [];
    for (let seq = from; seq <= this.seq; seq++) {
      const i = (this.head + (seq - first)) % count;
      out.push({ ...this.records[i], seq, t: this.times[i] });
    }
    return out;
  }

  /** The seq of the newest entry (0 when empty). */
  get last(): number {
    return this.seq;
  }
}
