/**
 * Handlers that answer at once and handlers that answer later, in one line and in a row:
 * the engine runs the first kind synchronously and the second through a promise, and the
 * bytes on the wire must not tell the two apart. A handler that fails, either way, gives
 * ERROR and leaves the engine answering.
 */
import { extraCommandsDte, type Dte } from '../helpers/dte';
import type { Command as CommandDef } from '../../src/commands/family';
import { LINES_PER_TURN } from '../../src/at/engine';

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

describe('a DTE that sends its next line from inside its data handler', () => {
  it('still lets timers run while it floods, and every line is answered', async () => {
    const stream = dte.client.stream;
    const total = 3000;
    let answered = 0;
    let answeredWhenTimerFired = -1;
    setTimeout(() => (answeredWhenTimerFired = answered), 0);
    let acc = '';
    const done = new Promise<void>((resolve) => {
      stream.on('data', (d: Buffer) => {
        acc += d.toString('latin1');
        for (let i = acc.indexOf('\r\nOK\r\n'); i >= 0; i = acc.indexOf('\r\nOK\r\n')) {
          acc = acc.slice(i + 6);
          if (++answered === total) return resolve();
          stream.write(`AT+NOW\r`);
        }
      });
    });
    stream.write('AT+NOW\r');
    await done;
    expect(answeredWhenTimerFired).toBeGreaterThanOrEqual(0);
    expect(answeredWhenTimerFired).toBeLessThan(total);
    expect(acc).toBe('');
  });

  it('lines held for a turn are answered before a URC raised meanwhile, as if they had run', async () => {
    const lines = LINES_PER_TURN + 10;
    dte.write('AT+NOW\r'.repeat(lines));
    const oks = (text: string) => text.split('\r\nOK\r\n').length - 1;
    // The pump ran at most LINES_PER_TURN lines and holds the rest until the next turn.
    const answered = oks(dte.sinceMark());
    expect(answered).toBeGreaterThan(0);
    expect(answered).toBeLessThanOrEqual(LINES_PER_TURN);
    dte.modem.urc('+HELD: 1');
    await dte.settle();
    const out = dte.sinceMark();
    // The first held line would have run before the URC came: its answer goes first.
    expect(oks(out.slice(0, out.indexOf('+HELD: 1')))).toBe(answered + 1);
    expect(oks(out)).toBe(lines);
  });
});
