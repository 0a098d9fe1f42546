/**
 * The process's open-file limit (`ulimit -n`), and the one error line a process gives when
 * it runs out: every socket, pty and file is a descriptor, and past the limit the kernel
 * refuses new ones. libuv then accepts and closes a new TCP connection at once (it keeps a
 * spare descriptor for exactly that), so the DTE sees its connection dropped and nothing
 * reaches the emulator: which is why a fleet checks its needs against the limit at start.
 */
import * as fs from 'node:fs';
import type { Logger } from 'pino';

let knownLimit: number | null = null;

/**
 * The soft limit on open files, or null where it cannot be read (not Linux). Read once
 * and kept: Node cannot change it, and once the process is out of descriptors it cannot
 * open /proc/self/limits to read it either.
 */
export function openFileLimit(): number | null {
  if (knownLimit !== null) return knownLimit;
  try {
    const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    if (!m) return null;
    knownLimit = m[1] === 'unlimited' ? Infinity : Number(m[1]);
    return knownLimit;
  } catch {
    return null;
  }
}

/** Descriptors open now, or null where they cannot be counted. */
export function openFileCount(): number | null {
  try {
    return fs.readdirSync('/proc/self/fd').length;
  } catch {
    return null;
  }
}

export const isFdExhaustion = (err: unknown): boolean => {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'EMFILE' || code === 'ENFILE';
};

let reported = false;

/** Logs the first running-out of descriptors in this process, once, at `error`. */
export function reportFdExhaustion(log: Logger, err: NodeJS.ErrnoException, what: string): void {
  if (reported) return;
  reported = true;
  const limit = openFileLimit();
  log.error(
    { err: err.code, limit },
    `out of file descriptors (${err.code}): ${what}; raise the limit with \`ulimit -n\` (now ${limit ?? 'unknown'}) before starting`,
  );
}
