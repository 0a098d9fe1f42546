/**
 * Turns the DTE's bytes into command lines, one byte at a time, as the module's UART
 * front end does: anything before `AT` is dropped, S3 ends a line, so does an S4 (LF)
 * that does not follow S3 (a LF after a CR, or outside a line, is ignored), S5 (backspace) edits, `A/` repeats the previous line without waiting for S3,
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

const A_UPPER = 0x41;
const A_LOWER = 0x61;
const T_UPPER = 0x54;
const T_LOWER = 0x74;
const SLASH = 0x2f;
const isA = (b: number) => b === A_UPPER || b === A_LOWER;

export class LineAssembler {
  /** An A (either case) was the last byte while looking for the AT prefix. */
  private pendingA = false;
  private prefixed = false;
  /**
   * The body's bytes so far, decoded once when the line ends: byte-wise string
   * concatenation made the assembler 5 times slower than cutting lines at CR (bench/README.md).
   */
  private readonly body: Buffer;
  private length = 0;
  private overflow = false;
  /** The byte before this one (kept across lines: CR ends a line, the LF after it is the same end). */
  private prev = -1;

  constructor(private readonly limit = LINE_LIMIT) {
    this.body = Buffer.alloc(limit);
  }

  /** True while a line is being typed (the prefix has been seen). */
  get inLine(): boolean {
    return this.prefixed;
  }

  reset(): void {
    this.pendingA = false;
    this.prefixed = false;
    this.length = 0;
    this.overflow = false;
  }

  feed(byte: number, chars: LineChars): Assembled | null {
    const prev = this.prev;
    this.prev = byte;
    // A LF that does not follow a CR ends the line too: drivers that send `\n` alone
    // (a Python SIM800 library) work on the module; CR LF stays one terminator.
    if (byte === chars.s3 || (byte === chars.s4 && prev !== chars.s3 && this.prefixed)) {
      const done: Assembled | null = this.prefixed
        ? this.overflow
          ? { kind: 'overflow' }
          : { kind: 'line', body: this.body.toString('latin1', 0, this.length) }
        : null;
      this.reset();
      return done;
    }
    if (byte === chars.s4) return null;
    if (byte === chars.s5) {
      this.backspace();
      return null;
    }
    if (!this.prefixed) {
      if (this.pendingA && (byte === T_UPPER || byte === T_LOWER)) {
        this.prefixed = true;
        this.pendingA = false;
      } else if (this.pendingA && byte === SLASH) {
        this.reset();
        return { kind: 'repeat' };
      } else {
        this.pendingA = isA(byte);
      }
      return null;
    }
    if (this.length >= this.limit) this.overflow = true;
    else this.body[this.length++] = byte;
    return null;
  }

  private backspace(): void {
    if (!this.prefixed) {
      this.pendingA = false;
      return;
    }
    if (this.length > 0) {
      this.length--;
    } else {
      // Erasing the T of the prefix: back to looking for it, with the A kept.
      this.prefixed = false;
      this.pendingA = true;
    }
  }
}
