/**
 * The state dir at start-up: one emulator per directory (a PID lock, a dead owner's lock
 * taken over), a directory that cannot be created or written refused at once with one
 * line and exit 2 (procfs included, without spinning), and temporary files a killed run
 * left removed.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TEMP_PREFIX } from '../../src/atomicFile';
import { startEmulator } from '../../src/emulator';
import { startFleet } from '../../src/fleet';
import { OptionError } from '../../src/optionError';
import { LOCK_FILE, makeDir, StateDir } from '../../src/stateDir';
import { killAllClis, runCli, startCli } from '../helpers/cli';
import { useTempDir } from '../helpers/tmp';

const tmp = useTempDir('sim800-statedir-');
const ARGS = ['--tcp', '127.0.0.1:0', '--broker-port', '0', '--broker-tls-port', 'off', '--log-level', 'warn'];

afterEach(() => killAllClis());

/** A PID that is not running: a child that has already exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('one emulator per state dir', () => {
  it('a second CLI on the same dir exits 2 with one line naming the first one\'s PID', async () => {
    const dir = tmp();
    const first = await startCli([...ARGS, '--state-dir', dir]);
    expect(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8').split('\n')[0]).toBe(String(first.child.pid));
    const second = await runCli([...ARGS, '--state-dir', dir]);
    expect(second.code).toBe(2);
    expect(second.stdout).toBe('');
    expect(second.stderr).toBe(`sim800-emu: --state-dir ${dir} is in use by another sim800-emu (pid ${first.child.pid}): one emulator per state dir\n`);
    // The first one stops cleanly and lets the directory go.
    expect((await first.stop('SIGTERM')).code).toBe(0);
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    const third = await startCli([...ARGS, '--state-dir', dir]);
    expect(third.readyLine).toMatch(/^sim800-emu ready tcp=/);
  });

  it('a lock left by a killed emulator is taken over', async () => {
    const dir = tmp();
    const first = await startCli([...ARGS, '--state-dir', dir]);
    await first.stop('SIGKILL');
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(true); // nobody removed it
    const second = await startCli([...ARGS, '--state-dir', dir]);
    expect(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8').split('\n')[0]).toBe(String(second.child.pid));
  });

  it('in-process: a second emulator on the dir is refused with an OptionError; a dead PID\'s lock, or a garbled one, is taken', async () => {
    const dir = tmp();
    const emu = await startEmulator({ stateDir: dir, tcp: false, broker: 'direct' });
    try {
      const second = startEmulator({ stateDir: dir, tcp: false, broker: 'direct' });
      await expect(second).rejects.toBeInstanceOf(OptionError);
      await expect(startEmulator({ stateDir: dir, tcp: false, broker: 'direct' })).rejects.toThrow(
        `--state-dir ${dir} is in use by another emulator in this process (one emulator per state dir)`,
      );
    } finally {
      await emu.stop();
    }
    for (const stale of [`${deadPid()}\n`, 'not a pid\n', '']) {
      fs.writeFileSync(path.join(dir, LOCK_FILE), stale);
      const again = await startEmulator({ stateDir: dir, tcp: false, broker: 'direct' });
      expect(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8').split('\n')[0]).toBe(String(process.pid));
      await again.stop();
    }
  });

  it('a live PID that started at another time (the PID was reused) does not hold the lock', async () => {
    const dir = tmp();
    // PID 1 is alive, but it started at another tick than the lock says.
    const stat = fs.readFileSync('/proc/1/stat', 'utf8');
    const started = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    fs.writeFileSync(path.join(dir, LOCK_FILE), `1\n${started + 1}\n`);
    const emu = await startEmulator({ stateDir: dir, tcp: false, broker: 'direct' });
    await emu.stop();
  });

  it('a fleet locks its directory and each modem its own modem-<i> below it', async () => {
    const dir = tmp();
    const fleet = await startFleet({ modems: 3, tcp: { port: 0 }, broker: 'direct', stateDir: dir });
    try {
      expect(fs.readdirSync(dir).sort()).toEqual([LOCK_FILE, 'modem-0', 'modem-1', 'modem-2']);
      for (let i = 0; i < 3; i++) expect(fs.existsSync(path.join(dir, `modem-${i}`, LOCK_FILE))).toBe(true);
      await expect(startFleet({ modems: 1, tcp: { port: 0 }, broker: 'direct', stateDir: dir })).rejects.toBeInstanceOf(OptionError);
      await expect(startEmulator({ stateDir: path.join(dir, 'modem-1'), tcp: false, broker: 'direct' })).rejects.toBeInstanceOf(OptionError);
    } finally {
      await fleet.stop();
    }
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });
});

describe('a state dir that cannot be used is a start-up error', () => {
  /** Runs the CLI to its end; the limit is what a spin would exceed. */
  const run = (dir: string) => runCli([...ARGS, '--state-dir', dir]);

  it('under a regular file: cannot be created, exit 2, one line', async () => {
    const file = path.join(tmp(), 'file');
    fs.writeFileSync(file, '');
    const r = await run(path.join(file, 'state'));
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toBe(`sim800-emu: --state-dir ${path.join(file, 'state')}: cannot create the directory (ENOTDIR)\n`);
  });

  it('on procfs (/proc/self): refused at once, no spinning', async () => {
    const r = await run('/proc/self');
    expect(r).toMatchObject({ code: 2, signal: null, stdout: '' });
    expect(r.stderr).toMatch(/^sim800-emu: --state-dir \/proc\/self: cannot write in the directory \([A-Z]+\)\n$/);
  });

  it('below procfs (/proc/self/state): refused at once, no spinning', async () => {
    const r = await run('/proc/self/state');
    expect(r).toMatchObject({ code: 2, signal: null, stdout: '' });
    expect(r.stderr).toMatch(/^sim800-emu: --state-dir \/proc\/self\/state: cannot create the directory \([A-Z]+\)\n$/);
  });

  it('makeDir makes missing levels and fails where a level cannot be made, instead of retrying', () => {
    const dir = path.join(tmp(), 'a', 'b', 'c');
    makeDir(dir);
    expect(fs.statSync(dir).isDirectory()).toBe(true);
    makeDir(dir); // already there
    expect(() => makeDir('/proc/self/fs/USER')).toThrow();
    expect(() => StateDir.open('/proc/self/fs')).toThrow(OptionError);
  });
});

describe('leftovers of a killed run', () => {
  it('temporary files (,tmp-…, the old ,tmp-PID too) are removed at start; flash files stay', async () => {
    const dir = tmp();
    const user = path.join(dir, 'fs', 'USER');
    fs.mkdirSync(user, { recursive: true });
    fs.writeFileSync(path.join(user, 'KEEP.TXT'), 'kept');
    fs.writeFileSync(path.join(dir, `${TEMP_PREFIX}4242-0`), '{"half":');
    fs.writeFileSync(path.join(user, `${TEMP_PREFIX}4242`), 'half a file');
    const emu = await startEmulator({ stateDir: dir, tcp: false, broker: 'direct' });
    try {
      expect(fs.readdirSync(dir).filter((f) => f.startsWith(TEMP_PREFIX))).toEqual([]);
      expect(fs.readdirSync(user)).toEqual(['KEEP.TXT']);
      const dte = emu.connect();
      await dte.ok('AT');
      expect((await dte.send('AT+FSLS=C:\\USER\\')).lines).toEqual(['KEEP.TXT']);
      await dte.close();
    } finally {
      await emu.stop();
    }
  });
});
