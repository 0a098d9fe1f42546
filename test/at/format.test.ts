import { frameBlock, frameFinal, finalText } from '../../src/at/format';
import { ERROR, OK, cme, text } from '../../src/at/result';

const V1 = { verbose: true, quiet: false, cmee: 0 };
const V0 = { verbose: false, quiet: false, cmee: 0 };

describe('frameBlock', () => {
  it('ATV1: one leading CR LF, lines separated by single CR LF, one trailing CR LF', () => {
    expect(frameBlock(['+CSQ: 18,0'], V1)).toBe('\r\n+CSQ: 18,0\r\n');
    expect(frameBlock(['SIMCOM_Ltd', 'SIMCOM_SIM800L', 'Revision:1418B05SIM800L24'], V1)).toBe(
      '\r\nSIMCOM_Ltd\r\nSIMCOM_SIM800L\r\nRevision:1418B05SIM800L24\r\n',
    );
  });

  it('ATV0: no leading CR LF', () => {
    expect(frameBlock(['+CSQ: 18,0'], V0)).toBe('+CSQ: 18,0\r\n');
  });
});

describe('frameFinal', () => {
  it('OK and ERROR, verbose and numeric', () => {
    expect(frameFinal(OK, V1)).toBe('\r\nOK\r\n');
    expect(frameFinal(ERROR, V1)).toBe('\r\nERROR\r\n');
    expect(frameFinal(OK, V0)).toBe('0\r');
    expect(frameFinal(ERROR, V0)).toBe('4\r');
  });

  it('CME under CMEE 0/1/2', () => {
    expect(frameFinal(cme(765), { ...V1, cmee: 0 })).toBe('\r\nERROR\r\n');
    expect(frameFinal(cme(765), { ...V1, cmee: 1 })).toBe('\r\n+CME ERROR: 765\r\n');
    expect(frameFinal(cme(765), { ...V1, cmee: 2 })).toBe('\r\n+CME ERROR: Invalid input value\r\n');
    expect(frameFinal(cme(3), { ...V1, cmee: 2 })).toBe('\r\n+CME ERROR: operation not allowed\r\n');
    expect(frameFinal(cme(10), { ...V1, cmee: 2 })).toBe('\r\n+CME ERROR: SIM not inserted\r\n');
  });

  it('CME under ATV0', () => {
    expect(frameFinal(cme(765), { ...V0, cmee: 0 })).toBe('4\r');
    expect(frameFinal(cme(765), { ...V0, cmee: 1 })).toBe('+CME ERROR: 765\r\n');
  });

  it('a code without a text falls back to its number under CMEE=2', () => {
    expect(frameFinal(cme(9999), { ...V1, cmee: 2 })).toBe('\r\n+CME ERROR: 9999\r\n');
  });

  it('text finals (SHUT OK) are framed like a line', () => {
    expect(frameFinal(text('SHUT OK'), V1)).toBe('\r\nSHUT OK\r\n');
    expect(frameFinal(text('SHUT OK'), V0)).toBe('SHUT OK\r\n');
  });

  it('ATQ1 suppresses every result code', () => {
    const Q = { ...V1, quiet: true, cmee: 2 };
    for (const f of [OK, ERROR, cme(3), text('SHUT OK')]) expect(frameFinal(f, Q)).toBe('');
  });

  it('none prints nothing', () => {
    expect(frameFinal({ kind: 'none' }, V1)).toBe('');
  });

  it('finalText is the final result line exactly as sent, under every ATV/ATQ/CMEE (what the AT log shows)', () => {
    const finals = [OK, ERROR, cme(3), cme(767), text('SHUT OK'), { kind: 'none' } as const];
    const under = (verbose: boolean, quiet: boolean, cmee: number) => finals.map((f) => finalText(f, { verbose, quiet, cmee }));
    expect(under(true, false, 0)).toEqual(['OK', 'ERROR', 'ERROR', 'ERROR', 'SHUT OK', '']);
    expect(under(true, false, 1)).toEqual(['OK', 'ERROR', '+CME ERROR: 3', '+CME ERROR: 767', 'SHUT OK', '']);
    expect(under(true, false, 2)).toEqual(['OK', 'ERROR', '+CME ERROR: operation not allowed', '+CME ERROR: Operation failed', 'SHUT OK', '']);
    expect(under(false, false, 0)).toEqual(['0', '4', '4', '4', 'SHUT OK', '']);
    expect(under(false, true, 2)).toEqual(['', '', '', '', '', '']);
    // It is frameFinal's line without the framing, for every combination.
    for (const verbose of [true, false])
      for (const quiet of [true, false])
        for (const cmee of [0, 1, 2])
          for (const f of finals) {
            const s = { verbose, quiet, cmee };
            expect(frameFinal(f, s).replace(/^\r\n/, '').replace(/\r\n?$/, '')).toBe(finalText(f, s));
          }
  });
});
