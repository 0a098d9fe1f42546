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
  private readonly entries: AtLogEntry[] = [];
  private seq = 0;

  constructor(
    modem: Modem,
    readonly capacity = 2000,
  ) {
    modem.on('at', (r) => this.push({ ...r, seq: ++this.seq, t: modem.clock.now() }));
  }

  private push(e: AtLogEntry): void {
    this.entries.push(e);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
  }

  /** Entries after `since` (a seq), at most `limit` of the newest. */
  read(since = 0, limit = this.capacity): AtLogEntry[] {
    const after = this.entries.filter((e) => e.seq > since);
    return after.slice(Math.max(0, after.length - limit));
  }

  /** The seq of the newest entry (0 when empty). */
  get last(): number {
    return this.seq;
  }
}
