/**
 * The AT log (GET /log, scenario expectations) shows what went over the wire: each
 * command's final result as sent under the ATV/ATQ/CMEE in force, its information lines,
 * and URCs in wire order, after the final result they waited for. Secrets stay masked,
 * file contents are logged by their size, and an entry stays small.
 */
import { AtLog, type AtLogEntry } from '../../src/control/atLog';
import { INFO_LINE_MAX } from '../../src/log';
import { fakeClockDte, readyDte, type Dte, type FakeClock } from '../helpers/dte';

let dte: Dte;
let log: AtLog;
afterEach(async () => {
  await dte?.close();
});

/** The entries after `since`, without seq and times: what a reader of the wire would note. */
const entries = (since: number): Partial<AtLogEntry>[] =>
  log.read(since).map(({ dir, line, final, info }) => (dir === 'urc' ? { dir, line } : info ? { dir, line, final, info } : { dir, line, final }));

async function start(): Promise<void> {
  dte = await readyDte();
  log = new AtLog(dte.modem);
}

describe('the final result as sent', () => {
  beforeEach(start);

  it('a CME error under CMEE=0, 1, 2, ATV0 and ATQ1: the log says what the wire carried', async () => {
    const from = log.last;
    const wire: string[] = [];
    wire.push(await dte.exchange('AT+CFUN=7'));
    await dte.exchange('AT+CMEE=1');
    wire.push(await dte.exchange('AT+CFUN=7'));
    await dte.exchange('AT+CMEE=2');
    wire.push(await dte.exchange('AT+CFUN=7'));
    await dte.exchange('AT+CMEE=0;V0');
    wire.push(await dte.exchange('AT+CFUN=7'), await dte.exchange('AT'));
    await dte.exchange('ATV1Q1');
    wire.push(await dte.exchange('AT'));
    expect(wire).toEqual(['\r\nERROR\r\n', '\r\n+CME ERROR: 765\r\n', '\r\n+CME ERROR: Invalid input value\r\n', '4\r', '0\r', '']);
    expect(log.read(from).filter((e) => e.line.includes('CFUN=7') || e.line === 'AT').map((e) => e.final)).toEqual([
      'ERROR',
      '+CME ERROR: 765',
      '+CME ERROR: Invalid input value',
      '4',
      '0',
      '',
    ]);
  });

  it('an unknown command and a text final (SHUT OK style) as sent', async () => {
    const from = log.last;
    await dte.exchange('AT+CMEE=2');
    await dte.exchange('AT+NOPE');
    expect(await dte.exchange('AT+CIPSHUT')).toBe('\r\nSHUT OK\r\n');
    // Followed by more, SHUT OK is information and the last command's result ends the line.
    expect(await dte.exchange('AT+CIPSHUT;E0')).toBe('\r\nSHUT OK\r\n\r\nOK\r\n');
    expect(entries(from + 1)).toEqual([
      { dir: 'cmd', line: 'AT+NOPE', final: 'ERROR' },
      { dir: 'cmd', line: 'AT+CIPSHUT', final: 'SHUT OK' },
      { dir: 'cmd', line: 'AT+CIPSHUT;E0', final: 'OK', info: ['SHUT OK'] },
    ]);
  });
});

describe('information lines', () => {
  beforeEach(start);

  it('each command keeps its information lines in order, across a chain', async () => {
    const from = log.last;
    await dte.exchange('AT+SMSTATE?');
    await dte.exchange('AT+SAPBR=2,1');
    await dte.exchange('AT+CGMI;+CSQ');
    await dte.exchange('AT+CGMI;+CSQ?');
    await dte.exchange('AT');
    expect(entries(from)).toEqual([
      { dir: 'cmd', line: 'AT+SMSTATE?', final: 'OK', info: ['+SMSTATE: 0'] },
      { dir: 'cmd', line: 'AT+SAPBR=2,1', final: 'OK', info: ['+SAPBR: 1,3,"0.0.0.0"'] },
      { dir: 'cmd', line: 'AT+CGMI;+CSQ', final: 'OK', info: ['SIMCOM_Ltd', '+CSQ: 18,0'] },
      { dir: 'cmd', line: 'AT+CGMI;+CSQ?', final: 'ERROR', info: ['SIMCOM_Ltd'] },
      { dir: 'cmd', line: 'AT', final: 'OK' },
    ]);
  });

  it('notices a command prints before its OK are its information (AT+CFUN=0)', async () => {
    const from = log.last;
    await dte.exchange('AT+CFUN=0');
    expect(entries(from)).toEqual([{ dir: 'cmd', line: 'AT+CFUN=0', final: 'OK', info: ['+CPIN: NOT READY'] }]);
  });

  it('secrets in listings are masked: AT+SMCONF? PASSWORD, AT+SAPBR=4 PWD', async () => {
    await dte.exchange('AT+SMCONF="PASSWORD","hunter2"');
    await dte.exchange('AT+SAPBR=3,1,"PWD","bearer-pw"');
    const from = log.last;
    const smconf = await dte.exchange('AT+SMCONF?');
    const sapbr = await dte.exchange('AT+SAPBR=4,1');
    expect(smconf).toContain('PASSWORD: "hunter2"'); // the DTE asked: the wire carries it
    expect(sapbr).toContain('PWD: bearer-pw');
    const [a, b] = log.read(from);
    expect(a.info).toContain('PASSWORD: ***');
    expect(b.info).toContain('PWD: ***');
    expect(JSON.stringify(log.read())).not.toMatch(/hunter2|bearer-pw/);
  });

  it('AT+FSREAD contents (certificates, keys) are logged by their size only', async () => {
    await dte.exchange('AT+FSCREATE=C:\\USER\\KEY.PEM');
    await dte.exchange('AT+FSWRITE=C:\\USER\\KEY.PEM,0,14,10');
    await dte.exchange('PRIVATE-KEY-42', { raw: true });
    const from = log.last;
    expect(await dte.exchange('AT+FSREAD=C:\\USER\\KEY.PEM,0,14,0')).toBe('\r\nPRIVATE-KEY-42\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT + FS READ=C:\\USER\\KEY.PEM,0,14,0')).toBe('\r\nPRIVATE-KEY-42\r\n\r\nOK\r\n');
    expect(log.read(from).map((e) => e.info)).toEqual([['<14 bytes>'], ['<14 bytes>']]);
    expect(JSON.stringify(log.read())).not.toContain('PRIVATE-KEY-42');
  });

  it('a long line is cut: an entry keeps at most INFO_LINE_MAX characters of it', async () => {
    const id = 'c'.repeat(256);
    await dte.exchange(`AT+SMCONF="CLIENTID","${id}"`);
    const from = log.last;
    expect(await dte.exchange('AT+SMCONF?')).toContain(`CLIENTID: "${id}"`);
    const line = log.read(from)[0].info!.find((l) => l.startsWith('CLIENTID'))!;
    const full = `CLIENTID: "${id}"`;
    expect(line).toBe(`${full.slice(0, INFO_LINE_MAX)} [+${full.length - INFO_LINE_MAX} bytes]`);
  });
});

describe('command lines', () => {
  beforeEach(start);

  it('a line with spaces is logged as received; a secret in it is masked however it is spaced', async () => {
    const from = log.last;
    await dte.exchange('AT + CSQ');
    await dte.exchange('AT + SMCONF = "PASSWORD" , "hunter2"');
    await dte.exchange('AT+SM CONF=PASS WORD,hunter3');
    await dte.exchange('AT + SAPBR = 3 , 1 , "PWD" , "pw 4"');
    expect(log.read(from).map((e) => [e.line, e.final])).toEqual([
      ['AT + CSQ', 'OK'],
      ['AT + SMCONF = "PASSWORD" , ***', 'OK'],
      ['AT+SM CONF=PASS WORD,***', 'OK'],
      ['AT + SAPBR = 3 , 1 , "PWD" , ***', 'OK'],
    ]);
    expect(JSON.stringify(log.read())).not.toMatch(/hunter|pw 4/);
  });
});

describe('URCs in wire order', () => {
  it('a URC raised while a command runs is logged after that command, as the wire has it', async () => {
    const d: Dte & { clock: FakeClock } = await fakeClockDte({ commandMs: 20 });
    dte = d;
    log = new AtLog(d.modem);
    for (const line of ['AT', 'ATE0']) {
      d.write(line + '\r');
      await d.clock.advanceAsync(20);
    }
    await d.settle();
    const from = log.last;
    d.mark();
    d.write('AT+CGMI\r');
    d.modem.urc('+ONE: 1');
    d.modem.urc('+TWO: 2');
    await d.clock.advanceAsync(20);
    await d.settle();
    expect(d.sinceMark()).toBe('\r\nSIMCOM_Ltd\r\n\r\nOK\r\n\r\n+ONE: 1\r\n\r\n+TWO: 2\r\n');
    expect(entries(from)).toEqual([
      { dir: 'cmd', line: 'AT+CGMI', final: 'OK', info: ['SIMCOM_Ltd'] },
      { dir: 'urc', line: '+ONE: 1' },
      { dir: 'urc', line: '+TWO: 2' },
    ]);
    expect(log.read(from)[0]).toMatchObject({ ms: 20, t: 60 });
  });

  it('URCs dropped by a restart never went over the wire and are not logged', async () => {
    const d = await fakeClockDte({ commandMs: 20 });
    dte = d;
    log = new AtLog(d.modem);
    d.write('AT\r');
    await d.clock.advanceAsync(20);
    await d.settle();
    const from = log.last;
    d.write('AT+CGMI\r');
    d.modem.urc('+LOST: 1');
    d.modem.powerDown();
    await d.settle();
    expect(log.read(from).map((e) => e.line)).toEqual([]);
  });
});
