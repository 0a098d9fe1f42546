/**
 * --serial: the modem on a serial port through `serialport`. The USB adapter is the one
 * thing mocked (@serialport/binding-mock); the transport, serialport's stream and the
 * modem are real.
 */
import { MockBinding, type MockPortBinding } from '@serialport/binding-mock';
import type { OpenOptions } from '@serialport/bindings-interface';
import { startEmulator, type EmulatorHandle } from '../../src/emulator';
import { eventually } from './serialDte';

const DEVICE = '/dev/ttyUSB0';
let emu: EmulatorHandle | null = null;

/** MockBinding, remembering every port it opens (the far side's handle for the test). */
function adapter() {
  const opened: MockPortBinding[] = [];
  const binding = {
    list: () => MockBinding.list(),
    open: async (o: OpenOptions) => {
      const port = await MockBinding.open(o);
      opened.push(port);
      return port;
    },
  };
  const last = () => opened[opened.length - 1];
  return {
    binding,
    opened,
    last,
    /** What the emulator wrote to the port, as text. */
    written: () => last().recording.toString('latin1'),
    /** Bytes from the microcontroller. */
    send: (s: string) => last().emitData(Buffer.from(s, 'latin1')),
  };
}

beforeEach(() => {
  MockBinding.reset();
  MockBinding.createPort(DEVICE, { record: true });
});

afterEach(async () => {
  await emu?.stop();
  emu = null;
});

describe('--serial', () => {
  it('opens the device 8N1 at the baud rate and passes bytes both ways unchanged', async () => {
    const a = adapter();
    emu = await startEmulator({ serial: { path: DEVICE, baudRate: 115200, binding: a.binding }, brokerPort: 0 });
    expect(emu.readyLine).toMatch(/^sim800-emu ready serial=\/dev\/ttyUSB0@115200 broker=/);
    expect(emu.endpoints.tcp).toBeUndefined();
    expect(a.last().openOptions).toMatchObject({ path: DEVICE, baudRate: 115200, dataBits: 8, stopBits: 1, parity: 'none', rtscts: false });
    a.send('AT\r');
    await eventually(() => a.written().endsWith('OK\r\n'), 2000, 'OK');
    expect(a.written()).toBe('AT\r\r\nOK\r\n');
    a.send('AT+CG');
    a.send('MI\r');
    await eventually(() => a.written().endsWith('SIMCOM_Ltd\r\n\r\nOK\r\n'), 2000, 'CGMI');
    expect(a.written()).toBe('AT\r\r\nOK\r\nAT+CGMI\r\r\nSIMCOM_Ltd\r\n\r\nOK\r\n');
  });

  it('passes parity and RTS/CTS to the port', async () => {
    const a = adapter();
    emu = await startEmulator({ serial: { path: DEVICE, baudRate: 9600, parity: 'even', rtscts: true, binding: a.binding }, brokerPort: 0 });
    expect(a.last().openOptions).toMatchObject({ baudRate: 9600, parity: 'even', rtscts: true });
    expect(emu.modem.uart.rate).toBe(9600); // autobaud met the port's rate
  });

  it('follows AT+IPR: the OK goes out at the old rate, then the port switches', async () => {
    const a = adapter();
    emu = await startEmulator({ serial: { path: DEVICE, baudRate: 115200, binding: a.binding }, brokerPort: 0 });
    const port = a.last();
    const switches: { baudRate: number; writtenBefore: string }[] = [];
    const update = port.update.bind(port);
    port.update = async (o) => {
      switches.push({ baudRate: o.baudRate, writtenBefore: a.written() });
      return update(o);
    };
    a.send('ATE0\r');
    await eventually(() => a.written().endsWith('OK\r\n'), 2000, 'ATE0');
    a.send('AT+IPR=9600\r');
    await eventually(() => switches.length === 1, 2000, 'the port to switch');
    expect(switches[0]).toEqual({ baudRate: 9600, writtenBefore: 'ATE0\r\r\nOK\r\n\r\nOK\r\n' });
    expect((await port.getBaudRate()).baudRate).toBe(9600);
    expect(emu.modem.uart.rate).toBe(9600);
  });

  it('an unplugged adapter is opened again once it is back; the modem keeps its state', async () => {
    const a = adapter();
    emu = await startEmulator({ serial: { path: DEVICE, baudRate: 115200, binding: a.binding }, brokerPort: 0 });
    a.send('ATE0\r');
    await eventually(() => a.written().endsWith('OK\r\n'), 2000, 'ATE0');
    // The kernel fails the pending read: serialport reports a disconnection.
    const first = a.last() as unknown as { pendingRead: ((err?: Error) => void) | null };
    await eventually(() => first.pendingRead !== null, 2000, 'a pending read');
    first.pendingRead!(new Error('device reports readiness to read but returned no data (unplugged)'));
    await eventually(() => !emu!.modem.dteConnected, 2000, 'the modem to lose its DTE');
    await eventually(() => a.opened.length === 2, 3000, 'the port to be opened again');
    a.send('AT\r');
    await eventually(() => a.written().endsWith('OK\r\n'), 2000, 'OK after the reopen');
    expect(a.written()).toBe('\r\nOK\r\n');
  });

  it('a device that cannot be opened: startEmulator rejects with a line naming it', async () => {
    const a = adapter();
    await expect(startEmulator({ serial: { path: '/dev/ttyUSB9', binding: a.binding }, brokerPort: 0 })).rejects.toThrow(
      /^--serial \/dev\/ttyUSB9: Port does not exist - please call MockBinding.createPort\('\/dev\/ttyUSB9'\) first$/,
    );
  });

  it('is the one wire: not with TCP', async () => {
    await expect(startEmulator({ serial: { path: DEVICE, binding: adapter().binding }, tcp: { port: 0 }, brokerPort: 0 })).rejects.toThrow(
      'tcp and serial cannot both attach to one modem: it has one wire',
    );
  });
});
