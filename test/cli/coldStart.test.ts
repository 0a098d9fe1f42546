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
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const CLI = path.join(__dirname, '..', '..', 'dist', 'cli', 'main.js');

/**
 * Runs the CLI's main() in a child that reports, just before the ready line is written
 * (main.js's onReady), the packages and modules loaded and the command families
 * initialised at that moment, as a JSON line on stdout. With `connect`, it first connects
 * to the broker's port and waits for a CONNACK; with `dte`, it sends `line` to the
 * modem's TCP port and waits for its final result, then reports again.
 */
const PROBE = `
const [cli, mode, sent, ...args] = process.argv.slice(1);
const fs = require('node:fs');
const packages = () => [...new Set(Object.keys(require.cache).map((f) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(f)?.[1]).filter(Boolean))];
const ours = () => Object.keys(require.cache).map((f) => /\\/(dist\\/.*)$/.exec(f)?.[1]).filter(Boolean);
const report = (o) => {
  fs.writeSync(1, JSON.stringify(o) + '\\n');
  process.exit(0);
};
const emu = require(cli);
emu.onReady((readyLine) => {
  const line = readyLine.trim();
  const atReady = packages();
  const families = emu.loadedFamilies();
  if (mode === 'connect') {
    const port = Number(/broker=mqtt:\\/\\/127\\.0\\.0\\.1:(\\d+)/.exec(line)[1]);
    const s = require('node:net').connect(port, '127.0.0.1', () => {
      // MQTT 3.1.1 CONNECT, clean session, client id "p".
      s.write(Buffer.from([0x10, 13, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 2, 0, 30, 0, 1, 0x70]));
    });
    s.once('data', (d) => report({ line, atReady, families, connack: [...d], afterConnect: packages() }));
  } else if (mode === 'dte') {
    const port = Number(/tcp=127\\.0\\.0\\.1:(\\d+)/.exec(line)[1]);
    let answer = '';
    const s = require('node:net').connect(port, '127.0.0.1', () => s.write(sent + '\\r'));
    s.setEncoding('latin1');
    s.on('data', (d) => {
      answer += d;
      if (/\\r\\n(OK|ERROR|\\+CME ERROR: \\d+)\\r\\n$/.test(answer)) report({ line, atReady, families, answer, familiesAfter: emu.loadedFamilies() });
    });
  } else {
    report({ line, atReady, ours: ours(), start: emu.startInfo(), families });
  }
});
emu.main(args);
`;

interface ProbeResult {
  line: string;
  atReady: string[];
  /** The command families initialised when the ready line was written. */
  families: string[];
  /** With `dte`: what the modem answered to the line, and the families initialised then. */
  answer?: string;
  familiesAfter?: string[];
  /** Our modules in require.cache (`dist/...`). */
  ours?: string[];
  start?: { from: string; cache: string };
  stderr: string;
  connack?: number[];
  afterConnect?: string[];
}

function probe(args: string[], mode: '-' | 'connect' | 'dte' = '-', env?: NodeJS.ProcessEnv, sent = ''): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', PROBE, CLI, mode, sent, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      // The report is the JSON line; with connect or dte the ready line came before it.
      const json = out.split('\n').find((l) => l.startsWith('{'));
      if (code !== 0 || json === undefined) reject(new Error(`probe exited ${code}: ${err.trim()}`));
      else resolve({ ...(JSON.parse(json) as ProbeResult), stderr: err });
    });
  });
}

/** A command family's module in dist/ (a file, or a folder's index). */
const FAMILY_MODULE = /^dist\/commands\/(basic|identity|network|device|clock|bearer|azure|compat|(mqtt|tcpip|fs|ssl|http|sms|call)\/index)\.js$/;
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
    // Every command family waits for the first use of one of its commands.
    expect(r.families).toEqual([]);
    expect(r.stderr).toBe('');
  });

  it('the first command of a family loads that family alone and answers as the module does', async () => {
    const identity = await probe(START, 'dte', undefined, 'AT+CGMI');
    expect(identity.families).toEqual([]);
    expect(identity.answer).toBe('AT+CGMI\r\r\nSIMCOM_Ltd\r\n\r\nOK\r\n');
    expect(identity.familiesAfter).toEqual(['identity']);
    // A family with per-modem state: the session is made on that first command.
    const mqtt = await probe(START, 'dte', undefined, 'AT+SMSTATE?');
    expect(mqtt.answer).toBe('AT+SMSTATE?\r\r\n+SMSTATE: 0\r\n\r\nOK\r\n');
    expect(mqtt.familiesAfter).toEqual(['mqtt']);
    // A basic command, then two families on one line; a name no family has loads nothing.
    const line = await probe(START, 'dte', undefined, 'ATE0+CSQ;+CGMR');
    expect(line.answer).toBe('ATE0+CSQ;+CGMR\r\r\n+CSQ: 18,0\r\n\r\nRevision:1418B05SIM800L24\r\n\r\nOK\r\n');
    expect(line.familiesAfter).toEqual(['basic', 'identity', 'network']);
    const unknown = await probe(START, 'dte', undefined, 'AT+NOSUCH');
    expect(unknown.answer).toBe('AT+NOSUCH\r\r\nERROR\r\n');
    expect(unknown.familiesAfter).toEqual([]);
  });

  it('a start at info loads pino for the lines it logs before the ready line, and logs them', async () => {
    const r = await probe(START.map((a) => (a === 'warn' ? 'info' : a)));
    expect(r.atReady).toContain('pino');
    expect(r.atReady.filter((p) => DEFERRED.includes(p))).toEqual([]);
    expect(r.stderr).toContain('"msg":"embedded broker listening"');
  });

  it('with SIM800_EMU_UNBUNDLED=1 the same start runs from the module tree', async () => {
    const r = await probe(START, '-', { SIM800_EMU_UNBUNDLED: '1' });
    expect(r.line).toMatch(/^sim800-emu ready tcp=/);
    expect(r.start).toEqual({ from: 'modules', cache: 'none' });
    expect(r.ours).toEqual(expect.arrayContaining(['dist/cli/main.js', 'dist/cli/run.js', 'dist/emulator.js', 'dist/at/engine.js']));
    expect(r.atReady).toEqual(['commander']);
    // No family's module (commands/<family>.js or commands/<family>/index.js) is loaded.
    expect(r.ours?.filter((f) => FAMILY_MODULE.test(f))).toEqual([]);
    expect(r.families).toEqual([]);
  });

  it('the first broker connection loads aedes and is answered with a CONNACK accepted', async () => {
    const r = await probe(START, 'connect');
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

describe('the ready line: one synchronous write to fd 1', () => {
  it('on a full non-blocking pipe (EAGAIN) the CLI hands the line to process.stdout, which delivers it after what was in the pipe', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim800-ready-'));
    const fifo = path.join(dir, 'stdout');
    execFileSync('mkfifo', [fifo]);
    const r = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const w = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    let child: ReturnType<typeof spawn> | undefined;
    try {
      // Fill the pipe: the CLI's write of its ready line finds no room (EAGAIN).
      let filled = 0;
      for (;;) {
        try {
          filled += fs.writeSync(w, Buffer.alloc(4096, 'x'));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EAGAIN') break;
          throw err;
        }
      }
      child = spawn(process.execPath, [CLI, ...START], { stdio: ['ignore', w, 'ignore'] });
      fs.closeSync(w);
      // process.stdout writes a pipe synchronously: the CLI waits in the kernel's pipe write
      // for a reader to make room (Linux: /proc/PID/wchan), alive and not failed.
      const pid = child.pid!;
      await until(() => child!.exitCode !== null || /pipe/.test(fs.readFileSync(`/proc/${pid}/wchan`, 'utf8')), 'the CLI to wait on the full pipe');
      expect(child.exitCode).toBeNull();
      let out = Buffer.alloc(0);
      const buf = Buffer.alloc(65536);
      await until(() => {
        try {
          out = Buffer.concat([out, buf.subarray(0, fs.readSync(r, buf))]);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        }
        return out.length > filled && out.includes(0x0a, filled);
      }, 'the ready line in the pipe');
      expect(out.subarray(0, filled).every((b) => b === 0x78)).toBe(true);
      expect(out.subarray(filled).toString('latin1')).toMatch(/^sim800-emu ready tcp=127\.0\.0\.1:\d+ broker=mqtt:\/\/127\.0\.0\.1:\d+ broker-tls=mqtts:\/\/127\.0\.0\.1:\d+\n$/);
      expect(child.exitCode).toBeNull();
    } finally {
      // The reader goes first: a CLI still waiting on the full pipe gets EPIPE instead of
      // waiting on (its event loop, and so its SIGTERM handler, is held by the write).
      fs.closeSync(r);
      if (child && child.exitCode === null) {
        const exited = new Promise((res) => child!.once('exit', res));
        child.kill('SIGKILL');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Polls cond every 10 ms; fails after 15 s, naming what it waited for. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 10));
  }
}
