/**
 * `--broker-auth user:password`: the embedded broker takes only these credentials, as
 * mosquitto with `allow_anonymous false` does (CONNACK 5, "not authorised", for a wrong
 * or missing password). Checked with the mosquitto clients against the built CLI, and
 * with firmware and the control API's cloud client, which must keep working.
 */
import { spawn } from 'node:child_process';
import { DteClient } from '../../src/client/dteClient';
import { killAllClis, startCli, type RunningCli } from '../helpers/cli';

afterEach(killAllClis);

interface Run {
  code: number | null;
  out: string;
}

/** Runs a mosquitto client (-d: the CONNACK code is printed), killed after `ms`. */
function mosquitto(tool: 'mosquitto_pub' | 'mosquitto_sub', args: string[], ms = 15_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, ['-d', '-h', '127.0.0.1', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const take = (d: Buffer) => (out += d.toString('utf8'));
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('error', (err) => reject(new Error(`${tool} could not run (Debian: apt-get install mosquitto-clients): ${err.message}`)));
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

const port = (cli: RunningCli) => Number(/:(\d+)$/.exec(cli.fields.broker)![1]);

describe('--broker-auth', () => {
  let cli: RunningCli;
  beforeEach(async () => {
    cli = await startCli(['--tcp', '127.0.0.1:0', '--broker-port', '0', '--broker-tls-port', 'off', '--broker-auth', 'dev:s3cret:x', '--control', '0', '--log-level', 'info']);
  });

  it('the right user name and password: published and received (mosquitto_pub → mosquitto_sub)', async () => {
    // Retained, so the subscriber gets it whenever it comes (no race with the publisher).
    const pub = await mosquitto('mosquitto_pub', ['-p', String(port(cli)), '-u', 'dev', '-P', 's3cret:x', '-t', 'auth/x', '-m', 'hello', '-r']);
    expect(pub.out).toContain('received CONNACK (0)');
    expect(pub.code).toBe(0);
    const sub = await mosquitto('mosquitto_sub', ['-p', String(port(cli)), '-u', 'dev', '-P', 's3cret:x', '-t', 'auth/#', '-C', '1', '-W', '10']);
    expect(sub.out).toContain('received CONNACK (0)');
    expect(sub.out).toMatch(/^hello$/m);
    expect(sub.code).toBe(0);
  });

  it.each([
    ['a wrong password', ['-u', 'dev', '-P', 'wrong']],
    ['a wrong user name', ['-u', 'root', '-P', 's3cret:x']],
    ['no password', ['-u', 'dev']],
    ['no credentials', []],
  ])('%s: CONNACK 5 (not authorised), nothing delivered', async (_what, creds) => {
    const r = await mosquitto('mosquitto_pub', ['-p', String(port(cli)), ...creds, '-t', 'auth/x', '-m', 'intruder']);
    expect(r.out).toContain('received CONNACK (5)');
    expect(r.out).toContain('not authorised');
    expect(r.code).not.toBe(0);
    const published = (await (await fetch(`${cli.fields.control}/published`)).json()) as { messages: unknown[] };
    expect(published.messages).toEqual([]);
    expect(cli.stderr()).not.toContain('s3cret');
  });

  it('firmware: SMCONN with the credentials connects; the control API\'s cloud client reaches it; a wrong password is 767', async () => {
    const dte = await DteClient.connectTcp(cli.port);
    try {
      await dte.ok('AT');
      await dte.ok('ATE0');
      await dte.ok('AT+CMEE=1');
      await dte.ok('AT+SAPBR=3,1,"APN","CMNET"');
      await dte.ok('AT+SAPBR=1,1');
      await dte.ok('AT+SMCONF="URL","broker.example.com:1883"');
      await dte.ok('AT+SMCONF="CLIENTID","dev-1"');
      await dte.ok('AT+SMCONF="USERNAME","dev"');
      await dte.ok('AT+SMCONF="PASSWORD","wrong"');
      expect((await dte.send('AT+SMCONN')).final).toBe('+CME ERROR: 767');
      await dte.ok('AT+SMCONF="PASSWORD","s3cret:x"');
      expect((await dte.send('AT+SMCONN')).final).toBe('OK');
      await dte.ok('AT+SMSUB="down/t",1');
      await dte.waitFor('+SMSUB:');
      const res = await fetch(`${cli.fields.control}/c2d`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic: 'down/t', payload: 'ping' }) });
      expect(res.status).toBe(202);
      expect(await dte.waitFor('+SMPUBLISH:')).toBe('+SMPUBLISH: 1,"down/t",4,"ping"');
    } finally {
      await dte.close();
    }
  });
});

it('without --broker-auth, anyone on loopback connects (the default the README warns of)', async () => {
  const cli = await startCli(['--tcp', '127.0.0.1:0', '--broker-port', '0', '--broker-tls-port', 'off', '--log-level', 'silent']);
  const r = await mosquitto('mosquitto_pub', ['-p', String(port(cli)), '-t', 'open/x', '-m', 'anyone']);
  expect(r.out).toContain('received CONNACK (0)');
  expect(r.code).toBe(0);
});
