/**
 * Handlers that answer at once and handlers that answer later, in one line and in a row:
 * the engine runs the first kind synchronously and the second through a promise, and the
 * bytes on the wire must not tell the two apart. A handler that fails, either way, gives
 * ERROR and leaves the engine answering.
 */
import { extraCommandsDte, type Dte } from '../helpers/dte';
import type { CommandDef } from '../../src/at/command';

const later = <T>(value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), 5));

const EXTRA: CommandDef[] = [
  { name: '+NOW', exec: (ctx) => ctx.info('+NOW: 1') },
  {
    name: '+NOWURC',
    exec: (ctx) => {
      ctx.modem.urc('+U: 1');
      ctx.info('+NOWURC: 1');
    },
  },
  {
    name: '+LATER',
    exec: async (ctx) => {
      await later(null);
      ctx.info('+LATER: 1');
    },
  },
  { name: '+LATERERR', exec: () => later({ kind: 'cme' as const, code: 4 }) },
  {
    name: '+BOOM',
    exec: () => {
      throw new Error('sync failure');
    },
  },
  { name: '+BOOMLATER', exec: () => later(null).then(() => Promise.reject(new Error('async failure'))) },
];

let dte: Dte;
beforeEach(async () => {
  dte = await extraCommandsDte(EXTRA);
});
afterEach(async () => {
  await dte.close();
});

describe('handlers that answer at once and later, mixed', () => {
  it('one line: at once, later, at once; one OK at the end', async () => {
    expect(await dte.exchange('AT+NOW;+LATER;+NOW')).toBe('\r\n+NOW: 1\r\n\r\n+LATER: 1\r\n\r\n+NOW: 1\r\n\r\nOK\r\n');
  });

  it('an error after a wait ends the line there', async () => {
    await dte.exchange('AT+CMEE=1');
    expect(await dte.exchange('AT+NOW;+LATERERR;+NOW')).toBe('\r\n+NOW: 1\r\n\r\n+CME ERROR: 4\r\n');
  });

  it('lines sent in one write are answered in order, whichever kind each is', async () => {
    expect(await dte.exchange('AT+LATER\rAT+NOW\rAT+LATER\rAT+NOW\r', { raw: true })).toBe(
      '\r\n+LATER: 1\r\n\r\nOK\r\n\r\n+NOW: 1\r\n\r\nOK\r\n\r\n+LATER: 1\r\n\r\nOK\r\n\r\n+NOW: 1\r\n\r\nOK\r\n',
    );
  });

  it('a handler that throws gives ERROR, at once or later, and the next line is answered', async () => {
    expect(await dte.exchange('AT+BOOM\rAT+NOW\r', { raw: true })).toBe('\r\nERROR\r\n\r\n+NOW: 1\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+NOW;+BOOMLATER;+NOW\rAT\r', { raw: true })).toBe('\r\n+NOW: 1\r\n\r\nERROR\r\n\r\nOK\r\n');
  });

  it('a URC raised by a handler that answers at once still comes after its OK', async () => {
    expect(await dte.exchange('AT+NOWURC;+NOW')).toBe('\r\n+NOWURC: 1\r\n\r\n+NOW: 1\r\n\r\nOK\r\n\r\n+U: 1\r\n');
  });
});
