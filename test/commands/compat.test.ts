/**
 * The compatibility commands (src/commands/compat.ts): the TCP/IP stack's state machine
 * without sockets, PDP contexts, and the settings libraries send once.
 */
import { readyDte, type Dte } from '../helpers/dte';

let dte: Dte;
beforeEach(async () => {
  dte = await readyDte();
});
afterEach(async () => {
  await dte.close();
});

const state = async () => {
  const out = await dte.exchange('AT+CIPSTATUS');
  const m = /^\r\nOK\r\n\r\nSTATE: ([A-Z ]+)\r\n/.exec(out);
  if (!m) throw new Error(`unexpected CIPSTATUS answer ${JSON.stringify(out)}`);
  return m[1];
};

describe('TCP/IP stack states', () => {
  it('CIPSTATUS: OK first, then the STATE line (FONA reads OK, then the state)', async () => {
    expect(await dte.exchange('AT+CIPSTATUS')).toBe('\r\nOK\r\n\r\nSTATE: IP INITIAL\r\n');
    expect(await dte.exchange('AT+CIPSTATUS=?')).toBe('\r\nOK\r\n');
  });

  it('CSTT → IP START, CIICR → IP GPRSACT, CIFSR → IP STATUS, CIPSHUT → IP INITIAL', async () => {
    expect(await dte.exchange('AT+CSTT="internet","user","pass"')).toBe('\r\nOK\r\n');
    expect(await state()).toBe('IP START');
    expect(await dte.exchange('AT+CSTT?')).toBe('\r\n+CSTT: "internet","user","pass"\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CIICR')).toBe('\r\nOK\r\n');
    expect(await state()).toBe('IP GPRSACT');
    expect(await dte.exchange('AT+CIFSR')).toBe('\r\n10.89.193.1\r\n');
    expect(await state()).toBe('IP STATUS');
    expect(await dte.exchange('AT+CIPSHUT')).toBe('\r\nSHUT OK\r\n');
    expect(await state()).toBe('IP INITIAL');
    expect(await dte.exchange('AT+CIFSR')).toBe('\r\nERROR\r\n');
  });

  it('CIFSR;E0 (TinyGSM): the address, then the OK of E0', async () => {
    await dte.exchange('AT+CSTT="internet"');
    await dte.exchange('AT+CIICR');
    expect(await dte.exchange('AT+CIFSR;E0')).toBe('\r\n10.89.193.1\r\n\r\nOK\r\n');
  });

  it('out-of-order steps answer ERROR and change nothing', async () => {
    expect(await dte.exchange('AT+CIICR')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CIFSR')).toBe('\r\nERROR\r\n');
    expect(await state()).toBe('IP INITIAL');
    await dte.exchange('AT+CSTT="a"');
    expect(await dte.exchange('AT+CSTT="b"')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CSTT')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CSTT?')).toBe('\r\n+CSTT: "a","",""\r\n\r\nOK\r\n');
  });

  it('CSTT without parameters keeps the default APN', async () => {
    expect(await dte.exchange('AT+CSTT')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CSTT?')).toBe('\r\n+CSTT: "CMNET","",""\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CSTT=?')).toBe('\r\n+CSTT: "APN","USER","PWD"\r\n\r\nOK\r\n');
  });

  it('CIICR without network: ERROR, stays IP START', async () => {
    await dte.exchange('AT+CSTT="internet";+CFUN=4');
    expect(await dte.exchange('AT+CIICR')).toBe('\r\nERROR\r\n');
    expect(await state()).toBe('IP START');
  });

  it('CIICR attaches first, and shares the SAPBR address when bearer 1 is up', async () => {
    await dte.exchange('AT+CGATT=0;+SAPBR=1,1');
    await dte.exchange('AT+SAPBR=1,2');
    await dte.exchange('AT+CSTT="internet";+CIICR');
    expect(await dte.exchange('AT+CGATT?')).toBe('\r\n+CGATT: 1\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CIFSR')).toBe('\r\n10.89.193.1\r\n');
  });

  it('detach: PDP DEACT with one +PDP: DEACT; CIPSHUT is needed before CSTT again', async () => {
    await dte.exchange('AT+CSTT="internet";+CIICR');
    expect(await dte.exchange('AT+CGATT=0')).toBe('\r\n+PDP: DEACT\r\n\r\nOK\r\n');
    expect(await state()).toBe('PDP DEACT');
    expect(await dte.exchange('AT+CIFSR')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CSTT="internet"')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CIPSHUT')).toBe('\r\nSHUT OK\r\n');
    expect(await state()).toBe('IP INITIAL');
  });

  it('CFUN=0 with the stack and a bearer up: one +PDP: DEACT', async () => {
    await dte.exchange('AT+SAPBR=1,1;+CSTT="internet";+CIICR');
    expect(await dte.exchange('AT+CFUN=0')).toBe('\r\n+SAPBR 1: DEACT\r\n\r\n+PDP: DEACT\r\n\r\n+CPIN: NOT READY\r\n\r\nOK\r\n');
    expect(await state()).toBe('PDP DEACT');
  });

  it('a restart returns the stack to IP INITIAL', async () => {
    await dte.exchange('AT+CIPMUX=1;+CSTT="internet";+CIICR');
    dte.modem.powerOn();
    await dte.exchange('AT;E0');
    expect(await dte.exchange('AT+CIPMUX?')).toBe('\r\n+CIPMUX: 0\r\n\r\nOK\r\n');
    expect(await state()).toBe('IP INITIAL');
  });

  it('CIPSHUT works with nothing open; its test form is OK; under ATV0 it is SHUT OK\\r\\n', async () => {
    expect(await dte.exchange('AT+CIPSHUT')).toBe('\r\nSHUT OK\r\n');
    expect(await dte.exchange('AT+CIPSHUT=?')).toBe('\r\nOK\r\n');
    await dte.exchange('ATV0');
    expect(await dte.exchange('AT+CIPSHUT')).toBe('SHUT OK\r\n');
  });

  it('CIPSHUT in the middle of a line: SHUT OK as text, then the line goes on to OK', async () => {
    expect(await dte.exchange('AT+CIPSHUT;+CGMI')).toBe('\r\nSHUT OK\r\n\r\nSIMCOM_Ltd\r\n\r\nOK\r\n');
  });
});

describe('CIPMUX and friends', () => {
  it('CIPMUX: read, test, write in IP INITIAL only', async () => {
    expect(await dte.exchange('AT+CIPMUX?')).toBe('\r\n+CIPMUX: 0\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPMUX=?')).toBe('\r\n+CIPMUX: (0,1)\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPMUX=1')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPMUX?')).toBe('\r\n+CIPMUX: 1\r\n\r\nOK\r\n');
    await dte.exchange('AT+CSTT="internet"');
    expect(await dte.exchange('AT+CIPMUX=0')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CIPMUX=1')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPMUX=2')).toBe('\r\nERROR\r\n');
  });

  it('CIPSTATUS with CIPMUX=1: the state and six INITIAL slots; =<n> for one slot', async () => {
    await dte.exchange('AT+CIPMUX=1');
    const slots = [0, 1, 2, 3, 4, 5].map((n) => `C: ${n},,"","","","INITIAL"`).join('\r\n');
    expect(await dte.exchange('AT+CIPSTATUS')).toBe(`\r\nOK\r\n\r\nSTATE: IP INITIAL\r\n\r\n${slots}\r\n`);
    expect(await dte.exchange('AT+CIPSTATUS=2')).toBe('\r\n+CIPSTATUS: 2,,"","","","INITIAL"\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPSTATUS=6')).toBe('\r\nERROR\r\n');
  });

  it('CIPSTATUS=<n> in single mode is ERROR', async () => {
    expect(await dte.exchange('AT+CIPSTATUS=0')).toBe('\r\nERROR\r\n');
  });

  it('CIPQSEND, CIPSSL: flags', async () => {
    for (const cmd of ['+CIPQSEND', '+CIPSSL']) {
      expect(await dte.exchange(`AT${cmd}?`)).toBe(`\r\n${cmd}: 0\r\n\r\nOK\r\n`);
      expect(await dte.exchange(`AT${cmd}=1`)).toBe('\r\nOK\r\n');
      expect(await dte.exchange(`AT${cmd}?`)).toBe(`\r\n${cmd}: 1\r\n\r\nOK\r\n`);
      expect(await dte.exchange(`AT${cmd}=?`)).toBe(`\r\n${cmd}: (0,1)\r\n\r\nOK\r\n`);
      expect(await dte.exchange(`AT${cmd}=2`)).toBe('\r\nERROR\r\n');
    }
  });

  it('CIPRXGET: modes 0/1 set; reading modes need a connection', async () => {
    expect(await dte.exchange('AT+CIPRXGET=1')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPRXGET?')).toBe('\r\n+CIPRXGET: 1\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPRXGET=4')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CIPRXGET=2,0,100')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CIPRXGET=5')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CIPRXGET?')).toBe('\r\n+CIPRXGET: 1\r\n\r\nOK\r\n');
  });

  it('CDNSCFG: set both or the primary, read back, reject non-addresses', async () => {
    expect(await dte.exchange('AT+CDNSCFG?')).toBe('\r\nPrimaryDns: 0.0.0.0\r\nSecondaryDns: 0.0.0.0\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CDNSCFG="8.8.8.8","8.8.4.4"')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CDNSCFG?')).toBe('\r\nPrimaryDns: 8.8.8.8\r\nSecondaryDns: 8.8.4.4\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CDNSCFG="1.1.1.1"')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CDNSCFG?')).toBe('\r\nPrimaryDns: 1.1.1.1\r\nSecondaryDns: 8.8.4.4\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CDNSCFG="dns.google"')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CDNSCFG="1.1.1.1","256.0.0.1"')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CDNSCFG=?')).toBe('\r\n+CDNSCFG: ("pri_dns"),("sec_dns")\r\n\r\nOK\r\n');
  });
});

describe('PDP contexts', () => {
  it('CGDCONT: define, read, undefine, bad type', async () => {
    expect(await dte.exchange('AT+CGDCONT?')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CGDCONT=1,"IP","internet"')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CGDCONT=2,"ip","other"')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CGDCONT?')).toBe('\r\n+CGDCONT: 1,"IP","internet","0.0.0.0",0,0\r\n+CGDCONT: 2,"IP","other","0.0.0.0",0,0\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CGDCONT=2')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CGDCONT?')).toBe('\r\n+CGDCONT: 1,"IP","internet","0.0.0.0",0,0\r\n\r\nOK\r\n');
    await dte.exchange('AT+CMEE=1');
    expect(await dte.exchange('AT+CGDCONT=1,"X25","internet"')).toBe('\r\n+CME ERROR: 765\r\n');
    expect(await dte.exchange('AT+CGDCONT=4,"IP","internet"')).toBe('\r\n+CME ERROR: 765\r\n');
    expect(await dte.exchange('AT+CGDCONT=?')).toBe('\r\n+CGDCONT: (1-3),"IP",,,(0-2),(0-4)\r\n\r\nOK\r\n');
  });

  it('CGACT: activate attaches first; read; detach deactivates', async () => {
    await dte.exchange('AT+CGDCONT=1,"IP","internet";+CGATT=0');
    expect(await dte.exchange('AT+CGACT=1,1')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CGATT?')).toBe('\r\n+CGATT: 1\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CGACT?')).toBe('\r\n+CGACT: 1,1\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CGATT=0')).toBe('\r\n+PDP: DEACT\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CGACT?')).toBe('\r\n+CGACT: 1,0\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CGACT=?')).toBe('\r\n+CGACT: (0,1)\r\n\r\nOK\r\n');
  });

  it('CGACT without radio: CME 148 (unspecified GPRS error)', async () => {
    await dte.exchange('AT+CMEE=1;+CFUN=4');
    expect(await dte.exchange('AT+CGACT=1,1')).toBe('\r\n+CME ERROR: 148\r\n');
    expect(await dte.exchange('AT+CGACT=0,1')).toBe('\r\nOK\r\n');
  });
});

describe('settings sent once at start-up', () => {
  it.each([
    ['+CBATCHK', 0, '(0,1)', '1'],
    ['+CVHU', 0, '(0,1)', '1'],
    ['+CMGF', 0, '(0,1)', '1'],
    ['+CNETLIGHT', 1, '(0,1)', '0'],
    ['+CSGS', 1, '(0-2)', '2'],
  ])('AT%s: default %s, test %s, write %s', async (cmd, def, range, v) => {
    expect(await dte.exchange(`AT${cmd}?`)).toBe(`\r\n${cmd}: ${def}\r\n\r\nOK\r\n`);
    expect(await dte.exchange(`AT${cmd}=?`)).toBe(`\r\n${cmd}: ${range}\r\n\r\nOK\r\n`);
    expect(await dte.exchange(`AT${cmd}=${v}`)).toBe('\r\nOK\r\n');
    expect(await dte.exchange(`AT${cmd}?`)).toBe(`\r\n${cmd}: ${v}\r\n\r\nOK\r\n`);
    expect(await dte.exchange(`AT${cmd}=9`)).toBe('\r\nERROR\r\n');
  });

  it('CSCS: IRA by default; known sets in any case; the manual example "TEST" is CME 765', async () => {
    expect(await dte.exchange('AT+CSCS?')).toBe('\r\n+CSCS: "IRA"\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CSCS="gsm"')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CSCS?')).toBe('\r\n+CSCS: "GSM"\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CSCS=?')).toBe('\r\n+CSCS: ("IRA","GSM","UCS2","HEX","PCCP","PCDN","8859-1")\r\n\r\nOK\r\n');
    await dte.exchange('AT+CMEE=2');
    expect(await dte.exchange('AT+CSCS="TEST"')).toBe('\r\n+CME ERROR: Invalid input value\r\n');
  });

  it('CNMI: default 2,1,0,0,0; partial writes keep the rest; bm takes 0 or 2', async () => {
    expect(await dte.exchange('AT+CNMI?')).toBe('\r\n+CNMI: 2,1,0,0,0\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CNMI=1,2,0,1,0')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CNMI?')).toBe('\r\n+CNMI: 1,2,0,1,0\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CNMI=3')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CNMI?')).toBe('\r\n+CNMI: 3,2,0,1,0\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CNMI=2,1,1')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CNMI=?')).toBe('\r\n+CNMI: (0-3),(0-3),(0,2),(0-2),(0,1)\r\n\r\nOK\r\n');
  });

  it('CLIP: <n>,<m> with CLIP provisioned', async () => {
    expect(await dte.exchange('AT+CLIP?')).toBe('\r\n+CLIP: 0,1\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CLIP=1')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CLIP?')).toBe('\r\n+CLIP: 1,1\r\n\r\nOK\r\n');
  });

  it('IFC and ICF (TinyGSM factoryDefault)', async () => {
    expect(await dte.exchange('AT+IFC=0,0')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+IFC?')).toBe('\r\n+IFC: 0,0\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+IFC=2,2')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+IFC?')).toBe('\r\n+IFC: 2,2\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+ICF=3,3')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+ICF?')).toBe('\r\n+ICF: 3,3\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+ICF=7')).toBe('\r\nERROR\r\n');
  });

  it('settings return to their defaults at power-up', async () => {
    await dte.exchange('AT+CMGF=1;+CSCS="GSM";+CNETLIGHT=0;&W');
    dte.modem.powerOn();
    await dte.exchange('AT;E0');
    expect(await dte.exchange('AT+CMGF?;+CSCS?;+CNETLIGHT?')).toBe('\r\n+CMGF: 0\r\n\r\n+CSCS: "IRA"\r\n\r\n+CNETLIGHT: 1\r\n\r\nOK\r\n');
  });

  // AT+CIPSTART has real sockets behind it since issue 13 (test/tcpip/).
  it('commands no library sends answer ERROR', async () => {
    // AT+CMGS left this list with the SMS family (test/sms/), AT+HTTPINIT with the HTTP family, AT+CIPSTART with TCP/IP.
    for (const cmd of ['AT&V']) {
      expect(await dte.exchange(cmd)).toBe('\r\nERROR\r\n');
    }
  });
});
