/**
 * The CLI's new flags end to end (the built dist/cli/main.js): one-line usage errors
 * with exit 2, the control API named in the ready line, and --scenario runs that end the
 * process with 0 (pass) or 1 (fail) and write --scenario-result.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DteClient } from '../../src/client/dteClient';
import { killAllClis, runCli, startCli } from '../helpers/cli';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scn-cli-'));
});
afterEach(killAllClis);
const file = (name: string, text: string) => {
  fs.writeFileSync(path.join(dir, name), text);
  return path.join(dir, name);
};

describe('usage errors: one line, exit 2', () => {
  it.each([
    [['--seed', 'abc'], 'sim800-emu: --seed: "abc" is not a seed (a whole number 0..4294967295)'],
    [['--profile-file', '/nonexistent/p.json'], 'sim800-emu: --profile-file: cannot read "/nonexistent/p.json": ENOENT'],
    [['--profile', 'realistic', '--profile-file', 'x.json'], 'sim800-emu: --profile and --profile-file cannot be used together: the file names its base profile'],
    [['--control', 'nope'], 'sim800-emu: --control: "nope" is not [host:]port'],
    [['--control-token', 't'], 'sim800-emu: --control-token needs --control'],
    [['--scenario-result', 'r.json'], 'sim800-emu: --scenario-result needs --scenario'],
  ])('%j', async (args, line) => {
    const r = await runCli(['--tcp', '127.0.0.1:0', '--broker-port', '0', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(line + '\n');
    expect(r.stdout).toBe('');
  });

  it('a profile file with a bad figure, and a scenario file with a bad step', async () => {
    const p = file('p.json', '{"base":"realistic","bearerOpenMs":-1}');
    let r = await runCli(['--profile-file', p]);
    expect([r.code, r.stderr]).toEqual([2, `sim800-emu: ${p}: "bearerOpenMs" must be a number from 0 to 86400000\n`]);
    const s = file('bad.yaml', 'steps:\n  - at: 1s\n    fault: meteor\n');
    r = await runCli(['--scenario', s]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^sim800-emu: .*bad\.yaml: steps\[0\]: unknown fault "meteor" \(known: [^\n]*\)\n$/);
  });
});

describe('runs', () => {
  it('--control: the ready line names the API; a profile file and a seed are taken', async () => {
    const p = file('fast.json', '{"base":"realistic","commandMs":0,"jitter":0,"bootMs":5}');
    const cli = await startCli(['--tcp', '127.0.0.1:0', '--broker-port', '0', '--control', '0', '--profile-file', p, '--seed', '42', '--log-level', 'warn']);
    expect(cli.fields.control).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const state = (await (await fetch(`${cli.fields.control}/state`)).json()) as { power: { on: boolean } };
    expect(state.power.on).toBe(false); // no DTE yet: the board is not powered
    expect((await cli.stop()).code).toBe(0);
  });

  it('--scenario that passes: the DTE sees the fault, exit 0, the result file and the summary line', async () => {
    const scenario = file('pass.json', JSON.stringify({
      name: 'signal',
      steps: [
        { at: 0, fault: 'signal', params: { rssi: 7 } },
        { at: '50ms', expect: { sent: { command: 'AT+CSQ', count: '>=1' }, urc: { line: '+CSQ', count: 0 } }, within: '5s' },
        { at: '50ms', expect: { power: 'on' } },
      ],
    }));
    const result = path.join(dir, 'pass-result.json');
    const cli = await startCli(['--tcp', '127.0.0.1:0', '--broker-port', '0', '--scenario', scenario, '--scenario-result', result, '--log-level', 'warn']);
    const dte = await DteClient.connectTcp(cli.port);
    await dte.ok('AT');
    expect(await dte.ok('AT+CSQ')).toEqual(['+CSQ: 7,0']);
    const exit = await cli.exited;
    await dte.close();
    expect(exit.code).toBe(0);
    const r = JSON.parse(fs.readFileSync(result, 'utf8')) as { passed: boolean; steps: { ok: boolean }[] };
    expect(r.passed).toBe(true);
    expect(r.steps.map((x) => x.ok)).toEqual([true, true, true]);
    expect(cli.stderr()).toMatch(/sim800-emu: scenario "signal": PASS \(3 steps, 2 expectations\) in \d+\.\d s\n$/);
  });

  it('--scenario that fails: exit 1, and the summary names the failure', async () => {
    const scenario = file('fail.yaml', 'name: never online\nstart: ready\nsteps:\n  - at: 0s\n    expect: { smstate: 1 }\n    within: 300ms\n');
    const result = path.join(dir, 'fail.json');
    const cli = await startCli(['--tcp', '127.0.0.1:0', '--broker-port', '0', '--scenario', scenario, '--scenario-result', result, '--log-level', 'warn']);
    const exit = await cli.exited;
    expect(exit.code).toBe(1);
    expect(JSON.parse(fs.readFileSync(result, 'utf8'))).toMatchObject({ scenario: 'never online', passed: false, summary: { failedExpectations: 1 } });
    expect(cli.stderr()).toMatch(/sim800-emu: scenario "never online": FAIL \(1 steps, 1 expectations\) in 0\.\d s; first failure: step 0 at 0 ms \(expect smstate within 300 ms\): smstate expected 1, got 0\n$/);
  });

  it('SIGTERM while the last step waits for its expectation: INTERRUPTED, not FAIL; the result says which step', async () => {
    const scenario = file('last.yaml', 'name: last\nstart: attach\nsteps:\n  - at: 0s\n    expect: { smstate: 1 }\n    within: 1h\n');
    const result = path.join(dir, 'last.json');
    const cli = await startCli(['--tcp', '127.0.0.1:0', '--broker-port', '0', '--scenario', scenario, '--scenario-result', result, '--log-level', 'warn']);
    // The attach starts the run and its only step at once (before the module reads a byte):
    // once AT is answered, the step is waiting in its window.
    const dte = await DteClient.connectTcp(cli.port);
    await dte.ok('AT');
    const exit = await cli.stop('SIGTERM');
    await dte.close();
    expect(exit.code).toBe(1);
    const r = JSON.parse(fs.readFileSync(result, 'utf8')) as { passed: boolean; interrupted: boolean; steps: { index: number; ok: boolean; interrupted?: boolean }[] };
    expect(r).toMatchObject({ passed: false, interrupted: true, summary: { failedExpectations: 0, failedSteps: 0, notRun: 0 } });
    expect(r.steps).toMatchObject([{ index: 0, ok: false, interrupted: true }]);
    expect(cli.stderr()).toMatch(/sim800-emu: scenario "last": INTERRUPTED \(1 steps, 1 expectations\) in \d+\.\d s; stopped during step 0 \(expect smstate within 3600000 ms\) with 0 of 1 steps not run\n$/);
  });

  it('--fail-fast: the first failed expectation ends the run at once, exit 1; the rest are not run', async () => {
    const scenario = file('ff.yaml', 'name: ff\nstart: ready\nsteps:\n  - at: 0s\n    expect: { smstate: 1 }\n    within: 200ms\n  - at: 1h\n    power: off\n');
    const result = path.join(dir, 'ff.json');
    const cli = await startCli(['--tcp', '127.0.0.1:0', '--broker-port', '0', '--scenario', scenario, '--scenario-result', result, '--fail-fast', '--log-level', 'warn']);
    const exit = await cli.exited;
    expect(exit.code).toBe(1);
    expect(JSON.parse(fs.readFileSync(result, 'utf8'))).toMatchObject({ passed: false, interrupted: false, stoppedAtFailure: true, summary: { failedExpectations: 1, notRun: 1 } });
    expect(cli.stderr()).toMatch(/: FAIL \(2 steps, 1 expectations\) in 0\.\d s; first failure: step 0 at 0 ms \(expect smstate within 200 ms\): smstate expected 1, got 0; --fail-fast: 1 steps not run\n$/);
  });

  it('--fail-fast needs --scenario', async () => {
    const r = await runCli(['--tcp', '127.0.0.1:0', '--broker-port', '0', '--fail-fast']);
    expect([r.code, r.stderr]).toEqual([2, 'sim800-emu: --fail-fast needs --scenario\n']);
  });

  it('a signal during a scenario: interrupted, exit 1', async () => {
    const scenario = file('long.yaml', 'start: ready\nsteps:\n  - { at: 1h, power: off }\n');
    const cli = await startCli(['--tcp', '127.0.0.1:0', '--broker-port', '0', '--scenario', scenario, '--log-level', 'warn']);
    const exit = await cli.stop('SIGTERM');
    expect(exit.code).toBe(1);
    expect(cli.stderr()).toContain('INTERRUPTED');
  });
});
