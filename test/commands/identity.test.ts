/** Identity commands (bare lines, values from the config) and what the SIM says about itself: CSPN, CNUM, CSMINS and its URC (docs/decisions.md, Start-up commands). */
import { FaultController } from '../../src/faults';
import { readyDte, type Dte } from '../helpers/dte';

let dte: Dte;
afterEach(async () => {
  await dte?.close();
});

const CONFIG = {
  ati: 'SIM800 R13.08',
  manufacturer: 'ACME_Ltd',
  model: 'SIMCOM_SIM800C',
  revision: 'Revision:1418B03SIM808M32_BT_EAT',
  imei: '490154203237518',
  imsi: '262011234567890',
  iccid: '8949020000012345678F',
};

describe('defaults (a real SIM800L)', () => {
  beforeEach(async () => {
    dte = await readyDte();
  });

  it.each([
    ['ATI', 'SIM800 R14.18'],
    ['ATI0', 'SIM800 R14.18'],
    ['AT+CGMI', 'SIMCOM_Ltd'],
    ['AT+GMI', 'SIMCOM_Ltd'],
    ['AT+CGMM', 'SIMCOM_SIM800L'],
    ['AT+GMM', 'SIMCOM_SIM800L'],
    ['AT+CGMR', 'Revision:1418B05SIM800L24'],
    ['AT+GMR', 'Revision:1418B05SIM800L24'],
    ['AT+CGSN', '866782041234567'],
    ['AT+GSN', '866782041234567'],
    ['AT+GOI', 'SIM800'],
    ['AT+CIMI', '460008184101641'],
    ['AT+CCID', '89860081090648812345'],
  ])('%s → %s', async (cmd, line) => {
    expect(await dte.exchange(cmd)).toBe(`\r\n${line}\r\n\r\nOK\r\n`);
  });

  it('AT+GSV: three lines in one block (PYSIM capture)', async () => {
    expect(await dte.exchange('AT+GSV')).toBe('\r\nSIMCOM_Ltd\r\nSIMCOM_SIM800L\r\nRevision:1418B05SIM800L24\r\n\r\nOK\r\n');
  });

  it('test forms answer OK; read forms and ATI1 are errors', async () => {
    for (const cmd of ['AT+CGMI=?', 'AT+CGMM=?', 'AT+CGMR=?', 'AT+CGSN=?', 'AT+CIMI=?', 'AT+CCID=?']) {
      expect([cmd, await dte.exchange(cmd)]).toEqual([cmd, '\r\nOK\r\n']);
    }
    for (const cmd of ['AT+CGMI?', 'AT+CIMI?', 'ATI1', 'AT+CGSN=1']) {
      expect([cmd, await dte.exchange(cmd)]).toEqual([cmd, '\r\nERROR\r\n']);
    }
  });
});

describe('configured values', () => {
  beforeEach(async () => {
    dte = await readyDte({ modem: CONFIG });
  });

  it('every identity command prints its configured value', async () => {
    expect(await dte.exchange('ATI;+CGMI;+CGMM;+CGMR;+GSN;+CIMI;+CCID')).toBe(
      `\r\n${CONFIG.ati}\r\n\r\n${CONFIG.manufacturer}\r\n\r\n${CONFIG.model}\r\n\r\n${CONFIG.revision}\r\n` +
        `\r\n${CONFIG.imei}\r\n\r\n${CONFIG.imsi}\r\n\r\n${CONFIG.iccid}\r\n\r\nOK\r\n`,
    );
    expect(await dte.exchange('AT+GSV')).toBe(`\r\n${CONFIG.manufacturer}\r\n${CONFIG.model}\r\n${CONFIG.revision}\r\n\r\nOK\r\n`);
  });

  it('SIM-backed values need the SIM; the IMEI does not', async () => {
    await dte.exchange('AT+CMEE=1;+CFUN=0');
    expect(await dte.exchange('AT+CIMI')).toBe('\r\n+CME ERROR: 14\r\n');
    expect(await dte.exchange('AT+CCID')).toBe('\r\n+CME ERROR: 14\r\n');
    expect(await dte.exchange('AT+GSN')).toBe(`\r\n${CONFIG.imei}\r\n\r\nOK\r\n`);
  });
});

describe('AT+CSPN (service provider name on the SIM)', () => {
  it('the default SPN with display mode 0; the configured ones', async () => {
    dte = await readyDte();
    expect(await dte.exchange('AT+CSPN?')).toBe('\r\n+CSPN: "CMCC",0\r\n\r\nOK\r\n');
    await dte.close();
    dte = await readyDte({ modem: { spn: 'ACME Mobile', spnDisplayMode: 1 } });
    expect(await dte.exchange('AT+CSPN?')).toBe('\r\n+CSPN: "ACME Mobile",1\r\n\r\nOK\r\n');
  });

  it('the manual lists the read form only: test, execute and write are ERROR', async () => {
    dte = await readyDte();
    for (const cmd of ['AT+CSPN=?', 'AT+CSPN', 'AT+CSPN="X",0']) {
      expect([cmd, await dte.exchange(cmd)]).toEqual([cmd, '\r\nERROR\r\n']);
    }
  });

  it('no SIM: a CME error under every CMEE; SIM off (CFUN=0): SIM busy', async () => {
    dte = await readyDte({ modem: { simInserted: false } });
    expect(await dte.exchange('AT+CSPN?')).toBe('\r\nERROR\r\n');
    await dte.exchange('AT+CMEE=1');
    expect(await dte.exchange('AT+CSPN?')).toBe('\r\n+CME ERROR: 10\r\n');
    await dte.exchange('AT+CMEE=2');
    expect(await dte.exchange('AT+CSPN?')).toBe('\r\n+CME ERROR: SIM not inserted\r\n');
    await dte.close();
    dte = await readyDte();
    await dte.exchange('AT+CMEE=1;+CFUN=0');
    expect(await dte.exchange('AT+CSPN?')).toBe('\r\n+CME ERROR: 14\r\n');
  });
});

describe('AT+CNUM (own number)', () => {
  it('no number stored (the default): a bare OK; test form OK', async () => {
    dte = await readyDte();
    expect(await dte.exchange('AT+CNUM')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CNUM=?')).toBe('\r\nOK\r\n');
  });

  it('an international number is type 145, a national one 129; speed 7, service 4 (voice) follow', async () => {
    dte = await readyDte({ modem: { ownNumber: '+8613800138000' } });
    expect(await dte.exchange('AT+CNUM')).toBe('\r\n+CNUM: "","+8613800138000",145,7,4\r\n\r\nOK\r\n');
    await dte.close();
    dte = await readyDte({ modem: { ownNumber: '13800138000', ownNumberName: 'Tracker' } });
    expect(await dte.exchange('AT+CNUM')).toBe('\r\n+CNUM: "Tracker","13800138000",129,7,4\r\n\r\nOK\r\n');
  });

  it('no SIM: ERROR, CME 10, or the text, by CMEE; read and write forms are ERROR', async () => {
    dte = await readyDte({ modem: { simInserted: false, ownNumber: '+8613800138000' } });
    expect(await dte.exchange('AT+CNUM')).toBe('\r\nERROR\r\n');
    await dte.exchange('AT+CMEE=1');
    expect(await dte.exchange('AT+CNUM')).toBe('\r\n+CME ERROR: 10\r\n');
    await dte.exchange('AT+CMEE=2');
    expect(await dte.exchange('AT+CNUM')).toBe('\r\n+CME ERROR: SIM not inserted\r\n');
    expect(await dte.exchange('AT+CNUM?')).toBe('\r\nERROR\r\n');
  });
});

describe('AT+CSMINS (SIM inserted status)', () => {
  let faults: FaultController | undefined;
  afterEach(async () => {
    await faults?.close();
    faults = undefined;
  });

  /** Injects or clears simRemoved and returns exactly the bytes that came. */
  async function sim(action: 'inject' | 'clear'): Promise<string> {
    faults ??= new FaultController(dte.modem, { seed: 1 });
    dte.mark();
    if (action === 'inject') faults.inject('simRemoved');
    else faults.clear('simRemoved');
    await dte.settle();
    return dte.sinceMark();
  }

  it('read: n and the holder state, with and without a SIM; test form; bad n', async () => {
    dte = await readyDte();
    expect(await dte.exchange('AT+CSMINS?')).toBe('\r\n+CSMINS: 0,1\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CSMINS=?')).toBe('\r\n+CSMINS: (0-1)\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CSMINS=1')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CSMINS?')).toBe('\r\n+CSMINS: 1,1\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CSMINS=2')).toBe('\r\nERROR\r\n');
    await dte.exchange('AT+CMEE=1');
    expect(await dte.exchange('AT+CSMINS=2')).toBe('\r\n+CME ERROR: 765\r\n');
    expect(await dte.exchange('AT+CSMINS?')).toBe('\r\n+CSMINS: 1,1\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CSMINS')).toBe('\r\nERROR\r\n');
    await dte.close();
    dte = await readyDte({ modem: { simInserted: false } });
    expect(await dte.exchange('AT+CSMINS?')).toBe('\r\n+CSMINS: 0,0\r\n\r\nOK\r\n');
  });

  it('n=1: the simRemoved fault raises +CSMINS: 1,0 before +CPIN: NOT READY, and +CSMINS: 1,1 before +CPIN: READY', async () => {
    dte = await readyDte();
    await dte.exchange('AT+CSMINS=1;+CREG=1');
    expect(await sim('inject')).toBe('\r\n+CSMINS: 1,0\r\n\r\n+CPIN: NOT READY\r\n\r\n+CREG: 0\r\n');
    expect(await dte.exchange('AT+CSMINS?')).toBe('\r\n+CSMINS: 1,0\r\n\r\nOK\r\n');
    expect(await sim('clear')).toBe('\r\n+CSMINS: 1,1\r\n\r\n+CPIN: READY\r\n\r\n+CREG: 1\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n');
    expect(await dte.exchange('AT+CSMINS?')).toBe('\r\n+CSMINS: 1,1\r\n\r\nOK\r\n');
  });

  it('n=0 (the default): no +CSMINS URC, the read form still follows the holder', async () => {
    dte = await readyDte();
    expect(await sim('inject')).toBe('\r\n+CPIN: NOT READY\r\n');
    expect(await dte.exchange('AT+CSMINS?')).toBe('\r\n+CSMINS: 0,0\r\n\r\nOK\r\n');
    expect(await sim('clear')).toBe('\r\n+CPIN: READY\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n');
  });

  it('at CFUN=0 the holder still reports; the SIM is read at CFUN=1', async () => {
    dte = await readyDte();
    await dte.exchange('AT+CSMINS=1;+CFUN=0');
    expect(await sim('inject')).toBe('\r\n+CSMINS: 1,0\r\n');
    expect(await sim('clear')).toBe('\r\n+CSMINS: 1,1\r\n');
    expect(await dte.exchange('AT+CFUN=1')).toBe('\r\n+CPIN: READY\r\n\r\nOK\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n');
  });

  it('n is part of the AT&W profile: kept across a power cycle only when saved', async () => {
    dte = await readyDte({ modem: { ipr: 115200 } });
    await dte.exchange('AT+CSMINS=1');
    dte.modem.powerOn();
    await dte.settle();
    await dte.exchange('ATE0');
    expect(await dte.exchange('AT+CSMINS?')).toBe('\r\n+CSMINS: 0,1\r\n\r\nOK\r\n');
    await dte.exchange('AT+CSMINS=1;&W');
    dte.modem.powerOn();
    await dte.settle();
    await dte.exchange('ATE0');
    expect(await dte.exchange('AT+CSMINS?')).toBe('\r\n+CSMINS: 1,1\r\n\r\nOK\r\n');
    expect(await sim('inject')).toBe('\r\n+CSMINS: 1,0\r\n\r\n+CPIN: NOT READY\r\n');
  });
});
