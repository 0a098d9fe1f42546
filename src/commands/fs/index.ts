/**
 * The FS family (docs/tls.md, the file system): files in the module's flash, written through the `> `
 * data prompt. Paths come unquoted (`AT+FSCREATE=C:\USER\HENRY_SSL.CRT`); quoted works
 * too. The store is modem/fileSystem.ts; this table says forms, ranges and answers.
 */
import { int, optional, str } from '../../at/args';
import { CME } from '../../at/cme';
import { cme, type Final } from '../../at/result';
import { fileSystem } from '../features';
import { form, type Command, type Ctx, type Family } from '../family';
import { numericSetting } from '../setting';
import { FS_LIMITS, isFsFailure, type FsFailure } from './fileSystem';

/** The module's flash, per modem: read back from `<state-dir>/fs/` when first used. The control API shows it as `files`. */

/** File failures as CME codes (plain ERROR under CMEE=0). Also used by the SSL family. */
export const FS_ERROR: Readonly<Record<FsFailure, number>> = {
  badPath: CME.invalidInput, // 765: another drive, `..`, a name too long or with bad characters
  notFound: CME.notFound, // 22
  exists: CME.notAllowed, // 3: FSCREATE/FSMKDIR of an existing name
  notEmpty: CME.notAllowed, // 3: FSRMDIR of a directory with entries
  full: CME.memoryFull, // 20: no flash left, or no entry left
  io: CME.memoryFailure, // 23: the state dir could not be written
};

export const fsResult = (r: FsFailure | null): Final | void => (r ? cme(FS_ERROR[r]) : undefined);
const store = (ctx: Ctx) => ctx.modem.feature(fileSystem);

const FILE = str('file');

const hexMode = (ctx: Ctx) => ctx.modem.settings.fshex === 1;

function fromHex(data: Buffer): Buffer | null {
  const text = data.toString('latin1');
  return /^(?:[0-9A-Fa-f]{2})*$/.test(text) ? Buffer.from(text, 'hex') : null;
}

/**
 * AT+FSWRITE: checks first (no prompt for a missing file or no room), then `> ` and
 * exactly `size` bytes (twice as many hex digits with AT+FSHEX=1). Too few within the
 * timeout: CME 767 and nothing is stored (docs/decisions.md, File system).
 */
async function writeFile(ctx: Ctx, file: string, append: boolean, size: number, timeoutS: number): Promise<Final | void> {
  const pre = store(ctx).checkWrite(file, size, append);
  if (pre) return fsResult(pre);
  const hex = hexMode(ctx);
  const got = await ctx.prompt(hex ? size * 2 : size, timeoutS * 1000);
  if (got === null) return cme(CME.operationFailed);
  const data = hex ? fromHex(got) : got;
  if (!data) return cme(CME.invalidInput);
  return fsResult(store(ctx).write(file, data, append));
}

/** AT+FSREAD: the bytes framed like one information line, `\r\n<data>\r\n`, then OK. */
function readFile(ctx: Ctx, file: string, fromPosition: boolean, len: number, position: number | undefined): Final | void {
  const data = store(ctx).read(file);
  if (isFsFailure(data)) return fsResult(data);
  if (fromPosition && position === undefined) return cme(CME.paramCountShort);
  const start = fromPosition ? position! : 0;
  if (start > data.length) return cme(CME.invalidInput);
  const part = data.subarray(start, start + len);
  if (part.length > 0) ctx.info(hexMode(ctx) ? part.toString('hex').toUpperCase() : part.toString('latin1'));
}

/** A command taking one directory path (`C:\USER\DIR\`, the trailing `\` optional). */
function dirCommand(name: string, run: (ctx: Ctx, dir: string) => Final | void): Command {
  return { name, test: [], write: form([str('dir')], (ctx, [dir]) => run(ctx, dir)) };
}

const commands: Command[] = [
  {
    name: '+FSCREATE',
    test: [],
    write: form([FILE], (ctx, [file]) => fsResult(store(ctx).create(file))),
  },
  {
    name: '+FSWRITE',
    test: [],
    // <file>,<mode 0 overwrite | 1 append>,<size>,<input timeout in s>
    write: form([FILE, int('mode', { min: 0, max: 1 }), int('size', { min: 1, max: FS_LIMITS.transferMax }), int('timeout', { min: 1, max: 65535 })], (ctx, [file, mode, size, timeout]) =>
      writeFile(ctx, file, mode === 1, size, timeout),
    ),
  },
  {
    name: '+FSREAD',
    test: [],
    // <file>,<mode 0 from the start | 1 from position>,<len>[,<position>]
    write: form([FILE, int('mode', { min: 0, max: 1 }), int('len', { min: 1, max: FS_LIMITS.transferMax }), optional(int('position', { min: 0, max: FS_LIMITS.capacity }))], (ctx, [file, mode, len, position]) =>
      readFile(ctx, file, mode === 1, len, position),
    ),
  },
  {
    name: '+FSDEL',
    test: [],
    write: form([FILE], (ctx, [file]) => fsResult(store(ctx).remove(file))),
  },
  {
    name: '+FSRENAME',
    test: [],
    write: form([FILE, str('new')], (ctx, [from, to]) => fsResult(store(ctx).rename(from, to))),
  },
  {
    name: '+FSFLSIZE',
    test: [],
    write: form([FILE], (ctx, [file]) => {
      const data = store(ctx).read(file);
      if (isFsFailure(data)) return fsResult(data);
      ctx.info(`+FSFLSIZE: ${data.length}`);
    }),
  },
  dirCommand('+FSLS', (ctx, dir) => {
    const names = store(ctx).list(dir);
    if (isFsFailure(names)) return fsResult(names);
    if (names.length > 0) ctx.info(...names);
  }),
  dirCommand('+FSMKDIR', (ctx, dir) => fsResult(store(ctx).mkdir(dir))),
  dirCommand('+FSRMDIR', (ctx, dir) => fsResult(store(ctx).rmdir(dir))),
  {
    name: '+FSMEM',
    test: [],
    exec: (ctx) => ctx.info(`+FSMEM: C:${store(ctx).free}bytes`),
  },
  {
    name: '+FSDRIVE',
    test: ['+FSDRIVE: (0-1)'],
    // 0 = the flash (C:); 1 = the first SD card drive, which this module has not.
    write: form([int('n', { min: 0, max: 1 })], (ctx, [n]) => (n === 0 ? ctx.info('+FSDRIVE: C') : cme(CME.notAllowed))),
  },
  numericSetting('+FSHEX', 'fshex', 1, ['+FSHEX: (0,1)']),
];

export const fs: Family = { name: 'fs', commands };
