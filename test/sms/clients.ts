/**
 * What four real SIM800 clients do with SMS, calls and USSD, restated in TypeScript from
 * reading their code (nothing copied): the exact bytes they send and how their parsers read
 * the answer. The stream is what the firmware sees: bytes that arrived and were not read.
 *
 * - TinyGSM (vshymanskyy/TinyGSM, src/TinyGsmSMS.tpp, src/TinyGsmCalling.tpp): commands end
 *   in "\r\n"; waitResponse() appends bytes and returns as soon as the data ENDS WITH one of
 *   its targets ("OK\r\n", "ERROR\r\n" by default); what follows stays in the stream.
 * - Adafruit FONA (Adafruit_FONA.cpp): flushInput() before each command; readline() skips
 *   CR, skips LF while the line is empty, ends at the next LF or when input runs dry (its
 *   timeout); sendCheckReply() compares that line exactly; parseReply() finds a prefix,
 *   skips N dividers and atoi()s.
 * - Ircama sim800l.py ("PY1"): every command ends in "\n" only; command() drains pending
 *   input, writes, reads a line with pyserial's readline() (up to LF, or what came before the
 *   timeout), strips it, reads a second line if the first was empty; with lines > 1 it
 *   collects the next lines into savbuf, skipping empty ones, "OK" and '+CMTI: "SM",'.
 * - JFF-Bohdan sim-module ("PY2", lib/sim900/gsm.py): commandAndStdResult() writes the text
 *   plus "\r\n", splits everything received on "\r" and succeeds when the last non-empty
 *   stripped piece is one of the expected results.
 */
import type { Dte } from '../helpers/dte';

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
    const t = targets.length ? targets : ['OK\r\n', 'ERROR\r\n'];
    let data = '';
    for (let c = this.s.read(); c !== null; c = this.s.read()) {
      if (c === '\x00') continue;
      data += c;
      const i = t.findIndex((x) => data.endsWith(x));
      if (i >= 0) return i + 1;
    }
    return 0;
  }
  skipUntil(ch: string): void {
    for (let c = this.s.read(); c !== null && c !== ch; c = this.s.read());
  }
  readStringUntil(ch: string): string {
    let out = '';
    for (let c = this.s.read(); c !== null && c !== ch; c = this.s.read()) out += c;
    return out;
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

  async sendSMS(number: string, text: string): Promise<boolean> {
    await this.sendAT('+CMGF=1');
    this.waitResponse();
    await this.sendAT('+CSCS="GSM"');
    this.waitResponse();
    await this.sendAT('+CMGS="', number, '"');
    if (this.waitResponse('>') !== 1) return false;
    await this.s.write(text + '\x1a');
    return this.waitResponse() === 1;
  }

  async sendSMS_UTF16(number: string, text: string): Promise<boolean> {
    await this.sendAT('+CMGF=1');
    this.waitResponse();
    await this.sendAT('+CSCS="HEX"');
    this.waitResponse();
    await this.sendAT('+CSMP=17,167,0,8');
    this.waitResponse();
    await this.sendAT('+CMGS="', number, '"');
    if (this.waitResponse('>') !== 1) return false;
    let hex = '';
    for (let i = 0; i < text.length; i++) hex += text.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0');
    await this.s.write(hex + '\x1a');
    return this.waitResponse() === 1;
  }

  /** readSMSImpl: needs AT+CSDH=1 set by the application (the parser walks the CSDH fields). */
  async readSMS(index: number, changeStatusToRead = true): Promise<{ status: string; from: string; alpha: string; scts: string; alphabet: number; message: string } | null> {
    await this.sendAT('+CMGR=', index, ',', changeStatusToRead ? 0 : 1);
    if (this.waitResponse('\r\n+CMGR: "') !== 1) return null;
    const status = this.readStringUntil('"');
    this.skipUntil('"');
    const from = this.readStringUntil('"');
    this.skipUntil('"');
    const alpha = this.readStringUntil('"');
    this.skipUntil('"');
    const scts = this.readStringUntil('"');
    this.skipUntil(',');
    this.skipUntil(','); // tooa
    this.skipUntil(','); // fo
    this.skipUntil(','); // pid
    const alphabet = (TinyGsm.toInt(this.readStringUntil(',')) >> 2) & 3;
    this.skipUntil(','); // sca
    this.skipUntil(','); // tosca
    const length = TinyGsm.toInt(this.readStringUntil('\n'));
    const data = this.s.buf.slice(0, length); // readString() then remove(length)
    this.s.buf = '';
    return { status, from, alpha, scts, alphabet, message: data };
  }

  async deleteSMS(index: number): Promise<boolean> {
    await this.sendAT('+CMGD=', index, ',', 0);
    return this.waitResponse() === 1;
  }

  async deleteAllSMS(method: number): Promise<boolean> {
    await this.sendAT('+CMGF=0');
    if (this.waitResponse() !== 1) return false;
    await this.sendAT('+CMGDA=', method);
    const ok = this.waitResponse() === 1;
    await this.sendAT('+CMGF=1');
    this.waitResponse();
    return ok;
  }

  async getPreferredSMSStorage(): Promise<{ mem: string; used: number; total: number }[] | null> {
    await this.sendAT('+CPMS?');
    if (this.waitResponse('\r\n+CPMS:') !== 1) return null;
    const out: { mem: string; used: number; total: number }[] = [];
    for (let i = 0; i < 3; i++) {
      this.skipUntil('"');
      const mem = this.readStringUntil('"');
      if (!['SM', 'ME', 'SM_P', 'ME_P', 'MT'].includes(mem)) return null;
      this.skipUntil(',');
      const used = TinyGsm.toInt(this.readStringUntil(','));
      const total = TinyGsm.toInt(i < 2 ? this.readStringUntil(',') : this.s.buf);
      if (i === 2) this.s.buf = '';
      out.push({ mem, used, total });
    }
    return out;
  }

  async setPreferredSMSStorage(mem: string): Promise<boolean> {
    await this.sendAT(`+CPMS="${mem}","${mem}","${mem}"`);
    return this.waitResponse() === 1;
  }

  async receiveNewSMSIndication(): Promise<boolean> {
    await this.sendAT('+CNMI=2,', 1, ',', 0, ',', 0, ',0');
    return this.waitResponse() === 1;
  }

  async sendUSSD(code: string): Promise<string> {
    await this.sendAT('+CMGF=1');
    this.waitResponse();
    await this.sendAT('+CSCS="HEX"');
    this.waitResponse();
    await this.sendAT('+CUSD=1,"', code, '"');
    if (this.waitResponse() !== 1) return '';
    await this.s.pull(); // waitResponse(10000L, "+CUSD:") keeps reading until it comes
    if (this.waitResponse('+CUSD:') !== 1) return '';
    this.readStringUntil('"');
    const hex = this.readStringUntil('"');
    this.readStringUntil(',');
    const dcs = TinyGsm.toInt(this.readStringUntil('\n'));
    return dcs === 15 ? TinyGsm.decodeHex8bit(hex) : hex;
  }

  async callAnswer(): Promise<boolean> {
    await this.sendAT('A');
    return this.waitResponse() === 1;
  }
  /** 1 OK, 2 BUSY, 3 NO ANSWER, 4 NO CARRIER. */
  async callNumber(number: string): Promise<number> {
    await this.sendAT('D', number, ';');
    return this.waitResponse('OK', 'BUSY', 'NO ANSWER', 'NO CARRIER');
  }
  async callHangup(): Promise<boolean> {
    await this.sendAT('H');
    return this.waitResponse() === 1;
  }
  async dtmfSend(c: string, durationMs = 100): Promise<boolean> {
    await this.sendAT('+VTD=', durationMs / 100);
    this.waitResponse();
    await this.sendAT('+VTS=', c);
    return this.waitResponse() === 1;
  }
}

export class Fona {
  readonly s: Wire;
  constructor(d: Dte) {
    this.s = new Wire(d);
  }
  async flushInput(): Promise<void> {
    await this.s.pull();
    this.s.buf = '';
  }
  readline(): string {
    let line = '';
    for (let c = this.s.read(); c !== null; c = this.s.read()) {
      if (c === '\r') continue;
      if (c === '\n') {
        if (line.length === 0) continue;
        break;
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
  async sendParseReply(send: string, prefix: string): Promise<number | null> {
    const line = await this.getReply(send);
    const n = Fona.parseReply(line, prefix);
    if (n === null) return null;
    this.readline(); // eat OK
    return n;
  }

  async getNumSMS(): Promise<number> {
    if (!(await this.sendCheckReply('AT+CMGF=1', 'OK'))) return -1;
    const sm = await this.sendParseReply('AT+CPMS?', '"SM",');
    if (sm !== null) return sm;
    const smp = await this.sendParseReply('AT+CPMS?', '"SM_P",');
    return smp ?? -1;
  }

  async readSMS(index: number): Promise<string | null> {
    if (!(await this.sendCheckReply('AT+CMGF=1', 'OK'))) return null;
    if (!(await this.sendCheckReply('AT+CSDH=1', 'OK'))) return null;
    await this.s.write(`AT+CMGR=${index}\r\n`);
    const header = this.readline();
    const len = Fona.parseReply(header, '+CMGR:', ',', 11);
    if (len === null || Number.isNaN(len)) return null;
    const body = this.s.buf.slice(0, len); // readRaw(len)
    await this.flushInput();
    return body;
  }

  async getSMSSender(index: number): Promise<string | null> {
    if (!(await this.sendCheckReply('AT+CMGF=1', 'OK'))) return null;
    if (!(await this.sendCheckReply('AT+CSDH=1', 'OK'))) return null;
    await this.s.write(`AT+CMGR=${index}\r\n`);
    const line = this.readline();
    await this.flushInput();
    // parseReplyQuoted(prefix, .., ',', 1): the second comma-separated field, quotes removed.
    if (!line.startsWith('+CMGR:')) return null;
    return line.slice('+CMGR:'.length).split(',')[1].replace(/"/g, '');
  }

  async sendSMS(addr: string, msg: string): Promise<boolean> {
    if (!(await this.sendCheckReply('AT+CMGF=1', 'OK'))) return false;
    if (!(await this.sendCheckReply(`AT+CMGS="${addr}"`, '> '))) return false;
    await this.s.write(msg + '\r\n' + '\r\n' + '\x1a'); // println(msg); println(); write(0x1A)
    if (!this.readline().includes('+CMGS')) return false;
    return this.readline() === 'OK';
  }

  async deleteSMS(index: number): Promise<boolean> {
    if (!(await this.sendCheckReply('AT+CMGF=1', 'OK'))) return false;
    return this.sendCheckReply(`AT+CMGD=${String(index).padStart(3, '0')}`, 'OK');
  }

  async sendUSSD(code: string): Promise<string | null> {
    if (!(await this.sendCheckReply('AT+CUSD=1', 'OK'))) return null;
    if (!(await this.sendCheckReply(`AT+CUSD=1,"${code}"`, 'OK'))) return null;
    await this.s.pull(); // readline(10000)
    const line = this.readline();
    const p = line.indexOf('+CUSD: ');
    if (p < 0) return null;
    const open = line.indexOf('"', p + 7);
    if (open < 0) return null;
    const close = line.indexOf('"', open + 1);
    return line.slice(open + 1, close);
  }

  callPhone(number: string): Promise<boolean> {
    return this.sendCheckReply(`ATD${number};`, 'OK');
  }
  async getCallStatus(): Promise<number> {
    return (await this.sendParseReply('AT+CPAS', '+CPAS: ')) ?? 1;
  }
  hangUp(): Promise<boolean> {
    return this.sendCheckReply('ATH0', 'OK');
  }
  pickUp(): Promise<boolean> {
    return this.sendCheckReply('ATA', 'OK');
  }
  /** incomingCallNumber(): lines until RING, then the next line's number after `+CLIP: "`. */
  async incomingCallNumber(): Promise<string | null> {
    await this.s.pull();
    for (let line = this.readline(); line !== 'RING'; line = this.readline()) {
      if (line === '' && !this.s.buf) return null;
    }
    const clip = this.readline();
    const p = clip.indexOf('+CLIP: "');
    if (p < 0) return null;
    const rest = clip.slice(p + 8);
    return rest.slice(0, rest.indexOf('"'));
  }
}

export class Py1 {
  readonly s: Wire;
  savbuf = '';
  constructor(d: Dte) {
    this.s = new Wire(d);
  }
  /** Python's gsm03.38 codec for the characters the tests use. */
  static gsm(text: string): string {
    const ext: Record<string, string> = { '€': '\x1b\x65', '[': '\x1b\x3c', ']': '\x1b\x3e', '{': '\x1b\x28', '}': '\x1b\x29' };
    return [...text].map((c) => (c === '@' ? '\x00' : ext[c] ?? c)).join('');
  }
  async command(cmd: string, lines = 1, msgtext?: string): Promise<string | null> {
    await this.s.pull();
    this.s.buf = ''; // check_incoming() while input is waiting
    await this.s.write(Py1.gsm(cmd) + (msgtext !== undefined ? Py1.gsm(msgtext) + '\x1a' : ''));
    let buf = this.s.readline().trim();
    if (!buf) buf = this.s.readline().trim();
    if (!buf) return null;
    if (lines > 1) {
      this.savbuf = '';
      for (let i = 0; i < lines - 1; i++) {
        const l = this.s.readline();
        if (!l) break;
        const t = l.trim();
        if (t !== '' && t !== 'OK' && !t.startsWith('+CMTI: "SM",')) this.savbuf += t + '\n';
      }
    }
    return buf;
  }
  async setup(): Promise<boolean> {
    if ((await this.command('ATE0;+IFC=1,1\n')) !== 'OK') return false;
    return (await this.command('AT+CLIP=1;+CMGF=1;+CLTS=1;+CSCLK=0;+CSCS="GSM";+CMGHEX=1\n')) === 'OK';
  }
  async sendSms(dest: string, text: string): Promise<boolean> {
    const r = await this.command(`AT+CMGS="${dest}"\n`, 99, text);
    return r === '>' && ['+CUSD', '+CMGS'].includes(this.savbuf.split(':')[0]);
  }
  async readSms(index: number): Promise<[string, string, string, string] | null> {
    const r = await this.command(`AT+CMGR=${index}\n`, 99);
    if (!r) return null;
    const params = r.split(',');
    if (params[0].split(':')[0] !== '+CMGR') return null;
    const q = (s: string) => s.replace(/"/g, '').trim();
    return [q(params[1]), q(params[3]), q(params[4]), this.savbuf];
  }
  async deleteSms(index: number): Promise<void> {
    await this.command(`AT+CMGD=${index}\n`, 1);
  }
  /** read_next_message(): None = no message, false = error, else the read_sms() tuple. */
  async readNextMessage(all = false): Promise<[string, string, string, string] | null | false> {
    const rec = await this.command(all ? 'AT+CMGL="ALL",1\n' : 'AT+CMGL="REC UNREAD",1\n');
    if (rec === 'OK') return null;
    if (!rec) return false;
    const sto = /^\+CMGL: (\d*),"STO/.exec(rec);
    if (sto) {
      await this.deleteSms(Number(sto[1]));
      return false;
    }
    const rec1 = /^\+CMGL: (\d*),"REC/.exec(rec);
    if (!rec1) return false;
    const data = await this.readSms(Number(rec1[1]));
    await this.deleteSms(Number(rec1[1]));
    return data;
  }
  async readAndDeleteAll(index = 1): Promise<[string, string, string, string] | null> {
    const data = await this.readSms(index);
    await this.command('AT+CMGDA="DEL ALL"\n', 1);
    return data;
  }
  /** check_incoming(): one line, classified. */
  async checkIncoming(): Promise<[string, unknown]> {
    await this.s.pull();
    let buf = this.s.readline().trim();
    while (buf === '' && this.s.buf) buf = this.s.readline().trim();
    const params = buf.split(',');
    if (params[0].startsWith('+CMTI')) return ['CMTI', Number(params[1])];
    if (params[0] === 'RING' || params[0].startsWith('+CLIP')) return ['RING', null];
    if (params[0] === 'NO CARRIER') return ['NOCARRIER', null];
    if (buf === 'OK') return ['OK', null];
    return ['GENERIC', buf];
  }
}

export class Py2 {
  readonly s: Wire;
  lastResult: string | null = null;
  constructor(d: Dte) {
    this.s = new Wire(d);
  }
  /** commandAndStdResult(): the text plus CR LF; the last non-empty piece between CRs decides. */
  async command(text: string, results = ['OK', 'ERROR']): Promise<string | null> {
    this.lastResult = null;
    this.s.buf = '';
    await this.s.write(text + '\r\n');
    const strings = this.s.buf.split('\r');
    const last = [...strings].reverse().find((x) => x.trim() !== '')?.trim();
    if (last === undefined || !results.includes(last)) return null;
    this.lastResult = last;
    // removeEndResult(): drop pieces up to the result from the end, join the rest as they are.
    while (strings.length && strings.pop()?.trim() !== last);
    return strings.join('');
  }
  async sendSms(number: string, text: string): Promise<boolean> {
    // execSimpleOkCommand(): a None result or a last result other than OK fails ("" is a result).
    if ((await this.command('AT+CMGS=?')) === null || this.lastResult !== 'OK') return false;
    if ((await this.command('AT+CMGF=1')) === null || this.lastResult !== 'OK') return false;
    if ((await this.command(`AT+CMGS="${number}"`, ['>'])) === null) return false;
    return (await this.command(`${text}\n\x1a`, ['ERROR', 'OK'])) !== null && this.lastResult === 'OK';
  }
  /** __sendPduMessageLow for each (sca, tpdu) part; returns the +CMGS lines. */
  async sendPdu(parts: [string, string][]): Promise<string[] | null> {
    const out: string[] = [];
    for (const [sca, pdu] of parts) {
      if ((await this.command('AT+CSCS="GSM"')) === null || this.lastResult !== 'OK') return null;
      if ((await this.command('AT+CMGF=0')) === null || this.lastResult !== 'OK') return null;
      if ((await this.command(`AT+CMGS=${pdu.length / 2}`, ['>'])) === null) return null;
      const r = await this.command(`${sca}${pdu}\x1a`, ['ERROR', 'OK']);
      if (r === null || this.lastResult !== 'OK') return null;
      out.push(r.trim()); // sendingResult = ret.strip()
    }
    return out;
  }
}
