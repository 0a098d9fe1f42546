/**
 * Non-volatile state on disk (the AT&W profile, flash files, the SIM's message store) is
 * written so that a crash or `kill -9` at any moment leaves either the old file or the
 * new one, never an empty or half-written one: write a temporary file beside the target,
 * fsync it, rename it over the target, fsync the directory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Temporary files are named `,tmp-<pid>-<n>` so that a later start can find and remove them. */
export const TEMP_PREFIX = ',tmp-';
let counter = 0;

export function writeFileAtomic(file: string, data: string | Buffer, mode?: number): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `${TEMP_PREFIX}${process.pid}-${counter++}`);
  const fd = fs.openSync(tmp, 'w', mode ?? 0o644);
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  syncDir(dir);
}

/** Makes a rename durable; some file systems refuse fsync on a directory, which changes nothing here. */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Removes temporary files a killed process left in `dir` (and its subdirectories); returns how many. */
export function removeStaleTemps(dir: string): number {
  let removed = 0;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) removed += removeStaleTemps(p);
    else if (e.name.startsWith(TEMP_PREFIX)) {
      fs.rmSync(p, { force: true });
      removed++;
    }
  }
  return removed;
}
