/**
 * Turns the DTE's bytes into command lines, one byte at a time, as the module's UART
 * front end does: anything before `AT` is dropped, S3 ends a line, a stray S4 (LF) is
 * ignored, S5 (backspace) edits, `A/` repeats the previous line without waiting for S3,
 * and a body longer than the 556-character limit makes the whole line an error.
 *
 * Bytes are handled as latin1 characters so that every byte value survives unchanged.
 */
export type Assembled = { kind: 'line'; body: string } | { kind: 'repeat' } | { kind: 'overflow' };

export const LINE_LIMIT = 556;

export interface LineChars {
  s3: number;
  s4: number;
  s5: number;
}

export class LineAssembler {
  private pending = ''; // characters seen while looking for the AT prefix (at most one)
  private prefixed = false;
  private body = '';
  private overflow = false;

  constructor(private readonly limit = LINE_LIMIT) {}

  /** True while a line is being typed (the prefix has been seen). */
  get inLine(): boolean {
    return this.prefixed;
  }

  reset(): void {
    this.pending = '';
    this.prefixed = false;
    this.body = '';
    this.overflow = false;
  }

  feed(byte: number, chars: LineChars): Assembled | null {
    if (byte === chars.s3) {
      const done: Assembled | null = this.prefixed
        ? this.overflow
          ? { kind: 'overflow' }
          : { kind: 'line', body: this.body }
        : null;
      this.reset();
      return done;
    }
    if (byte === chars.s4) return null;
    if (byte === chars.s5) {
      this.backspace();
      return null;
    }
    const ch = String.fromCharCode(byte);
    if (!this.prefixed) {
      const two = this.pending + ch;
      if (/^[aA][tT]$/.test(two)) {
        this.prefixed = true;
        this.pending = '';
      } else if (/^[aA]\/$/.test(two)) {
        this.reset();
        return { kind: 'repeat' };
      } else {
        this.pending = ch === 'a' || ch === 'A' ? ch : '';
      }
      return null;
    }
    if (this.body.length >= this.limit) this.overflow = true;
    else this.body += ch;
    return null;
  }

  private backspace(): void {
    if (!this.prefixed) {
      this.pending = '';
      return;
    }
    if (this.body.length > 0) {
      this.body = this.body.slice(0, -1);
    } else {
      // Erasing the T of the prefix: back to looking for it, with the A kept.
      this.prefixed = false;
      this.pending = 'A';
    }
  }
}
