/**
 * The TCP wire as CI harnesses use it: a DTE that hangs up and dials again at once, clients
 * that are refused and never close, a DTE that writes and never reads, and a stop that
 * comes in any of those states.
 */
import type * as net from 'node:net';
import pino from 'pino';
import { Writable } from 'node:stream';
import { assembleModem } from '../../src/emulator';
import type { Modem } from '../../src/modem/modem';
import { BUSY_MESSAGE, TcpTransport } from '../../src/transport/tcp';
import { createWire } from '../../src/transport/wires';
import { MAX_QUEUED } from '../../src/uart/outputBound';
import { killAllClis, startCli, type RunningCli } from '../helpers/cli';
import { connectRaw, fdCount, readUntil, socketCount, until } from './wireWait';

const ARGS = ['--tcp', '127.0.0.1:0', '--broker-port', '0', '--broker-tls-port', 'off', '--log-level', 'warn'];
const sockets: net.Socket[] = [];

function track(s: net.Socket): net.Socket {
  sockets.push(s);
  s.on('error', () => undefined);
  return s;
}

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await killAllClis();
});

/** A log that keeps every record, to count warnings. */
function capturingLogger(): { log: pino.Logger; records: { level: number; msg: string }[] } {
  const records: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) records.push(JSON.parse(line) as { level: number; msg: string });
      cb();
    },
  });
  return { log: pino({ level: 'debug' }, sink), records };
}

/** Connects, says AT, waits for OK; refused when the busy message comes instead. */
async function dialAndAt(port: number): Promise<{ socket: net.Socket; refused: boolean }> {
  const socket = track(await connectRaw(port));
  const reply = readUntil(socket, 'OK\r\n');
  socket.write('AT\r');
  const text = await reply;
  return { socket, refused: text.includes(BUSY_MESSAGE.trim()) };
}

describe('a DTE that hung up no longer holds the wire', () => {
  it('500 immediate reconnects after AT and close, end or half-close: 0 refused', async () => {
    const cli = await startCli(ARGS);
    let refused = 0;
    for (let i = 0; i < 500; i++) {
      const { socket, refused: r } = await dialAndAt(cli.port);
      if (r) refused++;
      // Hang up three ways: destroy (close both ways), end (FIN, then the socket closes
      // when ours comes back), and a half-close that keeps the socket readable.
      if (i % 3 === 0) socket.destroy();
      else socket.end();
      // ... and dial again at once.
    }
    expect(refused).toBe(0);
  }, 60_000);
});

describe('refused connections are closed completely', () => {
  async function refusal(port: number, close: boolean): Promise<string> {
    const s = track(await connectRaw(port));
    const text = readUntil(s, null);
    s.write('AT\r\nhello\r\n'); // bytes the emulator never reads
    const got = await text;
    if (close) s.destroy();
    return got;
  }

  it('1000 refusals leave the process with the sockets it had before', async () => {
    const cli = await startCli(ARGS);
    const pid = cli.child.pid!;
    const holder = await dialAndAt(cli.port);
    expect(holder.refused).toBe(false);
    const before = socketCount(pid);
    const fdsBefore = fdCount(pid);
    // In batches: each refusal first waits (up to 200 ms) for the holder to hang up.
    for (let from = 0; from < 1000; from += 100) {
      const texts = await Promise.all(Array.from({ length: 100 }, () => refusal(cli.port, true)));
      for (const t of texts) expect(t).toBe(BUSY_MESSAGE);
    }
    await until(() => socketCount(pid) <= before, 5000, `the CLI's sockets to come back to ${before} (now ${socketCount(pid)})`);
    // Leaked-style clients: they read the refusal to its end and never close.
    await Promise.all(Array.from({ length: 20 }, () => refusal(cli.port, false)));
    await until(() => socketCount(pid) <= before, 5000, `sockets of clients that never close to be let go (now ${socketCount(pid)})`);
    expect(fdCount(pid)).toBeLessThanOrEqual(fdsBefore);
    // The DTE that holds the wire never noticed.
    const reply = readUntil(holder.socket, 'OK\r\n');
    holder.socket.write('AT\r');
    expect(await reply).toBe('AT\r\r\nOK\r\n');
  }, 60_000);
});

describe('SIGTERM and SIGINT end the process within 2 s in every state', () => {
  /** Sends the signal and waits (2 s at most) for the exit. */
  async function stopsWithin2s(cli: RunningCli, signal: NodeJS.Signals): Promise<void> {
    const exit = cli.stop(signal);
    const limit = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 2000).unref());
    expect(await Promise.race([exit, limit])).toEqual({ code: 0, signal: null });
  }

  /** A client refused that never closes, and keeps sending. */
  async function leakedClient(port: number): Promise<void> {
    const s = track(await connectRaw(port));
    s.write('AT\r\n');
    await readUntil(s, null);
  }

  it.each(['SIGTERM', 'SIGINT'] as const)('%s with a DTE attached and refused clients that never close', async (signal) => {
    const cli = await startCli(ARGS);
    await dialAndAt(cli.port);
    await Promise.all(Array.from({ length: 10 }, () => leakedClient(cli.port)));
    await stopsWithin2s(cli, signal);
  });

  it('SIGTERM with a DTE that writes and never reads', async () => {
    const cli = await startCli(ARGS);
    const s = track(await connectRaw(cli.port));
    s.pause();
    s.write('AT\r');
    s.write(Buffer.alloc(4 << 20, 'A'));
    await leakedClient(cli.port);
    await stopsWithin2s(cli, 'SIGTERM');
  });

  it('SIGTERM with a DTE that half-closed', async () => {
    const cli = await startCli(ARGS);
    const { socket } = await dialAndAt(cli.port);
    socket.end();
    await stopsWithin2s(cli, 'SIGTERM');
  });
});

describe('output to a DTE that does not read is bounded', () => {
  let modem: Modem;
  let wire: TcpTransport;

  afterEach(async () => {
    await wire?.close();
  });

  it('drops beyond MAX_QUEUED with one warn per episode, and frees it when the DTE goes', async () => {
    const { log, records } = capturingLogger();
    modem = assembleModem({ log });
    wire = createWire('tcp', modem, { host: '127.0.0.1', port: 0 }, log) as TcpTransport;
    const { port } = await wire.open();
    let received = 0;
    // Counts what reached the modem, to know when the emulator has taken everything sent.
    const receive = modem.receive.bind(modem);
    modem.receive = (data: Buffer, lent?: boolean) => {
      received += data.length;
      receive(data, lent);
    };
    const s = track(await connectRaw(port));
    s.pause(); // writes, never reads: echo on, everything comes back
    const drops = () => records.filter((r) => r.level === 40 && /does not read/.test(r.msg));
    let sent = 0;
    const send = async (data: Buffer | string) => {
      s.write(data);
      sent += data.length;
      await until(() => received === sent, 20_000, `the emulator to take all ${sent} bytes (has ${received})`);
      await new Promise((r) => setImmediate(r)); // the turn's output is handed to the socket
    };
    await send('AT\r');
    // Until the kernel's buffers for the socket are full and the emulator starts dropping.
    while (drops().length === 0) {
      if (sent > 32 << 20) throw new Error(`nothing dropped after ${sent} bytes: output is not bounded (queued ${wire.queued})`);
      await send(Buffer.alloc(1 << 20, 0x41));
    }
    for (let i = 0; i < 4; i++) await send(Buffer.alloc(1 << 20, 'B'));
    expect(wire.queued).toBeGreaterThan(0);
    expect(wire.queued).toBeLessThanOrEqual(MAX_QUEUED);
    expect(drops()).toHaveLength(1); // one warning for the whole episode

    // The DTE reads again: the episode ends with the count of what was lost.
    s.resume();
    await until(() => wire.queued === 0, 5000, 'the queue to drain');
    await until(() => records.some((r) => /reads again/.test(r.msg)), 5000, 'the end of the episode');
    expect(records.find((r) => /reads again/.test(r.msg))).toMatchObject({ level: 30, bytes: expect.any(Number) });

    s.destroy();
    await until(() => !modem.dteConnected, 5000, 'the DTE to be gone');
    expect(wire.queued).toBe(0);
  }, 60_000);
});
