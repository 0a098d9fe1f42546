/**
 * Every shipped scenario (fixtures/scenarios/*.yaml) against the reference firmware
 * (fixtures/firmware.py), as the README's walk-through runs them: the built CLI with
 * --scenario on a TCP port, the firmware a separate process on that port, talking AT only.
 * The emulator's exit code and result file are the verdict; the firmware ends by itself
 * when the emulator closes the wire.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { killAllClis, startCli } from '../helpers/cli';
import { loadScenarioFile } from '../../src/scenario';

const ROOT = path.join(__dirname, '..', '..');
const FIRMWARE = path.join(ROOT, 'fixtures', 'firmware.py');
const SCENARIOS = fs
  .readdirSync(path.join(ROOT, 'fixtures', 'scenarios'))
  .filter((f) => /\.ya?ml$|\.json$/.test(f))
  .sort();

const python = spawnSync('python3', ['--version']).status === 0;

let dir: string;
const firmwares = new Set<ChildProcess>();
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scn-fw-'));
});
afterEach(async () => {
  for (const f of firmwares) f.kill('SIGKILL');
  firmwares.clear();
  await killAllClis();
});

function startFirmware(port: number): { output(): string; exited: Promise<number | null> } {
  const child = spawn('python3', [FIRMWARE, '--tcp', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  firmwares.add(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { output: () => out, exited: new Promise((r) => child.on('exit', (code) => r(code))) };
}

it('python3 is there to run the reference firmware (CI installs it: .ci/run)', () => {
  // A missing python3 fails here, by name, instead of every scenario below failing obscurely.
  expect({ python3: python }).toEqual({ python3: true });
});

it('the fixtures hold the scenarios the README walks through', () => {
  expect(SCENARIOS).toEqual(expect.arrayContaining(['reconnect.yaml', 'broker-outage.yaml', 'module-reboot.yaml']));
});

describe.each(SCENARIOS)('%s against fixtures/firmware.py', (name) => {
  it('passes: exit 0, every step ok, the summary line says PASS', async () => {
    const file = path.join(ROOT, 'fixtures', 'scenarios', name);
    const scenario = loadScenarioFile(file);
    const result = path.join(dir, `${name}.json`);
    const cli = await startCli(['--tcp', '127.0.0.1:0', '--broker-port', '0', '--broker-tls-port', 'off', '--scenario', file, '--scenario-result', result, '--log-level', 'warn']);
    const fw = startFirmware(cli.port);
    const exit = await cli.exited;
    const fwCode = await fw.exited;
    const why = `\n--- emulator stderr\n${cli.stderr()}\n--- firmware\n${fw.output()}`;
    expect({ code: exit.code, why }).toEqual({ code: 0, why });
    const r = JSON.parse(fs.readFileSync(result, 'utf8')) as { passed: boolean; steps: { ok: boolean }[] };
    expect(r.passed).toBe(true);
    expect(r.steps.map((s) => s.ok)).toEqual(scenario.steps.map(() => true));
    expect(cli.stderr()).toContain(`scenario "${scenario.name}": PASS (${scenario.steps.length} steps`);
    // The firmware saw the wire close and stopped by itself.
    expect({ fwCode, why }).toEqual({ fwCode: 0, why });
    expect(fw.output()).toContain('firmware: online');
    expect(fw.output()).toContain('firmware: the modem went away (wire closed)');
  }, 120_000);
});
