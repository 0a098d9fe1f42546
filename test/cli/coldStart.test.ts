/**
 * What the built CLI has loaded when it prints its ready line: the default start checks
 * flags, opens its listeners and prints one line, so the packages only a file, a broker
 * connection or an MQTT session needs (zod, aedes and its packet parser, mqtt.js,
 * node-forge) are not loaded yet, nor pino while nothing is logged at the chosen level.
 * Each is loaded on first use (bench/README.md, cold start); the same start with a
 * config file loads zod, a broker connection aedes, a start at `info` pino. Our own code
 * and commander come from one file, dist/cli/run.bundle.js, compiled with V8's code
 * cache (src/cli/main.ts); SIM800_EMU_UNBUNDLED=1 loads the module tree instead.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const CLI = path.join(__dirname, '..', '..', 'dist', 'cli', 'main.js');

/**
 * Runs the CLI's main() in a child whose first stdout write (the ready line) reports the
 * packages in require.cache at that moment; with `connect`, after connecting to the
 * broker's port and waiting for a CONNACK, it reports them again.
 */
const PROBE = `
const [cli, connect, ...args] = process.argv.slice(1);
const packages = () => [...new Set(Object.keys(require.cache).map((f) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(f)?.[1]).filter(Boolean))];
const ours = () => Object.keys(require.cache).map((f) => /\\/(dist\\/.*)$/.exec(f)?.[1]).filter(Boolean);
const write = process.stdout.write.bind(process.stdout);
let reported = false;
process.stdout.write = (chunk, ...rest) => {
  if (reported) return write(chunk, ...rest);
  reported = true;
  const line = String(chunk).trim();
  const atReady = packages();
  if (connect !== 'connect') {
    write(JSON.stringify({ line, atReady, ours: ours(), start: require(cli).startInfo() }) + '\\n', () => process.exit(0));
    return true;
  }
  const port = Number(/broker=mqtt:\\/\\/127\\.0\\.0\\.1:(\\d+)/.exec(line)[1]);
  const s = require('node:net').connect(port, '127.0.0.1', () => {
    // MQTT 3.1.1 CONNECT, clean session, client id "p".
    s.write(Buffer.from([0x10, 13, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 2, 0, 30, 0, 1, 0x70]));
  });
  s.once('data', (d) => write(JSON.stringify({ line, atReady, connack: [...d], afterConnect: packages() }) + '\\n', () => process.exit(0)));
  return true;
};
require(cli).main(args);
`;

interface ProbeResult {
  line: string;
  atReady: string[];
  /** Our modules in require.cache (`dist/...`). */
  ours?: string[];
  start?: { from: string; cache: string };
  stderr: string;
  connack?: number[];
  afterConnect?: string[];
}

function probe(args: string[], connect = false, env?: NodeJS.ProcessEnv): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', PROBE, CLI, connect ? 'connect' : '-', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0 || !out.includes('\n')) reject(new Error(`probe exited ${code}: ${err.trim()}`));
      else resolve({ ...(JSON.parse(out.split('\n')[0]) as ProbeResult), stderr: err });
    });
  });
}

const DEFERRED = ['zod', 'aedes', 'mqtt-packet', 'mqtt', 'node-forge'];
const START = ['--tcp', '127.0.0.1:0', '--broker-port', '0', '--broker-tls-port', '0', '--log-level', 'warn'];

describe('cold start: what is loaded at the ready line', () => {
  it('the default start at warn ran from the bundle with its code cache and loaded no package from node_modules', async () => {
    const r = await probe(START);
    expect(r.line).toMatch(/^sim800-emu ready tcp=127\.0\.0\.1:\d+ broker=mqtt:\/\/127\.0\.0\.1:\d+ broker-tls=mqtts:\/\/127\.0\.0\.1:\d+$/);
    // commander is in the bundle; pino waits for a line at warn; the rest for their first use.
    expect(r.atReady).toEqual([]);
    expect(r.ours).toEqual(['dist/cli/main.js']);
    expect(r.start).toEqual({ from: 'bundle', cache: 'accepted' });
    expect(r.stderr).toBe('');
  });

  it('a start at info loads pino for the lines it logs before the ready line, and logs them', async () => {
    const r = await probe(START.map((a) => (a === 'warn' ? 'info' : a)));
    expect(r.atReady).toContain('pino');
    expect(r.atReady.filter((p) => DEFERRED.includes(p))).toEqual([]);
    expect(r.stderr).toContain('"msg":"embedded broker listening"');
  });

  it('with SIM800_EMU_UNBUNDLED=1 the same start runs from the module tree', async () => {
    const r = await probe(START, false, { SIM800_EMU_UNBUNDLED: '1' });
    expect(r.line).toMatch(/^sim800-emu ready tcp=/);
    expect(r.start).toEqual({ from: 'modules', cache: 'none' });
    expect(r.ours).toEqual(expect.arrayContaining(['dist/cli/main.js', 'dist/cli/run.js', 'dist/emulator.js', 'dist/at/engine.js']));
    expect(r.atReady).toEqual(['commander']);
  });

  it('the first broker connection loads aedes and is answered with a CONNACK accepted', async () => {
    const r = await probe(START, true);
    expect(r.atReady).not.toContain('aedes');
    expect(r.connack).toEqual([0x20, 2, 0, 0]);
    expect(r.afterConnect).toEqual(expect.arrayContaining(['aedes', 'mqtt-packet']));
  });

  it('a start with a config file has loaded zod to check it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim800-cold-'));
    try {
      const file = path.join(dir, 'config.json');
      fs.writeFileSync(file, JSON.stringify({ seed: 7 }));
      const r = await probe([...START, '--config', file]);
      expect(r.atReady).toContain('zod');
      expect(r.atReady).not.toContain('aedes');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
