/**
 * What real host libraries send at the line layer, byte-exact over the in-process wire:
 * lines ended by LF alone (the sim800l-gsm-module Python driver), CR LF as one line end
 * (TinyGSM and most drivers), and spaces between `AT`, `+` and the name (the usim800
 * Python driver). Evidence: docs/decisions.md, Line layer.
 */
import { fakeClockDte, readyDte, startDte, type Dte } from '../helpers/dte';

const OK = '\r\nOK\r\n';
const FILE = 'C:\\USER\\LINES.TXT';

let dte: Dte;
afterEach(async () => {
  await dte?.close();
});

describe('LF alone ends a command line', () => {
  it('the sim800l-gsm-module setup: ATE0\\n, AT+CSQ\\n answered at once, the echo returns the LF', async () => {
    dte = await startDte();
    // Autobaud locks on the first AT of a line ended by LF, and answers that line.
    expect(await dte.exchange('AT\n', { raw: true })).toBe(`AT\n${OK}`);
    expect(await dte.exchange('ATE0\n', { raw: true })).toBe(`ATE0\n${OK}`);
    expect(await dte.exchange('AT+CSQ\n', { raw: true })).toBe(`\r\n+CSQ: 18,0\r\n${OK}`);
    expect(await dte.exchange('AT+CMEE=2;+CREG?\n', { raw: true })).toBe(`\r\n+CREG: 0,1\r\n${OK}`);
  });

  it('several LF-ended lines in one write are answered in order, none lost or merged', async () => {
    dte = await readyDte();
    expect(await dte.exchange('AT+CGMI\nAT+FOO\nAT+CSQ\nAT\n', { raw: true })).toBe(`\r\nSIMCOM_Ltd\r\n${OK}\r\nERROR\r\n\r\n+CSQ: 18,0\r\n${OK}${OK}`);
  });

  it('an LF inside a line ends it there: the head is answered, the tail has no AT and is dropped', async () => {
    dte = await readyDte();
    expect(await dte.exchange('AT+CG\nMI\r', { raw: true })).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT')).toBe(OK);
  });

  it('with echo on, an LF that ends no line is echoed like any other byte in command mode', async () => {
    dte = await startDte();
    await dte.exchange('AT');
    expect(await dte.exchange('x\n', { raw: true })).toBe('x\n');
    expect(await dte.exchange('AT\n\n', { raw: true })).toBe(`AT\n${OK}\n`);
  });
});

describe('CR LF stays one line end', () => {
  it('the LF after CR is neither echoed nor a line of its own, in one write or split', async () => {
    dte = await startDte();
    await dte.exchange('AT');
    expect(await dte.exchange('AT+CGMI\r\nAT\r\n', { raw: true })).toBe(`AT+CGMI\r\r\nSIMCOM_Ltd\r\n${OK}AT\r${OK}`);
    expect(await dte.exchange('AT\r', { raw: true })).toBe(`AT\r${OK}`);
    expect(await dte.exchange('\n', { raw: true })).toBe('');
  });

  it('the LF that arrives while the line still runs is swallowed when it finishes', async () => {
    const d = await fakeClockDte({ commandMs: 20 });
    dte = d;
    d.write('AT\r');
    await d.clock.advanceAsync(20);
    await d.settle();
    d.mark();
    d.write('AT+CGMI\r');
    expect(d.modem.engine.isBusy).toBe(true);
    d.write('\n');
    await d.settle();
    await d.clock.advanceAsync(20);
    await d.settle();
    expect(d.sinceMark()).toBe(`AT+CGMI\r\r\nSIMCOM_Ltd\r\n${OK}`);
  });

  it('an LF after a CR that ended no line is swallowed too; LF CR is two line ends', async () => {
    dte = await startDte();
    await dte.exchange('AT');
    expect(await dte.exchange('\r\n\r\n', { raw: true })).toBe('\r\r');
    expect(await dte.exchange('AT\n\r', { raw: true })).toBe(`AT\n${OK}\r`);
  });
});

describe('the > data phase takes bytes raw', () => {
  beforeEach(async () => {
    dte = await readyDte();
    expect(await dte.exchange(`AT+FSCREATE=${FILE}`)).toBe(OK);
  });

  const read = async (n: number) => dte.exchange(`AT+FSREAD=${FILE},0,${n},0`);

  it('a command ended by CR LF: the LF is not the first data byte (one write)', async () => {
    expect(await dte.exchange(`AT+FSWRITE=${FILE},0,4,10\r\nab\r\n`, { raw: true })).toBe(`\r\n> ${OK}`);
    expect(await read(4)).toBe(`\r\nab\r\n\r\n${OK}`);
  });

  it('a command ended by CR, its LF in the next write after the prompt: still not data', async () => {
    expect(await dte.exchange(`AT+FSWRITE=${FILE},0,3,10`)).toBe('\r\n> ');
    expect(await dte.exchange('\nxyz', { raw: true })).toBe(OK);
    expect(await read(3)).toBe(`\r\nxyz\r\n${OK}`);
  });

  it('a command ended by LF: the data starts right after it; LF and CR inside the data are data', async () => {
    expect(await dte.exchange(`AT+FSWRITE=${FILE},0,5,10\n\n\r\n\rz`, { raw: true })).toBe(`\r\n> ${OK}`);
    expect(await read(5)).toBe(`\r\n\n\r\n\rz\r\n${OK}`);
  });

  it('a data phase ending in CR does not swallow the LF that follows it: that LF is command input', async () => {
    await dte.exchange('ATE1');
    expect(await dte.exchange(`AT+FSWRITE=${FILE},0,2,10\n`, { raw: true })).toBe(`AT+FSWRITE=${FILE},0,2,10\n\r\n> `);
    expect(await dte.exchange('a\r', { raw: true })).toBe(OK);
    expect(await dte.exchange('\n', { raw: true })).toBe('\n');
  });
});

describe('spaces outside quotes are ignored (V.250), the echo returns them', () => {
  beforeEach(async () => {
    dte = await readyDte();
  });

  it('the usim800 bearer sequence, CR LF ended, spaces between AT, + and the name', async () => {
    expect(await dte.exchange('AT +SAPBR=0,1\r\n', { raw: true })).toBe('\r\nERROR\r\n'); // closing a closed bearer: CME 3
    expect(await dte.exchange('AT + SAPBR=3,1,"CONTYPE","GPRS"\r\n', { raw: true })).toBe(OK);
    expect(await dte.exchange('AT + SAPBR=3,1,"APN","www"\r\n', { raw: true })).toBe(OK);
    expect(await dte.exchange('AT + SAPBR=1,1\r\n', { raw: true })).toBe(OK);
    expect(await dte.exchange('AT + SAPBR=2,1\r\n', { raw: true })).toMatch(/^\r\n\+SAPBR: 1,1,"10\.89\.193\.\d+"\r\n\r\nOK\r\n$/);
  });

  it('AT+ CSQ, AT+C SQ, AT + CFUN = ?, AT E 0', async () => {
    expect(await dte.exchange('AT+ CSQ')).toBe(`\r\n+CSQ: 18,0\r\n${OK}`);
    expect(await dte.exchange('AT+C SQ')).toBe(`\r\n+CSQ: 18,0\r\n${OK}`);
    expect(await dte.exchange('AT + CFUN = ?')).toBe(`\r\n+CFUN: (0,1,4),(0,1)\r\n${OK}`);
    expect(await dte.exchange('AT + CMEE = 2 ; + CMEE ?')).toBe(`\r\n+CMEE: 2\r\n${OK}`);
    expect(await dte.exchange('AT E 1')).toBe(OK);
    expect(await dte.exchange('AT')).toBe(`AT\r${OK}`);
  });

  it('spaces inside quotes are kept', async () => {
    expect(await dte.exchange('AT + SAPBR = 3 , 1 , "APN" , " my apn "')).toBe(OK);
    expect(await dte.exchange('AT+SAPBR=4,1')).toContain('\r\nAPN:  my apn \r\n');
  });

  it('the echo is the line as received, spaces and all', async () => {
    await dte.exchange('ATE1');
    expect(await dte.exchange('AT + CSQ')).toBe(`AT + CSQ\r\r\n+CSQ: 18,0\r\n${OK}`);
  });
});
