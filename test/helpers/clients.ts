/**
 * The parsers of two common SIM800 firmware libraries, restated in TypeScript from reading
 * their code (nothing copied), over the byte stream as the firmware sees it: bytes that
 * arrived and were not read yet. Tests that replay a library's start-up, SMS, call or
 * USSD code build on these, so each parser is stated once.
 *
 * - TinyGSM (vshymanskyy/TinyGSM, src/TinyGsmClientSIM800.h, TinyGsmModem.tpp): commands
 *   end in "\r\n"; waitResponse() appends every byte to a string and returns as soon as it
 *   ENDS WITH one of its targets ("OK\r\n", "ERROR\r\n" by default), skipping NUL bytes and
 *   swallowing the *PSUTTZ/DST/+CTZV/*PSNWID URCs; the rest stays in the stream for the
 *   next read.
 * - Adafruit FONA (adafruit/Adafruit_FONA, Adafruit_FONA.cpp): flushInput() drops what is
 *   pending before each command; readline() skips CR, skips LF while the line is empty,
 *   and ends the line at the next LF or when input runs dry (its timeout); sendCheckReply()
 *   compares that line exactly; parseReply() finds a prefix, skips N dividers and atoi()s.
 *
 * The stream is pulled whole after each write (the DTE settles first), so "input runs dry"
 * stands for the libraries' read timeouts.
 */
import type { Dte } from './dte';

/** The firmware's receive buffer. */
export class Wire {
  buf = '';
  constructor(private readonly d: Dte) {}
  async pull(): Promise<void> {
    await this.d.settle();
    this.buf += this.d.sinceMark();
    this.d.mark();
  }
  async write(s: string): Promise<void> {
    this.d.write(s);
    await this.pull();
  }
  read(): string | null {
    if (!this.buf) return null;
    const c = this.buf[0];
    this.buf = this.buf.slice(1);
    return c;
  }
  /** pyserial readline(): up to and including LF, or whatever there is at the timeout. */
  readline(): string {
    const i = this.buf.indexOf('\n');
    const line = i < 0 ? this.buf : this.buf.slice(0, i + 1);
    this.buf = this.buf.slice(line.length);
    return line;
  }
}

/** TinyGSM's stream parser (TinyGsmModem.tpp and the SIM800 waitResponse). */
export class TinyGsm {
  readonly s: Wire;
  constructor(d: Dte) {
    this.s = new Wire(d);
  }
  sendAT(...parts: (string | number)[]): Promise<void> {
    return this.s.write('AT' + parts.join('') + '\r\n');
  }
  /** Index (1-based) of the first target the data ends with; 0 when input runs dry. */
  waitResponse(...targets: string[]): number {
    return this.waitResponseData(...targets).index;
  }
  waitResponseData(...targets: string[]): { index: number; data: string } {
    const t = targets.length ? targets : ['OK\r\n', 'ERROR\r\n'];
    let data = '';
    for (let c = this.s.read(); c !== null; c = this.s.read()) {
      if (c === '\x00') continue;
      data += c;
      const i = t.findIndex((x) => data.endsWith(x));
      if (i >= 0) return { index: i + 1, data };
      if (['*PSNWID:', '*PSUTTZ:', '+CTZV:', 'DST:'].some((u) => data.endsWith(u))) {
        this.skipUntil('\n');
        data = '';
      }
    }
    return { index: 0, data };
  }
  skipUntil(ch: string): boolean {
    for (let c = this.s.read(); c !== null; c = this.s.read()) if (c === ch) return true;
    return false;
  }
  readStringUntil(ch: string): string {
    let out = '';
    for (let c = this.s.read(); c !== null && c !== ch; c = this.s.read()) out += c;
    return out;
  }
  getIntBefore(ch: string): number {
    return parseInt(this.readStringUntil(ch), 10);
  }
  /** Arduino Stream.parseInt(): skip to the first digit or minus, read the number. */
  parseInt(): number {
    while (this.s.buf && !/[-\d]/.test(this.s.buf[0])) this.s.read();
    const m = /^-?\d+/.exec(this.s.buf);
    if (!m) return 0;
    this.s.buf = this.s.buf.slice(m[0].length);
    return Number(m[0]);
  }
  /** Arduino String.toInt(): leading digits. */
  static toInt(s: string): number {
    const m = /^\s*-?\d+/.exec(s);
    return m ? parseInt(m[0], 10) : 0;
  }
  static decodeHex8bit(hex: string): string {
    let out = '';
    for (let i = 0; i + 1 < hex.length; i += 2) out += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
    return out;
  }
}

/** Adafruit FONA's line reader and reply checks. */
export class Fona {
  readonly s: Wire;
  constructor(d: Dte) {
    this.s = new Wire(d);
  }
  async flushInput(): Promise<void> {
    await this.s.pull();
    this.s.buf = '';
  }
  readline(multiline = false): string {
    let line = '';
    for (let c = this.s.read(); c !== null; c = this.s.read()) {
      if (c === '\r') continue;
      if (c === '\n') {
        if (line.length === 0) continue;
        if (!multiline) break;
      }
      line += c;
    }
    return line;
  }
  async getReply(send: string): Promise<string> {
    await this.flushInput();
    await this.s.write(send + '\r\n');
    return this.readline();
  }
  async sendCheckReply(send: string, reply: string): Promise<boolean> {
    return (await this.getReply(send)) === reply;
  }
  /** parseReply(): find the prefix, skip `index` dividers, atoi. */
  static parseReply(line: string, prefix: string, divider = ',', index = 0): number | null {
    const at = line.indexOf(prefix);
    if (at < 0) return null;
    let p = line.slice(at + prefix.length);
    for (let i = 0; i < index; i++) {
      const d = p.indexOf(divider);
      if (d < 0) return null;
      p = p.slice(d + 1);
    }
    return parseInt(p, 10);
  }
  /** sendParseReply(): getReply, parseReply, then the OK line read and dropped. */
  async sendParseReply(send: string, prefix: string, divider = ',', index = 0): Promise<number | null> {
    const line = await this.getReply(send);
    const n = Fona.parseReply(line, prefix, divider, index);
    if (n === null) return null;
    this.readline(); // eat OK
    return n;
  }
}
