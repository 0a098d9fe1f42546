/**
 * UART pacing (--pace): bytes to the DTE leave at the wire rate for the line format and
 * AT+IPR. The schedule is checked exactly on a virtual clock, the pacer alone and the
 * whole emulator; on the real clock only what pacing guarantees whatever the machine's
 * load is checked: no byte arrives sooner than the wire allows.
 */
import { systemClock, VirtualClock, type Clock } from '../../src/clock';
import { assembleModem, startEmulator, type EmulatorHandle } from '../../src/emulator';
import { Pacer } from '../../src/uart/pacer';
import { bitsPerFrame, byteTimeMs, Uart } from '../../src/uart/uart';
import { until } from '../helpers/wait';

/** A sink that notes when (on the virtual clock) each chunk arrived. */
function recorder(clock: VirtualClock) {
  const chunks: { at: number; text: string }[] = [];
  return {
    // Wire data: a Buffer, or a latin1 string.
    sink: (data: Buffer | string) => chunks.push({ at: clock.now(), text: typeof data === 'string' ? data : data.toString('latin1') }),
    chunks,
    text: () => chunks.map((c) => c.text).join(''),
  };
}

describe('line format', () => {
  it('counts start, data, parity and stop bits: 8N1 10, 8E1 11, 8N2 11', () => {
    expect(bitsPerFrame({ dataBits: 8, parity: 'none', stopBits: 1 })).toBe(10);
    expect(bitsPerFrame({ dataBits: 8, parity: 'even', stopBits: 1 })).toBe(11);
    expect(bitsPerFrame({ dataBits: 8, parity: 'none', stopBits: 2 })).toBe(11);
    expect(byteTimeMs({ dataBits: 8, parity: 'none', stopBits: 1 }, 115200)).toBeCloseTo(0.0868, 4);
  });
});

describe('Pacer on a virtual clock', () => {
  it('delivers each byte when its stop bit ends: 9600 8N1 is 1.0417 ms a byte', async () => {
    const clock = new VirtualClock();
    const rec = recorder(clock);
    const pacer = new Pacer(rec.sink, clock, () => byteTimeMs({ dataBits: 8, parity: 'none', stopBits: 1 }, 9600));
    pacer.write(Buffer.from('ABCDE'));
    expect(rec.chunks).toEqual([]); // nothing is on the far side before a full frame
    clock.advance(1.04);
    expect(rec.text()).toBe('');
    clock.advance(0.01);
    expect(rec.text()).toBe('A');
    clock.advance(10);
    expect(rec.text()).toBe('ABCDE');
    expect(rec.chunks.map((c) => c.at.toFixed(3))).toEqual(['1.042', '2.083', '3.125', '4.167', '5.208']);
    expect(pacer.busy).toBe(false);
  });

  it('hands over all due bytes at once when a turn is late, without drifting from the ideal schedule', () => {
    const clock = new VirtualClock();
    const rec = recorder(clock);
    const byteMs = 0.1;
    const pacer = new Pacer(rec.sink, clock, () => byteMs);
    pacer.write(Buffer.alloc(100, 0x41));
    clock.advance(5); // one turn 5 ms late: 50 bytes are due
    expect(rec.chunks[0]).toEqual({ at: expect.closeTo(0.1, 6) as number, text: 'A' });
    clock.advance(5);
    expect(rec.text().length).toBe(100);
    // The last byte left exactly at 100 × 0.1 ms although the turns did not line up.
    expect(rec.chunks[rec.chunks.length - 1].at).toBeCloseTo(10, 6);
  });

  it('keeps the wire order: a URC written after a response leaves after it', () => {
    const clock = new VirtualClock();
    const rec = recorder(clock);
    const pacer = new Pacer(rec.sink, clock, () => 1);
    pacer.write(Buffer.from('\r\nOK\r\n'));
    clock.advance(2.5);
    pacer.write(Buffer.from('\r\nRING\r\n'));
    clock.advance(100);
    expect(rec.text()).toBe('\r\nOK\r\n\r\nRING\r\n');
    // One byte a millisecond, back to back: the URC queued behind the response's last byte (6 ms).
    expect(rec.chunks.map((c) => c.at)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  });

  it('an idle wire starts at once; close() drops what was not sent and wakes whenIdle()', async () => {
    const clock = new VirtualClock();
    const rec = recorder(clock);
    const pacer = new Pacer(rec.sink, clock, () => 1);
    clock.advance(50);
    pacer.write(Buffer.from('xy'));
    clock.advance(1);
    expect(rec.chunks).toEqual([{ at: 51, text: 'x' }]);
    const idle = pacer.whenIdle();
    pacer.close();
    await idle;
    clock.advance(10);
    expect(rec.text()).toBe('x');
    expect(clock.pending).toBe(0);
  });
});

describe('the modem rate (AT+IPR)', () => {
  const frame = { dataBits: 8, parity: 'none', stopBits: 1 } as const;

  it('autobaud meets the DTE\'s rate; a fixed rate wins over it', () => {
    const uart = new Uart({ line: { baudRate: 57600 } }, new VirtualClock());
    expect(uart.rate).toBe(57600);
    uart.dteRate(9600);
    expect(uart.rate).toBe(9600);
    uart.follow(115200);
    uart.dteRate(19200); // a mismatched DTE does not move a fixed-rate module
    expect(uart.rate).toBe(115200);
    uart.follow(0); // back to autobaud: the rate in use stays until a DTE says otherwise
    expect(uart.rate).toBe(115200);
  });

  it('AT+IPR=9600: the OK leaves at the old rate, what follows at the new one', async () => {
    const clock = new VirtualClock();
    const modem = assembleModem({ clock, uart: { pace: true } });
    const rec = recorder(clock);
    modem.connectDte(rec.sink);
    modem.receive(Buffer.from('ATE0\r'));
    await clock.advanceAsync(100);
    const rates: number[] = [];
    modem.uart.on('rate', (r) => rates.push(r));
    rec.chunks.length = 0;
    const sent = clock.now();
    modem.receive(Buffer.from('AT+IPR=9600\r'));
    await clock.advanceAsync(1000);
    expect(rec.text()).toBe('\r\nOK\r\n');
    expect(rates).toEqual([9600]);
    const fast = byteTimeMs(frame, 115200);
    expect(rec.chunks[rec.chunks.length - 1].at - sent).toBeCloseTo(6 * fast, 6);
    rec.chunks.length = 0;
    const t0 = clock.now();
    modem.urc('RING');
    await clock.advanceAsync(1000);
    expect(rec.text()).toBe('\r\nRING\r\n');
    expect(rec.chunks[rec.chunks.length - 1].at - t0).toBeCloseTo(8 * byteTimeMs(frame, 9600), 6);
  });
});

describe('the whole emulator, paced', () => {
  let emu: EmulatorHandle | null = null;
  afterEach(async () => {
    await emu?.stop();
    emu = null;
  });

  /**
   * Sends n bytes from the modem of an emulator on `clock` and resolves with the clock
   * time (from the send) at which each chunk reached the in-process DTE's port.
   */
  async function arrivals(clock: Clock, n: number, line: { baudRate: number; parity?: 'none' | 'even' }, run: (seen: readonly { at: number; got: number }[]) => Promise<void>): Promise<{ at: number; got: number }[]> {
    emu = await startEmulator({ tcp: false, brokerPort: 0, pace: true, line, clock });
    const port = emu.openPort();
    const seen: { at: number; got: number }[] = [];
    let got = 0;
    const start = clock.now();
    port.on('data', (d: Buffer) => seen.push({ at: clock.now() - start, got: (got += d.length) }));
    emu.modem.engine.urcBytes(Buffer.alloc(n, 0x55));
    await run(seen);
    return seen;
  }

  it('1 000 bytes at 115200 8N1: the last arrives at exactly 86.806 ms on the modem clock, none early', async () => {
    const clock = new VirtualClock();
    const byteMs = byteTimeMs({ dataBits: 8, parity: 'none', stopBits: 1 }, 115200);
    const seen = await arrivals(clock, 1000, { baudRate: 115200 }, async (so) => {
      await clock.advanceAsync(1000 * byteMs - 0.001);
      expect(so.at(-1)?.got ?? 0).toBe(999);
      await clock.advanceAsync(10);
    });
    expect(seen.at(-1)).toEqual({ at: expect.closeTo(1000 * byteMs, 6) as number, got: 1000 });
    // Each chunk left no sooner than its last byte's stop bit ended.
    for (const c of seen) expect(c.at).toBeGreaterThanOrEqual(c.got * byteMs - 1e-9);
  });

  it('200 bytes at 9600 8E1: 11 bits a byte, the last at exactly 229.17 ms', async () => {
    const clock = new VirtualClock();
    const seen = await arrivals(clock, 200, { baudRate: 9600, parity: 'even' }, () => clock.advanceAsync(1000));
    expect(seen.at(-1)).toEqual({ at: expect.closeTo((200 * 11 * 1000) / 9600, 6) as number, got: 200 });
  });

  it('on the real clock the last byte never arrives sooner than its wire time (how much later depends on the load)', async () => {
    emu = await startEmulator({ tcp: false, brokerPort: 0, pace: true, line: { baudRate: 115200 } });
    const port = emu.openPort();
    let got = 0;
    let lastAt = 0;
    const start = systemClock.now();
    port.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= 1000) lastAt = systemClock.now() - start;
    });
    emu.modem.engine.urcBytes(Buffer.alloc(1000, 0x55));
    await until(() => got >= 1000, 10_000, 'the 1000 bytes at the DTE');
    expect(lastAt).toBeGreaterThanOrEqual(1000 * byteTimeMs({ dataBits: 8, parity: 'none', stopBits: 1 }, 115200) - 0.01);
  });
});
