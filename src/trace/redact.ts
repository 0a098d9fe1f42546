/**
 * Secrets out of a byte stream as it is recorded, one direction of the DTE's wire at a
 * time. The AT log's rules apply (src/log.ts): command lines through redactLine() (the
 * DTE's line and the module's echo of it), listing lines `PASSWORD: …`/`PWD: …` masked;
 * and the lines of a PEM private key (AT+FSWRITE of a client key, its AT+FSREAD) become
 * `***`.
 *
 * Bytes are recorded as they come, except a line that may hold a secret: once the line
 * so far names such a command (the name always comes before the secret) the rest of it
 * is held until the line ends (CR or LF) and recorded masked. So the bytes of such a line
 * after its command name carry the time its line ended; every other byte keeps its own.
 */
import { mayHoldSecret, redactLine, SECRET_INFO } from '../log';

/** A held line longer than this is recorded (masked as it stands) without waiting for its end. */
export const HELD_LINE_MAX = 4096;

const LISTING_SECRET = /^\s*(?:PASSWORD|PWD)\s*:/i;
const KEY_BEGIN = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
const KEY_END = /-----END [A-Z0-9 ]*PRIVATE KEY-----/;

export class StreamRedactor {
  /** The current line: what came since the last CR or LF. */
  private line = '';
  /** How much of `line` has been given out already. */
  private emitted = 0;
  private holding = false;
  /** Inside a PEM private key block: each line is `***`. */
  private inKey = false;
  /** A held line passed the bound and went out masked: the rest of it is part of what was masked. */
  private skipRest = false;

  /** Text (latin1, one char a byte) in → what may be recorded now. */
  push(text: string): string {
    let out = '';
    let from = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 13 && c !== 10) continue;
      this.line += text.slice(from, i);
      out += this.endLine() + text[i];
      from = i + 1;
    }
    if (from < text.length) {
      this.line += text.slice(from);
      out += this.partial();
    }
    return out;
  }

  /** The rest of a held line, masked (the recording ends). */
  flush(): string {
    const rest = this.skipRest ? '' : this.holding || this.inKey ? this.masked().slice(this.emitted) : this.line.slice(this.emitted);
    this.skipRest = false;
    this.line = '';
    this.emitted = 0;
    this.holding = false;
    return rest;
  }

  /** What may go out of an unfinished line now. */
  private partial(): string {
    if (this.skipRest) {
      this.line = '';
      return '';
    }
    if (!this.holding && !this.inKey && (mayHoldSecret(this.line) || LISTING_SECRET.test(this.line))) this.holding = true;
    if (this.holding || this.inKey) {
      if (this.line.length - this.emitted <= HELD_LINE_MAX) return '';
      // Too long to wait for: out masked as it stands, and the rest of the line stays masked.
      const masked = this.masked();
      const out = masked.startsWith(this.line.slice(0, this.emitted)) ? masked.slice(this.emitted) : '***';
      this.line = '';
      this.emitted = 0;
      this.skipRest = true;
      return out;
    }
    const out = this.line.slice(this.emitted);
    this.emitted = this.line.length;
    return out;
  }

  /** The line ended: the rest of it as it may be recorded. */
  private endLine(): string {
    let out: string;
    if (this.skipRest) out = '';
    else if (this.inKey) {
      if (KEY_END.test(this.line)) {
        this.inKey = false;
        out = this.line.slice(this.emitted);
      } else out = this.line.length > 0 && this.emitted === 0 ? '***' : '';
    } else if (this.holding || mayHoldSecret(this.line) || LISTING_SECRET.test(this.line)) {
      const masked = this.masked();
      const head = this.line.slice(0, this.emitted);
      out = masked.startsWith(head) ? masked.slice(this.emitted) : '***';
    } else out = this.line.slice(this.emitted);
    if (!this.inKey && KEY_BEGIN.test(this.line) && !KEY_END.test(this.line)) this.inKey = true;
    this.line = '';
    this.emitted = 0;
    this.holding = false;
    this.skipRest = false;
    return out;
  }

  private masked(): string {
    if (this.inKey) return this.line.length > 0 ? '***' : '';
    return redactLine(this.line).replace(SECRET_INFO, '$1***');
  }
}
