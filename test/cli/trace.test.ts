/**
 * The CLI's side of the page and traces (built dist/cli/main.js): the new flags' usage
 * errors, `sim800-emu trace` refusing what is no trace, a fleet serving one control API,
 * and --scenario-trace writing the trace next to the result, which points into it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DteClient } from '../../src/client/dteClient';
import { readTrace } from '../../src/trace/read';
import { killAllClis, runCli, startCli } from '../helpers/cli';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trace-cli-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(killAllClis);

describe('usage errors: one line, exit 2', () => {
  it.each([
    [['--control-dte'], 'sim800-emu: --control-dte needs --control'],
    [['--trace-max-bytes', '100000'], 'sim800-emu: --trace-max-bytes needs --trace (or --scenario-trace)'],
    [['--trace', 'x.trace', '--trace-max-bytes', '100'], 'sim800-emu: --trace-max-bytes: "100" is not a number of bytes (4096 or more)'],
    [['--scenario-trace'], 'sim800-emu: --scenario-trace needs --scenario-result: the trace goes next to the result'],
    [['--modems', '2', '--trace', 'one.trace'], 'sim800-emu: --modems: trace: "one.trace" needs %d where the modem\'s index goes (e.g. run-%d.trace)'],
  ])('%j', async (args, line) => {
    const r = await runCli(['--tcp', '127.0.0.1:0', '--broker-port', '0', ...args]);
    expect([r.code, r.stderr, r.stdout]).toEqual([2, line + '\n', '']);
  });

  it('trace: a missing file, a file that is no trace, a bad flag', async () => {
    const notTrace = path.join(dir, 'not.trace');
    fs.writeFileSync(notTrace, 'hello\nworld\nmore\n');
    for (const [args, line] of [
      [['trace', path.join(dir, 'missing.trace')], `sim800-emu: trace: cannot read "${path.join(dir, 'missing.trace')}": ENOENT`],
      [['trace', notTrace], `sim800-emu: trace: ${notTrace}:1: not a trace record (JSON lines expected)`],
      [['trace', notTrace, '--pdf'], "sim800-emu: trace: error: unknown option '--pdf'"],
      [['trace'], "sim800-emu: trace: error: missing required argument 'file'"],
    ] as [string[], string][]) {
      const r = await runCli(args);
      expect([r.code, r.stderr, r.stdout]).toEqual([2, line + '\n', '']);
    }
    const help = await runCli(['trace', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--html <out.html>');
  });
});

describe('runs', () => {
  it('--modems 2 --control: one API for both, the ready line names it, /modems/<i>/ reaches each', async () => {
    const cli = await startCli(['--modems', '2', '--tcp', '127.0.0.1:0', '--broker-port', '0', '--broker-tls-port', 'off', '--control', '0', '--log-level', 'warn']);
    expect(cli.readyLine).toMatch(/ control=http:\/\/127\.0\.0\.1:\d+ modems=2$/);
    const c = cli.fields.control;
    const ports = cli.fields.tcp.split(',').flatMap((run) => {
      const m = /:(\d+)(?:-(\d+))?$/.exec(run)!;
      const last = Number(m[2] ?? m[1]);
      return Array.from({ length: last - Number(m[1]) + 1 }, (_, i) => Number(m[1]) + i);
    });
    const d = await DteClient.connectTcp(ports[1]);
    try {
      await d.ok('AT');
      const list = (await (await fetch(`${c}/modems`)).json()) as { modems: { index: number; dte: string; label: string }[] };
      expect(list.modems.map((m) => [m.index, m.dte, m.label])).toEqual([
        [0, 'detached', `tcp 127.0.0.1:${ports[0]}`],
        [1, 'attached', `tcp 127.0.0.1:${ports[1]}`],
      ]);
      expect(((await (await fetch(`${c}/modems/1/log`)).json()) as { entries: { line: string }[] }).entries.map((e) => e.line)).toEqual(['AT']);
      const unprefixed = await fetch(`${c}/state`);
      expect(unprefixed.status).toBe(404);
      expect(((await unprefixed.json()) as { error: string }).error).toBe('this control API serves 2 modems: use /modems/<i>/state (GET /modems lists them)');
      const r = await fetch(`${c}/modems/0/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"signal","params":{"rssi":3}}' });
      expect(r.status).toBe(201);
      expect(await d.ok('AT+CSQ')).toEqual(['+CSQ: 18,0']); // modem 1 is left alone
    } finally {
      await d.close();
    }
    expect((await cli.stop()).code).toBe(0);
  });

  it('--scenario-trace: the trace next to the result; the result and the summary line point at the failed step\'s record', async () => {
    const scenario = path.join(dir, 'fail.json');
    fs.writeFileSync(scenario, JSON.stringify({ name: 'needs mqtt', steps: [{ at: '0s', fault: 'signal', params: { rssi: 9 } }, { at: '0s', expect: { smstate: 1 }, within: '200ms' }] }));
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    const result = path.join(out, 'result.json');
    const cli = await startCli(['--tcp', '127.0.0.1:0', '--broker-port', '0', '--broker-tls-port', 'off', '--scenario', scenario, '--scenario-result', result, '--scenario-trace', '--log-level', 'warn']);
    const d = await DteClient.connectTcp(cli.port);
    await d.ok('AT');
    const exit = await cli.exited;
    await d.close();
    expect(exit.code).toBe(1);
    const traceFile = path.join(out, 'result.trace.jsonl');
    const r = JSON.parse(fs.readFileSync(result, 'utf8')) as { trace: string; failed: { index: number; trace: number; why: string }; steps: { trace: number }[] };
    expect(r.trace).toBe(traceFile);
    expect(r.failed).toMatchObject({ index: 1, why: 'smstate expected 1, got 0', trace: r.steps[1].trace });
    expect(cli.stderr()).toContain(`; trace ${traceFile} record ${r.failed.trace}\n`);
    const t = readTrace(traceFile);
    expect(t.complete).toBe(true);
    expect(t.records.find((x) => x.n === r.failed.trace)).toMatchObject({ k: 'step', index: 1, ok: false });
    expect(t.records.some((x) => x.k === 'rx' && x.d === 'AT\r')).toBe(true);
  });
});
