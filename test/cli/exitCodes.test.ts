/**
 * docs/cli.md's exit codes, each run through the built CLI: a listener that cannot open
 * is exit 1 with one line naming its flag (whichever flag it is), a refused value is
 * exit 2, a clean stop is 0.
 */
import * as net from 'node:net';
import { killAllClis, runCli, startCli } from '../helpers/cli';

afterEach(killAllClis);

/** A port someone else holds for the test: bound to 0, its number read back. */
async function occupied(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) };
}

const QUIET = ['--log-level', 'silent'];

describe('a listener that cannot open: exit 1, one line naming the flag', () => {
  let busy: { port: number; close(): Promise<void> };
  beforeEach(async () => {
    busy = await occupied();
  });
  afterEach(() => busy.close());

  const inUse = (flag: string, who = '', after = '') =>
    new RegExp(`^sim800-emu: ${flag}: (?:modem \\d+: )?${who}cannot listen on 127\\.0\\.0\\.1:(\\d+)${after.replace(/[()]/g, '\\$&')}: EADDRINUSE \\(address already in use\\)\\n$`);

  it.each([
    ['--tcp', (p: number) => ['--tcp', `127.0.0.1:${p}`, '--broker-port', '0'], '', ''],
    ['--broker-port', (p: number) => ['--tcp', '127.0.0.1:0', '--broker-port', String(p), '--broker-tls-port', 'off'], 'embedded broker: ', ''],
    ['--broker-tls-port', (p: number) => ['--tcp', '127.0.0.1:0', '--broker-port', '0', '--broker-tls-port', String(p)], 'embedded broker: ', ' (TLS)'],
    ['--control', (p: number) => ['--tcp', '127.0.0.1:0', '--broker-port', '0', '--control', String(p)], 'control API: ', ''],
    ['--tcp', (p: number) => ['--modems', '2', '--tcp', `127.0.0.1:${p}`, '--broker-port', '0', '--broker-tls-port', 'off'], '', ''],
  ])('%s in use', async (flag, args, who, after) => {
    const r = await runCli([...args(busy.port), ...QUIET]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(inUse(flag, who, after));
    expect(Number(inUse(flag, who, after).exec(r.stderr)![1])).toBe(busy.port);
  });
});

describe('an unresolvable listen address: exit 1, one line naming the flag', () => {
  it.each([
    ['--tcp', ['--tcp', 'nohost.invalid:0', '--broker-port', '0'], ''],
    ['--control', ['--tcp', '127.0.0.1:0', '--broker-port', '0', '--control', 'nohost.invalid:0', '--control-token', 'a-token-of-16-chars'], 'control API: '],
  ])('%s', async (flag, args, who) => {
    const r = await runCli([...args, ...QUIET]);
    expect(r.code).toBe(1);
    // ENOTFOUND, or EAI_AGAIN where no name service answers: both say the name does not resolve.
    expect(r.stderr).toMatch(new RegExp(`^sim800-emu: ${flag}: ${who}cannot listen on nohost\\.invalid:0: (ENOTFOUND|EAI_AGAIN|EAI_NONAME|EAI_FAIL) \\(the host name does not resolve.*\\)\\n$`));
  });
});

describe('exit 2: values refused, before anything listens', () => {
  it.each([
    ['a control token shorter than 16 characters', ['--control', '0', '--control-token', 'short'], 'sim800-emu: control API token: 5 characters, at least 16 are needed (--control-token)'],
    ['--broker-auth without a password', ['--broker-auth', 'dev'], 'sim800-emu: --broker-auth must be user:password (both parts non-empty)'],
    ['--broker-auth with --broker direct', ['--broker-auth', 'dev:pw', '--broker', 'direct'], 'sim800-emu: --broker-auth is for the embedded broker: it needs --broker embedded'],
  ])('%s', async (_what, args, line) => {
    const r = await runCli(['--tcp', '127.0.0.1:0', '--broker-port', '0', ...args, ...QUIET]);
    expect([r.code, r.stderr, r.stdout]).toEqual([2, `${line}\n`, '']);
  });
});

it('exit 0 on SIGTERM with every listener open', async () => {
  const cli = await startCli(['--tcp', '127.0.0.1:0', '--broker-port', '0', '--control', '0', ...QUIET]);
  expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
});
