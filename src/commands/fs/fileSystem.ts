/**
 * The module's flash file system (docs/tls.md): drive `C:` with the user area
 * `C:\USER\`, DOS-style paths, case-insensitive and case-preserving. Files live in memory
 * and, with a state directory, in `<stateDir>/fs/` as well, read back when the modem is
 * built, so certificates written by firmware survive an emulator restart.
 *
 * Limits are ours (the SIM800 documents none; docs/decisions.md, File system): 76288
 * bytes of free flash as a factory module reports (`+FSMEM: C:76288bytes`), names of
 * at most 64 characters from a safe set, paths of at most 160, 100 entries. Names
 * are checked before they reach the disk, so no path can leave the state directory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from 'pino';
import { silentLogger } from '../../log';

export const FS_LIMITS = {
  /** Bytes of free flash on an empty module. */
  capacity: 76288,
  /** Characters per file or directory name. */
  nameMax: 64,
  /** Characters of a whole path, `C:\` included. */
  pathMax: 160,
  /** Files and directories in the user area. */
  entries: 100,
  /** Bytes per AT+FSWRITE and per AT+FSREAD. */
  transferMax: 10240,
} as const;

/** Why a file operation failed; the command table maps each to a CME code. */
export type FsFailure = 'badPath' | 'notFound' | 'exists' | 'full' | 'notEmpty' | 'io';

export const isFsFailure = (v: unknown): v is FsFailure => typeof v === 'string';

/** DOS-safe characters; `\`, `/`, `:`, `,`, `;`, `"`, `*`, `?`, control bytes are not among them. */
const NAME_RE = /^[A-Za-z0-9_.\-~!#$%&'()@^{}+ ]+$/;
const USER = 'USER';

interface Entry {
  /** Names below `C:\` as created, e.g. ['USER', 'HENRY_SSL.CRT']. */
  segments: string[];
  dir: boolean;
  data: Buffer;
}

interface Location {
  segments: string[];
  key: string;
}

const keyOf = (segments: readonly string[]) => segments.map((s) => s.toUpperCase()).join('\\');

function validName(name: string): boolean {
  return name.length <= FS_LIMITS.nameMax && NAME_RE.test(name) && !/^\.+$/.test(name) && name.trim() === name;
}

/**
 * `C:\USER\NAME` (a file) or `C:\USER\DIR\` / `C:\USER\DIR` / `C:\` (a directory). Only
 * drive C: exists (no SD card); everything but the root listing lies in the user area.
 */
export function parseFsPath(text: string, kind: 'file' | 'dir'): Location | 'badPath' {
  const t = text.trim();
  if (t.length === 0 || t.length > FS_LIMITS.pathMax) return 'badPath';
  const m = /^[Cc]:\\(.*)$/.exec(t);
  if (!m) return 'badPath';
  let rest = m[1];
  if (rest.endsWith('\\')) {
    if (kind === 'file') return 'badPath';
    rest = rest.slice(0, -1);
  }
  const segments = rest === '' ? [] : rest.split('\\');
  if (segments.length === 0) return kind === 'dir' ? { segments, key: '' } : 'badPath';
  if (segments[0].toUpperCase() !== USER || !segments.every(validName)) return 'badPath';
  if (kind === 'file' && segments.length < 2) return 'badPath';
  segments[0] = USER;
  return { segments, key: keyOf(segments) };
}

const EMPTY = Buffer.alloc(0);

export class FileSystem {
  private readonly entries = new Map<string, Entry>();
  /** `<stateDir>/fs`, or null for memory only. */
  private readonly root: string | null;

  constructor(stateDir?: string, private readonly log: Logger = silentLogger) {
    this.entries.set('', { segments: [], dir: true, data: EMPTY });
    this.entries.set(USER, { segments: [USER], dir: true, data: EMPTY });
    this.root = stateDir ? path.resolve(stateDir, 'fs') : null;
    if (this.root) this.load(path.join(this.root, USER), [USER]);
  }

  get used(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.data.length;
    return n;
  }

  get free(): number {
    return Math.max(0, FS_LIMITS.capacity - this.used);
  }

  // ---- files --------------------------------------------------------------------------

  create(file: string): FsFailure | null {
    return this.add(file, 'file');
  }

  /** Whether `size` bytes may be written (checked before the data prompt). */
  checkWrite(file: string, size: number, append: boolean): FsFailure | null {
    const e = this.file(file);
    if (isFsFailure(e)) return e;
    return this.free + (append ? 0 : e.data.length) >= size ? null : 'full';
  }

  write(file: string, data: Buffer, append: boolean): FsFailure | null {
    const check = this.checkWrite(file, data.length, append);
    if (check) return check;
    const e = this.file(file) as Entry;
    return this.commit({ ...e, data: append ? Buffer.concat([e.data, data]) : Buffer.from(data) });
  }

  read(file: string): Buffer | FsFailure {
    const e = this.file(file);
    return isFsFailure(e) ? e : e.data;
  }

  remove(file: string): FsFailure | null {
    const e = this.file(file);
    if (isFsFailure(e)) return e;
    return this.drop(e);
  }

  /** Renames or moves a file; a bare new name keeps the directory. */
  rename(from: string, to: string): FsFailure | null {
    const e = this.file(from);
    if (isFsFailure(e)) return e;
    const name = to.trim();
    const target = parseFsPath(/^[A-Za-z]:/.test(name) ? name : `C:\\${[...e.segments.slice(0, -1), name].join('\\')}`, 'file');
    if (target === 'badPath') return target;
    if (target.key === keyOf(e.segments)) return 'exists';
    const room = this.roomFor(target, 0);
    if (room) return room;
    const moved: Entry = { ...e, segments: target.segments };
    if (this.root) {
      try {
        fs.renameSync(this.diskPath(e.segments), this.diskPath(moved.segments));
      } catch (err) {
        return this.ioFailure('rename', err);
      }
    }
    this.entries.delete(keyOf(e.segments));
    this.entries.set(target.key, moved);
    return null;
  }

  // ---- directories --------------------------------------------------------------------

  /** Names in a directory, sorted, directories marked with a trailing `\`. */
  list(dir: string): string[] | FsFailure {
    const d = this.dir(dir);
    if (isFsFailure(d)) return d;
    return this.children(d)
      .map((c) => c.segments[c.segments.length - 1] + (c.dir ? '\\' : ''))
      .sort((a, b) => a.toUpperCase().localeCompare(b.toUpperCase()));
  }

  mkdir(dir: string): FsFailure | null {
    return this.add(dir, 'dir');
  }

  rmdir(dir: string): FsFailure | null {
    const d = this.dir(dir);
    if (isFsFailure(d)) return d;
    if (d.segments.length < 2) return 'badPath'; // C:\ and C:\USER\ stay
    if (this.children(d).length > 0) return 'notEmpty';
    return this.drop(d);
  }

  // ---- lookups --------------------------------------------------------------------------

  /** Every file below C:\USER\, depth first, with its size: the control API's `files`. */
  snapshot(): { path: string; size: number }[] {
    const out: { path: string; size: number }[] = [];
    const walk = (dir: string) => {
      const names = this.list(dir);
      if (typeof names === 'string') return;
      for (const n of names) {
        if (n.endsWith('\\')) walk(dir + n);
        else {
          const data = this.read(dir + n);
          out.push({ path: dir + n, size: typeof data === 'string' ? 0 : data.length });
        }
      }
    };
    walk('C:\\USER\\');
    return out;
  }

  private file(file: string): Entry | FsFailure {
    const at = parseFsPath(file, 'file');
    if (at === 'badPath') return at;
    const e = this.entries.get(at.key);
    return e && !e.dir ? e : 'notFound';
  }

  private dir(dir: string): Entry | FsFailure {
    const at = parseFsPath(dir, 'dir');
    if (at === 'badPath') return at;
    const e = this.entries.get(at.key);
    return e?.dir ? e : 'notFound';
  }

  private children(d: Entry): Entry[] {
    const depth = d.segments.length + 1;
    const prefix = keyOf(d.segments);
    return [...this.entries.values()].filter((e) => e.segments.length === depth && keyOf(e.segments.slice(0, -1)) === prefix);
  }

  /** A new empty file or directory. */
  private add(text: string, kind: 'file' | 'dir'): FsFailure | null {
    const at = parseFsPath(text, kind);
    if (at === 'badPath') return at;
    return this.roomFor(at) ?? this.commit({ segments: at.segments, dir: kind === 'dir', data: EMPTY });
  }

  /** A new entry at `at` needs a free name, an existing parent directory and a free slot. */
  private roomFor(at: Location, slots = 1): FsFailure | null {
    if (this.entries.has(at.key)) return 'exists';
    if (!this.entries.get(keyOf(at.segments.slice(0, -1)))?.dir) return 'notFound';
    return this.entries.size - 2 + slots > FS_LIMITS.entries ? 'full' : null;
  }

  // ---- the mirror on disk ---------------------------------------------------------------

  /** Stores an entry on disk first (a file atomically), then in memory. */
  private commit(e: Entry): FsFailure | null {
    if (this.root) {
      const p = this.diskPath(e.segments);
      try {
        if (e.dir) fs.mkdirSync(p, { recursive: true });
        else {
          fs.mkdirSync(path.dirname(p), { recursive: true });
          // ',' cannot occur in a valid name, so the temporary file never shadows one.
          const tmp = path.join(path.dirname(p), `,tmp-${process.pid}`);
          fs.writeFileSync(tmp, e.data);
          fs.renameSync(tmp, p);
        }
      } catch (err) {
        return this.ioFailure('write', err);
      }
    }
    this.entries.set(keyOf(e.segments), e);
    return null;
  }

  private drop(e: Entry): FsFailure | null {
    if (this.root) {
      try {
        fs.rmSync(this.diskPath(e.segments), { recursive: false, force: true });
      } catch (err) {
        return this.ioFailure('delete', err);
      }
    }
    this.entries.delete(keyOf(e.segments));
    return null;
  }

  private diskPath(segments: readonly string[]): string {
    const root = this.root!;
    const p = path.resolve(root, ...segments);
    // Names were checked (no separators, no dot-only names); this is the backstop.
    if (!p.startsWith(root + path.sep)) throw new Error(`file system path escapes the state dir: ${p}`);
    return p;
  }

  private ioFailure(op: string, err: unknown): FsFailure {
    this.log.error({ op, err: (err as Error).message }, 'file system: state dir write failed');
    return 'io';
  }

  /** Reads a directory of the mirror; names the module could not have made are skipped. */
  private load(dirPath: string, segments: string[]): void {
    let dirents: fs.Dirent[];
    try {
      dirents = fs.readdirSync(dirPath, { withFileTypes: true });
    } catch {
      return; // no mirror yet
    }
    for (const d of dirents.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const s = [...segments, d.name];
      if (!validName(d.name) || this.entries.has(keyOf(s))) continue;
      const p = path.join(dirPath, d.name);
      if (d.isDirectory()) {
        this.entries.set(keyOf(s), { segments: s, dir: true, data: EMPTY });
        this.load(p, s);
      } else if (d.isFile()) {
        this.entries.set(keyOf(s), { segments: s, dir: false, data: fs.readFileSync(p) });
      }
    }
  }
}

/** The modem's file system: flash, so it outlives restarts (and, with a state dir, the process). */
