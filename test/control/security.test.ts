/**
 * The control API against what a web page could do to it (docs/faults.md, "Access"): a
 * POST without `Content-Type: application/json` is 415 (a page can send text/plain or a
 * form without asking first), a `Host` that is not a loopback name is 421 on loopback
 * without a token (DNS rebinding), short tokens are refused before anything listens, and
 * GET /state shows no secret.
 */
import * as http from 'node:http';
import { startEmulator, type EmulatorHandle } from '../../src/emulator';
import { isLoopbackHostHeader } from '../../src/control/http';
import { OptionError } from '../../src/optionError';
import type { DteClient } from '../../src/client/dteClient';
import { online } from '../helpers/mqtt';

let emu: EmulatorHandle | undefined;
let dte: DteClient | undefined;
afterEach(async () => {
  await dte?.close();
  await emu?.stop();
  dte = undefined;
  emu = undefined;
});

async function start(control: { token?: string } = {}): Promise<EmulatorHandle> {
  emu = await startEmulator({ tcp: false, brokerPort: 0, brokerTlsPort: false, control: { port: 0, ...control } });
  return emu;
}

/** A raw request, so the test sets every header itself (fetch fixes Host). */
function request(url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; json: { error?: string } & Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, setHost: !('Host' in headers) }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as { error?: string } }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('POST needs Content-Type: application/json', () => {
  it.each([
    ['text/plain', 415],
    ['application/x-www-form-urlencoded', 415],
    ['multipart/form-data; boundary=x', 415],
    [undefined, 415],
    ['application/json', 201],
    ['Application/JSON; charset=utf-8', 201],
  ])('%s → %i', async (type, status) => {
    const e = await start();
    const r = await request(`${e.controlUrl}/faults`, 'POST', type === undefined ? {} : { 'Content-Type': type }, '{"name":"registrationLost"}');
    expect(r.status).toBe(status);
    if (status === 415) {
      expect(r.json.error).toBe('POST needs Content-Type: application/json');
      expect(e.faults.list()).toEqual([]); // refused before anything happened
    } else expect(e.faults.list().map((f) => f.name)).toEqual(['registrationLost']);
  });

  it('GET needs no Content-Type', async () => {
    const e = await start();
    expect((await request(`${e.controlUrl}/state`, 'GET', {})).status).toBe(200);
  });
});

describe('Host on loopback without a token (DNS rebinding)', () => {
  it.each([
    ['evil.example.com', 421],
    ['evil.example.com:8080', 421],
    ['127.0.0.1.nip.io', 421],
    ['localhost', 200],
    ['localhost:1234', 200],
    ['127.0.0.1:1234', 200],
    ['[::1]:1234', 200],
    ['app.localhost:1234', 200],
  ])('Host: %s → %i', async (host, status) => {
    const e = await start();
    const r = await request(`${e.controlUrl}/state`, 'GET', { Host: host });
    expect(r.status).toBe(status);
    if (status === 421) expect(r.json.error).toMatch(/^Host ".*" is not a loopback name/);
  });

  it('a POST with a foreign Host changes nothing', async () => {
    const e = await start();
    const before = JSON.stringify(e.control.state().power);
    const r = await request(`${e.controlUrl}/power`, 'POST', { Host: 'evil.example.com', 'Content-Type': 'application/json' }, '{"action":"reboot"}');
    expect(r.status).toBe(421);
    expect(JSON.stringify(e.control.state().power)).toBe(before);
    expect(e.faults.list()).toEqual([]);
    const ok = await request(`${e.controlUrl}/faults`, 'POST', { Host: 'evil.example.com', 'Content-Type': 'application/json' }, '{"name":"registrationLost"}');
    expect([ok.status, e.faults.list()]).toEqual([421, []]);
  });

  it('with a token the token guards it: any Host with the right token is served', async () => {
    const token = 'a-token-of-24-characters';
    const e = await start({ token });
    expect((await request(`${e.controlUrl}/state`, 'GET', { Host: 'emu.lab.example', Authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await request(`${e.controlUrl}/state`, 'GET', { Host: 'emu.lab.example' })).status).toBe(401);
  });

  it('isLoopbackHostHeader', () => {
    expect(['localhost', 'LOCALHOST:80', '127.0.0.1', '127.9.9.9:1', '[::1]', '[::1]:8080', 'x.localhost'].every(isLoopbackHostHeader)).toBe(true);
    expect(['', 'example.com', '127.0.0.1.example.com', '[::2]:80', 'localhost.example.com', '0.0.0.0:80', 'a:b:c'].some(isLoopbackHostHeader)).toBe(false);
  });
});

describe('tokens', () => {
  it.each(['', 'short', 'fifteen-chars!!'])('%j is refused before anything listens (OptionError)', async (token) => {
    const p = startEmulator({ tcp: false, brokerPort: 0, brokerTlsPort: false, control: { port: 0, token } });
    await expect(p).rejects.toBeInstanceOf(OptionError);
    await expect(p).rejects.toThrow(`control API token: ${token.length} characters, at least 16 are needed (--control-token)`);
  });

  it('16 characters are enough', async () => {
    const e = await start({ token: 'sixteen-chars-ok' });
    expect((await request(`${e.controlUrl}/state`, 'GET', { Authorization: 'Bearer sixteen-chars-ok' })).status).toBe(200);
  });
});

describe('GET /state shows no secret', () => {
  it('the MQTT password and the bearer password are masked as in the AT log', async () => {
    const e = await start();
    dte = e.connect();
    await dte.ok('AT');
    await dte.ok('AT+SAPBR=3,1,"PWD","bearer-s3cret"');
    await online(dte, ['AT+SMCONF="CLEANSS",1', 'AT+SMCONF="USERNAME","u"', 'AT+SMCONF="PASSWORD","mqtt-hunter2"']);
    const state = await request(`${e.controlUrl}/state`, 'GET', {});
    const log = await request(`${e.controlUrl}/log`, 'GET', {});
    expect((state.json.mqtt as { password: string }).password).toBe('***');
    expect((state.json.bearers as { pwd: string }[])[0].pwd).toBe('***');
    // The AT log shows the same mask where the value was.
    expect(JSON.stringify(log.json)).toContain('AT+SMCONF=\\"PASSWORD\\",***');
    for (const text of [JSON.stringify(state.json), JSON.stringify(log.json)]) expect(text).not.toMatch(/hunter2|bearer-s3cret/);
  });
});
