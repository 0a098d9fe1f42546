/**
 * The control API over real HTTP on loopback, against a device with a real broker:
 * state (secrets masked), faults in and out, cloud-to-device messages, what the firmware
 * published, the AT log (redacted), power; a token when asked for; bad input → 400.
 */
import { startEmulator, type EmulatorHandle } from '../../src/emulator';
import { isLoopback } from '../../src/control';
import type { DteClient } from '../../src/client/dteClient';
import { online } from '../helpers/mqtt';
import { until } from '../helpers/wait';

let emu: EmulatorHandle;
let dte: DteClient;
afterEach(async () => {
  await dte?.close();
  await emu?.stop();
});

async function start(control: { host?: string; port?: number; token?: string } = {}, modem = {}): Promise<void> {
  emu = await startEmulator({ tcp: false, brokerPort: 0, control: { port: 0, ...control }, modem });
  dte = emu.connect();
  await dte.ok('AT');
  await dte.ok('ATE0');
}

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(emu.controlUrl + path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

describe('the control API', () => {
  it('the ready line names it; GET / lists the routes', async () => {
    await start();
    expect(emu.readyLine).toMatch(/ control=http:\/\/127\.0\.0\.1:\d+$/);
    const r = await call('GET', '/');
    expect(r.status).toBe(200);
    const modem = ['GET /state', 'GET /faults', 'POST /faults', 'DELETE /faults', 'DELETE /faults/:name', 'POST /c2d', 'POST /azure/c2d', 'GET /published', 'GET /log', 'POST /sms', 'GET /sms', 'POST /call', 'GET /calls', 'POST /calls/:name', 'POST /ussd', 'GET /ussd', 'GET /http', 'POST /power', 'GET /timeline', 'GET /messages', 'POST /dte', 'GET /events'];
    expect(r.json.routes).toEqual(['GET /', ...modem, 'GET /modems', 'GET /modems/events', 'GET /modems/<i>', 'GET /ui/', ...modem.map((k) => k.replace(' /', ' /modems/<i>/'))]);
  });

  it('GET /state: power, SIM, registration, signal, bearers, the MQTT session and its subscriptions; secrets masked', async () => {
    await start();
    await dte.ok('AT+SAPBR=3,1,"PWD","s3cret"');
    await online(dte, ['AT+SMCONF="CLEANSS",1', 'AT+SMCONF="CLIENTID","dev-1"', 'AT+SMCONF="USERNAME","u"', 'AT+SMCONF="PASSWORD","hunter2"']);
    await dte.ok('AT+SMSUB="cmd/#",1');
    await dte.waitFor('+SMSUB: 1,0');
    const { status, json } = await call('GET', '/state');
    expect(status).toBe(200);
    expect(json.power).toEqual({ on: true, frozen: false, cfun: 1, synced: true });
    expect(json.sim).toBe('READY');
    expect(json.registration).toEqual({ stat: 1, registered: true, attached: true });
    expect(json.signal).toEqual({ rssi: 18, ber: 0 });
    expect(json.bearers[0]).toEqual({ cid: 1, status: 1, ip: '10.89.193.1', apn: 'CMNET', contype: 'GPRS', user: '', pwd: '***' });
    expect(json.mqtt).toMatchObject({ state: 1, phase: 'online', url: '117.131.85.139:6000', clientId: 'dev-1', username: 'u', password: '***', subscriptions: [{ topic: 'cmd/#', qos: 1 }], inFlight: [] });
    expect(json.settings.echo).toBe(false);
    expect(json.files).toEqual([]);
    expect(JSON.stringify(json)).not.toMatch(/hunter2|s3cret/);
    expect(emu.control.state().mqtt.subscriptions).toEqual([{ topic: 'cmd/#', qos: 1 }]); // the library handle, same data
  });

  it('faults: POST injects (the DTE sees the URCs), GET lists, DELETE clears; a duration is reported', async () => {
    await start();
    await dte.ok('AT+CREG=1');
    const from = dte.received.length;
    let r = await call('POST', '/faults', { name: 'registrationLost', duration: '1h' });
    expect(r.status).toBe(201);
    expect(r.json.active).toMatchObject({ name: 'registrationLost', params: {}, until: r.json.active.since + 3_600_000 });
    await dte.waitForRaw('+CREG: 2\r\n', 2000, from);
    r = await call('POST', '/faults', { name: 'signal', params: { rssi: 7 } });
    expect((await call('GET', '/faults')).json.active.map((f: { name: string }) => f.name)).toEqual(['registrationLost', 'signal']);
    expect((await call('GET', '/faults')).json.catalog).toHaveLength(18);
    expect((await call('DELETE', '/faults/registrationLost')).json).toEqual({ cleared: 'registrationLost' });
    await dte.waitForRaw('+CREG: 1\r\n', 2000, from);
    expect(await dte.ok('AT+CSQ')).toEqual(['+CSQ: 7,0']);
    expect((await call('DELETE', '/faults/registrationLost')).status).toBe(404);
    expect((await call('DELETE', '/faults')).json).toEqual({ active: [] });
    expect(await dte.ok('AT+CSQ')).toEqual(['+CSQ: 18,0']);
    r = await call('POST', '/faults', { name: 'reboot' });
    expect(r).toEqual({ status: 201, json: { active: null } });
  });

  describe('bad input', () => {
    beforeEach(() => start());
    it.each([
      ['POST', '/faults', { name: 'bogus' }, 400, /^unknown fault "bogus"/],
      ['POST', '/faults', { name: 'signal', params: { rssi: 32 } }, 400, /^signal: "rssi" must be an integer from 0 to 31 or 99$/],
      ['POST', '/faults', { name: 'freeze', duration: 'soon' }, 400, /is not a duration/],
      ['POST', '/faults', { name: 'freeze', extra: 1 }, 400, /^unknown field "extra"/],
      ['POST', '/faults', '{"name":', 400, /^invalid JSON/],
      ['POST', '/faults', [1, 2], 400, /^expected a JSON object/],
      ['POST', '/c2d', { topic: 'a/#', payload: 'x' }, 400, /without wildcards/],
      ['POST', '/c2d', { topic: 'a', payload: 1 }, 400, /"payload" must be a string/],
      ['POST', '/c2d', { topic: 'a', payload: 'x', qos: 2 }, 400, /no QoS 2/],
      ['POST', '/power', { action: 'explode' }, 400, /"action" must be one of on, off, reboot/],
      ['GET', '/log?since=abc', undefined, 400, /query "since" must be a whole number/],
      ['GET', '/published?source=me', undefined, 400, /source/],
      ['GET', '/nowhere', undefined, 404, /no route \/nowhere/],
      ['PUT', '/state', undefined, 405, /PUT not allowed on \/state/],
    ])('%s %s %j → %i', async (method, path, body, status, error) => {
      const r = await call(method, path, body);
      expect(r.status).toBe(status);
      expect(r.json.error).toMatch(error);
      expect((await call('GET', '/state')).status).toBe(200); // still serving
    });
  });

  it('a body over 64 KiB → 413', async () => {
    await start();
    const r = await call('POST', '/c2d', { topic: 't', payload: 'x'.repeat(70_000) });
    expect(r.status).toBe(413);
  });

  it('POST /c2d reaches the device as +SMPUBLISH; GET /published tells the cloud\'s messages from the firmware\'s', async () => {
    await start();
    await online(dte);
    await dte.ok('AT+SMSUB="down/t",1');
    await dte.waitFor('+SMSUB:');
    expect((await call('POST', '/c2d', { topic: 'down/t', payload: 'hi "there"' })).status).toBe(202);
    expect(await dte.waitFor('+SMPUBLISH:')).toBe('+SMPUBLISH: 1,"down/t",10,"hi "there""');
    await dte.ok('AT+SMPUB="up/t",1,0,"reading=5"');
    await dte.waitFor('+SMPUB:');
    await until(() => emu.control.published({ topic: 'up/#' }).length > 0, 5000, 'the publish in the cloud view');
    const all = (await call('GET', '/published')).json.messages;
    expect(all.map((m: { topic: string; source: string; payload: string }) => [m.topic, m.source, m.payload])).toEqual([
      ['down/t', 'cloud', 'hi "there"'],
      ['up/t', 'device', 'reading=5'],
    ]);
    expect((await call('GET', '/published?topic=up/%2B&source=device')).json.messages).toHaveLength(1);
    expect((await call('GET', '/published?source=cloud')).json.messages).toHaveLength(1);
  });

  it('GET /log: commands with their finals and URCs, in order, the password redacted; since and limit page it', async () => {
    await start();
    await dte.ok('AT+SMCONF="PASSWORD","hunter2"');
    await dte.send('AT+SMCONN');
    emu.modem.urc('+TEST: 1');
    const { json } = await call('GET', '/log');
    const lines = json.entries.map((e: { dir: string; line: string; final?: string }) => `${e.dir} ${e.line}${e.final ? ` → ${e.final}` : ''}`);
    expect(lines).toEqual(['cmd AT → OK', 'cmd ATE0 → OK', 'cmd AT+SMCONF="PASSWORD",*** → OK', 'cmd AT+SMCONN → ERROR', 'urc +TEST: 1']);
    expect(JSON.stringify(json)).not.toContain('hunter2');
    const seq = json.entries[2].seq;
    expect((await call('GET', `/log?since=${seq}`)).json.entries).toHaveLength(2);
    expect((await call('GET', '/log?limit=1')).json.entries.map((e: { line: string }) => e.line)).toEqual(['+TEST: 1']);
  });

  it('POST /power: off says NORMAL POWER DOWN; on boots again; reboot restarts', async () => {
    await start({}, { ipr: 115200 });
    const from = dte.received.length;
    expect((await call('POST', '/power', { action: 'off' })).json.power).toMatchObject({ on: false });
    await dte.waitForRaw('\r\nNORMAL POWER DOWN\r\n', 2000, from);
    expect((await call('POST', '/power', { action: 'on' })).json.power).toMatchObject({ on: true });
    await dte.waitForRaw('SMS Ready\r\n', 2000, from);
    const at = dte.received.length;
    await call('POST', '/power', { action: 'reboot' });
    await dte.waitForRaw('\r\nRDY\r\n', 2000, at);
  });
});

describe('access', () => {
  it('with a token, every request needs Authorization: Bearer <token>', async () => {
    await start({ token: 't0ken-t0ken-t0ken' });
    expect((await call('GET', '/state')).status).toBe(401);
    expect((await call('GET', '/state', undefined, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await call('GET', '/state', undefined, { authorization: 'Bearer t0ken-t0ken-t0ken' })).status).toBe(200);
  });

  it('a non-loopback address without a token is refused before anything listens', async () => {
    await expect(startEmulator({ tcp: false, brokerPort: 0, control: { host: '0.0.0.0', port: 0 } })).rejects.toThrow(
      'control API on 0.0.0.0: a non-loopback address needs a token (--control-token)',
    );
  });

  it('isLoopback', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '10.0.0.1', '::', 'example.com'].some(isLoopback)).toBe(false);
  });
});
