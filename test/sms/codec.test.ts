/**
 * The PDU codec on its own (src/commands/sms/pdu.ts, gsm.ts): the standard's vectors, the
 * fill bits after a header, how long texts split, and node-pdu 2.1.1 as an independent
 * reader of what we build, where it is right; the cases where it is not are pinned here as
 * the evidence for docs/decisions.md (the alphabet and the splitting are ours).
 */
import { Deliver as NodePduDeliver, parse, Submit as NodePduSubmit } from 'node-pdu';
import { fromSeptets, packSeptets, toSeptets, unpackSeptets } from '../../src/commands/sms/gsm';
import { addressOf, encodeDeliver, parsePdu, sctsFromIso, splitText, type Scts } from '../../src/commands/sms/pdu';

const OA = addressOf('+31628870634')!;
const SCTS: Scts = sctsFromIso('2024-03-01T10:15:00+01:00')!;
/** node-pdu's reading of a DELIVER we built. */
function nodePduParse(pdu: string): NodePduDeliver {
  const o = parse(pdu);
  if (!(o instanceof NodePduDeliver)) throw new Error('node-pdu did not read a DELIVER');
  return o;
}
const deliver = (text: string, dcs = 0, udh: Buffer | null = null) => encodeDeliver({ sca: '+8613800100500', oa: OA, pid: 0, dcs, scts: SCTS, udh, payload: { text } });

describe('GSM 7-bit', () => {
  it('23.038: "hellohello" packs to E8329BFD4697D9EC37 and back', () => {
    const septets = toSeptets('hellohello')!;
    expect(packSeptets(septets).toString('hex').toUpperCase()).toBe('E8329BFD4697D9EC37');
    expect(fromSeptets(unpackSeptets(Buffer.from('E8329BFD4697D9EC37', 'hex'), 10)!)).toBe('hellohello');
  });

  it('every default-table and extension character survives; the extension ones take two septets', () => {
    const all = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
    expect(toSeptets(all)).toHaveLength(127);
    expect(fromSeptets(toSeptets(all)!)).toBe(all);
    expect(toSeptets('€[]{}^~|\\\f')).toHaveLength(20);
    expect(fromSeptets(toSeptets('€[]{}^~|\\\f')!)).toBe('€[]{}^~|\\\f');
    expect(toSeptets('`')).toBeNull();
    expect(toSeptets('ç')).toBeNull();
  });

  it('an escape before a code the extension table lacks shows the default character', () => {
    expect(fromSeptets([0x1b, 0x41])).toBe('A');
  });

  it('after a 6-octet header the text starts one fill bit later', () => {
    const packed = packSeptets(toSeptets('Hi')!, 1);
    expect(fromSeptets(unpackSeptets(packed, 2, 1)!)).toBe('Hi');
  });
});

describe('splitting', () => {
  it('160 septets fit one SMS; 161 make 153-septet parts; an extension character never straddles', () => {
    expect(splitText('x'.repeat(160), 'gsm7')).toHaveLength(1);
    expect(splitText('x'.repeat(161), 'gsm7').map((p) => p.length)).toEqual([153, 8]);
    const parts = splitText('x'.repeat(152) + '€' + 'y'.repeat(10), 'gsm7');
    expect(parts).toEqual(['x'.repeat(152), '€' + 'y'.repeat(10)]);
  });

  it('UCS2: 70 characters fit one SMS, then 67 per part; a surrogate pair never straddles', () => {
    expect(splitText('я'.repeat(70), 'ucs2')).toHaveLength(1);
    expect(splitText('я'.repeat(71), 'ucs2').map((p) => p.length)).toEqual([67, 4]);
    const parts = splitText('я'.repeat(66) + '😀' + 'я'.repeat(5), 'ucs2');
    expect(parts).toEqual(['я'.repeat(66), '😀' + 'я'.repeat(5)]);
  });
});

describe('node-pdu 2.1.1 reads what we build', () => {
  it.each([
    ['GSM 7-bit', 'STATUS', 0],
    ['UCS2 Cyrillic', 'Привет', 8],
    ['UCS2 Chinese', '你好', 8],
    ['UCS2 emoji (surrogate pair)', 'hi 😀', 8],
  ])('%s: sender, time stamp, text', (_n, text, dcs) => {
    const o = nodePduParse(deliver(text, dcs));
    expect(o.address.phone).toBe('31628870634');
    expect(o.serviceCenterAddress.phone).toBe('8613800100500');
    expect(o.data.getText()).toBe(text);
  });

  it('a concatenated part: its header (reference, parts, number) and its text after the fill bit', () => {
    const o = nodePduParse(deliver('part two', 0, Buffer.from([0, 3, 0x42, 3, 2])));
    expect(o.data.parts[0].header?.getPointer()).toBe(0x42);
    expect(o.data.parts[0].header?.getSegments()).toBe(3);
    expect(o.data.parts[0].header?.getCurrent()).toBe(2);
    expect(o.data.getText()).toBe('part two');
  });

  it('and we read node-pdu\'s SUBMIT', () => {
    const p = parsePdu(new NodePduSubmit('+31628870634', 'hellohello').toString());
    expect(p.kind === 'submit' && [p.da.number, p.ud.text]).toEqual(['+31628870634', 'hellohello']);
  });
});

describe('where node-pdu 2.1.1 is wrong (why the alphabet and splitting are ours)', () => {
  it('0x5F is § in 23.038; node-pdu reads a backtick', () => {
    expect(parsePdu(deliver('§')).ud.text).toBe('§');
    expect(nodePduParse(deliver('§')).data.getText()).toBe('`');
  });

  it('GSM characters above U+00C0 make node-pdu fall back to UCS2; € does too', () => {
    expect(new NodePduSubmit('+1', 'É').dataCodingScheme.getValue()).toBe(8);
    expect(new NodePduSubmit('+1', '€').dataCodingScheme.getValue()).toBe(8);
  });

  it('node-pdu splits a 150-character GSM text into two parts (140 - 7 per part)', () => {
    expect(new NodePduSubmit('+1', 'x'.repeat(150)).getPartStrings()).toHaveLength(2);
    expect(splitText('x'.repeat(150), 'gsm7')).toHaveLength(1);
  });
});
