/**
 * Text-mode SMS, byte for byte (docs/sms.md): the settings, a message from the network
 * through +CMTI, AT+CMGR (marks read, `,1` does not), AT+CMGL with every filter, AT+CMGD
 * with its flags, AT+CMGDA, AT+CMGS up to Ctrl-Z or ESC, AT+CMGW/AT+CMSS, character sets,
 * and the +CMS ERROR codes of 27.005 §3.2.5 under CMEE.
 */
import { FROM, SCTS, deliver, sendText, smsDte, type SmsDte } from './helpers';

let dte: SmsDte;
beforeEach(async () => {
  dte = await smsDte();
});
afterEach(async () => {
  await dte?.close();
});

const ok = '\r\nOK\r\n';
const info = (...lines: string[]) => `\r\n${lines.join('\r\n')}\r\n`;

describe('settings', () => {
  it.each([
    ['AT+CSMP?', info('+CSMP: 17,167,0,0')],
    ['AT+CSCA?', info('+CSCA: "+8613800100500",145')],
    ['AT+CSDH?', info('+CSDH: 0')],
    ['AT+CSDH=?', info('+CSDH: (0,1)')],
    ['AT+CMGHEX?', info('+CMGHEX: 0')],
    ['AT+CMGHEX=?', info('+CMGHEX: (0,1)')],
    ['AT+CPMS?', info('+CPMS: "SM",0,50,"SM",0,50,"SM",0,50')],
    ['AT+CPMS=?', info('+CPMS: ("SM","ME","SM_P","ME_P","MT"),("SM","ME","SM_P","ME_P","MT"),("SM","ME","SM_P","ME_P","MT")')],
    ['AT+CMGS=?', ''],
    ['AT+CMGD=?', info('+CMGD: (1-50),(0-4)')],
  ])('%s', async (cmd, body) => {
    expect(await dte.exchange(cmd)).toBe(body + ok);
  });

  it('CSMP, CSCA write and read back; CSAS saves them, CRES restores them', async () => {
    expect(await dte.exchange('AT+CSMP=49,167,0,8')).toBe(ok);
    expect(await dte.exchange('AT+CSCA="+31653131313",145')).toBe(ok);
    expect(await dte.exchange('AT+CSMP?;+CSCA?')).toBe(info('+CSMP: 49,167,0,8') + info('+CSCA: "+31653131313",145') + ok);
    expect(await dte.exchange('AT+CSAS')).toBe(ok);
    expect(await dte.exchange('AT+CSMP=17,167,0,0')).toBe(ok);
    expect(await dte.exchange('AT+CRES')).toBe(ok);
    expect(await dte.exchange('AT+CSMP?')).toBe(info('+CSMP: 49,167,0,8') + ok);
  });

  it('CPMS write answers the counts; an unknown storage is CMS 302', async () => {
    expect(await dte.exchange('AT+CPMS="SM","SM","SM"')).toBe(info('+CPMS: 0,50,0,50,0,50') + ok);
    expect(await dte.exchange('AT+CPMS="ME","ME","ME"')).toBe(info('+CPMS: 0,50,0,50,0,50') + ok);
    expect(await dte.exchange('AT+CPMS?')).toBe(info('+CPMS: "ME",0,50,"ME",0,50,"ME",0,50') + ok);
    await dte.exchange('AT+CMEE=1');
    expect(await dte.exchange('AT+CPMS="XX"')).toBe('\r\n+CMS ERROR: 302\r\n');
    await dte.exchange('AT+CMEE=0');
    expect(await dte.exchange('AT+CPMS="XX"')).toBe('\r\nERROR\r\n');
  });
});

describe('a message from the network', () => {
  it('+CMTI "SM",1; CMGR shows REC UNREAD then REC READ; CMGD empties the location', async () => {
    const r = await deliver(dte, { text: 'STATUS' });
    expect(r).toMatchObject({ parts: 1, delivered: [{ mem: 'SM', index: 1 }] });
    expect(await dte.urcs()).toBe('\r\n+CMTI: "SM",1\r\n');
    expect(await dte.exchange('AT+CMGF=1')).toBe(ok);
    expect(await dte.exchange('AT+CMGR=1')).toBe(info(`+CMGR: "REC UNREAD","${FROM}","","${SCTS}"`, 'STATUS') + ok);
    expect(await dte.exchange('AT+CMGR=1')).toBe(info(`+CMGR: "REC READ","${FROM}","","${SCTS}"`, 'STATUS') + ok);
    expect(await dte.exchange('AT+CPMS?')).toBe(info('+CPMS: "SM",1,50,"SM",1,50,"SM",1,50') + ok);
    expect(await dte.exchange('AT+CMGD=1')).toBe(ok);
    expect(await dte.exchange('AT+CMGR=1')).toBe(ok); // empty location: no +CMGR
    expect(await dte.exchange('AT+CPMS?')).toBe(info('+CPMS: "SM",0,50,"SM",0,50,"SM",0,50') + ok);
  });

  it('AT+CMGR=<i>,1 leaves the message unread', async () => {
    await deliver(dte, { text: 'PING' });
    await dte.urcs();
    await dte.exchange('AT+CMGF=1');
    expect(await dte.exchange('AT+CMGR=1,1')).toBe(info(`+CMGR: "REC UNREAD","${FROM}","","${SCTS}"`, 'PING') + ok);
    expect(await dte.exchange('AT+CMGR=1,1')).toBe(info(`+CMGR: "REC UNREAD","${FROM}","","${SCTS}"`, 'PING') + ok);
  });

  it('CSDH=1 adds tooa, fo, pid, dcs, sca, tosca and length', async () => {
    await deliver(dte, { text: 'STATUS' });
    await dte.urcs();
    await dte.exchange('AT+CMGF=1;+CSDH=1');
    expect(await dte.exchange('AT+CMGR=1')).toBe(info(`+CMGR: "REC UNREAD","${FROM}","","${SCTS}",145,4,0,0,"+8613800100500",145,6`, 'STATUS') + ok);
  });

  it('indices outside the store are CMS 321; under CMEE=0 plain ERROR', async () => {
    await dte.exchange('AT+CMGF=1;+CMEE=1');
    expect(await dte.exchange('AT+CMGR=51')).toBe('\r\n+CMS ERROR: 321\r\n');
    expect(await dte.exchange('AT+CMGR=0')).toBe('\r\n+CMS ERROR: 321\r\n');
    expect(await dte.exchange('AT+CMGD=51')).toBe('\r\n+CMS ERROR: 321\r\n');
    await dte.exchange('AT+CMEE=0');
    expect(await dte.exchange('AT+CMGR=51')).toBe('\r\nERROR\r\n');
  });

  it('CNMI=2,2: delivered as +CMT, not stored', async () => {
    await dte.exchange('AT+CMGF=1;+CNMI=2,2,0,0,0');
    await deliver(dte, { text: 'OPEN GATE' });
    expect(await dte.urcs()).toBe(`\r\n+CMT: "${FROM}","","${SCTS}"\r\nOPEN GATE\r\n`);
    expect(await dte.exchange('AT+CPMS?')).toBe(info('+CPMS: "SM",0,50,"SM",0,50,"SM",0,50') + ok);
    await dte.exchange('AT+CSDH=1');
    await deliver(dte, { text: 'OPEN GATE' });
    expect(await dte.urcs()).toBe(`\r\n+CMT: "${FROM}","","${SCTS}",145,4,0,0,"+8613800100500",145,9\r\nOPEN GATE\r\n`);
  });

  it('CNMI=2,0: stored without indication', async () => {
    await dte.exchange('AT+CNMI=2,0,0,0,0');
    await deliver(dte, { text: 'quiet' });
    expect(await dte.urcs()).toBe('');
    expect(await dte.exchange('AT+CPMS?')).toBe(info('+CPMS: "SM",1,50,"SM",1,50,"SM",1,50') + ok);
  });

  it('a URC raised while a command runs waits for its final result code', async () => {
    await dte.exchange('AT+CMGF=1');
    const before = dte.received().length;
    dte.write('AT+CMGL="ALL"\r');
    await deliver(dte, { text: 'late' });
    await dte.settle();
    const out = dte.received().slice(before);
    expect(out.indexOf('+CMTI: "SM",1')).toBeGreaterThan(out.indexOf('OK'));
  });
});

describe('AT+CMGL', () => {
  beforeEach(async () => {
    await deliver(dte, { text: 'one' });
    await deliver(dte, { text: 'two' });
    await dte.urcs();
    await dte.exchange('AT+CMGF=1');
    await dte.exchange('AT+CMGR=1'); // 1 read, 2 unread
  });

  it('the default and "REC UNREAD" list unread messages and mark them read', async () => {
    expect(await dte.exchange('AT+CMGL')).toBe(info(`+CMGL: 2,"REC UNREAD","${FROM}","","${SCTS}"`, 'two') + ok);
    expect(await dte.exchange('AT+CMGL="REC UNREAD"')).toBe(ok);
  });

  it('",1" lists without marking', async () => {
    expect(await dte.exchange('AT+CMGL="REC UNREAD",1')).toBe(info(`+CMGL: 2,"REC UNREAD","${FROM}","","${SCTS}"`, 'two') + ok);
    expect(await dte.exchange('AT+CMGL="REC UNREAD",1')).toBe(info(`+CMGL: 2,"REC UNREAD","${FROM}","","${SCTS}"`, 'two') + ok);
  });

  it('"REC READ", "ALL", stored messages, CSDH=1', async () => {
    expect(await dte.exchange('AT+CMGL="REC READ"')).toBe(info(`+CMGL: 1,"REC READ","${FROM}","","${SCTS}"`, 'one') + ok);
    expect(await dte.exchange(`AT+CMGW="${FROM}"`)).toBe('\r\n> ');
    expect(await dte.exchange('ALARM\x1a', { raw: true })).toBe(info('+CMGW: 3') + ok);
    expect(await dte.exchange('AT+CMGL="STO UNSENT",1')).toBe(info(`+CMGL: 3,"STO UNSENT","${FROM}",""`, 'ALARM') + ok);
    expect(await dte.exchange('AT+CMGL="ALL",1')).toBe(
      info(`+CMGL: 1,"REC READ","${FROM}","","${SCTS}"`, 'one', `+CMGL: 2,"REC UNREAD","${FROM}","","${SCTS}"`, 'two', `+CMGL: 3,"STO UNSENT","${FROM}",""`, 'ALARM') + ok,
    );
    await dte.exchange('AT+CSDH=1');
    expect(await dte.exchange('AT+CMGL="ALL",1')).toBe(
      info(`+CMGL: 1,"REC READ","${FROM}","","${SCTS}",145,3`, 'one', `+CMGL: 2,"REC UNREAD","${FROM}","","${SCTS}",145,3`, 'two', `+CMGL: 3,"STO UNSENT","${FROM}","",,145,5`, 'ALARM') + ok,
    );
  });

  it('test form; a PDU-mode stat in text mode is CMS 302', async () => {
    expect(await dte.exchange('AT+CMGL=?')).toBe(info('+CMGL: ("REC UNREAD","REC READ","STO UNSENT","STO SENT","ALL")') + ok);
    await dte.exchange('AT+CMEE=1');
    expect(await dte.exchange('AT+CMGL=4')).toBe('\r\n+CMS ERROR: 302\r\n');
  });
});

describe('deleting', () => {
  /** Index 1 REC READ, 2 REC UNREAD, 3 STO UNSENT, 4 STO SENT. */
  async function fill(): Promise<void> {
    await deliver(dte, { text: 'read' });
    await deliver(dte, { text: 'unread' });
    await dte.urcs();
    await dte.exchange('AT+CMGF=1');
    await dte.exchange('AT+CMGR=1');
    for (const t of ['unsent', 'sent']) {
      await dte.exchange(`AT+CMGW="${FROM}"`);
      await dte.exchange(t + '\x1a', { raw: true });
    }
    expect(await dte.exchange('AT+CMSS=4')).toBe(info('+CMSS: 1') + ok);
  }
  const left = async () => [...(await dte.exchange('AT+CMGL="ALL",1')).matchAll(/\+CMGL: (\d+)/g)].map((m) => Number(m[1]));

  it.each([
    [0, [2, 3, 4]],
    [1, [2, 3, 4]],
    [2, [2, 3]],
    [3, [2]],
    [4, []],
  ])('AT+CMGD=1,%i', async (flag, kept) => {
    await fill();
    expect(await dte.exchange(`AT+CMGD=1,${flag}`)).toBe(ok);
    expect(await left()).toEqual(kept);
  });

  it('AT+CMGD of an empty location is OK; FONA\'s zero-padded index works', async () => {
    await fill();
    expect(await dte.exchange('AT+CMGD=9')).toBe(ok);
    expect(await dte.exchange('AT+CMGD=002')).toBe(ok);
    expect(await left()).toEqual([1, 3, 4]);
  });

  it.each([
    ['"DEL READ"', [2, 3, 4]],
    ['"DEL UNREAD"', [1, 3, 4]],
    ['"DEL SENT"', [1, 2, 3]],
    ['"DEL UNSENT"', [1, 2, 4]],
    ['"DEL INBOX"', [3, 4]],
    ['"DEL ALL"', []],
  ])('AT+CMGDA=%s (text mode)', async (type, kept) => {
    await fill();
    expect(await dte.exchange(`AT+CMGDA=${type}`)).toBe(ok);
    expect(await left()).toEqual(kept);
  });

  it.each([
    [1, [2, 3, 4]],
    [2, [1, 3, 4]],
    [3, [1, 2, 3]],
    [4, [1, 2, 4]],
    [5, [3, 4]],
    [6, []],
  ])('AT+CMGDA=%i (PDU mode, TinyGSM deleteAllSMS)', async (n, kept) => {
    await fill();
    await dte.exchange('AT+CMGF=0');
    expect(await dte.exchange(`AT+CMGDA=${n}`)).toBe(ok);
    await dte.exchange('AT+CMGF=1');
    expect(await left()).toEqual(kept);
  });

  it('AT+CMGDA forms of the other mode are CMS 302', async () => {
    await dte.exchange('AT+CMEE=1;+CMGF=1');
    expect(await dte.exchange('AT+CMGDA=6')).toBe('\r\n+CMS ERROR: 302\r\n');
    await dte.exchange('AT+CMGF=0');
    expect(await dte.exchange('AT+CMGDA="DEL ALL"')).toBe('\r\n+CMS ERROR: 302\r\n');
  });
});

describe('AT+CMGS in text mode', () => {
  beforeEach(async () => {
    await dte.exchange('AT+CMGF=1');
  });

  it('prompt, text, Ctrl-Z: +CMGS: <mr> counting up; the control API sees the message', async () => {
    expect(await sendText(dte, FROM, 'ALARM: door open')).toBe(info('+CMGS: 1') + ok);
    expect(await sendText(dte, FROM, 'ALARM: door closed')).toBe(info('+CMGS: 2') + ok);
    const { status, json } = await dte.api('GET', '/sms');
    expect(status).toBe(200);
    expect(json.messages).toHaveLength(2);
    expect(json.messages[0]).toMatchObject({
      to: FROM,
      toa: 145,
      text: 'ALARM: door open',
      encoding: 'gsm7',
      parts: 1,
      mr: [1],
      status: 'sent',
      pdus: ['11010B911326880736F40000A710416650DAD481C8EFB71CF48697DD'],
    });
  });

  it('a national number has type 129; <toda> may be given', async () => {
    expect(await sendText(dte, '0628870634', 'hi')).toBe(info('+CMGS: 1') + ok);
    const { json } = await dte.api('GET', '/sms');
    expect(json.messages[0]).toMatchObject({ to: '0628870634', toa: 129, pdus: ['11010A8160827860430000A702E834'] });
  });

  it('ESC cancels: OK, nothing sent', async () => {
    expect(await dte.exchange(`AT+CMGS="${FROM}"`)).toBe('\r\n> ');
    expect(await dte.exchange('never mind\x1b', { raw: true })).toBe(ok);
    expect((await dte.api('GET', '/sms')).json.messages).toEqual([]);
  });

  it('CR and LF are text (FONA ends its text with two CR LF); no output under ATE0 until the result', async () => {
    expect(await dte.exchange(`AT+CMGS="${FROM}"`)).toBe('\r\n> ');
    expect(await dte.exchange('line1\r\nline2\r\n\r\n', { raw: true })).toBe('');
    expect(await dte.exchange('\x1a', { raw: true })).toBe(info('+CMGS: 1') + ok);
    expect((await dte.api('GET', '/sms')).json.messages[0].text).toBe('line1\r\nline2\r\n\r\n');
  });

  it('under ATE1 the text is echoed and each CR prompts again', async () => {
    await dte.exchange('ATE1');
    expect(await dte.exchange(`AT+CMGS="${FROM}"`)).toBe(`AT+CMGS="${FROM}"\r\r\n> `);
    expect(await dte.exchange('ab\rc', { raw: true })).toBe('ab\r\n> c');
    expect(await dte.exchange('\x1a', { raw: true })).toBe(info('+CMGS: 1') + ok);
  });

  it('backspace deletes the previous character', async () => {
    expect(await dte.exchange(`AT+CMGS="${FROM}"`)).toBe('\r\n> ');
    await dte.exchange('abx\x08c\x1a', { raw: true });
    expect((await dte.api('GET', '/sms')).json.messages[0].text).toBe('abc');
  });

  it('the command and its text in one write (the Python library does not wait for the prompt)', async () => {
    const before = dte.received().length;
    dte.write(`AT+CMGS="${FROM}"\rquick\x1a`);
    await dte.settle();
    expect(dte.received().slice(before)).toBe('\r\n> \r\n+CMGS: 1\r\n\r\nOK\r\n');
    expect((await dte.api('GET', '/sms')).json.messages[0].text).toBe('quick');
  });

  it('GSM extension characters count twice; more than 160 septets is CMS 305', async () => {
    await dte.exchange('AT+CMEE=1');
    expect(await sendText(dte, FROM, 'x'.repeat(160))).toBe(info('+CMGS: 1') + ok);
    expect(await sendText(dte, FROM, 'x'.repeat(161))).toBe('\r\n+CMS ERROR: 305\r\n');
    expect(await sendText(dte, FROM, '{'.repeat(80))).toBe(info('+CMGS: 2') + ok);
    expect(await sendText(dte, FROM, '{'.repeat(81))).toBe('\r\n+CMS ERROR: 305\r\n');
  });

  it('TinyGSM sendSMS_UTF16: CSCS "HEX", CSMP dcs 8, UCS2 as hex', async () => {
    expect(await dte.exchange('AT+CSCS="HEX"')).toBe(ok);
    expect(await dte.exchange('AT+CSMP=17,167,0,8')).toBe(ok);
    expect(await sendText(dte, FROM, '041F04400438043204350442')).toBe(info('+CMGS: 1') + ok);
    const m = (await dte.api('GET', '/sms')).json.messages[0];
    expect(m).toMatchObject({ text: 'Привет', encoding: 'ucs2', pdus: ['11010B911326880736F40008A70C041F04400438043204350442'] });
  });

  it('CSCS "UCS2": the destination and a GSM text entered as UCS2 hex', async () => {
    await dte.exchange('AT+CSCS="UCS2"');
    // "+31628870634" and "Hi" in UCS2 hex; dcs stays GSM 7-bit.
    const da = [...FROM].map((c) => c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')).join('');
    expect(await sendText(dte, da, '00480069')).toBe(info('+CMGS: 1') + ok);
    expect((await dte.api('GET', '/sms')).json.messages[0]).toMatchObject({ to: FROM, text: 'Hi', encoding: 'gsm7' });
  });

  it('CMGHEX=1 with CSCS "GSM": GSM codes as they come, ESC + extension code is the euro sign (the Python library)', async () => {
    await dte.exchange('AT+CSCS="GSM";+CMGHEX=1');
    // "@ 5€" through the gsm03.38 codec: 0x00 0x20 0x35 0x1B 0x65.
    expect(await dte.exchange(`AT+CMGS="${FROM}"`)).toBe('\r\n> ');
    expect(await dte.exchange('\x00 5\x1b\x65\x1a', { raw: true })).toBe(info('+CMGS: 1') + ok);
    expect((await dte.api('GET', '/sms')).json.messages[0].text).toBe('@ 5€');
  });

  it('no network: CMS 331 after the text; no SIM: CMS 310 before the prompt', async () => {
    await dte.exchange('AT+CMEE=1;+CFUN=4');
    expect(await sendText(dte, FROM, 'x')).toBe('\r\n+CMS ERROR: 331\r\n');
    await dte.close();
    dte = await smsDte({ modem: { simInserted: false } });
    await dte.exchange('AT+CMEE=1;+CMGF=1');
    expect(await dte.exchange(`AT+CMGS="${FROM}"`)).toBe('\r\n+CMS ERROR: 310\r\n');
  });
});

describe('AT+CMGW and AT+CMSS', () => {
  it('stores STO UNSENT, sends from storage (to another number too), marks STO SENT', async () => {
    await dte.exchange('AT+CMGF=1');
    expect(await dte.exchange(`AT+CMGW="${FROM}"`)).toBe('\r\n> ');
    expect(await dte.exchange('ALARM\x1a', { raw: true })).toBe(info('+CMGW: 1') + ok);
    expect(await dte.exchange('AT+CMGR=1')).toBe(info(`+CMGR: "STO UNSENT","${FROM}",""`, 'ALARM') + ok);
    await dte.exchange('AT+CSDH=1');
    expect(await dte.exchange('AT+CMGR=1')).toBe(info(`+CMGR: "STO UNSENT","${FROM}","",145,17,0,0,167,"+8613800100500",145,5`, 'ALARM') + ok);
    expect(await dte.exchange('AT+CMSS=1')).toBe(info('+CMSS: 1') + ok);
    expect(await dte.exchange('AT+CMSS=1,"+4917012345678"')).toBe(info('+CMSS: 2') + ok);
    expect(await dte.exchange('AT+CMGL="STO SENT"')).toMatch(/^\r\n\+CMGL: 1,"STO SENT",/);
    const sent = (await dte.api('GET', '/sms')).json.messages;
    expect(sent.map((m: { to: string; text: string }) => [m.to, m.text])).toEqual([
      [FROM, 'ALARM'],
      ['+4917012345678', 'ALARM'],
    ]);
    await dte.exchange('AT+CMEE=1');
    expect(await dte.exchange('AT+CMSS=2')).toBe('\r\n+CMS ERROR: 321\r\n');
  });

  it('a full store is CMS 322', async () => {
    await dte.close();
    dte = await smsDte({ modem: { smsCapacity: 2 } });
    await dte.exchange('AT+CMGF=1;+CMEE=1');
    for (const n of [1, 2]) {
      await dte.exchange(`AT+CMGW="${FROM}"`);
      expect(await dte.exchange('x\x1a', { raw: true })).toBe(info(`+CMGW: ${n}`) + ok);
    }
    await dte.exchange(`AT+CMGW="${FROM}"`);
    expect(await dte.exchange('x\x1a', { raw: true })).toBe('\r\n+CMS ERROR: 322\r\n');
  });
});

describe('character sets on the way out', () => {
  it('CSCS "HEX": a GSM text is shown as two hex digits per GSM code', async () => {
    await deliver(dte, { text: 'P@1' });
    await dte.urcs();
    await dte.exchange('AT+CMGF=1;+CSCS="HEX"');
    // 27.005 Annex A: each GSM code as two hex digits; P = 0x50, @ = 0x00, 1 = 0x31.
    expect(await dte.exchange('AT+CMGR=1')).toBe(info(`+CMGR: "REC UNREAD","2B3331363238383730363334","","${SCTS}"`, '500031') + ok);
  });

  it('UCS2 messages are shown as hex whatever CSCS is; CSDH length counts the shown characters', async () => {
    await deliver(dte, { text: 'Привет' });
    await dte.urcs();
    await dte.exchange('AT+CMGF=1;+CSDH=1');
    expect(await dte.exchange('AT+CMGR=1')).toBe(info(`+CMGR: "REC UNREAD","${FROM}","","${SCTS}",145,4,0,8,"+8613800100500",145,24`, '041F04400438043204350442') + ok);
  });

  it('IRA shows GSM characters IRA lacks as "?"', async () => {
    await deliver(dte, { text: 'Δ=5' });
    await dte.urcs();
    await dte.exchange('AT+CMGF=1');
    expect(await dte.exchange('AT+CMGR=1')).toBe(info(`+CMGR: "REC UNREAD","${FROM}","","${SCTS}"`, '?=5') + ok);
  });
});
