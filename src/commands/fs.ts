/**
 * The FS family (AT-REFERENCE §7): files in the module's flash, written through the `> `
 * data prompt. Paths come unquoted (`AT+FSCREATE=C:\USER\HENRY_SSL.CRT`); quoted works
 * too. The store is modem/fileSystem.ts; this table says forms, ranges and answers.
 */
import type { ParamSpec } from '../at/args';
import type { CommandContext, CommandDef } from '../at/command';
import { CME } from '../at/cme';
import { cme, type Final } from '../at/result';
import { fileSystem, FS_LIMITS, isFsFailure, type FsFailure } from '../modem/fileSystem';
import { numericSetting } from './setting';

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
const store = (ctx: CommandContext) => fileSystem(ctx.modem);

const FILE: ParamSpec = { kind: 'string', name: 'file' };
const int = (name: string, min: number, max: number, optional = false): ParamSpec => ({ kind: 'int', name, min, max, optional });

const hexMode = (ctx: CommandContext) => ctx.modem.settings.fshex === 1;

function fromHex(data: Buffer): Buffer | null {
  const text = data.toString('latin1');
  return /^(?:[0-9A-Fa-f]{2})*$/.test(text) ? Buffer.from(text, 'hex') : null;
}

/**
 * AT+FSWRITE: checks first (no prompt for a missing file or no room), then `> ` and
 * exactly `size` bytes (twice as many hex digits with AT+FSHEX=1). Too few within the
 * timeout: CME 767 and nothing is stored (AT-REFERENCE §11 #5).
 */
async function writeFile(ctx: CommandContext, file: string, append: boolean, size: number, timeoutS: number): Promise<Final | void> {
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
function readFile(ctx: CommandContext, file: string, fromPosition: boolean, len: number, position: number | undefined): Final | void {
  const data = store(ctx).read(file);
  if (isFsFailure(data)) return fsResult(data);
  if (fromPosition && position === undefined) return cme(CME.paramCountShort);
  const start = fromPosition ? position! : 0;
  if (start > data.length) return cme(CME.invalidInput);
  const part = data.subarray(start, start + len);
  if (part.length > 0) ctx.info(hexMode(ctx) ? part.toString('hex').toUpperCase() : part.toString('latin1'));
}

/** A command taking one directory path (`C:\USER\DIR\`, the trailing `\` optional). */
function dirCommand(name: string, run: (ctx: CommandContext, dir: string) => Final | void): CommandDef {
  return { name, test: [], write: { params: [{ kind: 'string', name: 'dir' }], run: (ctx, [dir]) => run(ctx, dir as string) } };
}

export const fsCommands: CommandDef[] = [
  {
    name: '+FSCREATE',
    test: [],
    write: { params: [FILE], run: (ctx, [file]) => fsResult(store(ctx).create(file as string)) },
  },
  {
    name: '+FSWRITE',
    test: [],
    write: {
      // <file>,<mode 0 overwrite | 1 append>,<size>,<input timeout in s>
      params: [FILE, int('mode', 0, 1), int('size', 1, FS_LIMITS.transferMax), int('timeout', 1, 65535)],
      run: (ctx, [file, mode, size, timeout]) => writeFile(ctx, file as string, mode === 1, size as number, timeout as number),
    },
  },
  {
    name: '+FSREAD',
    test: [],
    write: {
      // <file>,<mode 0 from the start | 1 from position>,<len>[,<position>]
      params: [FILE, int('mode', 0, 1), int('len', 1, FS_LIMITS.transferMax), int('position', 0, FS_LIMITS.capacity, true)],
      run: (ctx, [file, mode, len, position]) => readFile(ctx, file as string, mode === 1, len as number, position as number | undefined),
    },
  },
  {
    name: '+FSDEL',
    test: [],
    write: { params: [FILE], run: (ctx, [file]) => fsResult(store(ctx).remove(file as string)) },
  },
  {
    name: '+FSRENAME',
    test: [],
    write: { params: [FILE, { kind: 'string', name: 'new' }], run: (ctx, [from, to]) => fsResult(store(ctx).rename(from as string, to as string)) },
  },
  {
    name: '+FSFLSIZE',
    test: [],
    write: {
      params: [FILE],
      run(ctx, [file]) {
        const data = store(ctx).read(file as string);
        if (isFsFailure(data)) return fsResult(data);
        ctx.info(`+FSFLSIZE: ${data.length}`);
      },
    },
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
    write: { params: [int('n', 0, 1)], run: (ctx, [n]) => (n === 0 ? ctx.info('+FSDRIVE: C') : cme(CME.notAllowed)) },
  },
  numericSetting('+FSHEX', 'fshex', 1, ['+FSHEX: (0,1)']),
];
