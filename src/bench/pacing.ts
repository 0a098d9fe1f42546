/**
 * Pacing accuracy: how close --pace comes to the theoretical UART rate. The modem sends
 * `bytes` bytes (8N1: 10 bits a byte) to a DTE that takes them as fast as it can: in
 * process, or through a real pty read by serialport. The peer is the theory itself.
 * `npm run bench` runs it at 115200; bench/pacing.js is its standalone form.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator, type EmulatorHandle } from '../emulator';
import { bitsPerFrame } from '../uart/uart';

export interface PacingResult {
  baudRate: number;
  bytes: number;
  via: 'in process' | 'pty';
  seconds: number;
  theoretical: number;
  achievedBaud: number;
  /** seconds / theoretical - 1: +0.001 is 0.1 % slower than the wire. */
  error: number;
}

const FRAME = { dataBits: 8, parity: 'none', stopBits: 1 } as const;

interface Dte {
  onData(cb: (d: Buffer) => void): void;
  close(): Promise<void>;
}

/** The DTE side: the in-process wire, or the pty opened by serialport. */
async function dteFor(emu: EmulatorHandle, viaPty: boolean): Promise<Dte> {
  if (!viaPty) {
    const port = emu.openPort();
    return { onData: (cb) => port.on('data', cb), close: async () => void port.destroy() };
  }
  const { SerialPort } = await import('serialport');
  const port = new SerialPort({ path: emu.endpoints.pty!.link, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  return { onData: (cb) => port.on('data', cb), close: () => new Promise<void>((resolve) => port.close(() => resolve())) };
}

export async function measurePacing(baudRate: number, bytes: number, viaPty = false): Promise<PacingResult> {
  const dir = viaPty ? fs.mkdtempSync(path.join(os.tmpdir(), 'sim800-bench-')) : null;
  const emu = await startEmulator({ tcp: false, brokerPort: 0, brokerTlsPort: false, pace: true, line: { baudRate }, pty: dir ? path.join(dir, 'tty') : undefined });
  try {
    const dte = await dteFor(emu, viaPty);
    let got = 0;
    let last = 0;
    const done = new Promise<void>((resolve) =>
      dte.onData((d) => {
        got += d.length;
        last = performance.now();
        if (got >= bytes) resolve();
      }),
    );
    const start = performance.now();
    emu.modem.engine.urcBytes(Buffer.alloc(bytes, 0x55));
    await done;
    await dte.close();
    const seconds = (last - start) / 1000;
    const bits = bytes * bitsPerFrame(FRAME);
    const theoretical = bits / baudRate;
    return { baudRate, bytes, via: viaPty ? 'pty' : 'in process', seconds, theoretical, achievedBaud: bits / seconds, error: seconds / theoretical - 1 };
  } finally {
    await emu.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function describePacing(r: PacingResult): string {
  return (
    `${String(r.baudRate).padStart(7)} baud: ${r.seconds.toFixed(4)} s (theory ${r.theoretical.toFixed(4)} s), ` +
    `achieved ${r.achievedBaud.toFixed(0)} baud, error ${(r.error * 100).toFixed(2)} %`
  );
}
