/**
 * PDU mode both ways, against PDUs worked out from TS 23.040/23.038 (field by field in the
 * comments): SMS-DELIVERs the network hands the module (GSM 7-bit with the extension
 * table, UCS2 with Cyrillic, Chinese and an emoji's surrogate pair, 8-bit data, a 3-part
 * concatenated text with a 1-bit fill after its header) read back with AT+CMGR/CMGL/+CMT,
 * and SMS-SUBMITs the firmware sends with AT+CMGS=<length> decoded by the control API,
 * concatenated ones (IEI 08 and IEI 00, as the Python sim-module builds them) joined.
 */
import { FROM, SCA_HEX, deliver, smsDte, type SmsDte } from './helpers';

let dte: SmsDte;
beforeEach(async () => {
  dte = await smsDte();
  await dte.exchange('AT+CMGF=0');
});
afterEach(async () => {
  await dte?.close();
});

const ok = '\r\nOK\r\n';
/** Octets of the TPDU: what <length> counts (the SCA is not counted). */
const tpduLength = (pdu: string) => (pdu.length - SCA_HEX.length) / 2;

/**
 * SMS-DELIVER TPDU head shared by the fixtures:
 * 04 first octet (MTI 00 deliver, MMS no more messages) · 0B 91 1326880736F4 the OA
 * +31628870634 (11 digits, international, swapped semi-octets, F filler) · 00 PID.
 * After the DCS: 42301001510040 = SCTS 24/03/01 10:15:00, zone +04 quarter hours.
 */
const OA = '0B911326880736F4';
const SCTS_HEX = '42301001510040';

const VECTORS: [string, Record<string, unknown>, string][] = [
  // "STATUS": DCS 00, UDL 6 septets, packed 53 6A 90 5A 9D 02.
  ['GSM 7-bit', { text: 'STATUS' }, `${SCA_HEX}04${OA}0000${SCTS_HEX}06536A905A9D02`],
  // The extension table: each of € [ ] { } ^ ~ | \ is ESC (1B) + its code: UDL 18 septets.
  ['GSM 7-bit extension table', { text: '€[]{}^~|\\' }, `${SCA_HEX}04${OA}0000${SCTS_HEX}129BF286B7F16D509BD486B2E96D809B17`],
  // Default-alphabet letters above U+00C0 and § (0x5F) stay GSM 7-bit: 20 septets.
  ['GSM default alphabet beyond ASCII', { text: '@£$¥§¿¡ÄÖÑÜäöñüàΔÉßÆ' }, `${SCA_HEX}04${OA}0000${SCTS_HEX}14808060F00503B7DCAE77CFEFFBFF908F8703`],
  // UCS2 (DCS 08): 6 characters, 12 octets.
  ['UCS2 Cyrillic', { text: 'Привет' }, `${SCA_HEX}04${OA}0008${SCTS_HEX}0C041F04400438043204350442`],
  ['UCS2 Chinese', { text: '你好' }, `${SCA_HEX}04${OA}0008${SCTS_HEX}044F60597D`],
  // U+1F600 travels as its UTF-16 surrogate pair D83D DE00: 10 octets.
  ['UCS2 emoji', { text: 'hi 😀' }, `${SCA_HEX}04${OA}0008${SCTS_HEX}0A006800690020D83DDE00`],
  // 8-bit data (DCS 04): 4 octets as given.
  ['8-bit data', { data: '01020304', encoding: '8bit' }, `${SCA_HEX}04${OA}0004${SCTS_HEX}0401020304`],
];

describe('messages from the network, read in PDU mode', () => {
  it.each(VECTORS)('%s: +CMTI, then AT+CMGR shows the SMS-DELIVER', async (_name, body, pdu) => {
    await deliver(dte, body);
    expect(await dte.urcs()).toBe('\r\n+CMTI: "SM",1\r\n');
    expect(await dte.exchange('AT+CMGR=1')).toBe(`\r\n+CMGR: 0,"",${tpduLength(pdu)}\r\n${pdu}\r\n${ok}`);
    expect(await dte.exchange('AT+CMGR=1')).toBe(`\r\n+CMGR: 1,"",${tpduLength(pdu)}\r\n${pdu}\r\n${ok}`);
  });

  it('AT+CMGL=4 lists every message in PDU form; the test form lists 0-4', async () => {
    const [a, b] = [VECTORS[0][2], VECTORS[3][2]];
    await deliver(dte, { text: 'STATUS' });
    await deliver(dte, { text: 'Привет' });
    await dte.urcs();
    expect(await dte.exchange('AT+CMGL=4')).toBe(`\r\n+CMGL: 1,0,"",${tpduLength(a)}\r\n${a}\r\n+CMGL: 2,0,"",${tpduLength(b)}\r\n${b}\r\n${ok}`);
    expect(await dte.exchange('AT+CMGL=1')).toBe(`\r\n+CMGL: 1,1,"",${tpduLength(a)}\r\n${a}\r\n+CMGL: 2,1,"",${tpduLength(b)}\r\n${b}\r\n${ok}`);
    expect(await dte.exchange('AT+CMGL=?')).toBe(`\r\n+CMGL: (0-4)\r\n${ok}`);
  });

  it('CNMI=2,2: +CMT: "",<length> and the PDU, nothing stored', async () => {
    await dte.exchange('AT+CNMI=2,2,0,0,0');
    await deliver(dte, { text: 'STATUS' });
    const pdu = VECTORS[0][2];
    expect(await dte.urcs()).toBe(`\r\n+CMT: "",${tpduLength(pdu)}\r\n${pdu}\r\n`);
  });

  it('a PDU given to the control API is delivered as it is', async () => {
    const tpdu = VECTORS[1][2].slice(SCA_HEX.length);
    await deliver(dte, { pdu: tpdu });
    await dte.urcs();
    expect(await dte.exchange('AT+CMGR=1')).toBe(`\r\n+CMGR: 0,"",${tpdu.length / 2}\r\n${SCA_HEX}${tpdu}\r\n${ok}`);
  });

  it('a 400-character text arrives as 3 concatenated parts: UDH 05 00 03 <ref> 03 <n>, 153 septets each after a 1-bit fill', async () => {
    const text = 'The quick brown fox jumps over the lazy dog 0123456789. '.repeat(8).slice(0, 400);
    const r = await deliver(dte, { text, ref: 0x42 });
    expect(r).toMatchObject({ parts: 3, delivered: [{ mem: 'SM', index: 1 }, { mem: 'SM', index: 2 }, { mem: 'SM', index: 3 }] });
    expect(await dte.urcs()).toBe('\r\n+CMTI: "SM",1\r\n\r\n+CMTI: "SM",2\r\n\r\n+CMTI: "SM",3\r\n');
    // 44: UDHI + MMS; UDL A0 = 160 septets (7 for the 6-octet header incl. its fill bit, 153 text).
    const head = `${SCA_HEX}44${OA}0000${SCTS_HEX}`;
    const parts = [
      `${head}A0050003420301A8E832285E4F8FD720B1FC7D7783CC6F3C485D6FC3E7A0B7BD2C07D1D165103BACCF83C8EF33081693CD6835DB0D977381A8E832285E4F8FD720B1FC7D7783CC6F3C485D6FC3E7A0B7BD2C07D1D165103BACCF83C8EF33081693CD6835DB0D977381A8E832285E4F8FD720B1FC7D7783CC6F3C485D6FC3E7A0B7BD2C07D1D165103BACCF83C8`,
      `${head}A0050003420302DE67102C269BD16AB61B2EE70251D16550BC9E1EAF4162F9FBEE0699DF7890BADE86CF416F7B590EA2A3CB2076589F0791DF67102C269BD16AB61B2EE70251D16550BC9E1EAF4162F9FBEE0699DF7890BADE86CF416F7B590EA2A3CB2076589F0791DF67102C269BD16AB61B2EE70251D16550BC9E1EAF4162F9FBEE0699DF7890BADE86CF41`,
      `${head}65050003420303DEF6B21C44479741ECB03E0F22BFCF20584C36A3D56C375CCE05A2A2CBA0783D3D5E83C4F2F7DD0D32BFF12075BD0D9F83DEF6B21C44479741ECB03E0F22BFCF20584C36A3D56C375CCE05A2A2CBA0783D3D06`,
    ];
    for (let i = 0; i < 3; i++) {
      expect(await dte.exchange(`AT+CMGR=${i + 1}`)).toBe(`\r\n+CMGR: 0,"",${tpduLength(parts[i])}\r\n${parts[i]}\r\n${ok}`);
    }
    // Text mode shows a part with a header as hex (27.005: TP-UDHI set).
    await dte.exchange('AT+CMGF=1');
    expect(await dte.exchange('AT+CMGR=3,1')).toMatch(/^\r\n\+CMGR: "REC READ","\+31628870634","","24\/03\/01,10:15:00\+04"\r\n050003420303DEF6B2/);
  });
});

describe('AT+CMGS=<length>: SMS-SUBMITs from the firmware', () => {
  async function sendPdu(pdu: string, length = (pdu.length - 2) / 2): Promise<string> {
    expect(await dte.exchange(`AT+CMGS=${length}`)).toBe('\r\n> ');
    return dte.exchange(pdu + '\x1a', { raw: true });
  }
  const sent = async () => (await dte.api('GET', '/sms')).json.messages;

  it('the 23.038 example "hellohello" (E8329BFD4697D9EC37): +CMGS: 1, decoded; TP-MR 00 becomes the module\'s', async () => {
    expect(await sendPdu('0011000B911326880736F40000AA0AE8329BFD4697D9EC37')).toBe(`\r\n+CMGS: 1\r\n${ok}`);
    expect((await sent())[0]).toMatchObject({ to: FROM, toa: 145, text: 'hellohello', encoding: 'gsm7', parts: 1, mr: [1], pdus: ['11010B911326880736F40000AA0AE8329BFD4697D9EC37'] });
  });

  it('GSM 7-bit with extension characters (UDL 21 septets for 18 characters)', async () => {
    expect(await sendPdu('0011000B911326880736F40000AA15D4721B0EF28166B04D19B44105994169739302')).toBe(`\r\n+CMGS: 1\r\n${ok}`);
    expect((await sent())[0].text).toBe('Temp > 30€ {ALARM}');
  });

  it('8-bit data is reported as hex', async () => {
    await sendPdu('0011000B911326880736F40004AA04DEADBEEF');
    expect((await sent())[0]).toMatchObject({ encoding: '8bit', data: 'DEADBEEF' });
  });

  it('a full SCA in the PDU instead of 00', async () => {
    expect(await sendPdu(`${SCA_HEX}11000B911326880736F40000AA0AE8329BFD4697D9EC37`, 23)).toBe(`\r\n+CMGS: 1\r\n${ok}`);
    expect((await sent())[0]).toMatchObject({ text: 'hellohello', sca: '+8613800100500' });
  });

  it('the Python sim-module\'s 7-bit parts (IEI 08, 16-bit reference 0x1234) are one message', async () => {
    const p1 =
      '0041650B911326880736F40000A006080412340201D3B27BFE9683E465F85B4ED781C26C3648FF7697E7A0B0BC5D26B340E2309D5E96E741B85B8905A297DB70902C367481A665F7FC2D07C9CBF0B79CAE0385D96C90FEED2ECF416179BB4C6681C4613ABD2CCF8370B7120B442FB7E120596CE8024DCBEEF95B0E9297E16F395D070AB3D920FDDB5D9E83C2F27699CC0289C3747A599E07E16E';
    const p2 = '0041660B911326880736F4000038060804123402022516885E6EC341B2D8D0059A96DDF3B71C242FC3DF72BA0E1466B341FAB7BB3C0785E5ED3299051287E9';
    expect(await sendPdu(p1)).toBe(`\r\n+CMGS: 1\r\n${ok}`);
    expect(await sent()).toEqual([]); // one part of two: not a message yet
    expect(await sendPdu(p2)).toBe(`\r\n+CMGS: 2\r\n${ok}`);
    const m = (await sent())[0];
    expect(m).toMatchObject({ parts: 2, mr: [1, 2], encoding: 'gsm7' });
    expect(m.text).toBe('Sensor report: all zones armed, battery 87%, temp 21C. '.repeat(4).slice(0, 200));
  });

  it('UCS2 parts with IEI 00 (8-bit reference), sent in reverse order, are joined in part order', async () => {
    const u1 =
      '0041650B911326880736F400088C0500037B02010422044004350432043E04330430002100200422044004350432043E04330430002100200422044004350432043E04330430002100200422044004350432043E04330430002100200422044004350432043E04330430002100200422044004350432043E04330430002100200422044004350432043E04330430002100200422044004350432';
    const u2 = '0041660B911326880736F40008480500037B0202043E04330430002100200422044004350432043E04330430002100200422044004350432043E04330430002100200422044004350432043E04330430002100200422';
    await sendPdu(u2);
    await sendPdu(u1);
    const m = (await sent())[0];
    expect(m).toMatchObject({ parts: 2, encoding: 'ucs2' });
    expect(m.text).toBe('Тревога! '.repeat(12).slice(0, 100));
  });

  it('CR LF after Ctrl-Z (sim-module) is an empty line; CR LF inside the hex is ignored', async () => {
    expect(await dte.exchange('AT+CMGS=23')).toBe('\r\n> ');
    expect(await dte.exchange('0011000B911326880736F4\r\n0000AA0AE8329BFD4697D9EC37\x1a\r\n', { raw: true })).toBe(`\r\n+CMGS: 1\r\n${ok}`);
    expect((await sent())[0].text).toBe('hellohello');
  });

  it.each([
    ['a length that does not match', '0011000B911326880736F40000AA0AE8329BFD4697D9EC37', 22],
    ['odd hex', '0011000B911326880736F40000AA0AE8329BFD4697D9EC3', 23],
    ['not hex', '0011000B911326880736F40000AA0AE8329BFD4697D9ECZZ', 23],
    ['a DELIVER instead of a SUBMIT', `00${VECTORS[0][2].slice(SCA_HEX.length)}`, 25],
    ['user data shorter than its UDL', '0011000B911326880736F40000AA0BE8329BFD4697D9EC37', 23],
  ])('%s is CMS 304', async (_name, pdu, length) => {
    await dte.exchange('AT+CMEE=1');
    expect(await sendPdu(pdu, length)).toBe('\r\n+CMS ERROR: 304\r\n');
    expect(await sent()).toEqual([]);
  });

  it('<length> outside 7..164 is CMS 304 without a prompt', async () => {
    await dte.exchange('AT+CMEE=1');
    expect(await dte.exchange('AT+CMGS=6')).toBe('\r\n+CMS ERROR: 304\r\n');
    expect(await dte.exchange('AT+CMGS=165')).toBe('\r\n+CMS ERROR: 304\r\n');
  });

  it('AT+CMGW=<length>,<stat> stores a PDU; AT+CMGL=2 lists it', async () => {
    expect(await dte.exchange('AT+CMGW=23')).toBe('\r\n> ');
    expect(await dte.exchange('0011000B911326880736F40000AA0AE8329BFD4697D9EC37\x1a', { raw: true })).toBe(`\r\n+CMGW: 1\r\n${ok}`);
    expect(await dte.exchange('AT+CMGL=2')).toBe(`\r\n+CMGL: 1,2,"",23\r\n${SCA_HEX}11000B911326880736F40000AA0AE8329BFD4697D9EC37\r\n${ok}`);
  });
});
