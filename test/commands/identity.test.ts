/** Identity commands: bare lines, values from the config (AT-REFERENCE §4). */
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
