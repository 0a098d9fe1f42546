/**
 * The live side of the control API (docs/ui.md): the event stream a page reads (hello,
 * state, backlog, then every AT exchange, timeline change and MQTT message as it
 * happens), the timeline and message routes, typing DTE lines (off unless asked for), the
 * page's files and the rules that keep other sites out (Origin, framing, the token).
 */
import * as http from 'node:http';
import { startEmulator, type EmulatorHandle } from '../../src/emulator';
import type { DteClient } from '../../src/client/dteClient';
import { EventReader } from '../helpers/events';
import { online } from '../helpers/mqtt';

let emu: EmulatorHandle | undefined;
let dte: DteClient | undefined;
let stream: EventReader | undefined;
afterEach(async () => {
  await stream?.close();
  await dte?.close();
  await emu?.stop();
  stream = dte = emu = undefined;
});

async function start(control: { token?: string; dte?: boolean } = {}): Promise<EmulatorHandle> {
  emu = await startEmulator({ tcp: false, brokerPort: 0, brokerTlsPort: false, control: { port: 0, ...control } });
  return emu;
}

function request(url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('GET /events: what the page reads', () => {
  it('hello, state and backlog first; then each AT exchange in wire order, the timeline and the MQTT messages as they happen', async () => {
    const e = await start();
    dte = e.connect();
    await dte.ok('AT');
    await dte.ok('ATE0');
    stream = await EventReader.open(`${e.controlUrl}/events`);
    expect(stream.status).toBe(200);
    await stream.waitFor((x) => x.event === 'backlog', 'the backlog');
    expect(stream.events.slice(0, 3).map((x) => x.event)).toEqual(['hello', 'state', 'backlog']);
    const hello = stream.of('hello')[0];
    expect(hello).toMatchObject({ modem: 0, modems: 1, label: 'in process', dteInput: false });
    expect(hello.catalog.map((f: { name: string }) => f.name)).toContain('bearerDrop');
    expect(stream.of('backlog')[0].at.map((x: { line: string }) => x.line)).toEqual(['AT', 'ATE0']);
    expect(stream.of('state')[0].state.power.on).toBe(true);

    await online(dte, ['AT+SMCONF="CLEANSS",1', 'AT+SMCONF="USERNAME","u"', 'AT+SMCONF="PASSWORD","hunter2"']);
    await dte.ok('AT+SMSUB="t/#",1');
    await dte.waitFor('+SMSUB: 1,0');
    await dte.ok('AT+SMPUB="t/a",1,0,"hi"');
    await dte.waitFor('+SMPUBLISH: 1,"t/a",2,"hi"');
    await stream.waitFor((x) => x.event === 'at' && x.data.line.startsWith('+SMPUBLISH'), 'the delivery URC');
    const lines = stream.of('at').map((x: { line: string }) => x.line);
    expect(lines).toEqual([
      'AT+SAPBR=3,1,"Contype","GPRS"',
      'AT+SAPBR=3,1,"APN","CMNET"',
      'AT+SAPBR=1,1',
      'AT+SMCONF="URL","117.131.85.139:6000"',
      'AT+SMCONF="CLEANSS",1',
      'AT+SMCONF="USERNAME","u"',
      'AT+SMCONF="PASSWORD",***',
      'AT+SMCONN',
      'AT+SMSUB="t/#",1',
      '+SMSUB: 1,0',
      'AT+SMPUB="t/a",1,0,"hi"',
      expect.stringMatching(/^\+SMPUB: 2,0$/),
      '+SMPUBLISH: 1,"t/a",2,"hi"',
    ]);
    const seqs = stream.of('at').map((x: { seq: number }) => x.seq);
    expect(seqs).toEqual(seqs.map((_: number, i: number) => seqs[0] + i)); // the AT log's own numbers, none missing
    expect(stream.of('at')[2]).toMatchObject({ dir: 'cmd', final: 'OK', ms: expect.any(Number), t: expect.any(Number) });
    await stream.waitFor((x) => x.event === 'message' && x.data.dir === 'in', 'the delivered message');
    expect(stream.of('message').map((m: { dir: string; topic: string; payload: string }) => [m.dir, m.topic, m.payload])).toEqual([
      ['out', 't/a', 'hi'],
      ['in', 't/a', 'hi'],
    ]);
    const timeline = stream.of('timeline').map((x: { lane: string; value: string }) => `${x.lane}=${x.value}`);
    expect(timeline).toEqual(expect.arrayContaining(['bearer=1: connected 10.89.193.1', 'mqtt=connecting', 'mqtt=online']));
    // A CONNECT packet shows that a password was sent, never the password.
    const connect = stream.of('mqtt').find((p: { type: string }) => p.type === 'connect');
    expect(connect).toMatchObject({ dir: 'out', password: true });
    expect(JSON.stringify(stream.events)).not.toContain('hunter2');

    // A fault: its injection and what it did, on the timeline; the state pushed again.
    e.faults.inject('bearerDrop', {});
    await stream.waitFor((x) => x.event === 'timeline' && x.data.lane === 'mqtt' && x.data.value === 'idle', 'the session gone on the timeline');
    const fault = stream.of('timeline').find((x: { lane: string }) => x.lane === 'fault');
    expect(fault).toMatchObject({ value: 'bearerDrop', action: 'inject', params: { cid: 1 }, moment: true });
    await stream.waitFor((x) => x.event === 'state' && x.data.state.bearers[0].status === 3, 'a state with the bearer closed');
  });

  it('GET /timeline and GET /messages: the same entries, from the start, `since` a seq', async () => {
    const e = await start();
    dte = e.connect();
    await dte.ok('AT');
    await online(dte);
    e.faults.inject('registrationLost', {}, { duration: '1h' });
    await dte.waitFor('+SAPBR 1: DEACT');
    const entries = ((await (await fetch(`${e.controlUrl}/timeline`)).json()) as { entries: { seq: number; lane: string; value: string; until?: number }[] }).entries;
    const lanes = (lane: string) => entries.filter((x) => x.lane === lane).map((x) => x.value);
    expect(lanes('power')).toEqual(['off', 'on']);
    expect(lanes('registration')).toEqual(['not registered', 'home', 'searching']);
    expect(lanes('mqtt')).toEqual(['idle', 'connecting', 'online', 'idle']);
    const f = entries.find((x) => x.lane === 'fault')!;
    expect(f).toMatchObject({ value: 'registrationLost', until: expect.any(Number) });
    const later = ((await (await fetch(`${e.controlUrl}/timeline?since=${f.seq}`)).json()) as { entries: { seq: number }[] }).entries;
    expect(later.every((x) => x.seq > f.seq)).toBe(true);
    expect(later.length).toBeGreaterThan(0);
    expect(((await (await fetch(`${e.controlUrl}/messages`)).json()) as { messages: unknown[] }).messages).toEqual([]);
  });
});

describe('POST /dte: typing for the DTE', () => {
  it('is off by default: 403, nothing reaches the module', async () => {
    const e = await start();
    dte = e.connect();
    await dte.ok('AT');
    const r = await fetch(`${e.controlUrl}/dte`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"line":"AT+CSQ"}' });
    expect(r.status).toBe(403);
    expect(((await r.json()) as { error: string }).error).toBe('typing DTE lines is off: start the emulator with --control-dte');
    expect(e.control.log().map((x) => x.line)).toEqual(['AT']);
  });

  it('with dte: the line goes to the module, its answer to the DTE and into the AT log', async () => {
    const e = await start({ dte: true });
    dte = e.connect();
    await dte.ok('AT');
    await dte.ok('ATE0');
    const from = dte.received.length;
    const r = await fetch(`${e.controlUrl}/dte`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"line":"AT+CSQ"}' });
    expect([r.status, await r.json()]).toEqual([202, { sent: 'AT+CSQ' }]);
    await dte.waitForRaw('\r\n+CSQ: 18,0\r\n\r\nOK\r\n', 2000, from);
    expect(e.control.log().at(-1)).toMatchObject({ line: 'AT+CSQ', final: 'OK', info: ['+CSQ: 18,0'] });
    for (const [body, error] of [
      ['{"line":"AT\\r\\nAT"}', '"line" must be one line (no CR or LF: the CR is added)'],
      ['{"line":3}', '"line" must be a string'],
      ['{"text":"AT"}', 'unknown field "text" (known: line)'],
      [`{"line":"${'A'.repeat(557)}"}`, '"line" must be at most 556 characters'],
    ]) {
      const bad = await fetch(`${e.controlUrl}/dte`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect([bad.status, ((await bad.json()) as { error: string }).error]).toEqual([400, error]);
    }
  });
});

describe('the page and other sites', () => {
  it('/ui/ serves the page with a policy that allows no other script and no frame; a browser asking for / is sent there', async () => {
    const e = await start();
    const page = await request(`${e.controlUrl}/ui/`, 'GET', {});
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.text).toContain('<script src="app.js"></script>');
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    for (const [file, type] of [['app.js', 'text/javascript; charset=utf-8'], ['app.css', 'text/css; charset=utf-8']]) {
      const r = await request(`${e.controlUrl}/ui/${file}`, 'GET', {});
      expect([r.status, r.headers['content-type']]).toEqual([200, type]);
    }
    expect((await request(`${e.controlUrl}/ui/../package.json`, 'GET', {})).status).toBe(404);
    expect((await request(`${e.controlUrl}/ui/%2e%2e%2fpackage.json`, 'GET', {})).status).toBe(404);
    expect((await request(`${e.controlUrl}/ui/nothing.js`, 'GET', {})).status).toBe(404);
    const nav = await request(`${e.controlUrl}/`, 'GET', { Accept: 'text/html,application/xhtml+xml' });
    expect([nav.status, nav.headers.location]).toEqual([302, '/ui/']);
    const api = await request(`${e.controlUrl}/`, 'GET', {});
    expect(JSON.parse(api.text).routes).toContain('GET /events');
  });

  it('a change or a stream from another origin is refused (403); the page\'s own origin and clients without Origin are served', async () => {
    const e = await start();
    const host = new URL(e.controlUrl!).host;
    const evil = await request(`${e.controlUrl}/faults`, 'POST', { 'Content-Type': 'application/json', Origin: 'http://evil.example' }, '{"name":"registrationLost"}');
    expect(evil.status).toBe(403);
    expect(JSON.parse(evil.text).error).toBe('Origin "http://evil.example" is not this server\'s: the control API takes changes and streams from its own page only');
    expect(e.faults.list()).toEqual([]);
    expect((await request(`${e.controlUrl}/events`, 'GET', { Origin: 'http://evil.example' })).status).toBe(403);
    expect((await request(`${e.controlUrl}/faults`, 'DELETE', { Origin: 'http://localhost:1' })).status).toBe(403);
    const own = await request(`${e.controlUrl}/faults`, 'POST', { 'Content-Type': 'application/json', Origin: `http://${host}` }, '{"name":"registrationLost"}');
    expect(own.status).toBe(201);
    expect((await request(`${e.controlUrl}/faults`, 'DELETE', {})).status).toBe(200);
  });

  it('with a token: the page\'s files load without it (they hold no data), every route and stream needs it', async () => {
    const token = 'a-token-of-at-least-16';
    const e = await start({ token });
    expect((await request(`${e.controlUrl}/ui/`, 'GET', {})).status).toBe(200);
    expect((await request(`${e.controlUrl}/ui/app.js`, 'GET', {})).status).toBe(200);
    for (const p of ['/state', '/events', '/modems', '/modems/0/events', '/timeline', '/']) expect([p, (await request(`${e.controlUrl}${p}`, 'GET', {})).status]).toEqual([p, 401]);
    stream = await EventReader.open(`${e.controlUrl}/modems/0/events`, { Authorization: `Bearer ${token}` });
    expect(stream.status).toBe(200);
    await stream.waitFor((x) => x.event === 'hello', 'hello');
  });

  it('/modems lists the one modem; /modems/0/… is the same modem; another index is 404', async () => {
    const e = await start();
    dte = e.connect();
    await dte.ok('AT');
    const list = (await (await fetch(`${e.controlUrl}/modems`)).json()) as { modems: { index: number; power: string; dte: string; label: string }[] };
    expect(list.modems).toEqual([expect.objectContaining({ index: 0, label: 'in process', power: 'on', dte: 'attached', registration: 'home', mqtt: 'idle', faults: [] })]);
    expect(await (await fetch(`${e.controlUrl}/modems/0/state`)).json()).toMatchObject({ power: { on: true } });
    expect((await fetch(`${e.controlUrl}/modems/1/state`)).status).toBe(404);
    expect((await fetch(`${e.controlUrl}/modems/x`)).status).toBe(404);
  });
});
