/**
 * HTTP in the control API and scenarios: GET /http lists each action (method, URL, where
 * it went, status, sizes, time), /state shows the service with USERDATA values masked,
 * the AT log masks USERDATA, and a scenario can expect an exchange.
 */
import { startEmulator, type EmulatorHandle } from '../../src/emulator';
import type { DteClient } from '../../src/client/dteClient';
import { parseScenario, runScenario } from '../../src/scenario';
import { reply, TestServer } from './server';

let emu: EmulatorHandle;
let dte: DteClient;
let server: TestServer;
afterEach(async () => {
  await dte?.close();
  await emu?.stop();
  await server?.close();
});

async function start(): Promise<void> {
  server = await TestServer.http();
  server.route('/t', reply(201, 'created'));
  server.route('/r', reply(302, '', [['Location', '/t']]));
  emu = await startEmulator({ tcp: false, brokerPort: 0, control: { port: 0 }, map: [`api.example.com=127.0.0.1:${server.port}`] });
  dte = emu.connect();
  for (const line of ['AT', 'ATE0', 'AT+SAPBR=3,1,"APN","CMNET"', 'AT+SAPBR=1,1', 'AT+HTTPINIT', 'AT+HTTPPARA="CID",1']) await dte.ok(line);
}

async function get(path: string): Promise<any> {
  const res = await fetch(emu.controlUrl + path);
  expect(res.status).toBe(200);
  return res.json();
}

async function post(url: string, body: string): Promise<string> {
  await dte.ok(`AT+HTTPPARA="URL","${url}"`);
  dte.write(`AT+HTTPDATA=${body.length},10000\r`); // DteClient.send knows `> `, not DOWNLOAD
  await dte.waitFor('DOWNLOAD');
  dte.write(body);
  await dte.waitFor('OK');
  await dte.ok('AT+HTTPACTION=1');
  return dte.waitFor('+HTTPACTION:');
}

describe('GET /http', () => {
  it('one entry per action: method, URL, target after routing, TLS, status, body sizes, time, redirects', async () => {
    await start();
    expect(await post('api.example.com/t', 'twelve bytes')).toBe('+HTTPACTION: 1,201,7');
    await dte.ok('AT+HTTPPARA="REDIR",1');
    await dte.ok('AT+HTTPPARA="URL","http://user:secret@api.example.com/r"');
    await dte.ok('AT+HTTPACTION=0');
    expect(await dte.waitFor('+HTTPACTION:')).toBe('+HTTPACTION: 0,201,7');
    const { exchanges } = await get('/http');
    expect(exchanges).toEqual([
      expect.objectContaining({ id: 1, method: 'POST', url: 'api.example.com/t', target: `http://127.0.0.1:${server.port}`, tls: false, status: 201, sent: 12, received: 7, redirects: 0 }),
      expect.objectContaining({ id: 2, method: 'GET', url: 'http://user:***@api.example.com/r', status: 201, sent: 0, received: 7, redirects: 1 }),
    ]);
    for (const e of exchanges) {
      expect(typeof e.t).toBe('number');
      expect(typeof e.ms).toBe('number');
      expect(e.error).toBeUndefined();
    }
    expect((await get('/http?since=1')).exchanges.map((e: { id: number }) => e.id)).toEqual([2]);
    expect(emu.control.http({ since: 1 }).map((e) => e.id)).toEqual([2]); // the library handle
  });

  it('a failed action has its code and an error word', async () => {
    await start();
    await dte.ok('AT+SAPBR=0,1');
    await dte.ok('AT+HTTPPARA="URL","api.example.com/t"');
    await dte.ok('AT+HTTPACTION=0');
    expect(await dte.waitFor('+HTTPACTION:')).toBe('+HTTPACTION: 0,601,0');
    expect((await get('/http')).exchanges).toEqual([expect.objectContaining({ method: 'GET', status: 601, error: 'bearer' })]);
  });
});

describe('/state and the AT log', () => {
  it('the service and its parameters, USERDATA values masked; the log masks the USERDATA command', async () => {
    await start();
    await dte.ok('AT+HTTPPARA="USERDATA","Authorization: Bearer s3cret\\r\\nX-Device: 7"');
    await dte.ok('AT+HTTPSSL=1');
    const state = await get('/state');
    expect(state.http).toEqual({
      initialised: true,
      ssl: 1,
      action: null,
      params: expect.objectContaining({ CID: 1, UA: 'SIMCOM_MODULE', USERDATA: 'Authorization: ***\\r\\nX-Device: ***' }),
    });
    expect(JSON.stringify(state)).not.toContain('s3cret');
    const log = await get('/log');
    const lines = log.entries.map((e: { line: string }) => e.line);
    expect(lines).toContain('AT+HTTPPARA="USERDATA",***');
    expect(JSON.stringify(log)).not.toContain('s3cret');
  });
});

describe('scenarios', () => {
  it('expect http: passes once the firmware posted to the URL with that status', async () => {
    await start();
    const s = parseScenario({
      start: 'ready',
      steps: [{ at: 0, expect: { http: { method: 'POST', url: 'api.example.com/t', status: 201, count: '>=1' } }, within: '10s' }],
    });
    const running = runScenario(emu.control, s);
    await running.ready;
    await post('api.example.com/t', 'x');
    const r = await running.done;
    expect(r.passed).toBe(true);
  });

  it('the format checks the http expectation', () => {
    expect(() => parseScenario({ steps: [{ at: 0, expect: { http: { method: 'FETCH' } } }] })).toThrow('steps[0].expect.http.method must be one of GET, POST, HEAD, DELETE');
    expect(() => parseScenario({ steps: [{ at: 0, expect: { http: { status: 'ok' } } }] })).toThrow('steps[0].expect.http.status must be a whole number from 100 to 699');
    expect(() => parseScenario({ steps: [{ at: 0, expect: { http: { verb: 'GET' } } }] })).toThrow('steps[0].expect.http: unknown key "verb" (known: method, url, status, count)');
  });
});
