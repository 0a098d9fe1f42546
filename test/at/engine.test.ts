/**
 * The AT engine end to end over the in-process wire: echo, framing, chains, forms,
 * errors under CMEE, A/, the line limit and the URC queue. Exact bytes throughout.
 */
import { fakeClockDte, readyDte, startDte, type Dte, type FakeClock } from '../helpers/dte';

let dte: Dte;
afterEach(async () => {
  await dte?.close();
});

describe('echo and prefixes', () => {
  it('echoes the line with its CR, then frames the result (ATE1 default)', async () => {
    dte = await startDte();
    expect(await dte.exchange('AT')).toBe('AT\r\r\nOK\r\n');
    expect(await dte.exchange('AT+CSQ')).toBe('AT+CSQ\r\r\n+CSQ: 18,0\r\n\r\nOK\r\n');
  });

  it.each(['at', 'aT', 'At'])('%s is a prefix too', async (p) => {
    dte = await readyDte();
    expect(await dte.exchange(`${p}+cgmi`)).toBe('\r\nSIMCOM_Ltd\r\n\r\nOK\r\n');
  });

  it('autobaud locks on lowercase at and echoes it as typed', async () => {
    dte = await startDte();
    expect(dte.received()).toBe('');
    expect(await dte.exchange('at')).toBe('at\r\r\nOK\r\n');
  });

  it('the LF of CR LF (drivers ending lines with \\r\\n) is neither echoed nor harmful', async () => {
    dte = await startDte();
    expect(await dte.exchange('AT\r\n', { raw: true })).toBe('AT\r\r\nOK\r\n');
    expect(await dte.exchange('AT+CGMI\r\nAT\r\n', { raw: true })).toBe('AT+CGMI\r\r\nSIMCOM_Ltd\r\n\r\nOK\r\nAT\r\r\nOK\r\n');
  });

  it('drops characters before AT (they are echoed as received)', async () => {
    dte = await startDte();
    await dte.exchange('AT');
    expect(await dte.exchange('xyz AT')).toBe('xyz AT\r\r\nOK\r\n');
    await dte.exchange('ATE0');
    expect(await dte.exchange('##ATI')).toBe('\r\nSIM800 R14.18\r\n\r\nOK\r\n');
  });

  it('ATE0 takes effect for the next line; ATE1 turns echo back on', async () => {
    dte = await startDte();
    await dte.exchange('AT');
    expect(await dte.exchange('ATE0')).toBe('ATE0\r\r\nOK\r\n');
    expect(await dte.exchange('AT')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('ATE1')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT')).toBe('AT\r\r\nOK\r\n');
  });

  it('A/ as the very first input runs the empty line (fixed rate, no sync needed)', async () => {
    dte = await startDte({ modem: { ipr: 115200 } });
    expect(await dte.exchange('A/', { raw: true })).toBe('A/\r\nOK\r\n');
  });

  it('backspace edits the line; its byte is echoed as received', async () => {
    dte = await startDte();
    await dte.exchange('AT');
    expect(await dte.exchange('AT+CGMX\bI')).toBe('AT+CGMX\bI\r\r\nSIMCOM_Ltd\r\n\r\nOK\r\n');
    // Erasing into the prefix and typing it again.
    expect(await dte.exchange('AT\b\bAT+GMI')).toBe('AT\b\bAT+GMI\r\r\nSIMCOM_Ltd\r\n\r\nOK\r\n');
  });
});

describe('empty lines, A/ and the 556-character limit', () => {
  beforeEach(async () => {
    dte = await readyDte();
  });

  it('empty AT answers OK; a CR alone answers nothing', async () => {
    expect(await dte.exchange('AT')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('')).toBe('');
  });

  it('A/ repeats the previous line at once, without CR', async () => {
    expect(await dte.exchange('AT+CGMM')).toBe('\r\nSIMCOM_SIM800L\r\n\r\nOK\r\n');
    expect(await dte.exchange('A/', { raw: true })).toBe('\r\nSIMCOM_SIM800L\r\n\r\nOK\r\n');
    expect(await dte.exchange('a/', { raw: true })).toBe('\r\nSIMCOM_SIM800L\r\n\r\nOK\r\n');
  });

  it('A/ executes the previous line again, state changes included', async () => {
    await dte.exchange('AT+SAPBR=3,1,"APN","internet"');
    expect(await dte.exchange('AT+CMEE=1;+SAPBR=1,1')).toBe('\r\nOK\r\n');
    // Opening again proves the repeat ran: the bearer is already open.
    expect(await dte.exchange('A/', { raw: true })).toBe('\r\n+CME ERROR: 3\r\n');
  });

  it('accepts 556 characters after AT', async () => {
    // AT+CGMI followed by ;+CGMI repeats, padded with spaces, exactly 556 after AT.
    let body = '+CGMI';
    while (body.length + 6 <= 556) body += ';+CGMI';
    body = body.padEnd(556, ' ');
    expect(body.length).toBe(556);
    const out = await dte.exchange('AT' + body);
    expect(out.endsWith('\r\nSIMCOM_Ltd\r\n\r\nOK\r\n')).toBe(true);
    expect(out.split('SIMCOM_Ltd').length - 1).toBe(body.split('+CGMI').length - 1);
  });

  it('557 characters: ERROR for the whole line, nothing of it executed', async () => {
    const body = '+CMEE=2;' + ' '.repeat(557 - 8);
    expect(await dte.exchange('AT' + body)).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CMEE?')).toBe('\r\n+CMEE: 0\r\n\r\nOK\r\n');
  });
});

describe('chains', () => {
  beforeEach(async () => {
    dte = await readyDte();
  });

  it('basic chains: ATE0V1, ATE0Q0V1&W', async () => {
    expect(await dte.exchange('ATE0V1')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('ATE0Q0V1&W')).toBe('\r\nOK\r\n');
  });

  it('extended chain: each information block in turn, one final OK (PYSIM capture of AT+GSV;+GSN)', async () => {
    expect(await dte.exchange('AT+GSV;+GSN')).toBe(
      '\r\nSIMCOM_Ltd\r\nSIMCOM_SIM800L\r\nRevision:1418B05SIM800L24\r\n\r\n866782041234567\r\n\r\nOK\r\n',
    );
  });

  it('mixed chain with the manual example line', async () => {
    // Echo is off while this line arrives; E1 applies from the next line on.
    expect(await dte.exchange('ATE1Q0S0=1S3=13V1X4;+IFC=0,0;+IPR=115200;&W')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('ATS0?;+IPR?')).toBe('ATS0?;+IPR?\r\r\n001\r\n\r\n+IPR: 115200\r\n\r\nOK\r\n');
  });

  it('stops at the first error: later commands are not executed', async () => {
    // +CMEE=1 runs, +CFUN=7 fails, +CMEE=2 must not run.
    expect(await dte.exchange('AT+CMEE=1;+CFUN=7;+CMEE=2')).toBe('\r\n+CME ERROR: 765\r\n');
    expect(await dte.exchange('AT+CMEE?')).toBe('\r\n+CMEE: 1\r\n\r\nOK\r\n');
    // An unknown command in the middle stops the chain the same way.
    expect(await dte.exchange('ATE1;+NOPE;E0')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT')).toBe('AT\r\r\nOK\r\n');
  });

  it('information printed before the failing command stays, then the error', async () => {
    expect(await dte.exchange('AT+CGMI;+CSQ?')).toBe('\r\nSIMCOM_Ltd\r\n\r\nERROR\r\n');
  });

  it('a malformed line answers ERROR and executes nothing', async () => {
    expect(await dte.exchange('AT+CMEE=2+CSQ')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('ATE1#')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT')).toBe('\r\nOK\r\n');
  });
});

describe('forms', () => {
  beforeEach(async () => {
    dte = await readyDte();
  });

  it('test, read, write, execute', async () => {
    expect(await dte.exchange('AT+CMEE=?')).toBe('\r\n+CMEE: (0-2)\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CMEE=2')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CMEE?')).toBe('\r\n+CMEE: 2\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CSQ')).toBe('\r\n+CSQ: 18,0\r\n\r\nOK\r\n');
  });

  it('a form a command lacks answers ERROR, whatever CMEE says', async () => {
    await dte.exchange('AT+CMEE=2');
    expect(await dte.exchange('AT+CSQ?')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CSQ=1')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CFUN')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+GSV=?')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('ATE?')).toBe('\r\nERROR\r\n');
  });

  it('an unknown command answers ERROR under every CMEE', async () => {
    for (const n of [0, 1, 2]) {
      await dte.exchange(`AT+CMEE=${n}`);
      expect(await dte.exchange('AT+FOO')).toBe('\r\nERROR\r\n');
      expect(await dte.exchange('ATY')).toBe('\r\nERROR\r\n');
    }
  });

  it('quoted strings, \\" escapes, omitted and empty parameters reach the handler', async () => {
    expect(await dte.exchange('AT+SAPBR=3,1,"APN","in\\"ter;net"')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+SAPBR=3,1,"USER",""')).toBe('\r\nOK\r\n');
    const listing = await dte.exchange('AT+SAPBR=4,1');
    expect(listing).toContain('\r\nAPN: in"ter;net\r\n');
    expect(listing).toContain('\r\nUSER: \r\n');
    // An omitted optional parameter: AT+CMEE= means 0.
    await dte.exchange('AT+CMEE=2');
    expect(await dte.exchange('AT+CMEE=')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CMEE?')).toBe('\r\n+CMEE: 0\r\n\r\nOK\r\n');
  });

  it('quoted numbers and spaces after commas are accepted (EWF-SC style)', async () => {
    expect(await dte.exchange('AT+CFUN="1", 0')).toBe('\r\nOK\r\n');
  });

  it('ranges: below, inside, above', async () => {
    await dte.exchange('AT+CMEE=1');
    expect(await dte.exchange('AT+CSCLK=-1')).toBe('\r\n+CME ERROR: 765\r\n');
    expect(await dte.exchange('AT+CSCLK=2')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CSCLK=3')).toBe('\r\n+CME ERROR: 765\r\n');
    expect(await dte.exchange('AT+CSCLK=0')).toBe('\r\nOK\r\n');
  });

  it('parameter count and format errors', async () => {
    await dte.exchange('AT+CMEE=1');
    expect(await dte.exchange('AT+CFUN=1,1,1')).toBe('\r\n+CME ERROR: 792\r\n');
    expect(await dte.exchange('AT+CFUN=')).toBe('\r\n+CME ERROR: 791\r\n');
    expect(await dte.exchange('AT+CFUN="1"x')).toBe('\r\n+CME ERROR: 795\r\n');
    expect(await dte.exchange('AT+CFUN=abc')).toBe('\r\n+CME ERROR: 765\r\n');
  });
});

describe('framing: ATV, ATQ, CMEE', () => {
  beforeEach(async () => {
    dte = await readyDte();
  });

  it('ATV0: information text without the leading CR LF, numeric result codes with CR only', async () => {
    expect(await dte.exchange('ATV0')).toBe('0\r');
    expect(await dte.exchange('AT+CSQ')).toBe('+CSQ: 18,0\r\n0\r');
    expect(await dte.exchange('AT+FOO')).toBe('4\r');
    expect(await dte.exchange('AT+GSV')).toBe('SIMCOM_Ltd\r\nSIMCOM_SIM800L\r\nRevision:1418B05SIM800L24\r\n0\r');
    expect(await dte.exchange('ATV1')).toBe('\r\nOK\r\n');
  });

  it('ATV0 with CMEE=1: the CME line is framed as information text', async () => {
    await dte.exchange('ATV0');
    await dte.exchange('AT+CMEE=1');
    expect(await dte.exchange('AT+CFUN=7')).toBe('+CME ERROR: 765\r\n');
    await dte.exchange('AT+CMEE=0');
    expect(await dte.exchange('AT+CFUN=7')).toBe('4\r');
  });

  it('ATQ1: no result codes, information text still sent; ATQ0 brings them back', async () => {
    expect(await dte.exchange('ATQ1')).toBe('');
    expect(await dte.exchange('AT+CSQ')).toBe('\r\n+CSQ: 18,0\r\n');
    expect(await dte.exchange('AT+FOO')).toBe('');
    await dte.exchange('AT+CMEE=2');
    expect(await dte.exchange('AT+CFUN=7')).toBe('');
    expect(await dte.exchange('ATQ0')).toBe('\r\nOK\r\n');
  });

  it('CMEE 0/1/2 for a bad value', async () => {
    expect(await dte.exchange('AT+CFUN=7')).toBe('\r\nERROR\r\n');
    await dte.exchange('AT+CMEE=1');
    expect(await dte.exchange('AT+CFUN=7')).toBe('\r\n+CME ERROR: 765\r\n');
    await dte.exchange('AT+CMEE=2');
    expect(await dte.exchange('AT+CFUN=7')).toBe('\r\n+CME ERROR: Invalid input value\r\n');
  });

  it('CMEE write out of range and its test form', async () => {
    expect(await dte.exchange('AT+CMEE=3')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CMEE?')).toBe('\r\n+CMEE: 0\r\n\r\nOK\r\n');
  });
});

/**
 * A modem whose every command line takes `ms` before it answers, on a clock only the test
 * moves: the answer is due at exactly the line's start + ms, whatever the machine's load.
 */
async function slowCommands(ms: number): Promise<Dte & { clock: FakeClock }> {
  const d = await fakeClockDte({ commandMs: ms });
  for (const line of ['AT', 'ATE0']) {
    d.write(line + '\r');
    await d.clock.advanceAsync(ms);
  }
  await d.settle();
  d.mark();
  return d;
}

/** Moves the clock by `ms` and returns the bytes the modem sent meanwhile. */
async function after(d: Dte & { clock: FakeClock }, ms: number): Promise<string> {
  d.mark();
  await d.clock.advanceAsync(ms);
  await d.settle();
  return d.sinceMark();
}

describe('URCs wait for the final result code', () => {
  it('a URC raised while a command runs comes after its OK', async () => {
    const d = await slowCommands(20);
    dte = d;
    d.write('AT+SAPBR=3,1,"APN","internet"\r');
    expect(await after(d, 20)).toBe('\r\nOK\r\n');
    d.write('AT+SAPBR=1,1\r');
    expect(await after(d, 20)).toBe('\r\nOK\r\n');
    // The wire writes synchronously into the engine: the line is running when write returns.
    d.write('AT+SAPBR=2,1\r');
    expect(d.modem.engine.isBusy).toBe(true);
    expect(d.modem.dropBearer(1)).toBe(true);
    // Nothing before the line's 20 ms are up, not even the URC.
    expect(await after(d, 19)).toBe('');
    // The module answers after its latency, from the state it finds then: the bearer is
    // down, but the URC saying so still waits for the OK.
    expect(await after(d, 1)).toBe('\r\n+SAPBR: 1,3,"0.0.0.0"\r\n\r\nOK\r\n\r\n+SAPBR 1: DEACT\r\n');
    d.write('AT+SAPBR=2,1\r');
    expect(await after(d, 20)).toBe('\r\n+SAPBR: 1,3,"0.0.0.0"\r\n\r\nOK\r\n');
  });

  it('URCs queued during a command keep their order after the final result', async () => {
    const d = await slowCommands(20);
    dte = d;
    d.write('AT+CGMI\r');
    expect(d.modem.engine.isBusy).toBe(true);
    d.modem.urc('+ONE: 1');
    d.modem.urc('+TWO: 2');
    expect(await after(d, 19)).toBe('');
    expect(await after(d, 1)).toBe('\r\nSIMCOM_Ltd\r\n\r\nOK\r\n\r\n+ONE: 1\r\n\r\n+TWO: 2\r\n');
  });

  it('lines typed while one runs wait for it: each answers its latency after the previous one', async () => {
    const d = await slowCommands(20);
    dte = d;
    d.write('AT+CGMI\rAT+CGMM\r');
    expect(await after(d, 20)).toBe('\r\nSIMCOM_Ltd\r\n\r\nOK\r\n');
    expect(await after(d, 19)).toBe('');
    expect(await after(d, 1)).toBe('\r\nSIMCOM_SIM800L\r\n\r\nOK\r\n');
  });

  it('a URC when idle goes out at once', async () => {
    dte = await readyDte();
    dte.modem.urc('+NOW: 1');
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\n+NOW: 1\r\n');
  });

  it('input typed while a command runs waits for its final result', async () => {
    dte = await startDte();
    await dte.exchange('AT');
    dte.mark();
    dte.write('AT+CGMI\rAT+CGMM\r');
    await dte.settle();
    expect(dte.sinceMark()).toBe('AT+CGMI\r\r\nSIMCOM_Ltd\r\n\r\nOK\r\nAT+CGMM\r\r\nSIMCOM_SIM800L\r\n\r\nOK\r\n');
  });
});
