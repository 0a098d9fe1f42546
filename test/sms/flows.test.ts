/**
 * Firmware-style flows end to end over the real wires (a TCP socket, a pty opened with
 * serialport), the network driven over the control API's HTTP: an alarm SMS out; an SMS
 * command in → +CMTI → AT+CMGR → AT+CMGD; a call rings → +CLIP → ATH; a USSD balance.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator, type EmulatorHandle } from '../../src/emulator';
import { ByteLog, openSerial, type SerialDte } from '../transport/serialDte';
import { FROM, SCTS, TIME } from './helpers';

let emu: EmulatorHandle | undefined;
let closeWire: (() => Promise<void>) | undefined;
let dir: string | undefined;
afterEach(async () => {
  await closeWire?.();
  await emu?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  emu = closeWire = dir = undefined;
});

interface Wire {
  log: ByteLog;
  send(data: string): void;
}

async function api(method: string, route: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(emu!.controlUrl + route, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

/** Sends a line and waits for the log to end with `until`; returns what came after the line. */
async function line(w: Wire, text: string, until: string): Promise<string> {
  const from = w.log.bytes.length;
  w.send(text + '\r');
  await w.log.until(until, 5000, from);
  return w.log.bytes.subarray(from).toString('latin1');
}

async function firmware(w: Wire): Promise<void> {
  await line(w, 'AT', 'OK\r\n');
  await line(w, 'ATE0', 'OK\r\n');
  expect(await line(w, 'AT+CMGF=1;+CLIP=1', 'OK\r\n')).toBe('\r\nOK\r\n');

  // Alarm out.
  expect(await line(w, `AT+CMGS="${FROM}"`, '> ')).toBe('\r\n> ');
  let from = w.log.bytes.length;
  w.send('ALARM zone 2\x1a');
  await w.log.until('OK\r\n', 5000, from);
  expect(w.log.bytes.subarray(from).toString('latin1')).toBe('\r\n+CMGS: 1\r\n\r\nOK\r\n');
  expect((await api('GET', '/sms')).json.messages[0]).toMatchObject({ to: FROM, text: 'ALARM zone 2' });

  // A command in.
  from = w.log.bytes.length;
  expect((await api('POST', '/sms', { from: FROM, text: 'STATUS', time: TIME })).status).toBe(201);
  await w.log.until('+CMTI: "SM",1\r\n', 5000, from);
  expect(await line(w, 'AT+CMGR=1', 'OK\r\n')).toBe(`\r\n+CMGR: "REC UNREAD","${FROM}","","${SCTS}"\r\nSTATUS\r\n\r\nOK\r\n`);
  expect(await line(w, 'AT+CMGD=1', 'OK\r\n')).toBe('\r\nOK\r\n');

  // A ring, rejected.
  from = w.log.bytes.length;
  await api('POST', '/call', { from: FROM });
  await w.log.until(`+CLIP: "${FROM}",145,"",0,"",0\r\n`, 5000, from);
  expect(w.log.bytes.subarray(from).toString('latin1')).toBe(`\r\nRING\r\n\r\n+CLIP: "${FROM}",145,"",0,"",0\r\n`);
  expect(await line(w, 'ATH', 'OK\r\n')).toBe('\r\nOK\r\n');
  expect((await api('GET', '/calls')).json.calls[0]).toMatchObject({ endedBy: 'device' });

  // The balance.
  await api('POST', '/ussd', { code: '*100#', reply: 'Balance: 12.34' });
  expect(await line(w, 'AT+CUSD=1,"*100#"', '",15\r\n')).toBe('\r\nOK\r\n\r\n+CUSD: 0,"Balance: 12.34",15\r\n');
}

it('over TCP', async () => {
  emu = await startEmulator({ tcp: { host: '127.0.0.1', port: 0 }, brokerPort: 0, control: { port: 0 } });
  const sock = net.connect(emu.endpoints.tcp!.port, '127.0.0.1');
  await new Promise<void>((r) => sock.once('connect', () => r()));
  closeWire = () => new Promise<void>((r) => sock.end(() => r()));
  await firmware({ log: new ByteLog(sock), send: (d) => sock.write(Buffer.from(d, 'latin1')) });
});

it('over a pty', async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim800-sms-pty-'));
  const link = path.join(dir, 'ttySIM800');
  emu = await startEmulator({ pty: link, brokerPort: 0, control: { port: 0 } });
  const port: SerialDte = await openSerial(link);
  closeWire = () => port.close();
  await firmware({ log: port.log, send: (d) => void port.send(d) });
});
