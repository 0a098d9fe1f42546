/**
 * The SMS, call and USSD functions of TinyGSM, Adafruit FONA and two Python SIM800
 * libraries, replayed with their exact strings and their parsers restated in clients.ts,
 * against the emulator with the network side driven over the control API.
 */
import { Fona, Py1, Py2, TinyGsm } from './clients';
import { FROM, SCTS, deliver, smsDte, type SmsDte } from './helpers';

let dte: SmsDte;
beforeEach(async () => {
  dte = await smsDte();
});
afterEach(async () => {
  await dte?.close();
});

const sentTexts = async () => (await dte.api('GET', '/sms')).json.messages.map((m: { text: string }) => m.text);
const callState = async () => (await dte.api('GET', '/calls')).json.calls;

describe('TinyGSM', () => {
  it('receiveNewSMSIndication, storage, readSMS (after AT+CSDH=1), deleteSMS, deleteAllSMS', async () => {
    const m = new TinyGsm(dte);
    expect(await m.receiveNewSMSIndication()).toBe(true);
    expect(await m.setPreferredSMSStorage('SM')).toBe(true);
    expect(await m.getPreferredSMSStorage()).toEqual([
      { mem: 'SM', used: 0, total: 50 },
      { mem: 'SM', used: 0, total: 50 },
      { mem: 'SM', used: 0, total: 50 },
    ]);
    await deliver(dte, { text: 'STATUS' });
    await deliver(dte, { text: 'Привет' });
    await m.s.pull();
    expect(m.waitResponse('+CMTI: "SM",2\r\n')).toBe(1);
    await m.sendAT('+CMGF=1;+CSDH=1'); // readSMS walks the CSDH fields: the application sets them
    expect(m.waitResponse()).toBe(1);
    expect(await m.readSMS(1, false)).toEqual({ status: 'REC UNREAD', from: FROM, alpha: '', scts: SCTS, alphabet: 0, message: 'STATUS' });
    expect(await m.readSMS(1)).toMatchObject({ status: 'REC UNREAD' });
    expect(await m.readSMS(1)).toMatchObject({ status: 'REC READ', message: 'STATUS' });
    // A UCS2 body is hex; <length> counts its hex digits, so the whole body is read.
    expect(await m.readSMS(2)).toMatchObject({ alphabet: 2, message: '041F04400438043204350442' });
    expect(await m.deleteSMS(1)).toBe(true);
    expect((await m.getPreferredSMSStorage())?.[0]).toEqual({ mem: 'SM', used: 1, total: 50 });
    expect(await m.deleteAllSMS(6)).toBe(true);
    expect((await m.getPreferredSMSStorage())?.[0]).toEqual({ mem: 'SM', used: 0, total: 50 });
  });

  it('sendSMS and sendSMS_UTF16', async () => {
    const m = new TinyGsm(dte);
    expect(await m.sendSMS(FROM, 'Alarm: zone 3')).toBe(true);
    expect(await m.sendSMS_UTF16(FROM, 'Тревога')).toBe(true);
    expect(await sentTexts()).toEqual(['Alarm: zone 3', 'Тревога']);
  });

  it('sendUSSD: CSCS "HEX", the reply decoded from hex with dcs 15', async () => {
    expect((await dte.api('POST', '/ussd', { code: '*100#', reply: 'Your balance is 10.00 EUR' })).status).toBe(201);
    const m = new TinyGsm(dte);
    expect(await m.sendUSSD('*100#')).toBe('Your balance is 10.00 EUR');
  });

  it('callNumber: OK at once (COLP=0), then the outcome the control API set; callAnswer, dtmfSend, callHangup', async () => {
    const m = new TinyGsm(dte);
    expect((await dte.api('POST', '/call', { to: '*', outcome: 'busy' })).status).toBe(201);
    expect(await m.callNumber(FROM)).toBe(1);
    await m.s.pull();
    expect(m.waitResponse('BUSY\r\n')).toBe(1);

    await dte.api('POST', '/call', { from: FROM });
    await m.s.pull();
    expect(m.waitResponse('RING\r\n')).toBe(1);
    expect(await m.callAnswer()).toBe(true);
    expect(await m.dtmfSend('5')).toBe(true);
    expect(await m.callHangup()).toBe(true);
    const calls = await callState();
    expect(calls.at(-1)).toMatchObject({ dir: 'in', number: FROM, dtmf: '5', endedBy: 'device' });
  });
});

describe('Adafruit FONA', () => {
  it('getNumSMS, readSMS, getSMSSender, deleteSMS', async () => {
    const f = new Fona(dte);
    expect(await f.getNumSMS()).toBe(0);
    await deliver(dte, { text: 'STATUS' });
    await deliver(dte, { text: 'ARM' });
    expect(await f.getNumSMS()).toBe(2);
    expect(await f.readSMS(1)).toBe('STATUS');
    expect(await f.getSMSSender(1)).toBe(FROM);
    expect(await f.deleteSMS(1)).toBe(true);
    expect(await f.getNumSMS()).toBe(1);
    expect(await f.readSMS(2)).toBe('ARM');
  });

  it('sendSMS: "> " read as a line, the text with two CR LF, +CMGS then OK', async () => {
    const f = new Fona(dte);
    expect(await f.sendSMS(FROM, 'Battery low')).toBe(true);
    expect(await sentTexts()).toEqual(['Battery low\r\n\r\n']);
  });

  it('sendUSSD with the default IRA set: the text between the quotes', async () => {
    await dte.api('POST', '/ussd', { code: '*101#', reply: 'Balance 4.20' });
    expect(await new Fona(dte).sendUSSD('*101#')).toBe('Balance 4.20');
  });

  it('an incoming call: +CLIP after RING gives the number; CPAS 3 ringing, 4 in call, 0 idle; pickUp, hangUp', async () => {
    const f = new Fona(dte);
    expect(await f.sendCheckReply('AT+CLIP=1', 'OK')).toBe(true); // callerIdNotification(true)
    await dte.api('POST', '/call', { from: FROM });
    expect(await f.incomingCallNumber()).toBe(FROM);
    expect(await f.getCallStatus()).toBe(3);
    expect(await f.pickUp()).toBe(true);
    expect(await f.getCallStatus()).toBe(4);
    expect(await f.hangUp()).toBe(true);
    expect(await f.getCallStatus()).toBe(0);
  });

  it('callPhone: OK once dialling, CPAS 4 while it alerts', async () => {
    const f = new Fona(dte);
    expect(await f.callPhone(FROM)).toBe(true);
    expect(await f.getCallStatus()).toBe(4);
    expect((await callState())[0]).toMatchObject({ dir: 'out', number: FROM });
  });
});

describe('Python sim800l.py (PY1): every command ends in \\n only', () => {
  it('setup, +CMTI through check_incoming, read_sms, read_next_message, read_and_delete_all', async () => {
    const p = new Py1(dte);
    expect(await p.setup()).toBe(true);
    await deliver(dte, { text: 'STATUS' });
    expect(await p.checkIncoming()).toEqual(['CMTI', 1]);
    expect(await p.readSms(1)).toEqual([FROM, '24/03/01', '10:15:00+04', 'STATUS\n']);
    await deliver(dte, { text: 'REBOOT' });
    await dte.urcs();
    // The first is read now, so "REC UNREAD",1 lists the second only.
    expect(await p.readNextMessage()).toEqual([FROM, '24/03/01', '10:15:00+04', 'REBOOT\n']);
    expect(await p.readNextMessage()).toBeNull();
    expect(await p.readAndDeleteAll(1)).toEqual([FROM, '24/03/01', '10:15:00+04', 'STATUS\n']);
    expect(await dte.exchange('AT+CPMS?')).toBe('\r\n+CPMS: "SM",0,50,"SM",0,50,"SM",0,50\r\n\r\nOK\r\n');
  });

  it('send_sms: the text through gsm03.38 with CMGHEX=1, written without waiting for the prompt', async () => {
    const p = new Py1(dte);
    expect(await p.setup()).toBe(true);
    expect(await p.sendSms(FROM, 'Temp 30€ @home [ok]')).toBe(true);
    expect(await sentTexts()).toEqual(['Temp 30€ @home [ok]']);
  });

  it('RING and +CLIP classify as RING; NO CARRIER when the caller gives up', async () => {
    const p = new Py1(dte);
    await p.setup();
    await dte.api('POST', '/call', { from: FROM, giveUpAfterMs: 0 });
    expect(await p.checkIncoming()).toEqual(['RING', null]);
    expect(await p.checkIncoming()).toEqual(['RING', null]); // the +CLIP line
    expect(await p.checkIncoming()).toEqual(['NOCARRIER', null]);
  });
});

describe('Python sim-module (PY2)', () => {
  it('text mode: AT+CMGS=? checked, "> " seen as ">", text + LF + Ctrl-Z + CR LF, OK last', async () => {
    expect(await new Py2(dte).sendSms(FROM, 'hello from sim-module')).toBe(true);
    expect(await sentTexts()).toEqual(['hello from sim-module\n']);
  });

  it('PDU mode: its own SUBMIT compiler, one AT+CMGS per part, sending result "+CMGS: n"', async () => {
    const p = new Py2(dte);
    expect(await p.sendPdu([['00', '11000B911326880736F40000AA0AE8329BFD4697D9EC37']])).toEqual(['+CMGS: 1']);
    const parts: [string, string][] = [
      [
        '00',
        '41650B911326880736F40000A006080412340201D3B27BFE9683E465F85B4ED781C26C3648FF7697E7A0B0BC5D26B340E2309D5E96E741B85B8905A297DB70902C367481A665F7FC2D07C9CBF0B79CAE0385D96C90FEED2ECF416179BB4C6681C4613ABD2CCF8370B7120B442FB7E120596CE8024DCBEEF95B0E9297E16F395D070AB3D920FDDB5D9E83C2F27699CC0289C3747A599E07E16E',
      ],
      ['00', '41660B911326880736F4000038060804123402022516885E6EC341B2D8D0059A96DDF3B71C242FC3DF72BA0E1466B341FAB7BB3C0785E5ED3299051287E9'],
    ];
    expect(await p.sendPdu(parts)).toEqual(['+CMGS: 2', '+CMGS: 3']);
    expect(await sentTexts()).toEqual(['hellohello', 'Sensor report: all zones armed, battery 87%, temp 21C. '.repeat(4).slice(0, 200)]);
  });
});
