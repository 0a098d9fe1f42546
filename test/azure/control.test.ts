/**
 * Cloud-to-device through the control API when the hub stand-in runs: the plain cloud
 * client is no device, so the hub would refuse it; POST /azure/c2d goes through the hub.
 */
import type { Device } from '../helpers/mqtt';
import { DEVICE, hubDevice, SAZURECONF } from './helpers';

let d: Device;
beforeEach(async () => {
  d = await hubDevice({ control: { port: 0 } });
  await d.dte.ok(SAZURECONF);
  await d.dte.ok('AT+SMCONN');
});
afterEach(async () => d.stop());

const post = (path: string, body: unknown) =>
  fetch(`${d.emu.controlUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

it('POST /azure/c2d: the message reaches the subscribed device as +SMPUBLISH with the hub topic', async () => {
  await d.dte.ok(`AT+SMSUB="devices/${DEVICE}/messages/devicebound/#",1`);
  await d.dte.waitFor('+SMSUB: 1,0');
  const res = await post('/azure/c2d', { deviceId: DEVICE, payload: 'open valve', messageId: 'mid-1', properties: { k: 'v 1' } });
  expect(res.status).toBe(202);
  expect(await res.json()).toEqual({ messageId: 'mid-1', topic: `devices/${DEVICE}/messages/devicebound/%24.mid=mid-1&%24.to=%2Fdevices%2F${DEVICE}%2Fmessages%2Fdevicebound&k=v%201`, delivered: true });
  expect(await d.dte.waitFor('+SMPUBLISH:')).toBe(
    `+SMPUBLISH: 1,"devices/${DEVICE}/messages/devicebound/%24.mid=mid-1&%24.to=%2Fdevices%2F${DEVICE}%2Fmessages%2Fdevicebound&k=v%201",10,"open valve"`,
  );
});

it('POST /azure/c2d: bad bodies and unknown devices are 400s with the reason; the emulator goes on', async () => {
  const cases: [unknown, RegExp][] = [
    [{ payload: 'x' }, /"deviceId" must be a non-empty string/],
    [{ deviceId: DEVICE, payload: 1 }, /"payload" must be a string/],
    [{ deviceId: DEVICE, payload: 'x', properties: { a: 1 } }, /"properties" must be an object of string values/],
    [{ deviceId: DEVICE, payload: 'x', extra: true }, /unknown field "extra"/],
    [{ deviceId: 'nobody', payload: 'x' }, /unknown device "nobody"/],
  ];
  for (const [body, why] of cases) {
    const res = await post('/azure/c2d', body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(why);
  }
  expect(await d.dte.ok('AT')).toEqual([]);
});

it('GET /published: what the device sends to the hub is listed; POST /c2d says to use /azure/c2d', async () => {
  await d.dte.ok(`AT+SMPUB="devices/${DEVICE}/messages/events/",1,0,"t=21"`);
  await d.dte.waitFor('+SMPUB: 1,0');
  const res = await fetch(`${d.emu.controlUrl}/published`);
  const body = (await res.json()) as { messages: { topic: string; payload: string; source: string }[] };
  expect(body.messages.map(({ topic, payload, source }) => ({ topic, payload, source }))).toEqual([
    { topic: `devices/${DEVICE}/messages/events/`, payload: 't=21', source: 'device' },
  ]);
  const plain = await post('/c2d', { topic: `devices/${DEVICE}/messages/devicebound/x`, payload: 'x' });
  expect(plain.status).toBe(400);
  expect(((await plain.json()) as { error: string }).error).toMatch(/POST \/azure\/c2d/);
});
