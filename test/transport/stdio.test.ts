/**
 * The stdio transport as the library offers it: startEmulator({ stdio: { input, output } }).
 */
import { PassThrough } from 'node:stream';
import { startEmulator, type EmulatorHandle } from '../../src/emulator';
import { until } from '../helpers/wait';

let emu: EmulatorHandle | null = null;
afterEach(async () => {
  await emu?.stop();
  emu = null;
});

function pair() {
  const input = new PassThrough();
  const output = new PassThrough();
  let out = '';
  output.on('data', (d: Buffer) => (out += d.toString('latin1')));
  return { input, output, out: () => out };
}


describe('stdio transport', () => {
  it('passes bytes both ways unchanged and turns the default TCP listener off', async () => {
    const p = pair();
    emu = await startEmulator({ stdio: p, brokerPort: 0 });
    expect(emu.endpoints.tcp).toBeUndefined();
    expect(emu.readyLine).toMatch(/^sim800-emu ready stdio broker=/);
    p.input.write(Buffer.from('AT\r'));
    p.input.write(Buffer.from('ATI\r\n')); // the stray LF is the modem's business, not the transport's
    await until(() => p.out().endsWith('R14.18\r\n\r\nOK\r\n'));
    expect(p.out()).toBe('AT\r\r\nOK\r\nATI\r\r\nSIM800 R14.18\r\n\r\nOK\r\n');
  });

  it('is the one wire: no in-process port beside it, and no TCP with it', async () => {
    const p = pair();
    emu = await startEmulator({ stdio: p, brokerPort: 0 });
    expect(() => emu!.openPort()).toThrow('a DTE is already attached to this modem');
    await expect(startEmulator({ stdio: pair(), tcp: { port: 0 }, brokerPort: 0 })).rejects.toThrow(
      'stdio and tcp cannot both attach to one modem: it has one wire',
    );
  });

  it('stop() lets go of the streams (so a CLI on process.stdin can exit)', async () => {
    const p = pair();
    emu = await startEmulator({ stdio: p, brokerPort: 0 });
    expect(p.input.listenerCount('data')).toBe(1);
    await emu.stop();
    expect(p.input.listenerCount('data')).toBe(0);
    expect(p.input.isPaused()).toBe(true);
    expect(emu.modem.dteConnected).toBe(false);
  });
});
