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
   * A ring: once full, each entry overwrites the oldest at `head`. (Splicing the oldest
   * off an array of 2000 on every command took a third of the CPU of an AT round trip.)
   */
  private readonly entries: AtLogEntry[] = [];
  private head = 0;
  private seq = 0;

  constructor(
    modem: Modem,
    readonly capacity = 2000,
  ) {
    modem.on('at', (r) => this.push({ ...r, seq: ++this.seq, t: modem.clock.now() }));
  }

  private push(e: AtLogEntry): void {
    if (this.entries.length < this.capacity) this.entries.push(e);
    else {
      this.entries[this.head] = e;
      this.head = (this.head + 1) % this.capacity;
    }
  }

  /** Entries after `since` (a seq), at most `limit` of the newest. */
  read(since = 0, limit = this.capacity): AtLogEntry[] {
    const ordered = this.head === 0 ? this.entries : [...this.entries.slice(this.head), ...this.entries.slice(0, this.head)];
    const after = ordered.filter((e) => e.seq > since);
    return after.slice(Math.max(0, after.length - limit));
  }

  /** The seq of the newest entry (0 when empty). */
  get last(): number {
    return this.seq;
  }
}
