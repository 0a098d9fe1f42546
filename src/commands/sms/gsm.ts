/**
 * The GSM 7-bit default alphabet and its extension table (3GPP TS 23.038 §6.2.1), and the
 * packing of septets into octets with the fill bits a user data header leaves
 * (TS 23.040 §9.2.3.24). One table for everything that converts: PDUs, the `GSM` and `HEX`
 * TE character sets, USSD strings.
 */

/** Code → character; 0x1B is the escape to the extension table, never a character. */
export const GSM_BASIC = [
  ...'@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
];
export const ESC = 0x1b;

/** Extension table: code after ESC → character (form feed, ^ { } \ [ ~ ] | €). */
export const GSM_EXT: ReadonlyMap<number, string> = new Map([
  [0x0a, '\f'],
  [0x14, '^'],
  [0x28, '{'],
  [0x29, '}'],
  [0x2f, '\\'],
  [0x3c, '['],
  [0x3d, '~'],
  [0x3e, ']'],
  [0x40, '|'],
  [0x65, '€'],
]);

const BASIC_CODE = new Map<string, number>(GSM_BASIC.map((c, i) => [c, i] as [string, number]).filter(([, i]) => i !== ESC));
const EXT_CODE = new Map<string, number>([...GSM_EXT].map(([code, c]) => [c, code]));

export const isExtCode = (code: number): boolean => GSM_EXT.has(code);

/** Septets of a text (extension characters take two), or null when a character is not in the alphabet. */
export function toSeptets(text: string): number[] | null {
  const out: number[] = [];
  for (const c of text) {
    const b = BASIC_CODE.get(c);
    if (b !== undefined) out.push(b);
    else {
      const e = EXT_CODE.get(c);
      if (e === undefined) return null;
      out.push(ESC, e);
    }
  }
  return out;
}

/** The text of septets. An escape before a code the extension table lacks shows the default table's character (23.038 §6.2.1.1). */
export function fromSeptets(septets: readonly number[]): string {
  let out = '';
  for (let i = 0; i < septets.length; i++) {
    const s = septets[i] & 0x7f;
    if (s === ESC && i + 1 < septets.length) {
      const next = septets[++i] & 0x7f;
      out += GSM_EXT.get(next) ?? (next === ESC ? ' ' : GSM_BASIC[next]);
    } else out += s === ESC ? ' ' : GSM_BASIC[s];
  }
  return out;
}

/** Packs septets, first `fillBits` zero bits left for a header's alignment. */
export function packSeptets(septets: readonly number[], fillBits = 0): Buffer {
  const out: number[] = [];
  let acc = 0;
  let bits = fillBits;
  for (const s of septets) {
    acc |= (s & 0x7f) << bits;
    bits += 7;
    while (bits >= 8) {
      out.push(acc & 0xff);
      acc >>>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) out.push(acc & 0xff);
  return Buffer.from(out);
}

/** Unpacks `count` septets after `fillBits`; null when the octets are too few. */
export function unpackSeptets(octets: Buffer, count: number, fillBits = 0): number[] | null {
  if (Math.ceil((count * 7 + fillBits) / 8) > octets.length) return null;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const bit = fillBits + i * 7;
    const byte = bit >> 3;
    const shift = bit & 7;
    const v = (octets[byte] >> shift) | (shift > 1 ? (octets[byte + 1] ?? 0) << (8 - shift) : 0);
    out.push(v & 0x7f);
  }
  return out;
}

/** Fill bits after a user data header of `udhOctets` octets (its length octet included). */
export const fillBitsAfter = (udhOctets: number): number => (7 - ((udhOctets * 8) % 7)) % 7;
/** Septets a header of `udhOctets` octets takes, fill bits included. */
export const headerSeptets = (udhOctets: number): number => Math.ceil((udhOctets * 8) / 7);
