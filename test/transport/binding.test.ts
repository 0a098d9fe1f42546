/**
 * The in-process serialport binding: real `serialport` streams over emulated modems,
 * no pty, no socket.
 */
import { SerialPortStream } from '@serialport/stream';
import { SerialPort } from 'serialport';
import { startEmulator, type EmulatorHandle } from '../../src/emulator';
import { createModemBinding } from '../../src/index';
import { serialDte, type SerialDte } from './serialDte';
import { sleep } from '../helpers/wait';

let emus: EmulatorHandle[] = [];
let dtes: SerialDte<SerialPortStream>[] = [];

afterEach(async () => {
  for (const d of dtes.splice(0)) await d.close();
  for (const e of emus.splice(0)) await e.stop();
});

const emulator = async () => {
  const emu = await startEmulator({ tcp: false, brokerPort: 0 });
  emus.push(emu);
  return emu;
};

/** Opens a SerialPortStream with our binding and waits for 'open'. */
async function open(binding: ReturnType<typeof createModemBinding>, path = 'sim800://0', baudRate = 115200) {
  const port = new SerialPortStream({ binding, path, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  const dte = serialDte(port);
  dtes.push(dte);
  return dte;
}

describe('createModemBinding', () => {
  it('a SerialPortStream on sim800://0 talks to the modem byte for byte', async () => {
    const binding = createModemBinding(await emulator());
    const dte = await open(binding);
    expect(await dte.exchange('AT', 'OK\r\n')).toBe('AT\r\r\nOK\r\n');
    expect(await dte.exchange('AT+CGMI;+CGMM', 'OK\r\n')).toBe('AT+CGMI;+CGMM\r\r\nSIMCOM_Ltd\r\n\r\nSIMCOM_SIM800L\r\n\r\nOK\r\n');
  });

  it('serialport\'s own SerialPort class takes the binding too (the plain JavaScript form)', async () => {
    const binding = createModemBinding(await emulator());
    // SerialPort's types leave `binding` out, but the class passes it on.
    const port = new SerialPort({ binding, path: 'sim800://0', baudRate: 115200, autoOpen: false } as unknown as ConstructorParameters<typeof SerialPort>[0]);
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    const dte = serialDte(port);
    dtes.push(dte as unknown as SerialDte<SerialPortStream>);
    expect(await dte.exchange('ATI', 'OK\r\n')).toBe('ATI\r\r\nSIM800 R14.18\r\n\r\nOK\r\n');
  });

  it('close and reopen: the modem keeps its state; list() names every modem', async () => {
    const a = await emulator();
    const b = await emulator();
    const binding = createModemBinding([a, b.modem]);
    expect((await binding.list()).map((p) => p.path)).toEqual(['sim800://0', 'sim800://1']);
    let dte = await open(binding);
    await dte.exchange('ATE0', 'OK\r\n');
    await dte.close();
    dte = await open(binding);
    expect(await dte.exchange('AT', 'OK\r\n')).toBe('\r\nOK\r\n');
    const other = await open(binding, 'sim800://1');
    expect(await other.exchange('AT', 'OK\r\n')).toBe('AT\r\r\nOK\r\n'); // its own modem, echo on
  });

  it('refuses unknown paths and a modem that already has a DTE (one wire)', async () => {
    const emu = await emulator();
    const binding = createModemBinding(emu);
    await expect(binding.open({ path: 'sim800://7', baudRate: 115200 })).rejects.toThrow('no emulated modem at "sim800://7": the ports are sim800://0');
    const held = emu.openPort();
    await expect(binding.open({ path: 'sim800://0', baudRate: 115200 })).rejects.toThrow('sim800://0 is busy: a DTE is already attached to this modem (one wire)');
    held.destroy();
    const port = await binding.open({ path: 'sim800://0', baudRate: 115200 });
    expect(() => emu.openPort()).toThrow('a DTE is already attached to this modem');
    await port.close();
  });

  it('binding semantics: a read waits for bytes; close() cancels it; a closed port refuses calls', async () => {
    const emu = await emulator();
    const port = await createModemBinding(emu).open({ path: 'sim800://0', baudRate: 9600 });
    expect(port.openOptions).toMatchObject({ baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 });
    expect(emu.modem.uart.rate).toBe(9600); // autobaud met the DTE's rate
    const buf = Buffer.alloc(64);
    const readText = async (length: number) => {
      const r = await port.read(buf, 0, length);
      return buf.subarray(0, r.bytesRead).toString('latin1');
    };
    const reading = readText(64); // nothing to read yet: waits
    await port.write(Buffer.from('AT\r'));
    let text = await reading;
    while (!text.endsWith('OK\r\n')) text += await readText(64);
    expect(text).toBe('AT\r\r\nOK\r\n');
    await port.write(Buffer.from('AT\r'));
    await sleep(20);
    expect(await readText(4)).toBe('AT\r\r'); // at most `length` bytes; the rest waits
    expect(await readText(64)).toBe('\nOK\r\n');
    await port.update({ baudRate: 57600 });
    expect(await port.getBaudRate()).toEqual({ baudRate: 57600 });
    expect(await port.get()).toEqual({ cts: true, dsr: true, dcd: false });
    await port.set({ dtr: true, rts: true });
    await port.write(Buffer.from('ATI\r'));
    await sleep(20);
    await port.flush(); // discards the unread answer
    const pending = port.read(buf, 0, 64);
    await port.close();
    await expect(pending).rejects.toMatchObject({ canceled: true });
    await expect(port.read(buf, 0, 64)).rejects.toThrow('Port is not open');
    await expect(port.write(Buffer.from('AT\r'))).rejects.toThrow('Port is not open');
    expect(emu.modem.dteConnected).toBe(false);
  });
});
