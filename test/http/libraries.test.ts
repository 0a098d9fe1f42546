/**
 * What real SIM800 HTTP clients send and how their parsers read the answers, restated in
 * TypeScript (no code copied) and run against the emulator and a real local server:
 *
 * - Adafruit FONA (adafruit/Adafruit_FONA, Adafruit_FONA.cpp): echo off; flushInput()
 *   before each command; readline() skips CR, skips LF while the line is empty, ends at
 *   the next LF; parseReply() takes atoi() after the prefix and after N commas; the body
 *   stays in the stream for the sketch to read.
 * - ostaquet/Arduino-SIM800L-driver (src/SIM800L.cpp): echo on (ATE1&W); purgeSerial()
 *   before and right after writing; readResponse() stops at the second CR LF pair; the
 *   status sits at fixed offsets after "+HTTPACTION: 0,"; the body is read skipping CR/LF.
 * - Ircama/sim800l-gsm-module (sim800l.py): lines end in "\n" (the model sends "\r\n": the
 *   line layer ends lines on CR only, docs/decisions.md "Line layer"); HTTPPARA/HTTPSSL chained
 *   with ";"; "+HTTPACTION: " lines must split into exactly 3 comma fields with a
 *   14-character first field; "+HTTPREAD: n" then n raw bytes then OK; POST data plus "\n".
 * - Bhagyarsh/usim800 (Request.py, Communicate.py, ATParser.py): echo on; sleeps, reads
 *   whatever came, sleeps again; relies on +HTTPACTION arriving after its first read
 *   window and before its AT+HTTPREAD: 2–4 s after the command (the realistic profile).
 * - a MicroPython SIM800L driver after pythings/Drivers: execute() collects lines until
 *   one that starts with the expected end right after an empty line.
 */
import { VirtualClock } from '../../src/clock';
import { PROFILES, type TimingProfile } from '../../src/profile';
import { readyDte, startDte, type Dte } from '../helpers/dte';
import { openBearer, reply, TestServer } from './server';

let dte: Dte;
let server: TestServer;
afterEach(async () => {
  await dte?.close();
  await server?.close();
});

/** The firmware's receive buffer: bytes that arrived and were not read yet. */
class Wire {
  buf = '';
  constructor(private readonly d: Dte) {
    d.mark();
  }
  pull(): void {
    this.buf += this.d.sinceMark();
    this.d.mark();
  }
  write(s: string | Buffer): void {
    this.d.write(s);
  }
  /** Waits until the line has been quiet for a few turns (FONA's flushInput waits for silence). */
  settle(): Promise<void> {
    return this.d.settle();
  }
  /** Drops what has arrived so far (Arduino's purge/flush loops). */
  purge(): void {
    this.pull();
    this.buf = '';
  }
  /** Waits until pred holds on the buffer, with a limit that fails loudly. */
  async until(pred: (b: string) => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.pull();
      if (pred(this.buf)) return;
      if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms; buffer ${JSON.stringify(this.buf)}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  take(n: number): string {
    const out = this.buf.slice(0, n);
    this.buf = this.buf.slice(n);
    return out;
  }
}

// ---- Adafruit FONA ----------------------------------------------------------------------

class Fona {
  readonly w: Wire;
  constructor(d: Dte) {
    this.w = new Wire(d);
  }
  private async flushInput(): Promise<void> {
    await this.w.settle();
    this.w.purge();
  }
  /** readline(): CR skipped, LF on an empty line skipped, the next LF ends the line. */
  async readline(timeoutMs = 500): Promise<string> {
    const lineEnd = (b: string) => {
      const s = b.replace(/\r/g, '').replace(/^\n+/, '');
      return s.includes('\n');
    };
    await this.w.until(lineEnd, 'FONA readline', timeoutMs);
    let line = '';
    let consumed = 0;
    for (const c of this.w.buf) {
      consumed++;
      if (c === '\r') continue;
      if (c === '\n') {
        if (line === '') continue;
        break;
      }
      line += c;
    }
    this.w.take(consumed);
    return line;
  }
  async getReply(cmd: string, timeoutMs = 500): Promise<string> {
    await this.flushInput();
    this.w.write(cmd + '\r\n');
    return this.readline(timeoutMs);
  }
  async sendCheckReply(cmd: string, reply: string): Promise<boolean> {
    return (await this.getReply(cmd)) === reply;
  }
  /** parseReply(prefix, divider, index): atoi after the prefix and `index` dividers. */
  static parseReply(line: string, prefix: string, index: number): number | null {
    const at = line.indexOf(prefix);
    if (at < 0) return null;
    let p = line.slice(at + prefix.length);
    for (let i = 0; i < index; i++) {
      const c = p.indexOf(',');
      if (c < 0) return null;
      p = p.slice(c + 1);
    }
    const m = /^\s*([+-]?\d+)/.exec(p);
    return m ? Number(m[1]) & 0xffff : 0; // uint16_t
  }
  async setup(url: string): Promise<boolean> {
    await this.getReply('AT+HTTPTERM'); // pending session: the answer does not matter
    return (
      (await this.sendCheckReply('AT+HTTPINIT', 'OK')) &&
      (await this.sendCheckReply('AT+HTTPPARA="CID",1', 'OK')) &&
      (await this.sendCheckReply('AT+HTTPPARA="UA","FONA"', 'OK')) &&
      (await this.sendCheckReply(`AT+HTTPPARA="URL","${url}"`, 'OK'))
    );
  }
  async action(method: number, timeoutMs: number): Promise<{ status: number; datalen: number } | null> {
    if (!(await this.sendCheckReply(`AT+HTTPACTION=${method}`, 'OK'))) return null;
    const line = await this.readline(timeoutMs);
    const status = Fona.parseReply(line, '+HTTPACTION:', 1);
    const datalen = Fona.parseReply(line, '+HTTPACTION:', 2);
    return status === null || datalen === null ? null : { status, datalen };
  }
  async readall(): Promise<number | null> {
    return Fona.parseReply(await this.getReply('AT+HTTPREAD'), '+HTTPREAD:', 0);
  }
}
describe('Adafruit FONA', () => {
  it('HTTP_GET_start: status and length, then the sketch reads the body from the stream', async () => {
    server = await TestServer.http();
    server.route('/fona', reply(200, 'FONA body'));
    dte = await readyDte({ map: [`api.example.com=127.0.0.1:${server.port}`] }); // FONA runs with echo off
    await openBearer(dte);
    const fona = new Fona(dte);
    expect(await fona.setup('api.example.com/fona')).toBe(true);
    expect(await fona.action(0, 30_000)).toEqual({ status: 200, datalen: 9 });
    expect(await fona.readall()).toBe(9);
    await fona.w.until((b) => b.length >= 9, 'body');
    expect(fona.w.take(9)).toBe('FONA body');
    expect((await server.next()).headers['user-agent']).toBe('FONA');
  });

  it('HTTP_POST_start: DOWNLOAD, the raw bytes, OK within FONA\'s 500 ms, then the action', async () => {
    server = await TestServer.http();
    server.route('/post', (req, res) => reply(200, `len=${req.body.length}`)(req, res));
    dte = await readyDte({ map: [`api.example.com=127.0.0.1:${server.port}`] });
    await openBearer(dte);
    const fona = new Fona(dte);
    expect(await fona.setup('api.example.com/post')).toBe(true);
    expect(await fona.sendCheckReply('AT+HTTPPARA="CONTENT","text/plain"', 'OK')).toBe(true);
    expect(await fona.getReply('AT+HTTPDATA=5,10000')).toBe('DOWNLOAD');
    fona.w.write('hello');
    expect(await fona.readline(500)).toBe('OK');
    expect(await fona.action(1, 10_000)).toEqual({ status: 200, datalen: 5 });
    expect((await server.next()).body.toString()).toBe('hello');
  });
});

// ---- ostaquet Arduino-SIM800L-driver -------------------------------------------------------

class Osta {
  readonly w: Wire;
  constructor(d: Dte) {
    this.w = new Wire(d);
  }
  send(cmd: string): void {
    this.w.purge();
    this.w.write(cmd + '\r\n');
    // The driver purges again right after writing; on a wire the answer cannot be back by
    // then (the in-process modem answers at once, so that purge is left out here).
  }
  /** Bytes up to the second CR LF pair (a CR run followed by LF counts once). */
  async readResponse(timeoutMs: number, crlfToWait = 2): Promise<string | null> {
    const cut = (b: string): number => {
      let seenCR = false;
      let count = 0;
      for (let i = 0; i < b.length; i++) {
        const c = b[i];
        if (c === '\r') seenCR = true;
        else if (c === '\n' && seenCR) {
          if (++count === crlfToWait) return i + 1;
        } else seenCR = false;
      }
      return -1;
    };
    try {
      await this.w.until((b) => cut(b) >= 0, 'OSTA readResponse', timeoutMs);
    } catch {
      return null;
    }
    return this.w.take(cut(this.w.buf));
  }
  async check(timeoutMs: number, expected: string, crlf = 2): Promise<boolean> {
    const r = await this.readResponse(timeoutMs, crlf);
    return r !== null && r.indexOf(expected) > 0;
  }
  /** doGet(): the HTTP status (or the driver's own 70x/408), and the body. */
  async doGet(url: string): Promise<{ rc: number; body: string }> {
    for (const [cmd, code] of [
      ['AT+HTTPINIT', 701],
      ['AT+HTTPPARA="CID",1', 702],
      [`AT+HTTPPARA="URL","${url}"`, 702],
    ] as const) {
      this.send(cmd);
      if (!(await this.check(2000, 'OK'))) return { rc: code, body: '' };
    }
    this.send('ATI');
    const ati = (await this.readResponse(2000)) ?? '';
    const r = ati.indexOf('R', ati.indexOf('SIM'));
    const release = Number(ati.slice(r + 1, r + 3));
    if (release >= 14) {
      this.send(url.startsWith('https://') ? 'AT+HTTPSSL=1' : 'AT+HTTPSSL=0');
      if (!(await this.check(2000, 'OK'))) return { rc: 702, body: '' };
    }
    this.send('AT+HTTPACTION=0');
    if (!(await this.check(2000, 'OK'))) return { rc: 703, body: '' };
    const resp = await this.readResponse(10_000);
    if (resp === null) return { rc: 408, body: '' };
    const base = resp.indexOf('+HTTPACTION: 0,');
    if (base < 0) return { rc: 703, body: '' };
    const rc = Number(resp.slice(base + 15, base + 18));
    let body = '';
    if (rc === 200) {
      const size = Number(/^\d+/.exec(resp.slice(base + 19))![0]);
      this.send('AT+HTTPREAD');
      if (!(await this.check(2000, '+HTTPREAD: '))) return { rc: 705, body: '' };
      await this.w.until((b) => b.replace(/[\r\n]/g, '').length >= size, 'OSTA body');
      while (body.length < size) {
        const c = this.w.take(1);
        if (c !== '\r' && c !== '\n') body += c;
      }
      if (!(await this.check(2000, 'OK'))) return { rc: 705, body };
    }
    this.send('AT+HTTPTERM');
    if (!(await this.check(2000, 'OK'))) return { rc: 706, body };
    return { rc, body };
  }
}

describe('ostaquet Arduino-SIM800L-driver', () => {
  it('doGet with echo on: 200 and the body (fixed offsets after "+HTTPACTION: 0,")', async () => {
    server = await TestServer.http();
    server.route('/o', reply(200, '{"ok":true,"n":1234}'));
    dte = await startDte({ map: [`api.example.com=127.0.0.1:${server.port}`] });
    await dte.exchange('AT');
    await dte.exchange('ATE1&W');
    await openBearer(dte);
    const osta = new Osta(dte);
    expect(await osta.doGet('http://api.example.com/o')).toEqual({ rc: 200, body: '{"ok":true,"n":1234}' });
  });

  it('doGet: a 404 is returned as such, no read', async () => {
    server = await TestServer.http();
    dte = await startDte({ map: [`api.example.com=127.0.0.1:${server.port}`] });
    await dte.exchange('AT');
    await openBearer(dte);
    expect(await new Osta(dte).doGet('http://api.example.com/missing')).toEqual({ rc: 404, body: '' });
  });
});

// ---- Ircama sim800l-gsm-module ------------------------------------------------------------

class Ircama {
  readonly w: Wire;
  constructor(d: Dte) {
    this.w = new Wire(d);
  }
  /** pyserial readline(): through "\n", or what came when the port timeout ends. */
  async readline(timeoutMs = 1000): Promise<string> {
    try {
      await this.w.until((b) => b.includes('\n'), 'readline', timeoutMs);
    } catch {
      return this.w.take(this.w.buf.length);
    }
    return this.w.take(this.w.buf.indexOf('\n') + 1);
  }
  /** command(): lines (stripped) until OK or ERROR; what came when nothing more comes. */
  async command(cmd: string): Promise<string> {
    this.w.write(cmd.replace(/\n$/, '\r\n'));
    let response = '';
    for (;;) {
      const raw = await this.readline();
      if (raw === '') return response;
      const line = raw.trim();
      if (!line) continue;
      if (line === 'OK') return response || 'OK';
      if (line.startsWith('ERROR') || line.startsWith('+CME ERROR')) return 'ERROR';
      response += line + '\n';
    }
  }
  /** decode_cmd_response() for +HTTPACTION. */
  static decode(line: string): [string, number | boolean | null, number | null] | null {
    const p = line.replace(/\s+$/, '').split(',');
    if (p.length === 3 && p[0].length === 14 && p[0].startsWith('+HTTPACTION: ')) {
      const method = { '0': 'GET', '1': 'POST', '2': 'HEAD' }[p[0].slice(-1)] ?? 'X';
      if (!/^\d+$/.test(p[2].trim())) return [`HTTPACTION_${method}`, false, 0];
      return [`HTTPACTION_${method}`, Number(p[1]), Number(p[2])];
    }
    return null;
  }
  /** check_incoming(): the next non-empty line, decoded. */
  async incoming(timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = await this.readline(Math.max(1, deadline - Date.now()));
      if (line.trim() !== '') return line;
      if (Date.now() > deadline) return '';
    }
  }
}

describe('Ircama sim800l-gsm-module', () => {
  it('http() POST: chained HTTPPARA/HTTPSSL, DOWNLOAD, data + "\\n", OK, the URC as 3 fields, HTTPREAD n then n raw bytes', async () => {
    server = await TestServer.http();
    const answer = 'line1\r\nline2\x00\xff';
    server.route('/ir', reply(200, Buffer.from(answer, 'latin1')));
    dte = await readyDte({ map: [`httpbin.example=127.0.0.1:${server.port}`] });
    await openBearer(dte);
    const ir = new Ircama(dte);
    expect(await ir.command('AT+HTTPINIT\n')).toBe('OK');
    expect(await ir.command('AT+HTTPPARA="CID",1;+HTTPPARA="URL","httpbin.example/ir";+HTTPPARA="CONTENT","application/json";+HTTPPARA="REDIR",0;+HTTPSSL=0\n')).toBe('OK');
    expect(await ir.command('AT+IFC=0,0\n')).toBe('OK');
    const data = Buffer.from('{"x":1}');
    expect((await ir.command(`AT+HTTPDATA=${data.length},120000\n`)).trim()).toBe('DOWNLOAD');
    ir.w.write(Buffer.concat([data, Buffer.from('\n')]));
    expect((await ir.incoming(5000)).trim()).toBe('OK');
    expect(await ir.command('AT+HTTPACTION=1\n')).toBe('OK');
    expect(Ircama.decode(await ir.incoming(10_000))).toEqual(['HTTPACTION_POST', 200, answer.length]);
    ir.w.write('AT+HTTPREAD\r\n');
    const first = (await ir.incoming(2000)).trim().split(':');
    expect(first).toEqual(['+HTTPREAD', ` ${answer.length}`]);
    await ir.w.until((b) => b.length >= answer.length, 'HTTPREAD body');
    expect(ir.w.take(answer.length)).toBe(answer);
    expect((await ir.incoming(2000)).trim()).toBe('OK');
    expect(await ir.command('AT+HTTPTERM\n')).toBe('OK');
    expect(await ir.command('AT+HTTPTERM\n')).toBe('ERROR'); // "returns ERROR in normal conditions"
    expect((await server.next()).body.toString()).toBe('{"x":1}');
  });
});

// ---- usim800 --------------------------------------------------------------------------------

/** ATParser.tokenizer(): whitespace removed, split on + : , space and the end mark. */
function usimTokens(data: string): string[] {
  const text = data.split(/\s/).join('') + '$';
  const out: string[] = [];
  let cur = '';
  for (const c of text) {
    if ('+: ,$'.includes(c)) {
      if (cur) out.push(cur);
      cur = '';
    } else cur += c;
  }
  return out;
}

/** ATParser.BytesParser(): CRs dropped, the first two lines skipped, cut at "OK". */
const usimBody = (data: string) => data.replace(/\r/g, '').split('\n').slice(2).join('').split('OK')[0];

describe('usim800: the URC must come 2–4 s after AT+HTTPACTION', () => {
  /** realistic HTTP timing; the start-up figures at 0 so the test does not wait for boot. */
  const timing = (base: TimingProfile): TimingProfile => ({ ...base, bootMs: 0, simReadyMs: 0, registerMs: 0, bearerOpenMs: 0, bearerCloseMs: 0, commandMs: 0, jitter: 0 });

  async function usimGet(profile: TimingProfile): Promise<{ tokens: string[]; body: string }> {
    const clock = new VirtualClock();
    server = await TestServer.http();
    server.route('/u', reply(200, 'usim body'));
    dte = await startDte({ map: [`api.example.com=127.0.0.1:${server.port}`], clock, profile });
    await dte.exchange('AT'); // echo stays on
    await openBearer(dte);
    for (const line of ['AT + HTTPINIT', 'AT + HTTPPARA="CID",1', 'AT + HTTPPARA="URL","api.example.com/u"']) await dte.exchange(line);
    const w = new Wire(dte);
    // _send_cmd("AT +HTTPACTION=0"): write, sleep 1 s, read what came (port timeout 1 s).
    w.write('AT +HTTPACTION=0\r\n');
    const req = await server.next();
    await req.closed; // the response is in the module
    await dte.settle();
    await clock.advanceAsync(2000);
    await dte.settle();
    w.purge();
    // sleep(2), then "AT +HTTPREAD" (sleep 1 s, no read), then _getdata: bytes to the second LF.
    await clock.advanceAsync(2000);
    w.write('AT +HTTPREAD\r\n');
    await clock.advanceAsync(1000);
    await dte.settle();
    await w.until((b) => (b.match(/\n/g) ?? []).length >= 2, 'usim _getdata');
    const second = w.buf.indexOf('\n', w.buf.indexOf('\n') + 1);
    const data = w.take(second + 1);
    await w.until((b) => b.includes('OK\r\n'), 'usim rest');
    return { tokens: usimTokens(data), body: usimBody(w.buf) };
  }

  it('realistic: the URC falls between the two reads: status 200, the body', async () => {
    const r = await usimGet(timing(PROFILES.realistic));
    expect(r.tokens).toEqual(['HTTPACTION', '0', '200', '9']);
    expect(r.body).toBe('usim body');
  });

  it('instant: the URC comes inside the first read and is lost, as with a fast module', async () => {
    const r = await usimGet(timing(PROFILES.instant));
    expect(r.tokens[2]).not.toBe('200');
  });
});

// ---- MicroPython driver after pythings -------------------------------------------------------

describe('MicroPython SIM800L driver (pythings)', () => {
  it('execute(): lines until "+HTTPACTION" after an empty line; status = split(",")[1]; HTTPREAD content', async () => {
    server = await TestServer.http();
    server.route('/p', reply(200, 'pico'));
    dte = await startDte({ map: [`api.example.com=127.0.0.1:${server.port}`] });
    await dte.exchange('AT');
    await openBearer(dte);
    const w = new Wire(dte);
    const execute = async (cmd: string, end: string, clean = true): Promise<string> => {
      w.write(cmd + '\r\n');
      let preEnd = true;
      let output = '';
      for (;;) {
        await w.until((b) => b.includes('\n'), `execute ${cmd}`);
        const line = w.take(w.buf.indexOf('\n') + 1);
        if (line === 'ERROR\r\n' || line.startsWith('+CME ERROR')) throw new Error(`${cmd}: ${line}`);
        if (line === `${end}\r\n`) break;
        if (preEnd && line.startsWith(end)) {
          output += line;
          break;
        }
        preEnd = line === '\r\n';
        if (!(cmd === 'AT+HTTPREAD' && line.startsWith('+HTTPREAD:'))) output += line;
      }
      output = output.split(cmd + '\r\r\n').join('');
      if (output.endsWith('\r\n')) output = output.slice(0, -2);
      if (clean) {
        output = output.replace(/\r/g, '').split('\n\n').join('');
        if (output.startsWith('\n')) output = output.slice(1);
        if (output.endsWith('\n')) output = output.slice(0, -1);
      }
      return output;
    };
    await execute('AT+HTTPINIT', 'OK');
    await execute('AT+HTTPPARA="CID",1', 'OK');
    await execute('AT+HTTPPARA="URL","api.example.com/p"', 'OK');
    const out = await execute('AT+HTTPACTION=0', '+HTTPACTION');
    expect(out.split(',')[1]).toBe('200');
    expect(await execute('AT+HTTPREAD', 'OK', false)).toBe('pico');
  });
});
