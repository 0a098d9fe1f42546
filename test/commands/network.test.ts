/**
 * Radio and registration status: CSQ, CREG/CGREG with their URCs, CGATT, COPS, CBC,
 * CSCLK, CIURC, CPIN.
 */
import { readyDte, type Dte } from '../helpers/dte';

let dte: Dte;
afterEach(async () => {
  await dte?.close();
});

describe('AT+CSQ', () => {
  it('the configured rssi and ber; test form', async () => {
    dte = await readyDte({ modem: { rssi: 25, ber: 3 } });
    expect(await dte.exchange('AT+CSQ')).toBe('\r\n+CSQ: 25,3\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CSQ=?')).toBe('\r\n+CSQ: (0-31,99),(0-7,99)\r\n\r\nOK\r\n');
  });

  it('99,99 when the network is gone', async () => {
    dte = await readyDte();
    dte.modem.setNetworkAvailable(false);
    expect(await dte.exchange('AT+CSQ')).toBe('\r\n+CSQ: 99,99\r\n\r\nOK\r\n');
  });
});

describe.each(['+CREG', '+CGREG'])('AT%s', (cmd) => {
  beforeEach(async () => {
    dte = await readyDte();
  });

  it('read with n=0/1/2, test form, bad n', async () => {
    expect(await dte.exchange(`AT${cmd}?`)).toBe(`\r\n${cmd}: 0,1\r\n\r\nOK\r\n`);
    expect(await dte.exchange(`AT${cmd}=1`)).toBe('\r\nOK\r\n');
    expect(await dte.exchange(`AT${cmd}?`)).toBe(`\r\n${cmd}: 1,1\r\n\r\nOK\r\n`);
    expect(await dte.exchange(`AT${cmd}=2`)).toBe('\r\nOK\r\n');
    expect(await dte.exchange(`AT${cmd}?`)).toBe(`\r\n${cmd}: 2,1,"1A2B","0C3D"\r\n\r\nOK\r\n`);
    expect(await dte.exchange(`AT${cmd}=?`)).toBe(`\r\n${cmd}: (0-2)\r\n\r\nOK\r\n`);
    expect(await dte.exchange(`AT${cmd}=3`)).toBe('\r\nERROR\r\n');
    expect(await dte.exchange(`AT${cmd}?`)).toBe(`\r\n${cmd}: 2,1,"1A2B","0C3D"\r\n\r\nOK\r\n`);
  });

  it('n=2 unregistered: no location', async () => {
    await dte.exchange(`AT${cmd}=2;+CFUN=4`);
    expect(await dte.exchange(`AT${cmd}?`)).toBe(`\r\n${cmd}: 2,0\r\n\r\nOK\r\n`);
  });

  it('n=0: no URC on CFUN changes', async () => {
    expect(await dte.exchange('AT+CFUN=0')).toBe('\r\n+CPIN: NOT READY\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CFUN=1')).toBe('\r\n+CPIN: READY\r\n\r\nOK\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n');
  });

  it('n=1: URCs with the status on CFUN changes', async () => {
    await dte.exchange(`AT${cmd}=1`);
    expect(await dte.exchange('AT+CFUN=0')).toBe(`\r\n+CPIN: NOT READY\r\n\r\n${cmd}: 0\r\n\r\nOK\r\n`);
    expect(await dte.exchange('AT+CFUN=1')).toBe(`\r\n+CPIN: READY\r\n\r\nOK\r\n\r\n${cmd}: 1\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n`);
  });

  it('n=2: URCs with location when registered', async () => {
    await dte.exchange(`AT${cmd}=2`);
    expect(await dte.exchange('AT+CFUN=4')).toBe(`\r\n${cmd}: 0\r\n\r\nOK\r\n`);
    expect(await dte.exchange('AT+CFUN=1')).toBe(`\r\nOK\r\n\r\n${cmd}: 1,"1A2B","0C3D"\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n`);
  });

  it('configured location codes', async () => {
    await dte.close();
    dte = await readyDte({ modem: { lac: 'FFFE', ci: '00A1' } });
    await dte.exchange(`AT${cmd}=2`);
    expect(await dte.exchange(`AT${cmd}?`)).toBe(`\r\n${cmd}: 2,1,"FFFE","00A1"\r\n\r\nOK\r\n`);
  });
});

it('CREG and CGREG URCs together, CREG first', async () => {
  dte = await readyDte();
  await dte.exchange('AT+CREG=1;+CGREG=2');
  expect(await dte.exchange('AT+CFUN=4')).toBe('\r\n+CREG: 0\r\n\r\n+CGREG: 0\r\n\r\nOK\r\n');
});

describe('AT+CGATT', () => {
  beforeEach(async () => {
    dte = await readyDte();
  });

  it('read, test, detach and attach', async () => {
    expect(await dte.exchange('AT+CGATT?')).toBe('\r\n+CGATT: 1\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CGATT=?')).toBe('\r\n+CGATT: (0,1)\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CGATT=0')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CGATT?')).toBe('\r\n+CGATT: 0\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CGATT=0')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CGATT=1')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CGATT?')).toBe('\r\n+CGATT: 1\r\n\r\nOK\r\n');
  });

  it('=0 with a bearer open: +SAPBR 1: DEACT and +PDP: DEACT before OK; bearer closed', async () => {
    await dte.exchange('AT+SAPBR=3,1,"APN","internet";+SAPBR=1,1');
    expect(await dte.exchange('AT+CGATT=0')).toBe('\r\n+SAPBR 1: DEACT\r\n\r\n+PDP: DEACT\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+SAPBR=2,1')).toBe('\r\n+SAPBR: 1,3,"0.0.0.0"\r\n\r\nOK\r\n');
  });

  it('=0 with two bearers: one line each, one +PDP: DEACT', async () => {
    await dte.exchange('AT+SAPBR=1,1;+SAPBR=1,3');
    expect(await dte.exchange('AT+CGATT=0')).toBe('\r\n+SAPBR 1: DEACT\r\n\r\n+SAPBR 3: DEACT\r\n\r\n+PDP: DEACT\r\n\r\nOK\r\n');
  });

  it('=1 without radio: error', async () => {
    await dte.exchange('AT+CFUN=4;+CMEE=1');
    expect(await dte.exchange('AT+CGATT=1')).toBe('\r\n+CME ERROR: 3\r\n');
  });

  it('bad value', async () => {
    expect(await dte.exchange('AT+CGATT=2')).toBe('\r\nERROR\r\n');
  });
});

describe('AT+COPS', () => {
  beforeEach(async () => {
    dte = await readyDte();
  });

  it('read in the three formats', async () => {
    expect(await dte.exchange('AT+COPS?')).toBe('\r\n+COPS: 0,0,"CHINA MOBILE"\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+COPS=3,1')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+COPS?')).toBe('\r\n+COPS: 0,1,"CMCC"\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+COPS=0,2')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+COPS?')).toBe('\r\n+COPS: 0,2,"46000"\r\n\r\nOK\r\n');
  });

  it('test form lists the configured operator', async () => {
    await dte.close();
    dte = await readyDte({ modem: { operatorLong: 'Telekom.de', operatorShort: 'TDG', mcc: '262', mnc: '01' } });
    expect(await dte.exchange('AT+COPS=?')).toBe('\r\n+COPS: (2,"Telekom.de","TDG","26201"),,(0-4),(0-2)\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+COPS?')).toBe('\r\n+COPS: 0,0,"Telekom.de"\r\n\r\nOK\r\n');
  });

  it('unregistered: mode only', async () => {
    await dte.exchange('AT+CFUN=0');
    expect(await dte.exchange('AT+COPS?')).toBe('\r\n+COPS: 0\r\n\r\nOK\r\n');
  });

  it('manual selection of an unknown network fails; of the known one works', async () => {
    await dte.exchange('AT+CMEE=1');
    expect(await dte.exchange('AT+COPS=1,0,"NOWHERE"')).toBe('\r\n+CME ERROR: 30\r\n');
    expect(await dte.exchange('AT+COPS=1,2,"46000"')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+COPS=5')).toBe('\r\n+CME ERROR: 765\r\n');
  });
});

describe('AT+CBC, AT+CSCLK, AT+CIURC, AT+CPIN', () => {
  it('CBC: the configured battery', async () => {
    dte = await readyDte({ modem: { battery: { bcs: 1, bcl: 55, voltage: 3801 } } });
    expect(await dte.exchange('AT+CBC')).toBe('\r\n+CBC: 1,55,3801\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CBC=?')).toBe('\r\n+CBC: (0-2),(1-100),(voltage)\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CBC?')).toBe('\r\nERROR\r\n');
  });

  it('CSCLK: read, test, write, range', async () => {
    dte = await readyDte();
    expect(await dte.exchange('AT+CSCLK?')).toBe('\r\n+CSCLK: 0\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CSCLK=?')).toBe('\r\n+CSCLK: (0-2)\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CSCLK=1')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CSCLK?')).toBe('\r\n+CSCLK: 1\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CSCLK=3')).toBe('\r\nERROR\r\n');
  });

  it('CIURC: read, test, write', async () => {
    dte = await readyDte();
    expect(await dte.exchange('AT+CIURC?')).toBe('\r\n+CIURC: 1\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CIURC=?')).toBe('\r\n+CIURC: (0,1)\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CIURC=0')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CFUN=4;+CFUN=1')).toBe('\r\nOK\r\n\r\nSMS Ready\r\n');
  });

  it('CPIN: READY; entering a PIN is not allowed (the SIM has none)', async () => {
    dte = await readyDte();
    expect(await dte.exchange('AT+CPIN?')).toBe('\r\n+CPIN: READY\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CPIN=?')).toBe('\r\nOK\r\n');
    await dte.exchange('AT+CMEE=1');
    expect(await dte.exchange('AT+CPIN="1234"')).toBe('\r\n+CME ERROR: 3\r\n');
  });
});

describe('AT+COPN (operator names in the module)', () => {
  const TEST_PLMNS = '+COPN: "00101","Test PLMN 1-1"\r\n+COPN: "00102","Test PLMN 1-2"\r\n+COPN: "00201","Test PLMN 2-1"';

  it('the firmware table: the test networks, then the configured operator, in number order; test form OK', async () => {
    dte = await readyDte();
    expect(await dte.exchange('AT+COPN')).toBe(`\r\n${TEST_PLMNS}\r\n+COPN: "46000","CHINA MOBILE"\r\n\r\nOK\r\n`);
    expect(await dte.exchange('AT+COPN=?')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+COPN?')).toBe('\r\nERROR\r\n');
  });

  it('a configured operator sorts by its number and replaces a table entry with the same number', async () => {
    dte = await readyDte({ modem: { mcc: '001', mnc: '02', operatorLong: 'Lab Net' } });
    expect(await dte.exchange('AT+COPN')).toBe(
      '\r\n+COPN: "00101","Test PLMN 1-1"\r\n+COPN: "00102","Lab Net"\r\n+COPN: "00201","Test PLMN 2-1"\r\n\r\nOK\r\n',
    );
  });

  it('read from the module, not the SIM or the network: the same list without a SIM and with the radio off', async () => {
    dte = await readyDte({ modem: { simInserted: false } });
    await dte.exchange('AT+CFUN=0');
    expect(await dte.exchange('AT+COPN')).toBe(`\r\n${TEST_PLMNS}\r\n+COPN: "46000","CHINA MOBILE"\r\n\r\nOK\r\n`);
  });
});
