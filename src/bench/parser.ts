/**
 * 4. Parser throughput: MB/s of mixed AT traffic through the line assembler (the
 * module's UART front end: prefix search, S3 and LF line ends, S5, A/, the length limit), against the
 * least any assembler must do with the same bytes, cutting lines at CR with
 * Buffer.indexOf, in the same run.
 */
import { CRLF_TAIL, LineAssembler, type LineChars } from '../at/lineAssembler';
import { ratio } from './common';

export interface ParserResult {
  megabytes: number;
  lines: number;
  /** MB/s (10^6 bytes), the best of the rounds (the least disturbed by other work). */
  assembler: number;
  peer: number;
  ratio: number;
}

const CHARS: LineChars = { s3: 13, s5: 8 };

/** What firmware sends: short queries, settings, MQTT with payloads, a typo fixed with backspace, line noise, LF after CR. */
const SAMPLE = [
  'AT\r',
  'ATE0\r',
  'AT+CSQ\r\n',
  'AT+CREG?\r',
  'AT+SAPBR=3,1,"Contype","GPRS"\r',
  'AT+SAPBR=3,1,"APN","internet"\r',
  'AT+SMCONF="URL","broker.example.com:1883"\r',
  'AT+SMCONF="CLIENTID","sim800-866782041234567"\r',
  'AT+SMPUB="fleet/866782041234567/telemetry",1,0,"{\\"seq\\":1234,\\"t\\":1700000000000,\\"temp\\":21.5,\\"rh\\":40}"\r',
  'AT+SMSTATE?\r',
  'AT+CSQX\b\r',
  '\x00\xff~garbage~AT+CCLK?\r',
  'A/',
].join('');

export function corpus(bytes: number): Buffer {
  const one = Buffer.from(SAMPLE, 'latin1');
  const out = Buffer.alloc(bytes);
  for (let at = 0; at < bytes; at += one.length) one.copy(out, at, 0, Math.min(one.length, bytes - at));
  return out;
}

function viaAssembler(data: Buffer): number {
  const a = new LineAssembler();
  let lines = 0;
  for (let i = 0; i < data.length; i++) {
    const done = a.feed(data[i], CHARS);
    if (done && done !== CRLF_TAIL) lines++;
  }
  return lines;
}

function viaIndexOf(data: Buffer): number {
  let lines = 0;
  let from = 0;
  for (let cr = data.indexOf(13, from); cr >= 0; cr = data.indexOf(13, from)) {
    // A line's text, as an assembler hands it on.
    if (data.toString('latin1', from, cr).length >= 0) lines++;
    from = cr + 1;
  }
  return lines;
}

function mbPerSecond(fn: (d: Buffer) => number, data: Buffer): { mbs: number; lines: number } {
  const t0 = performance.now();
  const lines = fn(data);
  return { mbs: data.length / 1e6 / ((performance.now() - t0) / 1000), lines };
}

export function benchParser(bytes: number, rounds: number): ParserResult {
  const data = corpus(bytes);
  // Warm both up (JIT) on a slice before timing.
  viaAssembler(data.subarray(0, Math.min(bytes, 200_000)));
  viaIndexOf(data.subarray(0, Math.min(bytes, 200_000)));
  let best = { assembler: 0, peer: 0, lines: 0 };
  for (let r = 0; r < rounds; r++) {
    const a = mbPerSecond(viaAssembler, data);
    const p = mbPerSecond(viaIndexOf, data);
    best = { assembler: Math.max(best.assembler, a.mbs), peer: Math.max(best.peer, p.mbs), lines: a.lines };
  }
  return { megabytes: bytes / 1e6, lines: best.lines, assembler: best.assembler, peer: best.peer, ratio: ratio(best.assembler, best.peer) };
}
