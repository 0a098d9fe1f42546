/**
 * The state directory (--state-dir): the module's non-volatile memory on disk. Opening it
 * at start-up checks everything a late `AT&W` would otherwise find out:
 *
 * - it exists or can be created, and is a directory we can create files in (else an
 *   OptionError: one line, exit 2), without ever spinning on a file system that answers
 *   mkdir oddly (procfs says ENOENT for a directory whose parent exists: Node's recursive
 *   mkdirSync retries that for ever);
 * - one emulator uses it at a time: a lock file holds the owner's PID (and the process's
 *   start time, so a PID reused by another process does not count as the owner); a lock
 *   whose owner is gone is taken over;
 * - temporary files a killed run left behind (atomicFile.ts) are removed.
 *
 * The lock goes when the emulator stops, or when the process exits without stopping.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from 'pino';
import { removeStaleTemps } from './atomicFile';
import { OptionError } from './optionError';

/** The lock file's name inside the state directory. */
export const LOCK_FILE = 'emulator.lock';

/**
 * Creates `dir` and its missing parents one level at a time. Unlike the recursive
 * mkdirSync, a level that cannot be made is an error at once, never a retry.
 */
export function makeDir(dir: string): void {
  const target = path.resolve(dir);
  const missing: string[] = [];
  for (let d = target; ; d = path.dirname(d)) {
    let st: fs.Stats | null = null;
    try {
      st = fs.statSync(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (st) {
      if (!st.isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${d}'`), { code: 'ENOTDIR', path: d });
      break;
    }
    missing.push(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !fs.statSync(d).isDirectory()) throw err;
    }
  }
}

/** Start time of a process in clock ticks since boot (Linux), or null where unknown. */
function startTimeOf(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name, which may itself hold spaces and parentheses.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function isRunning(pid: number, startTime: string | null): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // The PID lives: the same process only if it started when the lock says.
  if (startTime) {
    const now = startTimeOf(pid);
    if (now !== null && now !== startTime) return false;
  }
  return true;
}

/** State directories this process holds, so a second emulator in the same process is refused too. */
const held = new Set<string>();
let exitHook = false;

function releaseAllAtExit(): void {
  for (const dir of held) removeOwnLock(dir);
}

function lockText(): string {
  return `${process.pid}\n${startTimeOf(process.pid) ?? ''}\n`;
}

function removeOwnLock(dir: string): void {
  const file = path.join(dir, LOCK_FILE);
  try {
    if (fs.readFileSync(file, 'utf8').split('\n')[0] === String(process.pid)) fs.unlinkSync(file);
  } catch {
    // already gone
  }
}

export interface StateDirOptions {
  /** Names the option in error messages (default `--state-dir`). */
  option?: string;
  /** Where the removal of temporary files is reported (none by default: this module loads no logger). */
  log?: Logger;
}

export class StateDir {
  private released = false;

  private constructor(readonly dir: string) {}

  /**
   * Makes the directory ready for one emulator: created, writable, locked, cleaned of
   * temporary files. Throws an OptionError of one line when it cannot be.
   */
  static open(dir: string, opts: StateDirOptions = {}): StateDir {
    const option = opts.option ?? '--state-dir';
    const abs = path.resolve(dir);
    const why = (err: unknown) => (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    try {
      makeDir(abs);
    } catch (err) {
      throw new OptionError(option, `${option} ${dir}: cannot create the directory (${why(err)})`);
    }
    if (held.has(abs)) throw new OptionError(option, `${option} ${dir} is in use by another emulator in this process (one emulator per state dir)`);
    lock(abs, dir, option);
    held.add(abs);
    if (!exitHook) {
      exitHook = true;
      process.once('exit', releaseAllAtExit);
    }
    const removed = removeStaleTemps(abs);
    if (removed > 0) opts.log?.info({ dir: abs, removed }, 'removed temporary files a killed run left in the state dir');
    return new StateDir(abs);
  }

  /** Lets another emulator have the directory. */
  release(): void {
    if (this.released) return;
    this.released = true;
    removeOwnLock(this.dir);
    held.delete(this.dir);
  }
}

/**
 * Takes the lock: created exclusively, so of two emulators starting at once one wins. A
 * lock whose owner is gone (killed, crashed) is removed and taken.
 */
function lock(abs: string, shown: string, option: string): void {
  const file = path.join(abs, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = fs.openSync(file, 'wx', 0o644);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new OptionError(option, `${option} ${shown}: cannot write in the directory (${code ?? (err as Error).message})`);
      const owner = readLock(file);
      if (owner && owner.pid !== process.pid && isRunning(owner.pid, owner.startTime)) {
        throw new OptionError(option, `${option} ${shown} is in use by another sim800-emu (pid ${owner.pid}): one emulator per state dir`);
      }
      // The owner is gone (or it was this PID in an earlier life): take the lock over.
      fs.rmSync(file, { force: true });
      continue;
    }
    try {
      fs.writeSync(fd, lockText());
      fs.fsyncSync(fd);
    } catch (err) {
      fs.closeSync(fd);
      fs.rmSync(file, { force: true });
      throw new OptionError(option, `${option} ${shown}: cannot write in the directory (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    fs.closeSync(fd);
    return;
  }
  throw new OptionError(option, `${option} ${shown}: cannot take the lock ${LOCK_FILE}: another emulator keeps taking it`);
}

function readLock(file: string): { pid: number; startTime: string | null } | null {
  try {
    const [pid, start] = fs.readFileSync(file, 'utf8').split('\n');
    const n = Number(pid);
    return Number.isInteger(n) && n > 0 ? { pid: n, startTime: start || null } : null;
  } catch {
    return null;
  }
}
