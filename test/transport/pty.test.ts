/**
 * --pty as the library offers it: startEmulator({ pty: '/tmp/ttySIM800' }). A real pty,
 * opened by `serialport` with its default binding (as a Node program on the host would)
 * or by plain open(2) (as minimal POSIX firmware would).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator, type EmulatorHandle } from '../../src/emulator';
import { silentLogger } from '../../src/log';
import { PtyError, PtyTransport } from '../../src/transport/pty';
import { openFds, openRaw, openSerial, sleep, type SerialDte } from './serialDte';
import { until } from '../helpers/wait';

let dir: string;
let emu: EmulatorHandle | null = null;
let dte: SerialDte | null = null;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim800-pty-'));
});

afterEach(async () => {
  await dte?.close();
  dte = null;
  await emu?.stop();
  emu = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

const start = async (extra: Parameters<typeof startEmulator>[0] = {}) => {
  const link = path.join(dir, 'ttySIM800');
  emu = await startEmulator({ pty: link, brokerPort: 0, ...extra });
  return { link, device: emu.endpoints.pty!.device };
};

describe('--pty', () => {
  it('links a raw pty; serialport as the DTE: AT\\r in, AT\\r\\r\\nOK\\r\\n out', async () => {
    const { link, device } = await start();
    expect(emu!.readyLine).toMatch(new RegExp(`^sim800-emu ready pty=${link} broker=`));
    expect(emu!.endpoints.tcp).toBeUndefined(); // the pty is the wire: no default TCP listener
    expect(fs.readlinkSync(link)).toBe(device);
    expect(device).toMatch(/^\/dev\/pts\/\d+$/);
    dte = await openSerial(link);
    expect(await dte.exchange('AT', 'OK\r\n')).toBe('AT\r\r\nOK\r\n');
  });

  it('survives 20 open/traffic/close cycles, and the modem keeps its state (ATE0) across them', async () => {
    const { link } = await start();
    for (let i = 0; i < 20; i++) {
      dte = await openSerial(link);
      if (i === 0) expect(await dte.exchange('ATE0', 'OK\r\n')).toBe('ATE0\r\r\nOK\r\n');
      else expect(await dte.exchange('AT+CGMI', 'OK\r\n')).toBe('\r\nSIMCOM_Ltd\r\n\r\nOK\r\n');
      await dte.close();
      dte = null;
    }
  });

  it('raw both ways with no termios set by the DTE: every byte value in, no CR/LF translation or echo out', async () => {
    const { link } = await start();
    const seen: Buffer[] = [];
    const receive = emu!.modem.receive.bind(emu!.modem);
    emu!.modem.receive = (data: Buffer, lent?: boolean) => {
      seen.push(Buffer.from(data));
      receive(data, lent);
    };
    const raw = openRaw(link);
    try {
      raw.write('AT\r');
      // Byte for byte: no ONLCR (\n → \r\n), no tty echo of the DTE's own AT\r.
      expect(await raw.log.until('OK\r\n')).toBe('AT\r\r\nOK\r\n');
      const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      seen.length = 0;
      raw.write(every); // ^C, ^D, ^S, ^Q, DEL, CR, LF: none is a signal, an edit or a translation
      await until(() => Buffer.concat(seen).length >= 256, 5000, 'the 256 bytes at the modem');
      expect(Buffer.concat(seen)).toEqual(every);
      // And from the modem: arbitrary bytes arrive unchanged.
      const before = raw.log.bytes.length;
      emu!.modem.engine.urcBytes(every);
      await raw.log.until(before + 256);
      expect(raw.log.bytes.subarray(before)).toEqual(every);
    } finally {
      raw.close();
    }
  });

  it('a DTE that vanishes mid-answer or never reads harms nothing: the next one is answered', async () => {
    const { link } = await start();
    const raw = openRaw(link);
    raw.write('ATI\rATI\rATI\r');
    raw.close(); // gone before the answers are out
    emu!.modem.engine.urcBytes(Buffer.alloc(200_000, 0x41)); // more than the pty holds, nobody reading
    await sleep(50);
    dte = await openSerial(link); // serialport flushes what was left for nobody
    expect(await dte.exchange('AT', 'OK\r\n')).toMatch(/AT\r\r\nOK\r\n$/);
  });

  it('with pace, the pty is paced too: 500 bytes at 9600 8N1 never arrive sooner than their 520.8 ms on the wire', async () => {
    // How late they may be depends on the machine's load, so only the bound that pacing
    // guarantees is checked here; the exact schedule is checked on a virtual clock
    // (pacing.test.ts).
    const { link } = await start({ pace: true, line: { baudRate: 9600 } });
    dte = await openSerial(link, 9600);
    const t0 = performance.now();
    emu!.modem.engine.urcBytes(Buffer.alloc(500, 0x55));
    await dte.log.until(500);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(520.8 - 0.01);
  });

  it('stop() removes the link and frees the pty: no descriptor is left', async () => {
    const fdsBefore = openFds().length;
    // Counted against what the process held before: this stop() must add none. (Under a
    // loaded full run, /dev/pts fds from an earlier test's DTE were seen lingering.)
    const ptsFds = () => openFds().filter((f) => f.startsWith('/dev/pt'));
    const ptsBefore = ptsFds();
    const { link, device } = await start();
    dte = await openSerial(link);
    await dte.exchange('AT', 'OK\r\n');
    await dte.close();
    dte = null;
    await emu!.stop();
    emu = null;
    expect(fs.existsSync(link)).toBe(false);
    expect(fs.existsSync(device)).toBe(false); // the kernel removed /dev/pts/N: nobody holds it
    // The DTE's port closes on a threadpool thread: give the descriptors a moment to go.
    await until(() => ptsFds().length <= ptsBefore.length, 5000, 'the pty descriptors to close', 50);
    expect(openFds().length).toBeLessThanOrEqual(fdsBefore + 2); // the broker's sockets may linger a tick
  });

  it('replaces a stale link from a crashed run; refuses to replace anything else', async () => {
    const link = path.join(dir, 'ttySIM800');
    fs.symlinkSync('/dev/pts/99999', link);
    const { device } = await start();
    expect(fs.readlinkSync(link)).toBe(device);
    await emu!.stop();
    emu = null;

    const file = path.join(dir, 'notalink');
    fs.writeFileSync(file, 'keep me');
    await expect(startEmulator({ pty: file, brokerPort: 0 })).rejects.toThrow(`--pty ${file}: the path exists and is not a symlink; refusing to replace it`);
    expect(fs.readFileSync(file, 'utf8')).toBe('keep me');
  });

  it('is the one wire: not with tcp, stdio or serial; no in-process port beside it', async () => {
    await expect(startEmulator({ pty: path.join(dir, 'a'), tcp: { port: 0 }, brokerPort: 0 })).rejects.toThrow(
      'tcp and pty cannot both attach to one modem: it has one wire',
    );
    await expect(startEmulator({ pty: path.join(dir, 'a'), serial: { path: '/dev/null' }, brokerPort: 0 })).rejects.toThrow(
      'pty and serial cannot both attach to one modem: it has one wire',
    );
    expect(fs.existsSync(path.join(dir, 'a'))).toBe(false);
    await start();
    expect(() => emu!.openPort()).toThrow('a DTE is already attached to this modem');
  });

  it('where ptys do not exist: one clear error, nothing left behind', async () => {
    const link = path.join(dir, 'ttyX');
    const t = new PtyTransport(emu?.modem ?? ({} as never), { link, ptmx: path.join(dir, 'no-ptmx') }, silentLogger);
    await expect(t.open()).rejects.toThrow(PtyError);
    await expect(t.open()).rejects.toThrow(/^--pty: cannot create a pseudo-terminal \(.*no-ptmx: No such file or directory\): this system offers no ptys$/);
    expect(fs.existsSync(link)).toBe(false);
  });
});
