/**
 * The FS family: exact bytes of every command, the FSWRITE data phase (raw bytes, split
 * writes, bytes after the count, timeout), limits, bad paths, directories, hex mode, and
 * files surviving an emulator restart on one state dir.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FS_LIMITS } from '../../src/commands/fs/fileSystem';
import { fakeClockDte, readyDte, type Dte } from '../helpers/dte';
import { useTempDir } from '../helpers/tmp';

const OK = '\r\nOK\r\n';
const ERR = '\r\nERROR\r\n';
const FILE = 'C:\\USER\\HENRY_SSL.CRT';

let dte: Dte;
afterEach(async () => {
  await dte?.close();
});

/** Every byte value, CR, LF and NUL among them. */
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

async function writeFile(file: string, data: Buffer, mode = 0): Promise<string> {
  expect(await dte.exchange(`AT+FSWRITE=${file},${mode},${data.length},10`)).toBe('\r\n> ');
  dte.mark();
  dte.write(data);
  await dte.settle();
  return dte.sinceMark();
}

describe('create, write, read (the note Example 2 steps)', () => {
  beforeEach(async () => {
    dte = await readyDte();
  });

  it('FSCREATE, FSWRITE with its prompt, FSFLSIZE, FSREAD: exact bytes', async () => {
    expect(await dte.exchange(`AT+FSCREATE=${FILE}`)).toBe(OK);
    const pem = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    expect(await writeFile(FILE, pem)).toBe(OK);
    expect(await dte.exchange(`AT+FSFLSIZE=${FILE}`)).toBe(`\r\n+FSFLSIZE: ${pem.length}\r\n${OK}`);
    expect(await dte.exchange(`AT+FSREAD=${FILE},0,${pem.length},0`)).toBe(`\r\n${pem.toString('latin1')}\r\n${OK}`);
  });

  it('stores every byte value exactly, the data arriving in pieces, and echoes none of it', async () => {
    await dte.exchange('ATE1');
    await dte.exchange(`AT+FSCREATE=${FILE}`);
    expect(await dte.exchange(`AT+FSWRITE=${FILE},0,256,10`)).toBe(`AT+FSWRITE=${FILE},0,256,10\r\r\n> `);
    dte.mark();
    for (let i = 0; i < 256; i += 64) {
      dte.write(ALL_BYTES.subarray(i, i + 64));
      await dte.settle();
    }
    expect(dte.sinceMark()).toBe(OK);
    await dte.exchange('ATE0');
    expect(await dte.exchange(`AT+FSREAD=${FILE},0,256,0`)).toBe(`\r\n${ALL_BYTES.toString('latin1')}\r\n${OK}`);
  });

  it('bytes after the count are ordinary input (TinyGSM sends CR LF; a command may follow at once)', async () => {
    await dte.exchange(`AT+FSCREATE=${FILE}`);
    await dte.exchange(`AT+FSWRITE=${FILE},0,5,10`);
    dte.mark();
    dte.write(`hello\r\nAT+FSFLSIZE=${FILE}\r`);
    await dte.settle();
    expect(dte.sinceMark()).toBe(`${OK}\r\n+FSFLSIZE: 5\r\n${OK}`);
  });

  it('the data may arrive in the same write as the command line', async () => {
    await dte.exchange(`AT+FSCREATE=${FILE}`);
    expect(await dte.exchange(`AT+FSWRITE=${FILE},0,3,10\rab\r`, { raw: true })).toBe(`\r\n> ${OK}`);
    expect(await dte.exchange(`AT+FSREAD=${FILE},0,10,0`)).toBe(`\r\nab\r\r\n${OK}`);
  });

  it('mode 0 overwrites, mode 1 appends', async () => {
    await dte.exchange(`AT+FSCREATE=${FILE}`);
    await writeFile(FILE, Buffer.from('first'));
    await writeFile(FILE, Buffer.from('-second'), 1);
    expect(await dte.exchange(`AT+FSREAD=${FILE},0,100,0`)).toBe(`\r\nfirst-second\r\n${OK}`);
    await writeFile(FILE, Buffer.from('new'), 0);
    expect(await dte.exchange(`AT+FSREAD=${FILE},0,100,0`)).toBe(`\r\nnew\r\n${OK}`);
  });

  it('FSREAD from a position, a length past the end, an empty read, a position past the end', async () => {
    await dte.exchange(`AT+FSCREATE=${FILE}`);
    await writeFile(FILE, Buffer.from('0123456789'));
    expect(await dte.exchange(`AT+FSREAD=${FILE},1,3,4`)).toBe(`\r\n456\r\n${OK}`);
    expect(await dte.exchange(`AT+FSREAD=${FILE},1,100,8`)).toBe(`\r\n89\r\n${OK}`);
    expect(await dte.exchange(`AT+FSREAD=${FILE},0,4`)).toBe(`\r\n0123\r\n${OK}`); // mode 0: position optional
    expect(await dte.exchange(`AT+FSREAD=${FILE},0,4,7`)).toBe(`\r\n0123\r\n${OK}`); // mode 0 ignores it
    expect(await dte.exchange(`AT+FSREAD=${FILE},1,5,10`)).toBe(OK); // nothing left: no data block
    await dte.exchange('AT+CMEE=1');
    expect(await dte.exchange(`AT+FSREAD=${FILE},1,5,11`)).toBe('\r\n+CME ERROR: 765\r\n');
    expect(await dte.exchange(`AT+FSREAD=${FILE},1,5`)).toBe('\r\n+CME ERROR: 791\r\n');
  });

  it('accepts quoted paths and any case (the name keeps the case it was created with)', async () => {
    expect(await dte.exchange('AT+FSCREATE="C:\\User\\Cert.pem"')).toBe(OK);
    await writeFile('c:\\USER\\CERT.PEM', Buffer.from('x'));
    expect(await dte.exchange('AT+FSFLSIZE="C:\\user\\cert.PEM"')).toBe(`\r\n+FSFLSIZE: 1\r\n${OK}`);
    expect(await dte.exchange('AT+FSLS=C:\\USER\\')).toBe(`\r\nCert.pem\r\n${OK}`);
    expect(await dte.exchange('AT+FSLS="C:\\USER"')).toBe(`\r\nCert.pem\r\n${OK}`);
    // `\"` is an escaped quote on the AT line (AT+SMPUB messages need it): the line never ends its string.
    expect(await dte.exchange('AT+FSLS="C:\\USER\\"')).toBe(ERR);
  });
});

describe('errors: the module answer, and the module keeps answering', () => {
  beforeEach(async () => {
    dte = await readyDte();
    await dte.exchange('AT+CMEE=1');
  });

  const expectThenAt = async (line: string, answer: string) => {
    expect(await dte.exchange(line)).toBe(answer);
    expect(await dte.exchange('AT')).toBe(OK);
  };

  it.each([
    ['another drive', 'D:\\USER\\A.TXT'],
    ['no drive', 'USER\\A.TXT'],
    ['outside the user area', 'C:\\A.TXT'],
    ['a system directory', 'C:\\SYS\\A.TXT'],
    ['dot-dot', 'C:\\USER\\..\\A.TXT'],
    ['dot-dot as the name', 'C:\\USER\\..'],
    ['a slash', 'C:\\USER\\A/B.TXT'],
    ['a wildcard', 'C:\\USER\\A*.TXT'],
    ['an empty name', 'C:\\USER\\\\A.TXT'],
    ['a directory path', 'C:\\USER\\'],
    ['a name of 65 characters', `C:\\USER\\${'N'.repeat(65)}`],
  ])('FSCREATE with %s → 765', async (_why, p) => {
    await expectThenAt(`AT+FSCREATE=${p}`, '\r\n+CME ERROR: 765\r\n');
  });

  it('a name of 64 characters is fine', async () => {
    expect(await dte.exchange(`AT+FSCREATE=C:\\USER\\${'N'.repeat(64)}`)).toBe(OK);
  });

  it('missing files: 22 (FSWRITE prompts for nothing); an existing file: 3; under CMEE=0 plain ERROR', async () => {
    await expectThenAt(`AT+FSWRITE=${FILE},0,10,10`, '\r\n+CME ERROR: 22\r\n');
    await expectThenAt(`AT+FSREAD=${FILE},0,10,0`, '\r\n+CME ERROR: 22\r\n');
    await expectThenAt(`AT+FSFLSIZE=${FILE}`, '\r\n+CME ERROR: 22\r\n');
    await expectThenAt(`AT+FSDEL=${FILE}`, '\r\n+CME ERROR: 22\r\n');
    await expectThenAt(`AT+FSCREATE=C:\\USER\\NODIR\\A.TXT`, '\r\n+CME ERROR: 22\r\n');
    await dte.exchange(`AT+FSCREATE=${FILE}`);
    await expectThenAt(`AT+FSCREATE=${FILE}`, '\r\n+CME ERROR: 3\r\n');
    await dte.exchange('AT+CMEE=0');
    await expectThenAt(`AT+FSCREATE=${FILE}`, ERR);
    await expectThenAt('AT+FSCREATE=D:\\X', ERR);
  });

  it('parameter ranges: mode 0..1, size 1..10240, timeout ≥ 1, counts', async () => {
    await dte.exchange(`AT+FSCREATE=${FILE}`);
    await expectThenAt(`AT+FSWRITE=${FILE},2,10,10`, '\r\n+CME ERROR: 765\r\n');
    await expectThenAt(`AT+FSWRITE=${FILE},0,0,10`, '\r\n+CME ERROR: 765\r\n');
    await expectThenAt(`AT+FSWRITE=${FILE},0,${FS_LIMITS.transferMax + 1},10`, '\r\n+CME ERROR: 765\r\n');
    await expectThenAt(`AT+FSWRITE=${FILE},0,10,0`, '\r\n+CME ERROR: 765\r\n');
    await expectThenAt(`AT+FSWRITE=${FILE},0,10`, '\r\n+CME ERROR: 791\r\n');
    await expectThenAt(`AT+FSWRITE=${FILE},0,10,10,1`, '\r\n+CME ERROR: 792\r\n');
    await expectThenAt('AT+FSWRITE', ERR); // no exec form
  });

  it('flash is 76288 bytes: FSMEM counts down, a write that does not fit is refused before the prompt (20)', async () => {
    expect(await dte.exchange('AT+FSMEM')).toBe(`\r\n+FSMEM: C:76288bytes\r\n${OK}`);
    const block = Buffer.alloc(FS_LIMITS.transferMax, 0x55);
    for (let i = 0; i < 7; i++) {
      await dte.exchange(`AT+FSCREATE=C:\\USER\\F${i}`);
      expect(await writeFile(`C:\\USER\\F${i}`, block)).toBe(OK);
    }
    const free = 76288 - 7 * FS_LIMITS.transferMax;
    expect(await dte.exchange('AT+FSMEM')).toBe(`\r\n+FSMEM: C:${free}bytes\r\n${OK}`);
    await dte.exchange('AT+FSCREATE=C:\\USER\\LAST');
    await expectThenAt(`AT+FSWRITE=C:\\USER\\LAST,0,${free + 1},10`, '\r\n+CME ERROR: 20\r\n');
    // Overwriting a file may reuse its own bytes; appending may not.
    expect(await writeFile('C:\\USER\\F0', Buffer.alloc(free + 10, 1))).toBe(OK);
    const left = FS_LIMITS.transferMax - 10;
    expect(await dte.exchange('AT+FSMEM')).toBe(`\r\n+FSMEM: C:${left}bytes\r\n${OK}`);
    await expectThenAt(`AT+FSWRITE=C:\\USER\\F1,1,${left + 1},10`, '\r\n+CME ERROR: 20\r\n');
    await dte.exchange('AT+FSDEL=C:\\USER\\F6');
    expect(await dte.exchange('AT+FSMEM')).toBe(`\r\n+FSMEM: C:${left + FS_LIMITS.transferMax}bytes\r\n${OK}`);
  });

  it(`at most ${FS_LIMITS.entries} entries in the user area`, async () => {
    for (let i = 0; i < FS_LIMITS.entries; i++) await dte.exchange(`AT+FSCREATE=C:\\USER\\E${i}`);
    await expectThenAt('AT+FSCREATE=C:\\USER\\ONEMORE', '\r\n+CME ERROR: 20\r\n');
    await expectThenAt('AT+FSMKDIR=C:\\USER\\D\\', '\r\n+CME ERROR: 20\r\n');
  });
});

describe('the FSWRITE input timeout', () => {
  it('too few bytes in time: ERROR (767 with CMEE), nothing stored, later bytes are commands', async () => {
    const d = await fakeClockDte();
    dte = d;
    await d.exchange('AT');
    await d.exchange('ATE0');
    await d.exchange(`AT+FSCREATE=${FILE}`);
    await writeFile(FILE, Buffer.from('kept'));
    expect(await d.exchange(`AT+FSWRITE=${FILE},0,10,2`)).toBe('\r\n> ');
    d.mark();
    d.write('abcd');
    await d.settle();
    d.clock.advance(1999);
    await d.settle();
    expect(d.sinceMark()).toBe('');
    d.clock.advance(1);
    await d.settle();
    expect(d.sinceMark()).toBe(ERR);
    expect(await d.exchange('AT')).toBe(OK);
    expect(await d.exchange(`AT+FSREAD=${FILE},0,100,0`)).toBe(`\r\nkept\r\n${OK}`);

    await d.exchange('AT+CMEE=2');
    await d.exchange(`AT+FSWRITE=${FILE},1,3,1`);
    d.mark();
    d.clock.advance(1000);
    await d.settle();
    expect(d.sinceMark()).toBe('\r\n+CME ERROR: Operation failed\r\n');
    expect(await d.exchange(`AT+FSFLSIZE=${FILE}`)).toBe(`\r\n+FSFLSIZE: 4\r\n${OK}`);
  });
});

describe('directories, listing, rename, delete, drive, test forms', () => {
  beforeEach(async () => {
    dte = await readyDte();
    await dte.exchange('AT+CMEE=1');
  });

  it('FSLS lists names sorted, directories with a trailing backslash; C:\\ holds USER\\', async () => {
    expect(await dte.exchange('AT+FSLS=C:\\USER\\')).toBe(OK); // empty
    expect(await dte.exchange('AT+FSLS=C:\\')).toBe(`\r\nUSER\\\r\n${OK}`);
    await dte.exchange('AT+FSCREATE=C:\\USER\\b.txt');
    await dte.exchange('AT+FSCREATE=C:\\USER\\A.TXT');
    expect(await dte.exchange('AT+FSMKDIR=C:\\USER\\certs\\')).toBe(OK);
    await dte.exchange('AT+FSCREATE=C:\\USER\\CERTS\\ROOT.PEM');
    expect(await dte.exchange('AT+FSLS=C:\\USER')).toBe(`\r\nA.TXT\r\nb.txt\r\ncerts\\\r\n${OK}`);
    expect(await dte.exchange('AT+FSLS=C:\\USER\\CERTS\\')).toBe(`\r\nROOT.PEM\r\n${OK}`);
    expect(await dte.exchange('AT+FSLS=C:\\USER\\NONE\\')).toBe('\r\n+CME ERROR: 22\r\n');
    expect(await dte.exchange('AT+FSLS=C:\\USER\\A.TXT')).toBe('\r\n+CME ERROR: 22\r\n'); // a file is no directory
  });

  it('FSMKDIR of an existing name: 3; FSRMDIR needs an empty directory and keeps C:\\USER', async () => {
    await dte.exchange('AT+FSMKDIR=C:\\USER\\D');
    expect(await dte.exchange('AT+FSMKDIR=C:\\USER\\D\\')).toBe('\r\n+CME ERROR: 3\r\n');
    await dte.exchange('AT+FSCREATE=C:\\USER\\D\\F');
    expect(await dte.exchange('AT+FSRMDIR=C:\\USER\\D\\')).toBe('\r\n+CME ERROR: 3\r\n');
    expect(await dte.exchange('AT+FSDEL=C:\\USER\\D\\F')).toBe(OK);
    expect(await dte.exchange('AT+FSRMDIR=C:\\USER\\D\\')).toBe(OK);
    expect(await dte.exchange('AT+FSRMDIR=C:\\USER\\')).toBe('\r\n+CME ERROR: 765\r\n');
    expect(await dte.exchange('AT+FSRMDIR=C:\\USER\\D\\')).toBe('\r\n+CME ERROR: 22\r\n');
  });

  it('FSRENAME to a full path or a bare name; the target must be free', async () => {
    await dte.exchange('AT+FSCREATE=C:\\USER\\A');
    await writeFile('C:\\USER\\A', Buffer.from('data'));
    await dte.exchange('AT+FSCREATE=C:\\USER\\TAKEN');
    expect(await dte.exchange('AT+FSRENAME=C:\\USER\\A,C:\\USER\\TAKEN')).toBe('\r\n+CME ERROR: 3\r\n');
    expect(await dte.exchange('AT+FSRENAME=C:\\USER\\A,B')).toBe(OK);
    expect(await dte.exchange('AT+FSREAD=C:\\USER\\B,0,10,0')).toBe(`\r\ndata\r\n${OK}`);
    expect(await dte.exchange('AT+FSFLSIZE=C:\\USER\\A')).toBe('\r\n+CME ERROR: 22\r\n');
    expect(await dte.exchange('AT+FSRENAME=C:\\USER\\B,D:\\B')).toBe('\r\n+CME ERROR: 765\r\n');
  });

  it('FSDRIVE: 0 is C; there is no SD card', async () => {
    expect(await dte.exchange('AT+FSDRIVE=0')).toBe(`\r\n+FSDRIVE: C\r\n${OK}`);
    expect(await dte.exchange('AT+FSDRIVE=1')).toBe('\r\n+CME ERROR: 3\r\n');
    expect(await dte.exchange('AT+FSDRIVE=?')).toBe(`\r\n+FSDRIVE: (0-1)\r\n${OK}`);
  });

  it.each(['+FSCREATE', '+FSWRITE', '+FSREAD', '+FSDEL', '+FSLS', '+FSFLSIZE', '+FSMEM', '+FSMKDIR', '+FSRMDIR', '+FSRENAME'])('AT%s=? → OK', async (cmd) => {
    expect(await dte.exchange(`AT${cmd}=?`)).toBe(OK);
  });
});

describe('AT+FSHEX', () => {
  beforeEach(async () => {
    dte = await readyDte();
    await dte.exchange('AT+CMEE=1');
  });

  it('with 1, FSWRITE takes two hex digits per byte and FSREAD prints hex; saved by AT&W', async () => {
    expect(await dte.exchange('AT+FSHEX?')).toBe(`\r\n+FSHEX: 0\r\n${OK}`);
    expect(await dte.exchange('AT+FSHEX=?')).toBe(`\r\n+FSHEX: (0,1)\r\n${OK}`);
    expect(await dte.exchange('AT+FSHEX=1')).toBe(OK);
    await dte.exchange(`AT+FSCREATE=${FILE}`);
    expect(await dte.exchange(`AT+FSWRITE=${FILE},0,3,10`)).toBe('\r\n> ');
    expect(await dte.exchange('000aFF', { raw: true })).toBe(OK);
    expect(await dte.exchange(`AT+FSREAD=${FILE},0,10,0`)).toBe(`\r\n000AFF\r\n${OK}`);
    expect(await dte.exchange(`AT+FSFLSIZE=${FILE}`)).toBe(`\r\n+FSFLSIZE: 3\r\n${OK}`);
    await dte.exchange(`AT+FSWRITE=${FILE},1,1,10`);
    expect(await dte.exchange('zz', { raw: true })).toBe('\r\n+CME ERROR: 765\r\n');
    await dte.exchange('AT&W;+FSHEX=0');
    expect(await dte.exchange(`AT+FSREAD=${FILE},0,10,0`)).toBe(`\r\n\x00\n\xff\r\n${OK}`);
    await dte.exchange('ATZ');
    expect(await dte.exchange('AT+FSHEX?')).toBe(`\r\n+FSHEX: 1\r\n${OK}`);
  });
});

describe('persistence: files are flash, kept in --state-dir', () => {
  const tmp = useTempDir('sim800-fs-');

  it('survive a module restart and an emulator restart, byte for byte', async () => {
    const dir = tmp();
    dte = await readyDte({ stateDir: dir });
    await dte.exchange(`AT+FSCREATE=${FILE}`);
    await writeFile(FILE, ALL_BYTES);
    await dte.exchange('AT+FSMKDIR=C:\\USER\\Sub\\');
    await dte.exchange('AT+FSCREATE=C:\\USER\\Sub\\x.bin');
    expect(fs.readFileSync(path.join(dir, 'fs', 'USER', 'HENRY_SSL.CRT'))).toEqual(ALL_BYTES);
    await dte.exchange('AT+CFUN=1,1');
    await dte.settle();
    await dte.close();

    dte = await readyDte({ stateDir: dir });
    expect(await dte.exchange(`AT+FSREAD=${FILE},0,256,0`)).toBe(`\r\n${ALL_BYTES.toString('latin1')}\r\n${OK}`);
    expect(await dte.exchange('AT+FSLS=C:\\USER\\')).toBe(`\r\nHENRY_SSL.CRT\r\nSub\\\r\n${OK}`);
    expect(await dte.exchange('AT+FSLS=C:\\USER\\SUB\\')).toBe(`\r\nx.bin\r\n${OK}`);
    expect(await dte.exchange('AT+FSMEM')).toBe(`\r\n+FSMEM: C:${76288 - 256}bytes\r\n${OK}`);
    await dte.exchange(`AT+FSDEL=${FILE}`);
    expect(fs.existsSync(path.join(dir, 'fs', 'USER', 'HENRY_SSL.CRT'))).toBe(false);
  });

  it('a state dir that cannot be written: CME 23, nothing changes, the module answers', async () => {
    const dir = tmp();
    // The atomic write's temporary name taken by a directory: the write fails.
    fs.mkdirSync(path.join(dir, 'fs', 'USER', `,tmp-${process.pid}`), { recursive: true });
    dte = await readyDte({ stateDir: dir });
    await dte.exchange('AT+CMEE=1');
    expect(await dte.exchange(`AT+FSCREATE=${FILE}`)).toBe('\r\n+CME ERROR: 23\r\n');
    expect(await dte.exchange('AT+FSLS=C:\\USER\\')).toBe(OK);
    expect(await dte.exchange('AT')).toBe(OK);
  });

  it('without a state dir nothing touches the disk; stray files in the mirror with impossible names are ignored', async () => {
    const dir = tmp();
    fs.mkdirSync(path.join(dir, 'fs', 'USER'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'fs', 'USER', 'bad,name'), 'x');
    fs.writeFileSync(path.join(dir, 'fs', 'USER', 'GOOD'), 'y');
    dte = await readyDte({ stateDir: dir });
    expect(await dte.exchange('AT+FSLS=C:\\USER\\')).toBe(`\r\nGOOD\r\n${OK}`);
  });
});
