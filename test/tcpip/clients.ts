/**
 * Restatements, in TypeScript, of what three firmware libraries do on the wire and how
 * their parsers read the module's answers (no code copied; docs/tcpip.md §7):
 *
 * - TinyGSM's SIM800 modem and client (`TinyGsmClientSIM800.h`: modemConnect, modemSend,
 *   modemRead, modemGetAvailable, modemGetConnected and the URC branch of waitResponse;
 *   `TinyGsmTCP.tpp`: GsmClient available/read/connected/stop, maintain, dumpModemBuffer).
 *   waitResponse appends every byte and returns when the data ENDS WITH a target; it eats
 *   `\r\n+CIPRXGET: 1,<mux>`, `\r\n+RECEIVE:` and `CLOSED\r\n` (mux = the number at the
 *   start of that line) wherever they come.
 * - PubSubClient 2.8 over that client: one client.write() per packet, one client.read()
 *   per byte, keep-alive 15 s, PINGREQ when 15 s passed without traffic.
 * - Adafruit FONA's TCP functions: flushInput(), readline() (skips CR and leading LF,
 *   ends at LF, returns what it has at its timeout), readRaw(n).
 *
 * The module's bytes arrive in real time; the libraries' millis() is a clock the test
 * owns (so "15 s later" is a step, not a wait). Loops that would spin on millis() are
 * bounded in real time and fail loudly.
 */
import type { Dte } from '../helpers/dte';

const REAL_LIMIT_MS = 10_000;
const tick = () => new Promise<void>((r) => setTimeout(r, 1));

/** The module's output as the MCU's UART receive buffer sees it. */
export class ByteStream {
  private pos: number;
  constructor(private readonly dte: Dte) {
    this.pos = dte.received().length;
  }
  available(): number {
    return this.dte.received().length - this.pos;
  }
  read(): string | null {
    const all = this.dte.received();
    if (this.pos >= all.length) return null;
    return all[this.pos++];
  }
  /** Drops everything pending (FONA's flushInput after its quiet period). */
  async flush(): Promise<void> {
    await this.dte.settle();
    this.pos = this.dte.received().length;
  }
  /** Waits (real time, bounded) until a byte is there; false at the limit. */
  async wait(limitMs = REAL_LIMIT_MS): Promise<boolean> {
    const deadline = Date.now() + limitMs;
    while (!this.available()) {
      if (Date.now() > deadline) return false;
      await tick();
    }
    return true;
  }
  write(s: string | Buffer): void {
    this.dte.write(s);
  }
}

export interface Millis {
  now(): number;
}

const MUX_COUNT = 5;
const RX_BUFFER = 64; // TINY_GSM_RX_BUFFER default: the FIFO holds RX_BUFFER - 1 bytes

export class TinyGsmSim800 {
  readonly stream: ByteStream;
  readonly sockets: (GsmClient | undefined)[] = new Array(MUX_COUNT);
  /** Every command line sent, for assertions on the sequence. */
  readonly sent: string[] = [];

  constructor(
    dte: Dte,
    readonly millis: Millis,
  ) {
    this.stream = new ByteStream(dte);
  }

  sendAT(...parts: (string | number)[]): void {
    const line = 'AT' + parts.join('');
    this.sent.push(line);
    this.stream.write(line + '\r\n');
  }

  /**
   * waitResponse(timeout, r1 = "OK\r\n", r2 = "ERROR\r\n", r3..r5 = none): the 1-based index of
   * the first target the data ends with, 0 when none came. `null` is C++'s NULL.
   */
  async waitResponse(timeoutMs = 1000, r1: string | null = 'OK\r\n', r2: string | null = 'ERROR\r\n', r3: string | null = null, r4: string | null = null, r5: string | null = null): Promise<number> {
    return (await this.waitResponseData(timeoutMs, r1, r2, r3, r4, r5)).index;
  }

  async waitResponseData(timeoutMs = 1000, ...targets: (string | null)[]): Promise<{ index: number; data: string }> {
    const t = targets.length ? targets : ['OK\r\n', 'ERROR\r\n'];
    let data = '';
    const deadline = Date.now() + Math.min(timeoutMs, REAL_LIMIT_MS);
    for (;;) {
      for (let c = this.stream.read(); c !== null; c = this.stream.read()) {
        if (c === '\x00') continue; // TinyGSM skips NUL bytes
        data += c;
        const i = t.findIndex((x) => x !== null && data.endsWith(x));
        if (i >= 0) return { index: i + 1, data };
        if (data.endsWith('\r\n+CIPRXGET:')) {
          const mode = await this.streamGetIntBefore(',');
          if (mode === 1) {
            const mux = await this.streamGetIntBefore('\n');
            const s = mux >= 0 && mux < MUX_COUNT ? this.sockets[mux] : undefined;
            if (s) s.gotData = true;
            data = '';
          } else data += String(mode);
        } else if (data.endsWith('\r\n+RECEIVE:')) {
          const mux = await this.streamGetIntBefore(',');
          const len = await this.streamGetIntBefore('\n');
          const s = mux >= 0 && mux < MUX_COUNT ? this.sockets[mux] : undefined;
          if (s) {
            s.gotData = true;
            if (len >= 0 && len <= 1024) s.sockAvailable = len;
          }
          data = '';
        } else if (data.endsWith('CLOSED\r\n')) {
          const nl = data.lastIndexOf('\r\n', data.length - 8);
          const comma = data.indexOf(',', nl + 2);
          const mux = parseInt(data.substring(nl + 2, comma), 10);
          const s = mux >= 0 && mux < MUX_COUNT ? this.sockets[mux] : undefined;
          if (s) s.sockConnected = false;
          data = '';
        } else if (['*PSNWID:', '*PSUTTZ:', '+CTZV:', 'DST:'].some((u) => data.endsWith(u))) {
          await this.streamSkipUntil('\n');
          data = '';
        }
      }
      if (Date.now() > deadline) return { index: 0, data };
      await tick();
    }
  }

  async streamSkipUntil(ch: string): Promise<boolean> {
    for (;;) {
      if (!(await this.stream.wait())) return false;
      if (this.stream.read() === ch) return true;
    }
  }

  async readStringUntil(ch: string): Promise<string> {
    let out = '';
    for (;;) {
      if (!(await this.stream.wait())) return out;
      const c = this.stream.read()!;
      if (c === ch) return out;
      out += c;
    }
  }

  async streamGetIntBefore(ch: string): Promise<number> {
    const s = await this.readStringUntil(ch);
    const n = parseInt(s.trim(), 10);
    return Number.isNaN(n) ? -9999 : n;
  }

  /** gprsConnectImpl(), each step's check as TinyGSM makes it. */
  async gprsConnect(apn: string, user = '', pwd = ''): Promise<boolean> {
    await this.gprsDisconnect();
    this.sendAT('+SAPBR=3,1,"Contype","GPRS"');
    await this.waitResponse();
    this.sendAT('+SAPBR=3,1,"APN","', apn, '"');
    await this.waitResponse();
    this.sendAT('+CGDCONT=1,"IP","', apn, '"');
    await this.waitResponse();
    this.sendAT('+CGACT=1,1');
    await this.waitResponse(60000);
    this.sendAT('+SAPBR=1,1');
    await this.waitResponse(85000);
    this.sendAT('+SAPBR=2,1');
    if ((await this.waitResponse(30000)) !== 1) return false;
    this.sendAT('+CGATT=1');
    if ((await this.waitResponse(60000)) !== 1) return false;
    for (const cmd of ['+CIPMUX=1', '+CIPQSEND=1', '+CIPRXGET=1']) {
      this.sendAT(cmd);
      if ((await this.waitResponse()) !== 1) return false;
    }
    this.sendAT('+CSTT="', apn, '","', user, '","', pwd, '"');
    if ((await this.waitResponse(60000)) !== 1) return false;
    this.sendAT('+CIICR');
    if ((await this.waitResponse(60000)) !== 1) return false;
    this.sendAT('+CIFSR;E0');
    if ((await this.waitResponse(10000)) !== 1) return false;
    this.sendAT('+CDNSCFG="8.8.8.8","8.8.4.4"');
    return (await this.waitResponse()) === 1;
  }

  async gprsDisconnect(): Promise<boolean> {
    this.sendAT('+CIPSHUT');
    if ((await this.waitResponse(60000)) !== 1) return false;
    this.sendAT('+CGATT=0');
    return (await this.waitResponse(60000)) === 1;
  }

  async modemConnect(host: string, port: number, mux: number, ssl = false, timeoutS = 75): Promise<boolean> {
    this.sendAT('+CIPSSL=', ssl ? 1 : 0);
    const rsp = await this.waitResponse();
    if (ssl && rsp !== 1) return false;
    this.sendAT('+CIPSTART=', mux, ',', '"TCP', '","', host, '",', port);
    const r = await this.waitResponse(timeoutS * 1000, 'CONNECT OK\r\n', 'CONNECT FAIL\r\n', 'ALREADY CONNECT\r\n', 'ERROR\r\n', 'CLOSE OK\r\n');
    return r === 1;
  }

  async modemSend(buf: Buffer, mux: number): Promise<number> {
    this.sendAT('+CIPSEND=', mux, ',', buf.length);
    if ((await this.waitResponse(1000, '>')) !== 1) return 0;
    this.stream.write(buf);
    if ((await this.waitResponse(1000, '\r\nDATA ACCEPT:')) !== 1) return 0;
    await this.streamSkipUntil(',');
    return this.streamGetIntBefore('\n');
  }

  async modemRead(size: number, mux: number): Promise<number> {
    const sock = this.sockets[mux];
    if (!sock) return 0;
    this.sendAT('+CIPRXGET=2,', mux, ',', size);
    if ((await this.waitResponse(1000, '+CIPRXGET:')) !== 1) return 0;
    await this.streamSkipUntil(','); // mode
    await this.streamSkipUntil(','); // mux
    const lenRequested = await this.streamGetIntBefore(',');
    const lenConfirmed = await this.streamGetIntBefore('\n');
    for (let i = 0; i < lenRequested; i++) {
      if (!(await this.stream.wait())) throw new Error(`modemRead: byte ${i} of ${lenRequested} never came`);
      sock.rx.push(this.stream.read()!.charCodeAt(0));
    }
    sock.sockAvailable = lenConfirmed;
    await this.waitResponse();
    return lenRequested;
  }

  async modemGetAvailable(mux: number): Promise<number> {
    const sock = this.sockets[mux];
    if (!sock) return 0;
    this.sendAT('+CIPRXGET=4,', mux);
    let result = 0;
    if ((await this.waitResponse(1000, '+CIPRXGET:')) === 1) {
      await this.streamSkipUntil(',');
      await this.streamSkipUntil(',');
      result = await this.streamGetIntBefore('\n');
      await this.waitResponse();
    }
    if (!result) sock.sockConnected = await this.modemGetConnected(mux);
    return result;
  }

  async modemGetConnected(mux: number): Promise<boolean> {
    this.sendAT('+CIPSTATUS=', mux);
    await this.waitResponse(1000, '+CIPSTATUS');
    const res = await this.waitResponse(1000, ',"CONNECTED"', ',"CLOSED"', ',"CLOSING"', ',"REMOTE CLOSING"', ',"INITIAL"');
    await this.waitResponse();
    return res === 1;
  }

  /** maintainImpl() for TINY_GSM_BUFFER_READ_AND_CHECK_SIZE. */
  async maintain(): Promise<void> {
    for (let mux = 0; mux < MUX_COUNT; mux++) {
      const sock = this.sockets[mux];
      if (sock && sock.gotData) {
        sock.gotData = false;
        sock.sockAvailable = await this.modemGetAvailable(mux);
      }
    }
    while (this.stream.available()) await this.waitResponse(15, null, null);
  }
}

/** TinyGsmSim800::GsmClientSim800 over TinyGsmTCP's GsmClient. */
export class GsmClient {
  rx: number[] = [];
  sockAvailable = 0;
  prevCheck = 0;
  sockConnected = false;
  gotData = false;

  constructor(
    readonly at: TinyGsmSim800,
    readonly mux = 0,
  ) {
    at.sockets[mux] = this;
  }

  private get rxFree(): number {
    return RX_BUFFER - 1 - this.rx.length;
  }

  async connect(host: string, port: number, timeoutS = 75, ssl = false): Promise<boolean> {
    await this.stop();
    this.rx = [];
    this.sockConnected = await this.at.modemConnect(host, port, this.mux, ssl, timeoutS);
    return this.sockConnected;
  }

  async stop(maxWaitMs = 15000): Promise<void> {
    await this.dumpModemBuffer(maxWaitMs);
    this.at.sendAT('+CIPCLOSE=', this.mux, ',1'); // quick close
    this.sockConnected = false;
    await this.at.waitResponse();
  }

  async write(buf: Buffer): Promise<number> {
    await this.at.maintain();
    return this.at.modemSend(buf, this.mux);
  }

  async available(): Promise<number> {
    if (!this.rx.length) {
      if (this.at.millis.now() - this.prevCheck > 500) {
        this.gotData = true;
        this.prevCheck = this.at.millis.now();
      }
      await this.at.maintain();
    }
    return this.rx.length + this.sockAvailable;
  }

  async read(size: number): Promise<Buffer> {
    const out: number[] = [];
    await this.at.maintain();
    while (out.length < size) {
      const chunk = Math.min(size - out.length, this.rx.length);
      if (chunk > 0) {
        out.push(...this.rx.splice(0, chunk));
        continue;
      }
      if (this.at.millis.now() - this.prevCheck > 500) {
        this.gotData = true;
        this.prevCheck = this.at.millis.now();
      }
      await this.at.maintain();
      if (this.sockAvailable > 0) {
        const n = await this.at.modemRead(Math.min(this.rxFree, this.sockAvailable), this.mux);
        if (n === 0) break;
      } else break;
    }
    return Buffer.from(out);
  }

  /** Arduino Client::read(): one byte or -1. */
  async readByte(): Promise<number> {
    const b = await this.read(1);
    return b.length ? b[0] : -1;
  }

  async connected(): Promise<boolean> {
    if (await this.available()) return true;
    return this.sockConnected;
  }

  private async dumpModemBuffer(maxWaitMs: number): Promise<void> {
    const start = this.at.millis.now();
    while (this.sockAvailable > 0 && this.at.millis.now() - start < maxWaitMs) {
      this.rx = [];
      await this.at.modemRead(Math.min(this.rxFree, this.sockAvailable), this.mux);
    }
  }
}

// ---- PubSubClient 2.8 -------------------------------------------------------------------

const MQTTCONNECT = 0x10;
const MQTTPUBLISH = 0x30;
const MQTTSUBSCRIBE = 0x80;
const MQTTPINGREQ = 0xc0;
const MQTTPINGRESP = 0xd0;
const MQTTQOS1 = 0x02;

const mqttString = (s: string | Buffer) => {
  const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
};

function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let digit = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) digit |= 0x80;
    out.push(digit);
  } while (n > 0);
  return Buffer.from(out);
}

export class PubSubClient {
  keepAlive = 15;
  socketTimeout = 15;
  state = -1; // MQTT_DISCONNECTED
  pingOutstanding = false;
  private nextMsgId = 1;
  private lastOutActivity = 0;
  private lastInActivity = 0;
  /** Every packet written, whole, as the broker should receive it. */
  readonly written: Buffer[] = [];
  /** Every packet read back, whole. */
  readonly got: Buffer[] = [];

  constructor(
    private readonly client: GsmClient,
    private readonly millis: Millis,
    private readonly domain: string,
    private readonly port: number,
    private readonly callback: (topic: string, payload: Buffer) => void = () => undefined,
  ) {}

  async connected(): Promise<boolean> {
    const rc = await this.client.connected();
    if (!rc) {
      if (this.state === 0) {
        this.state = -3; // MQTT_CONNECTION_LOST
        await this.client.stop();
      }
      return false;
    }
    return this.state === 0;
  }

  async connect(id: string, user?: string, pass?: string): Promise<boolean> {
    if (await this.connected()) return true;
    if (!(await this.client.connect(this.domain, this.port))) {
      this.state = -2; // MQTT_CONNECT_FAILED
      return false;
    }
    this.nextMsgId = 1;
    let flags = 0x02; // clean session
    const parts = [Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04]), Buffer.alloc(1), Buffer.from([this.keepAlive >> 8, this.keepAlive & 0xff]), mqttString(id)];
    if (user !== undefined) {
      flags |= 0x80;
      parts.push(mqttString(user));
      if (pass !== undefined) {
        flags |= 0x40;
        parts.push(mqttString(pass));
      }
    }
    parts[1][0] = flags;
    await this.write(MQTTCONNECT, Buffer.concat(parts));
    this.lastInActivity = this.lastOutActivity = this.millis.now();
    const deadline = Date.now() + REAL_LIMIT_MS;
    while (!(await this.client.available())) {
      if (this.millis.now() - this.lastInActivity >= this.socketTimeout * 1000) {
        this.state = -4; // MQTT_CONNECTION_TIMEOUT
        await this.client.stop();
        return false;
      }
      if (Date.now() > deadline) throw new Error('PubSubClient.connect: no CONNACK (real-time limit)');
      await tick();
    }
    const packet = await this.readPacket();
    if (packet && packet.length === 4) {
      if (packet[3] === 0) {
        this.lastInActivity = this.millis.now();
        this.pingOutstanding = false;
        this.state = 0;
        return true;
      }
      this.state = packet[3];
    }
    await this.client.stop();
    return false;
  }

  async publish(topic: string, payload: string | Buffer, retained = false): Promise<boolean> {
    if (!(await this.connected())) return false;
    const body = Buffer.concat([mqttString(topic), typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload]);
    return this.write(MQTTPUBLISH | (retained ? 1 : 0), body);
  }

  async subscribe(topic: string, qos = 0): Promise<boolean> {
    if (!(await this.connected())) return false;
    this.nextMsgId = (this.nextMsgId + 1) & 0xffff || 1;
    const body = Buffer.concat([Buffer.from([this.nextMsgId >> 8, this.nextMsgId & 0xff]), mqttString(topic), Buffer.from([qos])]);
    return this.write(MQTTSUBSCRIBE | MQTTQOS1, body);
  }

  async loop(): Promise<boolean> {
    if (!(await this.connected())) return false;
    const t = this.millis.now();
    if (this.keepAlive !== 0 && (t - this.lastInActivity > this.keepAlive * 1000 || t - this.lastOutActivity > this.keepAlive * 1000)) {
      if (this.pingOutstanding) {
        this.state = -4;
        await this.client.stop();
        return false;
      }
      const ping = Buffer.from([MQTTPINGREQ, 0]);
      this.written.push(ping);
      await this.client.write(ping);
      this.lastOutActivity = t;
      this.lastInActivity = t;
      this.pingOutstanding = true;
    }
    if (await this.client.available()) {
      const packet = await this.readPacket();
      if (packet && packet.length > 0) {
        this.lastInActivity = t;
        const type = packet[0] & 0xf0;
        if (type === MQTTPUBLISH) {
          let i = 1;
          while (packet[i] & 0x80) i++;
          i++; // past the remaining length
          const tl = (packet[i] << 8) + packet[i + 1];
          const topic = packet.subarray(i + 2, i + 2 + tl).toString('utf8');
          this.callback(topic, packet.subarray(i + 2 + tl)); // QoS 0 only here
        } else if (type === MQTTPINGREQ) {
          await this.client.write(Buffer.from([MQTTPINGRESP, 0]));
        } else if (type === MQTTPINGRESP) {
          this.pingOutstanding = false;
        }
      }
    } else if (!(await this.connected())) return false;
    return true;
  }

  private async write(header: number, body: Buffer): Promise<boolean> {
    const packet = Buffer.concat([Buffer.from([header]), remainingLength(body.length), body]);
    this.written.push(packet);
    const rc = await this.client.write(packet);
    this.lastOutActivity = this.millis.now();
    return rc === packet.length;
  }

  private async readByte(): Promise<number | null> {
    const previous = this.millis.now();
    const deadline = Date.now() + REAL_LIMIT_MS;
    while (!(await this.client.available())) {
      if (this.millis.now() - previous >= this.socketTimeout * 1000) return null;
      if (Date.now() > deadline) throw new Error('PubSubClient.readByte: nothing to read (real-time limit)');
      await tick();
    }
    return this.client.readByte();
  }

  private async readPacket(): Promise<Buffer | null> {
    const bytes: number[] = [];
    const first = await this.readByte();
    if (first === null) return null;
    bytes.push(first);
    let length = 0;
    let multiplier = 1;
    let digit: number | null;
    do {
      if (bytes.length === 5) return null; // bad remaining length
      digit = await this.readByte();
      if (digit === null) return null;
      bytes.push(digit);
      length += (digit & 127) * multiplier;
      multiplier *= 128;
    } while (digit & 128);
    for (let i = 0; i < length; i++) {
      const b = await this.readByte();
      if (b === null) return null;
      bytes.push(b);
    }
    const packet = Buffer.from(bytes);
    this.got.push(packet);
    return packet;
  }
}

// ---- Adafruit FONA ----------------------------------------------------------------------

export class Fona {
  readonly stream: ByteStream;
  replybuffer = '';

  constructor(dte: Dte) {
    this.stream = new ByteStream(dte);
  }

  flushInput(): Promise<void> {
    return this.stream.flush();
  }

  /**
   * readline(timeout, multiline): skips CR, ignores LF while the line is empty, ends at the
   * next LF, or returns what it has once `timeoutMs` passed (the `> ` prompt has no LF).
   */
  async readline(timeoutMs = 500, multiline = false): Promise<string> {
    let line = '';
    const deadline = Date.now() + Math.max(timeoutMs, 2000);
    for (;;) {
      for (let c = this.stream.read(); c !== null; c = this.stream.read()) {
        if (c === '\r') continue;
        if (c === '\n') {
          if (line.length === 0) continue;
          if (!multiline) return (this.replybuffer = line);
        }
        line += c;
        if (line.length >= 254) return (this.replybuffer = line);
      }
      if (Date.now() > deadline) return (this.replybuffer = line);
      await tick();
    }
  }

  async readRaw(n: number): Promise<Buffer> {
    const out: number[] = [];
    while (out.length < n) {
      if (!(await this.stream.wait())) throw new Error(`readRaw: ${out.length} of ${n} bytes`);
      out.push(this.stream.read()!.charCodeAt(0));
    }
    return Buffer.from(out);
  }

  async getReply(send: string, timeoutMs = 500): Promise<string> {
    await this.flushInput();
    this.stream.write(send + '\r\n');
    return this.readline(timeoutMs);
  }

  async sendCheckReply(send: string, reply: string, timeoutMs = 500): Promise<boolean> {
    return (await this.getReply(send, timeoutMs)) === reply;
  }

  async expectReply(reply: string, timeoutMs = 10000): Promise<boolean> {
    return (await this.readline(timeoutMs)) === reply;
  }

  /** parseReply(toreply, divider, index): atoi of the field after `index` dividers. */
  parseReply(toreply: string, divider = ',', index = 0): number | null {
    const at = this.replybuffer.indexOf(toreply);
    if (at < 0) return null;
    let p = this.replybuffer.slice(at + toreply.length);
    for (let i = 0; i < index; i++) {
      const d = p.indexOf(divider);
      if (d < 0) return null;
      p = p.slice(d + 1);
    }
    return parseInt(p, 10);
  }

  async TCPconnect(server: string, port: number): Promise<boolean> {
    await this.flushInput();
    if (!(await this.sendCheckReply('AT+CIPSHUT', 'SHUT OK', 20000))) return false;
    if (!(await this.sendCheckReply('AT+CIPMUX=0', 'OK'))) return false;
    if (!(await this.sendCheckReply('AT+CIPRXGET=1', 'OK'))) return false;
    this.stream.write(`AT+CIPSTART="TCP","${server}","${port}"\r\n`);
    if (!(await this.expectReply('OK'))) return false;
    return this.expectReply('CONNECT OK');
  }

  TCPclose(): Promise<boolean> {
    return this.sendCheckReply('AT+CIPCLOSE', 'OK');
  }

  async TCPconnected(): Promise<boolean> {
    if (!(await this.sendCheckReply('AT+CIPSTATUS', 'OK', 100))) return false;
    await this.readline(100);
    return this.replybuffer === 'STATE: CONNECT OK';
  }

  async TCPsend(data: Buffer): Promise<boolean> {
    this.stream.write(`AT+CIPSEND=${data.length}\r\n`);
    await this.readline();
    if (this.replybuffer[0] !== '>') return false;
    this.stream.write(data);
    await this.readline(3000);
    return this.replybuffer === 'SEND OK';
  }

  async TCPavailable(): Promise<number> {
    await this.getReply('AT+CIPRXGET=4');
    const avail = this.parseReply('+CIPRXGET: 4,', ',', 0);
    if (avail === null) return 0;
    await this.readline(); // eat OK
    return avail;
  }

  async TCPread(len: number): Promise<Buffer> {
    this.stream.write(`AT+CIPRXGET=2,${len}\r\n`);
    await this.readline();
    const avail = this.parseReply('+CIPRXGET: 2,', ',', 0);
    if (avail === null) return Buffer.alloc(0);
    return this.readRaw(avail);
  }
}
