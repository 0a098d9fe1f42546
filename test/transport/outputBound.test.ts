/**
 * What waits for a DTE that does not read is bounded on every wire, as on a real UART:
 * the first bytes go, the rest is lost, one warning per episode.
 */
import { PassThrough, Writable } from 'node:stream';
import pino from 'pino';
import { VirtualClock } from '../../src/clock';
import { assembleModem } from '../../src/emulator';
import { InProcessPort } from '../../src/transport/inProcess';
import { createWire } from '../../src/transport/wires';
import { MAX_QUEUED, OutputBound } from '../../src/uart/outputBound';
import { Pacer } from '../../src/uart/pacer';

function capturingLogger(): { log: pino.Logger; records: { level: number; msg: string; bytes?: number }[] } {
  const records: { level: number; msg: string; bytes?: number }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) records.push(JSON.parse(line) as { level: number; msg: string });
      cb();
    },
  });
  return { log: pino({ level: 'info' }, sink), records };
}

const warnings = (records: { level: number }[]) => records.filter((r) => r.level === 40);

describe('OutputBound', () => {
  it('keeps what fits, cuts the rest, warns once per episode and reports the loss when it ends', () => {
    const { log, records } = capturingLogger();
    const bound = new OutputBound(log, { wire: 'test' }, 10);
    expect(bound.fit(0, Buffer.from('0123456789'))?.toString()).toBe('0123456789');
    expect(bound.fit(6, Buffer.from('abcdef'))?.toString()).toBe('abcd'); // a UART's first bytes
    expect(bound.fit(10, Buffer.from('xyz'))).toBeNull();
    expect(bound.droppedBytes).toBe(5);
    expect(warnings(records)).toHaveLength(1);
    bound.drained();
    expect(records[records.length - 1]).toMatchObject({ level: 30, bytes: 5, msg: 'the DTE reads again; output was dropped meanwhile' });
    bound.drained(); // nothing dropped since: nothing said
    expect(records).toHaveLength(2);
    expect(bound.fit(10, Buffer.from('z'))).toBeNull();
    expect(warnings(records)).toHaveLength(2); // a new episode
  });
});

describe('the pacer (--pace) holds at most MAX_QUEUED for the wire', () => {
  it('a DTE that sends faster than 9600 baud can carry: the excess is dropped, the rest leaves on schedule', () => {
    const clock = new VirtualClock();
    const { log, records } = capturingLogger();
    const out: Buffer[] = [];
    const pacer = new Pacer((d) => out.push(Buffer.from(d as Buffer)), clock, () => 10000 / 9600, new OutputBound(log));
    const chunks = MAX_QUEUED / 4096 + 24; // 96 KiB more than the bound
    for (let i = 0; i < chunks; i++) pacer.write(Buffer.alloc(4096, 0x41 + (i % 26)));
    expect(pacer.queued).toBe(MAX_QUEUED);
    expect(warnings(records)).toHaveLength(1);
    clock.advance(1000); // 960 bytes at 9600 8N1
    expect(Buffer.concat(out).length).toBe(960);
    expect(pacer.queued).toBe(MAX_QUEUED - 960);
    clock.advance(MAX_QUEUED * (10000 / 9600));
    expect(Buffer.concat(out).length).toBe(MAX_QUEUED);
    expect(pacer.queued).toBe(0);
    expect(records[records.length - 1]).toMatchObject({ msg: 'the DTE reads again; output was dropped meanwhile', bytes: chunks * 4096 - MAX_QUEUED });
  });
});

describe('wires', () => {
  it('in-process: a program that does not read holds at most MAX_QUEUED', () => {
    const modem = assembleModem();
    const port = new InProcessPort(modem);
    port.write('AT\r');
    for (let i = 0; i < (2 * MAX_QUEUED) / 4096; i++) port.write(Buffer.alloc(4096, 0x42));
    expect(port.readableLength).toBeLessThanOrEqual(MAX_QUEUED);
    expect(port.readableLength).toBeGreaterThan(MAX_QUEUED / 2);
    port.destroy();
  });

  it('stdio: an output nobody drains holds at most MAX_QUEUED', async () => {
    const modem = assembleModem();
    const input = new PassThrough();
    const output = new PassThrough(); // never read
    const wire = createWire('stdio', modem, { input, output }, pino({ level: 'silent' }));
    expect(await wire.open()).toEqual({});
    input.write('AT\r');
    for (let i = 0; i < (2 * MAX_QUEUED) / 4096; i++) input.write(Buffer.alloc(4096, 0x43));
    await new Promise((r) => setImmediate(r));
    expect(output.writableLength).toBeLessThanOrEqual(MAX_QUEUED);
    expect(output.writableLength + output.readableLength).toBeGreaterThan(MAX_QUEUED / 2);
    await wire.close();
  });
});
