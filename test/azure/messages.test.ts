/**
 * Messages between the emulated device and the hub stand-in, as firmware sees them on
 * the AT side: C2D arriving as +SMPUBLISH (topic cut at 128, as in the note's capture),
 * D2C reaching the hub's service side, and the hub's rules (a foreign subscription ends
 * in status 2; a foreign publish makes the hub close the link: status 2, +SMSTATE: 0).
 */
import type { D2CMessage } from '../../src/broker/azureHub';
import type { Device } from '../helpers/mqtt';
import { DEVICE, hubDevice, SAZURECONF } from './helpers';
import { sleep } from '../helpers/wait';

let d: Device;
beforeEach(async () => {
  d = await hubDevice();
  await d.dte.ok(SAZURECONF);
  await d.dte.ok('AT+SMCONN');
  await d.dte.ok('AT+CMEE=0');
});
afterEach(async () => d.stop());

/** Sends a line and resolves with the bytes it produced once `until` arrived after it. */
async function exchange(line: string, until: string): Promise<string> {
  const from = d.mark();
  d.dte.write(`${line}\r`);
  await d.dte.waitForRaw(until, 5000, from);
  await sleep(50); // nothing else may follow
  return d.since(from);
}

it('C2D: the note\'s message arrives as its +SMPUBLISH line, topic cut at 128 characters', async () => {
  const DEVICEBOUND = `devices/${DEVICE}/messages/devicebound/#`;
  expect(await exchange(`AT+SMSUB="${DEVICEBOUND}",1`, '+SMSUB: 1,0\r\n')).toBe(`AT+SMSUB="${DEVICEBOUND}",1\r\r\nOK\r\n\r\n+SMSUB: 1,0\r\n`);
  const from = d.mark();
  await d.emu.azureHub!.sendC2D(DEVICE, '123213', { messageId: '17a3c1ba-9aed-437a-9923-4426ba711167', packetId: 3 });
  await d.dte.waitFor('+SMPUBLISH:');
  expect(d.since(from)).toBe(
    '\r\n+SMPUBLISH: 3,"devices/simcomdevice/messages/devicebound/%24.mid=17a3c1ba-9aed-437a-9923-4426ba711167&%24.to=%2Fdevices%2Fsimcomdevice%2Fmessag",6,"123213"\r\n',
  );
  // Without a packet id of its own the broker numbers its deliveries on from there.
  await d.emu.azureHub!.sendC2D(DEVICE, 'next', { messageId: 'm2' });
  expect(await d.dte.waitFor('+SMPUBLISH:')).toBe(`+SMPUBLISH: 4,"devices/${DEVICE}/messages/devicebound/%24.mid=m2&%24.to=%2Fdevices%2F${DEVICE}%2Fmessages%2Fdevicebound",4,"next"`);
});

it('D2C: SMPUB to its events topic, OK then +SMPUB: 1,0; the service side gets the message', async () => {
  const seen: D2CMessage[] = [];
  d.emu.azureHub!.on('message', (m) => seen.push(m));
  const topic = `devices/${DEVICE}/messages/events/`;
  expect(await exchange(`AT+SMPUB="${topic}",1,0,"hello world"`, '+SMPUB: 1,0\r\n')).toBe(`AT+SMPUB="${topic}",1,0,"hello world"\r\r\nOK\r\n\r\n+SMPUB: 1,0\r\n`);
  expect(seen.map((m) => [m.deviceId, m.topic, m.payload.toString('latin1'), m.properties])).toEqual([[DEVICE, topic, 'hello world', {}]]);
});

it("subscribing to another device's messages: OK, then +SMSUB: 1,2 (SUBACK 0x80); the session stays", async () => {
  expect(await exchange('AT+SMSUB="devices/other/messages/devicebound/#",1', '+SMSUB: 1,2\r\n')).toBe(
    'AT+SMSUB="devices/other/messages/devicebound/#",1\r\r\nOK\r\n\r\n+SMSUB: 1,2\r\n',
  );
  expect(await d.dte.ok('AT+SMSTATE?')).toEqual(['+SMSTATE: 1']);
});

it("publishing to another device's topic: the hub closes the link; +SMPUB: 1,2 then +SMSTATE: 0; AT still OK", async () => {
  const violations: string[] = [];
  d.emu.azureHub!.on('violation', (v) => violations.push(v.reason));
  expect(await exchange('AT+SMPUB="devices/other/messages/events/",1,0,"spoof"', '+SMSTATE: 0\r\n')).toBe(
    'AT+SMPUB="devices/other/messages/events/",1,0,"spoof"\r\r\nOK\r\n\r\n+SMPUB: 1,2\r\n\r\n+SMSTATE: 0\r\n',
  );
  expect(violations).toEqual([`topic devices/other/messages/events/ is not devices/${DEVICE}/messages/events/`]);
  expect(await exchange('AT', 'OK\r\n')).toBe('AT\r\r\nOK\r\n');
  // A fresh SMCONN signs a new token and gets back in.
  expect((await d.dte.send('AT+SMCONN')).final).toBe('OK');
});
