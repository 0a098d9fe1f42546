/**
 * --reset-on-connect on a pty: a program opening the device is a new DTE connection, and
 * the module restarts as it does for a new TCP connection. Without the flag the modem's
 * state outlives a reopen (firmware reruns against a module that kept running).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator, type EmulatorHandle } from '../../src/emulator';
import { killAllClis, startCli } from '../helpers/cli';
import { openRaw, openSerial, type SerialDte } from './serialDte';

let dir: string;
let emu: EmulatorHandle | null = null;
let dte: SerialDte | null = null;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim800-ptyreset-'));
});

afterEach(async () => {
  await dte?.close();
  dte = null;
  await emu?.stop();
  emu = null;
  await killAllClis();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Opens the device, echo off and CMEE 2, closes it. */
async function configureAndClose(link: string): Promise<void> {
  dte = await openSerial(link);
  expect(await dte.exchange('AT', 'OK\r\n')).toBe('AT\r\r\nOK\r\n');
  expect(await dte.exchange('ATE0;+CMEE=2', 'OK\r\n')).toBe('ATE0;+CMEE=2\r\r\nOK\r\n');
  await dte.close();
  dte = null;
}

describe('--pty with --reset-on-connect', () => {
  it('every reopen restarts the module: echo and CMEE are the factory ones again, 5 times over', async () => {
    const link = path.join(dir, 'ttySIM800');
    emu = await startEmulator({ pty: link, broker: 'direct', resetOnConnect: true });
    let resets = 0;
    emu.modem.on('reset', () => resets++);
    for (let i = 0; i < 5; i++) {
      await configureAndClose(link);
      dte = await openSerial(link);
      // A fresh module: autobaud syncs on this AT, echo is on, CMEE is 0.
      expect(await dte.exchange('AT', 'OK\r\n')).toBe('AT\r\r\nOK\r\n');
      expect(await dte.exchange('AT+CMEE?', 'OK\r\n')).toBe('AT+CMEE?\r\r\n+CMEE: 0\r\n\r\nOK\r\n');
      await dte.close();
      dte = null;
    }
    expect(resets).toBe(10);
  });

  it('bytes written right after the open reach the restarted module, not the old one', async () => {
    const link = path.join(dir, 'ttySIM800');
    emu = await startEmulator({ pty: link, broker: 'direct', resetOnConnect: true });
    await configureAndClose(link);
    for (let i = 0; i < 20; i++) {
      const raw = openRaw(link);
      raw.write('AT\r'); // no pause between open(2) and write(2)
      try {
        expect(await raw.log.until('OK\r\n', 5000)).toBe('AT\r\r\nOK\r\n');
        raw.write('ATE0\r');
        await raw.log.until('ATE0\r\r\nOK\r\n', 5000);
      } finally {
        raw.close();
      }
    }
  });

  it('a second program opening the device while one has it open is not a new connection', async () => {
    const link = path.join(dir, 'ttySIM800');
    emu = await startEmulator({ pty: link, broker: 'direct', resetOnConnect: true });
    let resets = 0;
    emu.modem.on('reset', () => resets++);
    dte = await openSerial(link);
    await dte.exchange('ATE0', 'OK\r\n');
    const before = resets;
    const peek = fs.openSync(link, fs.constants.O_RDONLY | fs.constants.O_NOCTTY | fs.constants.O_NONBLOCK);
    fs.closeSync(peek);
    expect(await dte.exchange('AT', 'OK\r\n')).toBe('\r\nOK\r\n'); // still echo off
    expect(resets).toBe(before);
  });

  it('without the flag a reopen keeps the module as it was', async () => {
    const link = path.join(dir, 'ttySIM800');
    emu = await startEmulator({ pty: link, broker: 'direct' });
    await configureAndClose(link);
    dte = await openSerial(link);
    expect(await dte.exchange('AT+CMEE?', 'OK\r\n')).toBe('\r\n+CMEE: 2\r\n\r\nOK\r\n');
  });

  it('the CLI takes --pty with --reset-on-connect', async () => {
    const link = path.join(dir, 'ttySIM800');
    await startCli(['--pty', link, '--reset-on-connect', '--broker', 'direct', '--log-level', 'warn']);
    await configureAndClose(link);
    dte = await openSerial(link);
    expect(await dte.exchange('AT+CMEE?', 'OK\r\n')).toBe('AT+CMEE?\r\r\n+CMEE: 0\r\n\r\nOK\r\n');
  });
});
