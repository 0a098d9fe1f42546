/**
 * The message memories: SM (the SIM) and ME (the module's flash). A location holds what
 * EF_SMS holds on a SIM, the status and the PDU with its SC address; every display form is
 * computed from it. With a state dir each memory is a JSON file written atomically after
 * every change (it is the SIM's and the flash's); without one it lives in memory. Both
 * outlive power cycles. The SIM also keeps the last message reference (EF_SMSS).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from 'pino';
import { writeFileAtomic } from '../../atomicFile';
import { parsePdu } from './pdu';

/** 27.005 <stat>: 0 REC UNREAD, 1 REC READ, 2 STO UNSENT, 3 STO SENT. */
export type Stat = 0 | 1 | 2 | 3;
export const STAT_TEXT = ['REC UNREAD', 'REC READ', 'STO UNSENT', 'STO SENT'] as const;

export interface Stored {
  stat: Stat;
  /** Hex, SC address first. */
  pdu: string;
}

export type MemName = 'SM' | 'ME';

const isStat = (n: unknown): n is Stat => n === 0 || n === 1 || n === 2 || n === 3;

interface FileShape {
  version: 1;
  mr?: number;
  messages: { index: number; stat: number; pdu: string }[];
}

export class Memory {
  readonly slots = new Map<number, Stored>();
  /** The SIM's last TP-MR (EF_SMSS); only SM's is used. */
  mr = 0;

  constructor(
    readonly name: MemName,
    public capacity: number,
    private readonly file: string | null,
    private readonly log: Logger,
  ) {
    this.load();
  }

  get used(): number {
    return this.slots.size;
  }

  /** The lowest free index, or null when full. */
  freeIndex(): number | null {
    for (let i = 1; i <= this.capacity; i++) if (!this.slots.has(i)) return i;
    return null;
  }

  get(index: number): Stored | undefined {
    return this.slots.get(index);
  }

  set(index: number, s: Stored): void {
    this.slots.set(index, s);
    this.save();
  }

  delete(index: number): boolean {
    const had = this.slots.delete(index);
    if (had) this.save();
    return had;
  }

  /** Deletes every message whose status `pick` selects; true when one went. */
  deleteWhere(pick: (s: Stored) => boolean): boolean {
    let any = false;
    for (const [i, s] of this.slots) {
      if (pick(s)) {
        this.slots.delete(i);
        any = true;
      }
    }
    if (any) this.save();
    return any;
  }

  /** Index order. */
  entries(): [number, Stored][] {
    return [...this.slots.entries()].sort(([a], [b]) => a - b);
  }

  nextMr(): number {
    this.mr = (this.mr + 1) & 0xff;
    this.save();
    return this.mr;
  }

  save(): void {
    if (!this.file) return;
    const data: FileShape = { version: 1, mr: this.mr, messages: this.entries().map(([index, s]) => ({ index, stat: s.stat, pdu: s.pdu })) };
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    writeFileAtomic(this.file, JSON.stringify(data, null, 1) + '\n');
  }

  private load(): void {
    const file = this.file;
    if (!file || !fs.existsSync(file)) return;
    try {
      const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<FileShape>;
      if (parsed.version !== 1 || !Array.isArray(parsed.messages)) throw new Error('not a message store');
      for (const m of parsed.messages) {
        const stat = m.stat;
        if (!Number.isInteger(m.index) || m.index < 1 || !isStat(stat) || typeof m.pdu !== 'string') throw new Error(`bad entry ${JSON.stringify(m)}`);
        parsePdu(m.pdu); // a PDU the codec cannot read would break every listing
        this.slots.set(m.index, { stat, pdu: m.pdu.toUpperCase() });
      }
      if (Number.isInteger(parsed.mr)) this.mr = (parsed.mr ?? 0) & 0xff;
    } catch (err) {
      // A damaged store is never trusted nor silently lost: set aside, start empty.
      this.slots.clear();
      this.mr = 0;
      const aside = `${file}.damaged-${Date.now()}`;
      try {
        fs.renameSync(file, aside);
      } catch {
        // leave it where it is; it is overwritten at the next change
      }
      this.log.warn({ file, aside, err: (err as Error).message }, 'SMS store damaged: set aside, starting empty');
    }
  }
}
