/**
 * DTE sockets and pty masters read into one buffer the process lends to whoever reads
 * (readBuffer.ts): what the engine keeps past the call, a line waiting behind a running one
 * or a data phase's bytes, must be its own copy, or the next read (any socket's)
 * overwrites it. Each case sends a second chunk long enough to overwrite the bytes
 * the first one left waiting.
 */
import * as net from 'node:net';
import * as path from 'node:path';
import { assembleModem } from '../../src/emulator';
import { silentLogger } from '../../src/log';
import type { Modem } from '../../src/modem/modem';
import { mergeModemConfig } from '../../src/modem/config';
import { PROFILES } from '../../src/profile';
import { PtyTransport } from '../../src/transport/pty';
import { dteServer, onReads, readsLent, TcpTransport } from '../../src/transport/tcp';
import type { Wire } from '../../src/transport/wire';
import { exactFigures, FakeClock } from '../helpers/dte';
import { useTempDir } from '../helpers/tmp';
import { openRaw } from './serialDte';
import { connectRaw, until } from './wireWait';

const sockets: net.Socket[] = [];
let wire: Wire | null = null;
let modem: Modem | null = null;
let closeDte: (() => void) | null = null;
const dir = useTempDir('lent-reads');

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  closeDte?.();
  closeDte = null;
  await wire?.close();
  wire = null;
  await modem?.powerDown();
  modem = null;
});

interface Rig {
  send(data: string): Promise<void>;
  output(): string;
}

/** A modem on a wire (TCP or pty); counts the bytes it has taken in, and collects what the DTE reads. */
async function rig(kind: 'tcp' | 'pty', m: Modem): Promise<Rig> {
  modem = m;
  let received = 0;
  const receive = m.receive.bind(m);
  m.receive = (data: Buffer, lent?: boolean) => {
    received += data.length;
    receive(data, lent);
  };
  let write: (data: string) => void;
  let output: () => string;
  if (kind === 'tcp') {
    const tcp = new TcpTransport(m, { host: '127.0.0.1', port: 0 }, silentLogger);
    wire = tcp;
    const s = await connectRaw((await tcp.open()).port);
    sockets.push(s);
    let out = '';
    s.on('data', (d: Buffer) => (out += d.toString('latin1')));
    write = (data) => s.write(data, 'latin1');
    output = () => out;
  } else {
    const pty = new PtyTransport(m, { link: path.join(dir(), 'tty') }, silentLogger);
    wire = pty;
    const raw = openRaw((await pty.open()).link);
    closeDte = () => raw.close();
    write = (data) => raw.write(data);
    output = () => raw.log.text();
  }
  let sent = 0;
  return {
    async send(data: string) {
      write(data);
      sent += data.length;
      await until(() => received === sent, 5000, `the modem to take ${sent} bytes (has ${received})`);
    },
    output,
  };
}

describe('reads into the shared buffer', () => {
  it('an accepted DTE socket reads into it on this Node (else every read makes a Buffer: bench 10)', async () => {
    let accepted: net.Socket | null = null;
    const server = dteServer((s) => (accepted = s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      sockets.push(await connectRaw((server.address() as net.AddressInfo).port));
      await until(() => accepted !== null, 5000, 'the connection');
      expect(readsLent(accepted!)).toBe(true);
    } finally {
      (accepted as net.Socket | null)?.destroy();
      await new Promise((r) => server.close(r));
    }
  });

  it.each([true, false])('lent %s: a socket from dteServer delivers every byte once onReads gives it a reader, and none before', async (lend) => {
    let accepted: net.Socket | null = null;
    const server = dteServer((s) => (accepted = s), lend);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const c = await connectRaw((server.address() as net.AddressInfo).port);
      sockets.push(c);
      await until(() => accepted !== null, 5000, 'the connection');
      c.write('AT+ONE\r');
      let got = '';
      const lentFlags = new Set<boolean>();
      await new Promise((r) => setTimeout(r, 50)); // the bytes wait in the kernel: nothing reads yet
      onReads(accepted!, (chunk, lent) => {
        got += chunk.toString('latin1');
        lentFlags.add(lent);
      });
      c.write('AT+TWO\r');
      await until(() => got === 'AT+ONE\rAT+TWO\r', 5000, `both lines (have ${JSON.stringify(got)})`);
      expect([...lentFlags]).toEqual([lend]);
      expect(readsLent(accepted!)).toBe(lend);
    } finally {
      (accepted as net.Socket | null)?.destroy();
      await new Promise((r) => server.close(r));
    }
  });

  it.each(['tcp', 'pty'] as const)('%s: a line waiting behind a running one keeps its bytes when the next read comes', async (kind) => {
    // Each line takes 20 ms of the modem's clock, which only the test moves: the second
    // line of the first chunk waits while the second chunk is read.
    const clock = new FakeClock();
    const r = await rig(kind, assembleModem({ config: mergeModemConfig({}), clock, profile: exactFigures(PROFILES.instant, 20) }));
    await r.send('AT\rAT+CGMI\r');
    await r.send('AT+CGMM;+CGMM;+CGMM\r');
    const want = 'AT\r\r\nOK\r\nAT+CGMI\r\r\nSIMCOM_Ltd\r\n\r\nOK\r\nAT+CGMM;+CGMM;+CGMM\r\r\nSIMCOM_SIM800L\r\n\r\nSIMCOM_SIM800L\r\n\r\nSIMCOM_SIM800L\r\n\r\nOK\r\n';
    for (let i = 0; i < 20 && !r.output().endsWith('SIMCOM_SIM800L\r\n\r\nOK\r\n'); i++) {
      await clock.advanceAsync(20);
      await new Promise((res) => setTimeout(res, 5));
    }
    await until(() => r.output().length >= want.length, 5000, `the answers (have ${JSON.stringify(r.output())})`);
    expect(r.output()).toBe(want);
  });

  it.each(['tcp', 'pty'] as const)("%s: a data phase's bytes from one read survive the next", async (kind) => {
    const r = await rig(kind, assembleModem({ config: mergeModemConfig({}) }));
    await r.send('ATE0\r');
    await r.send('AT+FSCREATE=C:\\USER\\LENT.TXT\r');
    await r.send('AT+FSWRITE=C:\\USER\\LENT.TXT,0,24,10\r');
    await until(() => r.output().endsWith('\r\n> '), 5000, `the prompt (have ${JSON.stringify(r.output())})`);
    await r.send('first-half--');
    await r.send('second-half-');
    await until(() => r.output().endsWith('OK\r\n'), 5000, `FSWRITE's OK (have ${JSON.stringify(r.output())})`);
    const before = r.output().length;
    await r.send('AT+FSREAD=C:\\USER\\LENT.TXT,0,24,0\r');
    await until(() => r.output().endsWith('OK\r\n') && r.output().length > before, 5000, 'FSREAD');
    expect(r.output().slice(before)).toBe('\r\nfirst-half--second-half-\r\n\r\nOK\r\n');
  });
});
