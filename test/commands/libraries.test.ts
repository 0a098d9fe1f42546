/**
 * Replays of what two common SIM800 libraries send at start-up and GPRS connect, with
 * their exact strings, each answer checked the way the library's own parser reads it:
 *
 * - TinyGSM (vshymanskyy/TinyGSM, src/TinyGsmClientSIM800.h, TinyGsmModem.tpp,
 *   TinyGsmGPRS.tpp, TinyGsmTime.tpp, TinyGsmBattery.tpp): commands end in "\r\n";
 *   waitResponse() appends every byte to a string and returns as soon as it ENDS WITH one
 *   of its targets ("OK\r\n", "ERROR\r\n" by default), skipping NUL bytes and swallowing
 *   the *PSUTTZ/DST/+CTZV/*PSNWID URCs; the rest stays in the stream for the next read.
 * - Adafruit FONA (adafruit/Adafruit_FONA, Adafruit_FONA.cpp): flushInput() drops what
 *   is pending before each command; readline() skips CR, skips LF while the line is empty,
 *   and ends the line at the next LF; sendCheckReply() compares that line exactly.
 *
 * The parser models in test/helpers/clients.ts restate that behaviour in TypeScript (no
 * code copied).
 */
import { Fona, TinyGsm } from '../helpers/clients';
import { readyDte, startDte, type Dte } from '../helpers/dte';

let dte: Dte;
afterEach(async () => {
  await dte?.close();
});

describe('TinyGSM SIM800', () => {
  it('init(), info, network, GPRS connect, local IP, time, battery, disconnect, power off', async () => {
    dte = await startDte(); // factory autobaud, echo on
    const m = new TinyGsm(dte);

    // testAT(): "AT" until waitResponse(200) == 1; the first one syncs autobaud.
    await m.sendAT('');
    expect(m.waitResponse()).toBe(1);

    // initImpl()
    await m.sendAT('E0');
    expect(m.waitResponse()).toBe(1);
    await m.sendAT('+CMEE=0');
    expect(m.waitResponse()).toBe(1);
    await m.sendAT('+GMM'); // getModemNameImpl()
    const gmm = m.waitResponseData();
    expect(gmm.index).toBe(1);
    expect(gmm.data.replace('\r\nOK\r\n', '').replace(/_/g, ' ').trim()).toBe('SIMCOM SIM800L');
    await m.sendAT('+CLTS=1');
    expect(m.waitResponse()).toBe(1);
    await m.sendAT('+CBATCHK=1');
    expect(m.waitResponse()).toBe(1);
    await m.sendAT('+CPIN?'); // getSimStatusImpl()
    expect(m.waitResponse('+CPIN:')).toBe(1);
    expect(m.waitResponse('READY', 'SIM PIN', 'SIM PUK', 'NOT INSERTED', 'NOT READY')).toBe(1);
    expect(m.waitResponse()).toBe(1);

    // getModemInfoImpl(): ATI, OK stripped, CR LF turned into spaces.
    await m.sendAT('I');
    const info = m.waitResponseData();
    expect(info.index).toBe(1);
    expect(info.data.replace('\r\nOK\r\n', '').replace(/\r\n/g, ' ').trim()).toBe('SIM800 R14.18');

    // getIMEIImpl() / getIMSIImpl(): skip the first newline, read the next line.
    await m.sendAT('+GSN');
    m.skipUntil('\n');
    expect(m.readStringUntil('\n').trim()).toBe('866782041234564');
    expect(m.waitResponse()).toBe(1);
    await m.sendAT('+CIMI');
    m.skipUntil('\n');
    expect(m.readStringUntil('\n').trim()).toBe('460008184101641');
    expect(m.waitResponse()).toBe(1);
    // getSimCCIDImpl() (SIM800): waitResponse("\r\n"), then the line, "CCID:" removed.
    await m.sendAT('+CCID');
    expect(m.waitResponse('\r\n')).toBe(1);
    expect(m.readStringUntil('\n').replace('CCID:', '').trim()).toBe('89860081090648812345');
    expect(m.waitResponse()).toBe(1);

    // waitForNetwork(): getRegistrationStatusXREG("CREG").
    await m.sendAT('+', 'CREG', '?');
    expect(m.waitResponse('+CREG:', '+CGREG:', '+CEREG:')).toBe(1);
    m.skipUntil(',');
    expect(m.parseInt()).toBe(1);
    expect(m.waitResponse()).toBe(1);
    // getSignalQualityImpl()
    await m.sendAT('+CSQ');
    expect(m.waitResponse('+CSQ:')).toBe(1);
    expect(m.getIntBefore(',')).toBe(18);
    expect(m.waitResponse()).toBe(1);
    // getOperatorImpl()
    await m.sendAT('+COPS?');
    expect(m.waitResponse('+COPS:')).toBe(1);
    m.skipUntil('"');
    expect(m.readStringUntil('"')).toBe('CHINA MOBILE');
    expect(m.waitResponse()).toBe(1);

    // gprsConnectImpl("internet", "", ""), starting with gprsDisconnectImpl().
    await m.sendAT('+CIPSHUT');
    expect(m.waitResponse()).toBe(1); // "SHUT OK\r\n" ends with "OK\r\n"
    await m.sendAT('+CGATT=0');
    expect(m.waitResponse()).toBe(1);
    await m.sendAT('+SAPBR=3,1,"Contype","GPRS"');
    expect(m.waitResponse()).toBe(1);
    await m.sendAT('+SAPBR=3,1,"APN","internet"');
    expect(m.waitResponse()).toBe(1);
    await m.sendAT('+CGDCONT=1,"IP","internet"');
    expect(m.waitResponse()).toBe(1);
    await m.sendAT('+CGACT=1,1');
    expect(m.waitResponse()).toBe(1);
    await m.sendAT('+SAPBR=1,1');
    expect(m.waitResponse()).toBe(1);
    await m.sendAT('+SAPBR=2,1');
    const sapbr = m.waitResponseData();
    expect(sapbr.index).toBe(1);
    expect(sapbr.data).toContain('+SAPBR: 1,1,"10.89.193.1"');
    for (const cmd of ['+CGATT=1', '+CIPMUX=1', '+CIPQSEND=1', '+CIPRXGET=1', '+CSTT="internet","",""', '+CIICR', '+CIFSR;E0', '+CDNSCFG="8.8.8.8","8.8.4.4"']) {
      await m.sendAT(cmd);
      expect([cmd, m.waitResponse()]).toEqual([cmd, 1]);
    }

    // isGprsConnectedImpl(): CGATT? then localIP() != 0.0.0.0 via getLocalIPImpl().
    await m.sendAT('+CGATT?');
    expect(m.waitResponse('+CGATT:')).toBe(1);
    expect(m.getIntBefore('\n')).toBe(1);
    expect(m.waitResponse()).toBe(1);
    await m.sendAT('+CIFSR;E0');
    const ip = m.waitResponseData();
    expect(ip.index).toBe(1);
    expect(ip.data.replace('\r\nOK\r\n', '').replace(/\r\n/g, '').trim()).toBe('10.89.193.1');

    // modemGetConnected(0): CIPSTATUS=<mux>, a state the parser knows.
    await m.sendAT('+CIPSTATUS=', 0);
    expect(m.waitResponse('+CIPSTATUS')).toBe(1);
    expect(m.waitResponse(',"CONNECTED"', ',"CLOSED"', ',"CLOSING"', ',"REMOTE CLOSING"', ',"INITIAL"')).toBe(5);
    expect(m.waitResponse()).toBe(1);

    // getNetworkTimeImpl(): +CCLK: "yy/MM/dd,hh:mm:ss±zz"
    await m.sendAT('+CCLK?');
    expect(m.waitResponse('+CCLK: "')).toBe(1);
    expect(m.getIntBefore('/')).toBe(4);
    expect(m.getIntBefore('/')).toBe(1);
    expect(m.getIntBefore(',')).toBe(1);
    m.readStringUntil('"');
    expect(m.waitResponse()).toBe(1);

    // getBattVoltageImpl()
    await m.sendAT('+CBC');
    expect(m.waitResponse('+CBC:')).toBe(1);
    m.skipUntil(',');
    m.skipUntil(',');
    expect(m.getIntBefore('\n')).toBe(4177);
    expect(m.waitResponse()).toBe(1);

    // gprsDisconnectImpl(), then poweroff().
    await m.sendAT('+CIPSHUT');
    expect(m.waitResponse()).toBe(1);
    await m.sendAT('+CGATT=0');
    expect(m.waitResponse()).toBe(1);
    await m.sendAT('+CPOWD=1');
    expect(m.waitResponse('NORMAL POWER DOWN')).toBe(1);
  });

  it('restartImpl(): &W, CFUN=0, CFUN=1,1, then init() again after the reboot', async () => {
    dte = await startDte();
    const m = new TinyGsm(dte);
    await m.sendAT('');
    expect(m.waitResponse()).toBe(1);
    await m.sendAT('E0');
    expect(m.waitResponse()).toBe(1);
    await m.sendAT('&W');
    expect(m.waitResponse()).toBe(1);
    await m.sendAT('+CFUN=0');
    expect(m.waitResponse()).toBe(1);
    await m.sendAT('+CFUN=1,1');
    expect(m.waitResponse()).toBe(1);
    // Autobaud again after the reboot: testAT() succeeds on its first AT.
    await m.sendAT('');
    expect(m.waitResponse()).toBe(1);
    await m.sendAT('+CLTS=1');
    expect(m.waitResponse()).toBe(1);
    await m.sendAT('+CPIN?');
    expect(m.waitResponse('+CPIN:')).toBe(1);
    expect(m.waitResponse('READY', 'SIM PIN', 'SIM PUK', 'NOT INSERTED', 'NOT READY')).toBe(1);
  });

  it('factoryDefaultImpl(): every command answers OK', async () => {
    dte = await readyDte();
    const m = new TinyGsm(dte);
    for (const cmd of ['&FZE0&W', '+IPR=0', '+IFC=0,0', '+ICF=3,3', '+CSCLK=0', '&W']) {
      await m.sendAT(cmd);
      expect([cmd, m.waitResponse()]).toEqual([cmd, 1]);
    }
  });

  it('getSimStatus() without a SIM: the parser sees no +CPIN: line (CME 10 → ERROR)', async () => {
    dte = await readyDte({ modem: { simInserted: false } });
    const m = new TinyGsm(dte);
    await m.sendAT('+CPIN?');
    expect(m.waitResponse('+CPIN:')).toBe(0);
  });
});

describe('Adafruit FONA', () => {
  it('begin(): AT until it answers, ATE0 twice, AT+CVHU=0, ATI', async () => {
    dte = await startDte({ modem: { ati: 'SIM800 R13.08' } });
    const f = new Fona(dte);
    // Echo is on at first: "OK" is not the first line, the echoed "AT" is.
    expect(await f.sendCheckReply('AT', 'OK')).toBe(false);
    expect(await f.sendCheckReply('AT', 'AT')).toBe(true);
    for (let i = 0; i < 3; i++) await f.sendCheckReply('AT', 'OK');
    await f.sendCheckReply('ATE0', 'OK');
    expect(await f.sendCheckReply('ATE0', 'OK')).toBe(true);
    expect(await f.sendCheckReply('AT+CVHU=0', 'OK')).toBe(true);
    await f.flushInput();
    await f.s.write('ATI\r\n');
    const ati = f.readline(true);
    expect(ati.includes('SIM800 R13')).toBe(true); // FONA800L
    await f.s.write('AT+GMM\r\n');
    expect(f.readline(true).includes('SIM800H')).toBe(false);
  });

  it('a SIM800H identifies as FONA800H through AT+GMM', async () => {
    dte = await readyDte({ modem: { ati: 'SIM800 R13.08', model: 'SIMCOM_SIM800H' } });
    const f = new Fona(dte);
    await f.flushInput();
    await f.s.write('AT+GMM\r\n');
    expect(f.readline(true).includes('SIM800H')).toBe(true);
  });

  it('status reads and enableGPRS(true/false)', async () => {
    dte = await readyDte();
    const f = new Fona(dte);
    expect(await f.sendParseReply('AT+CREG?', '+CREG: ', ',', 1)).toBe(1);
    expect(await f.sendParseReply('AT+CSQ', '+CSQ: ')).toBe(18);
    expect(await f.sendParseReply('AT+CBC', '+CBC: ', ',', 2)).toBe(4177);
    expect(await f.sendParseReply('AT+CBC', '+CBC: ', ',', 1)).toBe(97);
    expect(await f.getReply('AT+GSN')).toBe('866782041234564');
    expect(await f.getReply('AT+CCID')).toBe('89860081090648812345');
    expect(await f.sendCheckReply('AT+CLTS=1', 'OK')).toBe(true);

    // enableGPRS(true) with the default APN "FONAnet".
    expect(await f.sendCheckReply('AT+CIPSHUT', 'SHUT OK')).toBe(true);
    expect(await f.sendCheckReply('AT+CGATT=1', 'OK')).toBe(true);
    expect(await f.sendCheckReply('AT+SAPBR=3,1,"CONTYPE","GPRS"', 'OK')).toBe(true);
    expect(await f.sendCheckReply('AT+SAPBR=3,1,"APN","FONAnet"', 'OK')).toBe(true);
    await f.flushInput();
    await f.s.write('AT+CSTT="FONAnet"\r\n');
    expect(f.readline()).toBe('OK');
    expect(await f.sendCheckReply('AT+SAPBR=1,1', 'OK')).toBe(true);
    expect(await f.sendCheckReply('AT+CIICR', 'OK')).toBe(true);
    expect(await f.sendParseReply('AT+CGATT?', '+CGATT: ')).toBe(1);

    // TCPconnected(): OK, then the state line (no TCP connection in the emulator).
    expect(await f.sendCheckReply('AT+CIPSTATUS', 'OK')).toBe(true);
    expect(f.readline()).toBe('STATE: IP GPRSACT');

    // getTime()
    const t = await f.getReply('AT+CCLK?');
    expect(t.startsWith('+CCLK: ')).toBe(true);

    // enableGPRS(false)
    expect(await f.sendCheckReply('AT+CIPSHUT', 'SHUT OK')).toBe(true);
    expect(await f.sendCheckReply('AT+SAPBR=0,1', 'OK')).toBe(true);
    expect(await f.sendCheckReply('AT+CGATT=0', 'OK')).toBe(true);
  });

  it('TCPconnect() preamble: CIPSHUT, CIPMUX=0, CIPRXGET=1', async () => {
    dte = await readyDte();
    const f = new Fona(dte);
    expect(await f.sendCheckReply('AT+CIPSHUT', 'SHUT OK')).toBe(true);
    expect(await f.sendCheckReply('AT+CIPMUX=0', 'OK')).toBe(true);
    expect(await f.sendCheckReply('AT+CIPRXGET=1', 'OK')).toBe(true);
  });
});
