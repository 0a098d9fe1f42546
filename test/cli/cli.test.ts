/**
 * The built CLI as scripts see it: the ready line contract, exit codes and the one-line
 * error messages, --help/--version, signals.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DteClient } from '../../src/client/dteClient';
import { killAllClis, runCli, startCli } from '../helpers/cli';

const QUIET = ['--broker-port', '0', '--log-level', 'silent'];
const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };

afterEach(killAllClis);

describe('ready line', () => {
  it('is exactly one stdout line naming the real TCP port and the broker', async () => {
    const cli = await startCli(['--tcp', '127.0.0.1:0', '--broker-port', '0', '--log-level', 'debug']);
    expect(cli.readyLine).toMatch(/^sim800-emu ready tcp=127\.0\.0\.1:(\d+) broker=mqtt:\/\/127\.0\.0\.1:(\d+) broker-tls=mqtts:\/\/127\.0\.0\.1:(\d+)$/);
    expect(cli.port).toBeGreaterThan(0);
    expect(cli.port).not.toBe(2323);
    // The port in the line is the one that answers.
    const dte = await DteClient.connectTcp(cli.port);
    expect((await dte.send('AT')).raw).toBe('AT\r\r\nOK\r\n');
    await dte.close();
    expect(await cli.stop()).toEqual({ code: 0, signal: null });
    // Logs (debug level: plenty of them) all went to stderr; stdout held only the ready line.
    expect(cli.stdout()).toBe(`${cli.readyLine}\n`);
    expect(cli.stderr()).toContain('"msg":"AT exchange"');
  });

  it('a bare port means 127.0.0.1', async () => {
    const cli = await startCli(['--tcp', '0', ...QUIET]);
    expect(cli.fields.tcp).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('--broker direct: no broker field', async () => {
    const cli = await startCli(['--tcp', '127.0.0.1:0', '--broker', 'direct', '--log-level', 'silent']);
    expect(cli.readyLine).toMatch(/^sim800-emu ready tcp=127\.0\.0\.1:\d+$/);
  });
});

describe('usage errors: one stderr line, exit 2', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown flag', ['--tcpp', '0'], /^sim800-emu: unknown option '--tcpp' \(Did you mean --tcp\?\)$/],
    ['bad --tcp', ['--tcp', 'abc'], /^sim800-emu: --tcp: "abc" is not \[host:\]port$/],
    ['port out of range', ['--tcp', '127.0.0.1:99999'], /^sim800-emu: --tcp: "127\.0\.0\.1:99999" is not \[host:\]port$/],
    ['bad --log-level', ['--log-level', 'loud'], /^sim800-emu: --log-level: "loud" is not one of fatal, error, warn, info, debug, trace, silent$/],
    ['bad --profile', ['--profile', 'slow'], /^sim800-emu: --profile: "slow" is not one of instant, realistic$/],
    ['bad --broker-port', ['--broker-port', '-1'], /^sim800-emu: /],
    ['missing value', ['--config'], /^sim800-emu: option '--config <file>' argument missing$/],
    ['stray argument', ['2323'], /^sim800-emu: too many arguments/],
    ['--stdio with --tcp', ['--stdio', '--tcp', '0'], /^sim800-emu: --stdio and --tcp cannot be used together: one modem has one wire$/],
    ['bad --broker (checked by the library)', ['--tcp', '0', '--broker', 'ftp://x', '--broker-port', '0'], /^sim800-emu: invalid broker "ftp:\/\/x": expected embedded, direct or mqtt:\/\/host:port$/],
    ['bad --map (checked by the library)', ['--tcp', '0', '--map', 'nonsense', '--broker-port', '0'], /^sim800-emu: invalid map rule "nonsense"/],
    ['unreadable config', ['--config', '/nonexistent/sim800.json'], /^sim800-emu: --config: cannot read "\/nonexistent\/sim800\.json": ENOENT$/],
  ];

  it.each(cases)('%s', async (_what, args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n');
    expect(lines).toHaveLength(2); // one line and its newline
    expect(lines[0]).toMatch(message);
  });

  describe('config file problems', () => {
    let dir: string;
    beforeAll(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim800-cli-'));
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it.each([
      ['invalid JSON', '{ "tcp": "127.0.0.1:0",\n}', /^sim800-emu: .*bad\.json: invalid JSON: /],
      ['unknown key', '{ "tcpp": "0" }', /^sim800-emu: .*bad\.json: unknown key "tcpp" \(known: /],
      ['bad modem setting', '{ "modem": { "rssi": 120 } }', /^sim800-emu: .*bad\.json: "modem": modem setting "rssi" must be an integer from 0 to 31 or 99$/],
    ])('%s', async (_what, text, message) => {
      const file = path.join(dir, 'bad.json');
      fs.writeFileSync(file, text);
      const r = await runCli(['--config', file]);
      expect(r.code).toBe(2);
      const lines = r.stderr.split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(message);
    });
  });
});

describe('other exits', () => {
  it('--help prints usage on stdout, exit 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: sim800-emu \[options\]/);
    for (const flag of ['--tcp', '--stdio', '--config', '--state-dir', '--log-level', '--profile', '--reset-on-connect', '--broker ', '--broker-port', '--map', '--version']) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stderr).toBe('');
  });

  it('--version prints package.json\'s version, exit 0', async () => {
    const r = await runCli(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('a port already in use: one line naming the flag, exit 1 (not a usage error)', async () => {
    const first = await startCli(['--tcp', '127.0.0.1:0', ...QUIET]);
    const r = await runCli(['--tcp', `127.0.0.1:${first.port}`, ...QUIET]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^sim800-emu: --tcp: cannot listen on 127\\.0\\.0\\.1:${first.port}: EADDRINUSE \\(address already in use\\)\\n$`));
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('%s stops cleanly: exit 0, the DTE connection closes', async (signal) => {
    const cli = await startCli(['--tcp', '127.0.0.1:0', '--broker-port', '0', '--log-level', 'info']);
    const dte = await DteClient.connectTcp(cli.port);
    await dte.ok('AT');
    const closed = new Promise<void>((resolve) => dte.stream.once('close', () => resolve()));
    expect(await cli.stop(signal)).toEqual({ code: 0, signal: null });
    await closed;
    expect(cli.stderr()).toContain(`"why":"${signal}"`);
  });
});
