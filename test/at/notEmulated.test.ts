/**
 * A command the emulator lacks answers `ERROR` as the module does for an unknown name, and
 * the log says so once per name at `warn`, so a firmware author sees what is missing.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { createCatalog, type Catalog } from '../../src/commands';
import { DteClient } from '../../src/client/dteClient';
import { assembleModem } from '../../src/emulator';
import type { Modem } from '../../src/modem/modem';
import { InProcessPort } from '../../src/transport/inProcess';

interface LogLine {
  level: number;
  msg: string;
}

/** A modem whose log lines are collected; `catalog` lets two modems share one, as a fleet does. */
function modemWithLog(catalog: Catalog = createCatalog()): { dte: DteClient; modem: Modem; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write: (chunk: Buffer, _enc, done) => {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as LogLine);
      done();
    },
  });
  const modem = assembleModem({ catalog, log: pino({ level: 'info' }, sink) });
  return { dte: new DteClient(new InProcessPort(modem)), modem, lines };
}

const WARN = 40;
const notEmulated = (lines: LogLine[]) => lines.filter((l) => l.msg.startsWith('not emulated')).map((l) => [l.level, l.msg]);

const open: { dte: DteClient; modem: Modem }[] = [];
afterEach(async () => {
  for (const m of open.splice(0)) {
    await m.dte.close();
    m.modem.powerDown();
  }
});

it('each unknown name is logged once at warn, in any form, spacing or case; known names never', async () => {
  const m = modemWithLog();
  open.push(m);
  const { dte } = m;
  await dte.send('AT');
  await dte.send('ATE0');
  for (const line of ['AT+XYZ', 'AT+XYZ', 'AT+XYZ?', 'AT + xyz=1', 'AT+XYZ=?', 'ATY', 'AT&Q', 'AT*CNTI?', 'AT+CMEE=2;+HTTPXYZ']) {
    expect((await dte.send(line)).raw).toBe('\r\nERROR\r\n');
  }
  // A known command with a form it lacks, or a bad value, is not "not emulated".
  expect((await dte.send('AT+CSQ?')).final).toBe('ERROR');
  expect((await dte.send('AT+CFUN=7')).final).toBe('+CME ERROR: Invalid input value');
  expect(notEmulated(m.lines)).toEqual([
    [WARN, 'not emulated: AT+XYZ'],
    [WARN, 'not emulated: ATY'],
    [WARN, 'not emulated: AT&Q'],
    [WARN, 'not emulated: AT*CNTI'],
    [WARN, 'not emulated: AT+HTTPXYZ'],
  ]);
});

it('modems sharing a command table (a fleet) report a name once between them', async () => {
  const catalog = createCatalog();
  const a = modemWithLog(catalog);
  const b = modemWithLog(catalog);
  open.push(a, b);
  for (const m of [a, b]) {
    await m.dte.send('AT');
    expect((await m.dte.send('AT+XYZ')).final).toBe('ERROR');
  }
  expect(notEmulated([...a.lines, ...b.lines])).toEqual([[WARN, 'not emulated: AT+XYZ']]);
});

it('a DTE sending random names cannot grow the log without end: 256 names, then one line saying so', async () => {
  const m = modemWithLog();
  open.push(m);
  await m.dte.send('AT');
  for (let i = 0; i < 300; i++) expect((await m.dte.send(`AT+N${i}`)).final).toBe('ERROR');
  const lines = notEmulated(m.lines);
  expect(lines).toHaveLength(257);
  expect(lines[255]).toEqual([WARN, 'not emulated: AT+N255']);
  expect(lines[256]).toEqual([WARN, 'not emulated: more than 256 command names; no more are logged']);
});
