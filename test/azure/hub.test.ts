/**
 * The hub stand-in from the broker side, with plain mqtt.js clients carrying tokens that
 * Microsoft's azure-iot-common made: CONNACK codes for each refusal, topic rules (a
 * foreign publish or QoS 2 closes the connection, a foreign subscription gets 0x80),
 * device-to-cloud events and cloud-to-device messages with the hub's property bag.
 */
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { checkAzureHubOptions, parseDeviceList, parseHubUserName, type D2CMessage } from '../../src/broker/azureHub';
import { startEmulator, type EmulatorHandle } from '../../src/emulator';
import { DEVICE, HOST, HUB, KEY, microsoftToken, OTHER_KEY } from './helpers';

let emu: EmulatorHandle;
const clients: MqttClient[] = [];
beforeAll(async () => {
  emu = await startEmulator({ tcp: false, brokerPort: 0, brokerTlsPort: false, azureHub: HUB });
});
afterAll(async () => emu.stop());
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  emu.azureHub!.removeAllListeners();
});

const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;
const user = (id: string, host = HOST) => `${host}/${id}/?api-version=2018-06-30`;

/** Connects like a device; resolves with the client or rejects with mqtt.js' CONNACK error (code = return code). */
async function connectDevice(id: string, opts: IClientOptions = {}): Promise<MqttClient> {
  const c = await connectAsync(emu.endpoints.broker!, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    clientId: id,
    username: user(id),
    password: microsoftToken(HOST, id, id === DEVICE ? KEY : OTHER_KEY, inAnHour()),
    ...opts,
  });
  c.on('error', () => undefined);
  clients.push(c);
  return c;
}

const connackCode = (p: Promise<unknown>) => p.then(() => 0, (err: { code?: number }) => err.code);
const closed = (c: MqttClient) => new Promise<void>((r) => (c.disconnected ? r() : c.once('close', () => r())));

describe('CONNECT', () => {
  it("accepts a device with azure-iot-common's token, any api-version and extra query parameters", async () => {
    await expect(connectDevice(DEVICE)).resolves.toBeDefined();
    await expect(connectDevice('other', { username: `${HOST}/other/?api-version=2021-04-12&DeviceClientType=c%2F1` })).resolves.toBeDefined();
  });

  it.each([
    ['unknown device → 5', 'ghost', { password: microsoftToken(HOST, 'ghost', KEY, inAnHour()) }, 5],
    ['signed with another key → 5', DEVICE, { password: microsoftToken(HOST, DEVICE, OTHER_KEY, inAnHour()) }, 5],
    ['expired a second ago → 5', DEVICE, { password: microsoftToken(HOST, DEVICE, KEY, Math.floor(Date.now() / 1000) - 1) }, 5],
    ["another device's token → 5", DEVICE, { password: microsoftToken(HOST, 'other', KEY, inAnHour()) }, 5],
    ['a token for another hub than the user name → 5', DEVICE, { password: microsoftToken('x.azure-devices.net', DEVICE, KEY, inAnHour()) }, 5],
    ['no password → 4', DEVICE, { password: undefined }, 4],
    ['no user name → 4', DEVICE, { username: undefined, password: undefined }, 4],
    ['a user name without api-version → 4', DEVICE, { username: `${HOST}/${DEVICE}/` }, 4],
    ['a user name for another device → 4', DEVICE, { username: user('other') }, 4],
    ['a client id that is no device id → 2', 'not a device', {}, 2],
  ])('refuses %s', async (_what, id, opts, code) => {
    const refused: (number | null)[] = [];
    emu.azureHub!.on('refused', (r) => refused.push(r.returnCode));
    expect(await connackCode(connectDevice(id, opts))).toBe(code);
    expect(refused).toEqual([code]);
  });
});

describe('topics', () => {
  it('device-to-cloud: events (and a property bag) reach the service side; RETAIN becomes a property', async () => {
    const seen: D2CMessage[] = [];
    emu.azureHub!.on('message', (m) => seen.push(m));
    const c = await connectDevice(DEVICE);
    await c.publishAsync(`devices/${DEVICE}/messages/events/`, 'hello world', { qos: 1 });
    await c.publishAsync(`devices/${DEVICE}/messages/events/k1=v%201&%24.ct=application%2Fjson`, '{}', { qos: 0, retain: true });
    await c.publishAsync(`devices/${DEVICE}/messages/events/`, 'last', { qos: 1 });
    expect(seen.map((m) => [m.deviceId, m.payload.toString(), m.properties])).toEqual([
      [DEVICE, 'hello world', {}],
      [DEVICE, '{}', { k1: 'v 1', '$.ct': 'application/json', 'mqtt-retain': 'true' }],
      [DEVICE, 'last', {}],
    ]);
  });

  it.each([
    ["another device's events", `devices/other/messages/events/`, 1],
    ['its own devicebound topic', `devices/${DEVICE}/messages/devicebound/x`, 1],
    ['any other topic', 'Topic1', 0],
    ['QoS 2 on its own events', `devices/${DEVICE}/messages/events/`, 2],
  ])('publishing to %s: the hub closes the connection', async (_what, topic, qos) => {
    const violations: string[] = [];
    emu.azureHub!.on('violation', (v) => violations.push(v.deviceId));
    const c = await connectDevice(DEVICE);
    c.publish(topic, 'x', { qos: qos as 0 | 1 | 2 });
    await closed(c);
    expect(violations).toEqual([DEVICE]);
  });

  it('subscriptions: its own devicebound/# only; anything else 0x80', async () => {
    const c = await connectDevice(DEVICE);
    // The SUBACK as it came (mqtt.js turns any 0x80 into an error for the whole call).
    const suback = new Promise<unknown>((r) => c.on('packetreceive', (p) => p.cmd === 'suback' && r(p.granted)));
    c.subscribe({
      [`devices/${DEVICE}/messages/devicebound/#`]: { qos: 1 },
      'devices/other/messages/devicebound/#': { qos: 1 },
      [`devices/${DEVICE}/messages/events/`]: { qos: 1 },
      '#': { qos: 0 },
    }, () => undefined);
    expect(await suback).toEqual([1, 128, 128, 128]);
  });
});

describe('cloud-to-device', () => {
  it('QoS 1 on devicebound with %24.mid, %24.to and the application properties, URL-encoded', async () => {
    const c = await connectDevice(DEVICE);
    await c.subscribeAsync(`devices/${DEVICE}/messages/devicebound/#`, { qos: 1 });
    const got = new Promise<{ topic: string; payload: string; qos: number }>((r) => c.once('message', (topic, payload, p) => r({ topic, payload: payload.toString(), qos: p.qos })));
    const sent = await emu.azureHub!.sendC2D(DEVICE, '123213', { messageId: '17a3c1ba-9aed-437a-9923-4426ba711167', properties: { 'a b': 'c/d' } });
    const topic = `devices/${DEVICE}/messages/devicebound/%24.mid=17a3c1ba-9aed-437a-9923-4426ba711167&%24.to=%2Fdevices%2F${DEVICE}%2Fmessages%2Fdevicebound&a%20b=c%2Fd`;
    expect(sent).toEqual({ messageId: '17a3c1ba-9aed-437a-9923-4426ba711167', topic, delivered: true });
    expect(await got).toEqual({ topic, payload: '123213', qos: 1 });
  });

  it('a fresh GUID as message id by default; held until the device subscribes', async () => {
    const sent = await emu.azureHub!.sendC2D('other', 'early');
    expect(sent.delivered).toBe(false);
    expect(sent.messageId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const c = await connectDevice('other');
    const got = new Promise<string>((r) => c.once('message', (topic) => r(topic)));
    await c.subscribeAsync('devices/other/messages/devicebound/#', { qos: 1 });
    expect(await got).toBe(sent.topic);
  });

  it('another device never sees it', async () => {
    const mine = await connectDevice(DEVICE);
    await mine.subscribeAsync(`devices/${DEVICE}/messages/devicebound/#`, { qos: 1 });
    const other = await connectDevice('other');
    await other.subscribeAsync('devices/other/messages/devicebound/#', { qos: 1 });
    const leaked: string[] = [];
    other.on('message', (t) => leaked.push(t));
    const got = new Promise<void>((r) => mine.once('message', () => r()));
    await emu.azureHub!.sendC2D(DEVICE, 'private');
    await got;
    expect(leaked).toEqual([]);
  });

  it('an unknown device is an error', async () => {
    await expect(emu.azureHub!.sendC2D('ghost', 'x')).rejects.toThrow('azure hub: unknown device "ghost"');
  });
});

describe('options', () => {
  it('device lists and checks', () => {
    expect(parseDeviceList(`a:${KEY},b:c:${OTHER_KEY}`)).toEqual([{ id: 'a', key: KEY }, { id: 'b:c', key: OTHER_KEY }]);
    expect(() => parseDeviceList('nokey')).toThrow('azure hub: "nokey" is not id:key');
    expect(() => checkAzureHubOptions({ devices: [] })).toThrow('azure hub: no devices');
    expect(() => checkAzureHubOptions({ devices: [{ id: 'a b', key: KEY }] })).toThrow('is not a device id');
    expect(() => checkAzureHubOptions({ devices: [{ id: 'a', key: 'xyz' }] })).toThrow('the key of device "a" is not base64');
    expect(() => checkAzureHubOptions({ devices: [{ id: 'a', key: KEY }, { id: 'a', key: KEY }] })).toThrow('device "a" given twice');
    expect(() => checkAzureHubOptions({ devices: [{ id: 'a', key: KEY }], hostName: '1.2.3.4' })).toThrow('is not a domain name');
  });

  it('user names', () => {
    expect(parseHubUserName(`${HOST}/${DEVICE}/?api-version=2018-06-30&x=1`)).toEqual({ host: HOST, deviceId: DEVICE, apiVersion: '2018-06-30' });
    for (const bad of [`${HOST}/${DEVICE}/api-version=2016-11-14`, `${HOST}/${DEVICE}/?x=1`, `/${DEVICE}/?api-version=1`, `${HOST}/?api-version=1`]) expect(parseHubUserName(bad)).toBeNull();
  });

  it('the hub needs the embedded broker', async () => {
    await expect(startEmulator({ tcp: false, broker: 'direct', azureHub: HUB })).rejects.toThrow('--azure-hub needs --broker embedded');
  });
});
