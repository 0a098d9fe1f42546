/**
 * Turns the DTE's bytes into command lines, one byte at a time, as the module's UART
 * front end does: anything before `AT` is dropped, S3 (CR) or LF ends a line, an LF right
 * after S3 belongs to that terminator (CR LF is one line end), S5 (backspace) edits, `A/`
 * repeats the previous line without waiting for a terminator, and a body longer than the
 * 556-character limit makes the whole line an error. Rules and evidence: docs/decisions.md
 * (Line layer).
 *
 * Bytes are handled as latin1 characters so that every byte value survives unchanged.
 */
export type Assembled = { kind: 'line'; body: string } | { kind: 'repeat' } | { kind: 'overflow' } | { kind: 'crlf' };

/**
 * What feed() returns for the LF of a CR LF line end: it belongs to the CR, so it is
 * neither echoed nor a line end of its own (one object, nothing allocated per LF).
 */
export const CRLF_TAIL: Assembled = { kind: 'crlf' };

const REPEAT: Assembled = { kind: 'repeat' };
const OVERFLOW: Assembled = { kind: 'overflow' };

export const LINE_LIMIT = 556;

/**
 * The line-editing S-registers in force. S4 is not here: it formats responses only, and
 * an LF ends a command line whatever S4 holds (host libraries write a literal `\n`).
 */
export interface LineChars {
  s3: number;
  s5: number;
}

/** LF: ends a command line like S3, unless it comes right after S3. */
export const LF = 0x0a;

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
   * concatenation would make the assembler 5 times slower than cutting lines at CR
   * (bench/README.md).
   */
  private readonly body: Buffer;
  private length = 0;
  private overflow = false;
  /** What end() hands on for a finished line: one object, its body replaced each time. */
  private readonly done = { kind: 'line' as const, body: '' };
  /** The last byte fed was S3: an LF now is the second half of a CR LF line end. */
  private afterS3 = false;
  /** This DTE ends its lines with CR LF (an LF followed its last CR); kept across resets. */
  private lfFollowsCr = true;

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
    this.afterS3 = false;
  }

  /**
   * For the first byte of a `> ` data phase, which does not go through feed(): true (the
   * byte taken) when it is the LF of the CR LF that ended the command line, which is not
   * data. Any other byte ends the CR LF window. An LF that came with the line
   * (`cameWithLine`: already waiting when the data phase opened) is the line's; one that
   * comes later is the line's if this DTE ends its lines with CR LF, which is learnt from
   * its lines before (CR LF until shown otherwise): a DTE that ends lines with CR alone
   * keeps a first data byte 0x0A it sends after the prompt.
   */
  swallows(byte: number, cameWithLine: boolean): boolean {
    if (!this.afterS3) return false;
    this.afterS3 = false;
    return byte === LF && (cameWithLine || this.lfFollowsCr);
  }

  /**
   * One byte of command-mode input: a finished line, A/, an overlong line, CRLF_TAIL, or
   * null. A finished line is the same object each time, with its body replaced: read it
   * before the next feed() (an object a line was a twentieth of an `AT` round trip's garbage).
   */
  feed(byte: number, chars: LineChars): Assembled | null {
    if (byte === chars.s3) return this.end(true);
    if (byte === LF) {
      if (!this.afterS3) return this.end(false);
      this.afterS3 = false;
      this.lfFollowsCr = true;
      return CRLF_TAIL;
    }
    if (byte === chars.s5) {
      if (this.afterS3) this.lfFollowsCr = false;
      this.afterS3 = false;
      this.backspace();
      return null;
    }
    if (!this.prefixed) {
      // S3 reset the line, so the byte after it always lands here: the one place where
      // the CR LF window needs closing (a body byte never follows S3 directly).
      if (this.afterS3) this.lfFollowsCr = false;
      this.afterS3 = false;
      if (this.pendingA && (byte === T_UPPER || byte === T_LOWER)) {
        this.prefixed = true;
        this.pendingA = false;
      } else if (this.pendingA && byte === SLASH) {
        this.reset();
        return REPEAT;
      } else {
        this.pendingA = isA(byte);
      }
      return null;
    }
    if (this.length >= this.limit) this.overflow = true;
    else this.body[this.length++] = byte;
    return null;
  }

  /** A line end: the line typed so far (nothing without the AT prefix), and a fresh start. */
  private end(s3: boolean): Assembled | null {
    let done: Assembled | null = null;
    if (this.prefixed && this.overflow) done = OVERFLOW;
    else if (this.prefixed) {
      this.done.body = this.body.toString('latin1', 0, this.length);
      done = this.done;
    }
    this.reset();
    this.afterS3 = s3;
    return done;
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
