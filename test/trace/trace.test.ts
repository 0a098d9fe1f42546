/**
 * Traces (docs/ui.md#traces): secrets masked in the byte stream however the bytes are cut,
 * every byte each way recorded in order with the AT log, state changes, faults and MQTT
 * packets; bounded with rotation and read back across it; a scenario's steps in it with
 * the result pointing at them; the text and HTML views.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator, type EmulatorHandle } from '../../src/emulator';
import type { DteClient } from '../../src/client/dteClient';
import { StreamRedactor, HELD_LINE_MAX } from '../../src/trace/redact';
import { readTrace, traceToHtml, traceToText } from '../../src/trace/read';
import type { TraceRecord } from '../../src/trace/format';
import { runScenario } from '../../src/scenario/runner';
import { parseScenario } from '../../src/scenario/format';
import { online } from '../helpers/mqtt';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trace-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Feeds `text` in pieces of `size` characters; returns each piece recorded. */
function feed(text: string, size: number, r = new StreamRedactor()): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(r.push(text.slice(i, i + size)));
  out.push(r.flush());
  return out;
}

describe('StreamRedactor: the AT log\'s rules on a byte stream', () => {
  it.each([1, 3, 7, 1000])('a password is masked however the line is cut (%i bytes at a time); other lines pass at once', (size) => {
    const line = 'AT+CSQ\rAT+SMCONF="PASSWORD","hunter2"\rAT+SAPBR=3,1,"PWD","s3cret"\rAT+CSTT="apn","user","pw9"\rAT\r';
    const out = feed(line, size);
    expect(out.join('')).toBe('AT+CSQ\rAT+SMCONF="PASSWORD",***\rAT+SAPBR=3,1,"PWD",***\rAT+CSTT="apn","user",***\rAT\r');
    for (const piece of out) expect(piece).not.toMatch(/hunter|unter2|s3c|cret|pw9/);
  });

  it('bytes before the command name are recorded as they come; the rest of the line when it ends', () => {
    const r = new StreamRedactor();
    expect(r.push('AT+CS')).toBe('AT+CS');
    expect(r.push('Q')).toBe('Q');
    expect(r.push('\r')).toBe('\r');
    expect(r.push('AT+SMCON')).toBe('AT+SMCON');
    expect(r.push('F="PASSWORD","x')).toBe('');
    expect(r.push('y"\r')).toBe('F="PASSWORD",***\r');
  });

  it('listing lines (AT+SMCONF?, AT+SAPBR=4) and a PEM private key', () => {
    expect(feed('\r\nPASSWORD: hunter2\r\nPWD: s3cret\r\nUSER: u\r\n', 2).join('')).toBe('\r\nPASSWORD: ***\r\nPWD: ***\r\nUSER: u\r\n');
    const key = '-----BEGIN PRIVATE KEY-----\r\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\r\nAKcwggSjAgEAAoIBAQC7\r\n-----END PRIVATE KEY-----\r\nOK\r\n';
    const out = feed(key, 5);
    expect(out.join('')).toBe('-----BEGIN PRIVATE KEY-----\r\n***\r\n***\r\n-----END PRIVATE KEY-----\r\nOK\r\n');
    expect(out.join('')).not.toContain('MIIE');
  });

  it('a held line that never ends is recorded masked once it passes the bound', () => {
    const r = new StreamRedactor();
    expect(r.push('AT+SMCONF="PASSWORD","')).toBe('');
    const out = r.push('x'.repeat(HELD_LINE_MAX));
    expect(out).toBe('AT+SMCONF="PASSWORD",***');
    expect(r.push('more\r')).toBe('\r');
  });
});

describe('--trace: the recording', () => {
  let emu: EmulatorHandle | undefined;
  let dte: DteClient | undefined;
  afterEach(async () => {
    await dte?.close();
    await emu?.stop();
    dte = emu = undefined;
  });

  const records = (file: string): TraceRecord[] => readTrace(file).records;

  it('every byte each way in order, the AT log, state changes, faults and MQTT packets; numbered; secrets masked', async () => {
    const file = path.join(dir, 'one.trace');
    emu = await startEmulator({ tcp: false, brokerPort: 0, brokerTlsPort: false, trace: { file } });
    dte = emu.connect();
    await dte.ok('AT');
    await online(dte, ['AT+SMCONF="CLEANSS",1', 'AT+SMCONF="USERNAME","u"', 'AT+SMCONF="PASSWORD","hunter2"']);
    await dte.ok('AT+SMCONF?');
    await dte.ok('AT+SMPUB="t/a",1,0,"hi"');
    await dte.waitFor('+SMPUB: 1,0');
    emu.faults.inject('bearerDrop', {});
    await dte.waitFor('+SMSTATE: 0');
    const received = dte.received;
    await dte.close();
    dte = undefined;
    await emu.stop();
    emu = undefined;

    const rs = records(file);
    expect(rs[0]).toMatchObject({ n: 1, k: 'start', v: 1, part: 0, label: 'in process' });
    expect(rs.at(-1)!.k).toBe('end');
    expect(rs.map((r) => r.n)).toEqual(rs.map((_, i) => i + 1));
    const times = rs.map((r) => r.t);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toMatch(/hunter2/);
    // The DTE's bytes and the module's, whole and in order (the secret masked in both: the echo too).
    const rx = rs.filter((r) => r.k === 'rx').map((r) => r.d).join('');
    const tx = rs.filter((r) => r.k === 'tx').map((r) => r.d).join('');
    expect(rx.startsWith('AT\rAT+SAPBR=3,1,"Contype","GPRS"\r')).toBe(true);
    expect(rx).toContain('AT+SMCONF="PASSWORD",***\r');
    expect(tx).toBe(received.replace('"PASSWORD","hunter2"', '"PASSWORD",***').replace('PASSWORD: "hunter2"', 'PASSWORD: ***'));
    expect(tx).toContain('PASSWORD: ***');
    // The AT log's records, the states, the fault, the packets.
    expect(rs.filter((r) => r.k === 'at' && r.dir === 'cmd').map((r) => r.line)).toContain('AT+SMPUB="t/a",1,0,"hi"');
    const states = rs.filter((r) => r.k === 'state').map((r) => `${r.lane}=${r.value}`);
    expect(states).toEqual(expect.arrayContaining(['power=off', 'power=on', 'mqtt=online', 'bearer=closed']));
    const end = rs.length - 1 - [...rs].reverse().findIndex((r) => r.k === 'state' && r.lane === 'dte' && r.value === 'detached');
    // The stop's power-down is in it, after the DTE went.
    expect(rs.slice(end).filter((r) => r.k === 'state').map((r) => `${r.lane}=${r.value}`)).toEqual(['dte=detached', 'power=off', 'sim=—', 'registration=not registered', 'signal=99']);
    expect(rs.find((r) => r.k === 'fault')).toMatchObject({ action: 'inject', name: 'bearerDrop', params: { cid: 1 }, moment: true });
    const packets = rs.filter((r) => r.k === 'mqtt').map((r) => `${r.dir} ${r.type}`);
    expect(packets.slice(0, 2)).toEqual(['out connect', 'in connack']);
    expect(packets).toEqual(expect.arrayContaining(['out publish', 'in puback']));
    expect(rs.find((r) => r.k === 'mqtt' && r.type === 'publish')).toMatchObject({ topic: 't/a', qos: 1, payload: 'hi', bytes: 2 });
  });

  it('bounded: past maxBytes FILE becomes FILE.1 and a new part starts; reading FILE joins both; an old FILE.1 is not this run\'s', async () => {
    const file = path.join(dir, 'small.trace');
    fs.writeFileSync(`${file}.1`, '{"n":1,"t":0,"k":"start","v":1,"run":"old","part":0}\n');
    emu = await startEmulator({ tcp: false, brokerPort: 0, brokerTlsPort: false, trace: { file, maxBytes: 4096 } });
    expect(fs.existsSync(`${file}.1`)).toBe(false);
    dte = emu.connect();
    await dte.ok('AT');
    for (let i = 0; i < 60; i++) await dte.ok(`AT+CSQ;+CREG?;+CGATT?`);
    await dte.close();
    dte = undefined;
    await emu.stop();
    emu = undefined;
    expect(fs.statSync(file).size).toBeLessThanOrEqual(4096);
    expect(fs.statSync(`${file}.1`).size).toBeLessThanOrEqual(4096);
    const t = readTrace(file);
    expect(t.files).toEqual([`${file}.1`, file]);
    const head = records(`${file}.1`)[0];
    expect(head.k).toBe('start');
    expect(head.part).toBeGreaterThan(0); // older parts are gone: the disk holds two at most
    const ns = t.records.map((r) => r.n);
    expect(ns).toEqual(ns.map((_, i) => ns[0] + i)); // one unbroken run of numbers across the parts
    expect(t.records.filter((r) => r.k === 'start').map((r) => r.part)).toEqual([head.part, (head.part as number) + 1]);
    expect(t.complete).toBe(true);
  });

  it('a bad bound or an unwritable file is refused at start', async () => {
    await expect(startEmulator({ tcp: false, brokerPort: 0, trace: { file: path.join(dir, 'x'), maxBytes: 10 } })).rejects.toThrow('trace: maxBytes "10" must be a whole number of bytes, at least 4096');
    await expect(startEmulator({ tcp: false, brokerPort: 0, brokerTlsPort: false, trace: { file: path.join(dir, 'no', 'such', 'dir', 'x') } })).rejects.toThrow(/^--trace: cannot write ".*x": ENOENT$/);
  });

  it('a scenario writes its steps into the trace; the result names the failed step and its record', async () => {
    const file = path.join(dir, 'scenario.trace');
    emu = await startEmulator({ tcp: false, brokerPort: 0, brokerTlsPort: false, trace: { file } });
    dte = emu.connect();
    await dte.ok('AT');
    const scenario = parseScenario({ name: 'x', start: 'ready', steps: [{ at: '0s', fault: 'signal', params: { rssi: 9 } }, { at: '0s', expect: { smstate: 1 } }] }, 'x.json');
    const result = await runScenario(emu.control, scenario, { trace: emu.trace }).done;
    expect(result.passed).toBe(false);
    expect(result.trace).toBe(file);
    expect(result.failed).toEqual({ index: 1, at: 0, t: expect.any(Number), kind: 'expect', detail: 'smstate', why: 'smstate expected 1, got 0', trace: expect.any(Number) });
    await dte.close();
    dte = undefined;
    await emu.stop();
    emu = undefined;
    const rs = records(file);
    const step = rs.find((r) => r.n === result.failed!.trace)!;
    expect(step).toMatchObject({ k: 'step', index: 1, kind: 'expect', ok: false, error: 'smstate expected 1, got 0' });
    expect(rs.find((r) => r.n === result.steps[0].trace)).toMatchObject({ k: 'step', index: 0, ok: true });
    // The fault the first step injected comes before its step record.
    expect(rs.findIndex((r) => r.k === 'fault')).toBeLessThan(rs.findIndex((r) => r.k === 'step'));
  });
});

describe('reading a trace back', () => {
  it('the text transcript and the HTML page: the same AT lines; data that looks like markup stays data', async () => {
    const file = path.join(dir, 'render.trace');
    const emu = await startEmulator({ tcp: false, brokerPort: 0, brokerTlsPort: false, trace: { file } });
    const dte = emu.connect();
    await dte.ok('AT');
    await dte.send('AT+X="</script><b>x"');
    await dte.ok('AT+CSQ');
    await dte.close();
    await emu.stop();
    const t = readTrace(file);
    const text = traceToText(t);
    expect(text).toMatch(/^# sim800-emu trace [0-9a-f]{12} \(in process\), t = 0 at \d{4}-.*; \d+ records from .*render\.trace\n/);
    expect(text).toMatch(/\n {4}\d\.\d{3} {2}DTE> {4}AT\+CSQ\\r\n/);
    expect(text).toMatch(/\n {4}\d\.\d{3} {2}AT {6}AT\+CSQ -> OK in [\d.]+ ms \[\+CSQ: 18,0\]\n/);
    expect(text).toContain('STATE   power: on');
    const html = traceToHtml(t);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.match(/<\/script>/g)).toHaveLength(2); // the data's and the page script's: the DTE's text closed none
    expect(html).not.toMatch(/<script src=|<link rel="stylesheet"/); // self-contained
    const json = /<script type="application\/json" id="sim800-trace">(.*)<\/script>/.exec(html)![1];
    const data = JSON.parse(json) as { records: TraceRecord[] };
    expect(data.records).toEqual(t.records);
  });

  it('a torn last line (a killed process) is skipped; a file that is no trace is an error', () => {
    const file = path.join(dir, 'torn.trace');
    fs.writeFileSync(file, '{"n":1,"t":0,"k":"start","v":1,"run":"r","part":0}\n{"n":2,"t":1,"k":"rx","d":"AT\\r"}\n{"n":3,"t":2,"k":"tx","d":"A');
    const t = readTrace(file);
    expect(t.records.map((r) => r.n)).toEqual([1, 2]);
    expect(t.complete).toBe(false);
    fs.writeFileSync(file, 'hello\nworld\nthird\n');
    expect(() => readTrace(file)).toThrow(`${file}:1: not a trace record (JSON lines expected)`);
    fs.writeFileSync(file, '{"n":1,"t":0,"k":"rx","d":""}\n');
    expect(() => readTrace(file)).toThrow(`${file}: not a sim800-emu trace (no start record)`);
  });
});
