/**
 * SMS-DELIVER and SMS-SUBMIT TPDUs (3GPP TS 23.040 §9.2.2) and the SC address before them
 * (TS 24.011): what the module stores, shows in PDU mode and sends to the network. The
 * data coding scheme follows TS 23.038 §4; concatenation uses the user data header's IEI
 * 00 (8-bit reference) or 08 (16-bit reference). docs/decisions.md says why this codec is
 * ours and not a library's.
 */
import { fillBitsAfter, fromSeptets, headerSeptets, packSeptets, toSeptets, unpackSeptets } from './gsm';

export type Encoding = 'gsm7' | '8bit' | 'ucs2';

/** A TP address: the number with `+` when international (type 145), or alphanumeric (type 208). */
export interface Address {
  number: string;
  toa: number;
}

export interface Concat {
  ref: number;
  total: number;
  seq: number;
}

export interface UserData {
  encoding: Encoding;
  /** The user data header (without its length octet), or null. */
  udh: Buffer | null;
  concat: Concat | null;
  /** Decoded text for GSM 7-bit and UCS2; the octets themselves for 8-bit. */
  text: string;
  /** The payload octets after the header (8-bit and UCS2), or the unpacked septets' octets. */
  payload: Buffer;
  /** TP-UD as it travels (header included), for text-mode hex display. */
  raw: Buffer;
  /** TP-UDL. */
  udl: number;
}

/** A time stamp as the network sent it: local fields and the zone in quarter hours. */
export interface Scts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  tz: number;
}

export interface Deliver {
  kind: 'deliver';
  sca: string;
  fo: number;
  oa: Address;
  pid: number;
  dcs: number;
  scts: Scts;
  ud: UserData;
}

export interface Submit {
  kind: 'submit';
  sca: string;
  fo: number;
  mr: number;
  da: Address;
  pid: number;
  dcs: number;
  /** TP-VP octets as given (none, 1 relative, 7 absolute/enhanced). */
  vp: Buffer;
  ud: UserData;
}

export class PduError extends Error {}

const hex = (b: Buffer): string => b.toString('hex').toUpperCase();
const swapDigits = (b: number): string => `${b & 0x0f}${(b >> 4) & 0x0f}`;

// ---- data coding scheme --------------------------------------------------------------

/** Alphabet and message class of a DCS (23.038 §4); reserved alphabets are read as 8-bit data. */
export function dcsInfo(dcs: number): { encoding: Encoding; cls: number | null } {
  const group = dcs >> 4;
  if (group <= 0x3) {
    const alphabet = (dcs >> 2) & 3;
    return { encoding: alphabet === 0 ? 'gsm7' : alphabet === 2 ? 'ucs2' : '8bit', cls: dcs & 0x10 ? dcs & 3 : null };
  }
  if (group === 0xc || group === 0xd) return { encoding: 'gsm7', cls: null };
  if (group === 0xe) return { encoding: 'ucs2', cls: null };
  if (group === 0xf) return { encoding: dcs & 4 ? '8bit' : 'gsm7', cls: dcs & 3 };
  return { encoding: 'gsm7', cls: null };
}

/** DCS of the general data coding group for an alphabet and an optional class. */
export function makeDcs(encoding: Encoding, cls: number | null): number {
  const alphabet = encoding === 'gsm7' ? 0 : encoding === '8bit' ? 4 : 8;
  return alphabet | (cls === null ? 0 : 0x10 | cls);
}

// ---- addresses -----------------------------------------------------------------------

function bcd(digits: string): Buffer {
  const d = digits.length % 2 ? digits + 'F' : digits;
  const out = Buffer.alloc(d.length / 2);
  for (let i = 0; i < d.length; i += 2) out[i / 2] = parseInt(d[i + 1] + d[i], 16);
  return out;
}

const SEMI_OCTET = '0123456789*#abc';
function unbcd(b: Buffer, digits: number): string {
  let out = '';
  for (let i = 0; i < digits; i++) {
    const nib = i % 2 ? b[i >> 1] >> 4 : b[i >> 1] & 0x0f;
    if (nib === 0x0f) break;
    out += SEMI_OCTET[nib] ?? '';
  }
  return out;
}

/** Whether a string can be a TP address: digits (with `+`, `*`, `#`), or up to 11 GSM characters. */
export function addressOf(number: string, toa?: number): Address | null {
  if (/^\+?[0-9*#]{1,20}$/.test(number)) {
    const intl = number.startsWith('+');
    return { number, toa: toa ?? (intl ? 145 : 129) };
  }
  const septets = toSeptets(number);
  if (septets === null || number.length === 0 || septets.length > 11) return null;
  return { number, toa: 0xd0 };
}

/** TP-DA / TP-OA: length in useful semi-octets, type, value. */
export function encodeAddress(a: Address): Buffer {
  if ((a.toa & 0x70) === 0x50) {
    const septets = toSeptets(a.number) ?? [];
    const packed = packSeptets(septets);
    return Buffer.concat([Buffer.from([Math.ceil((septets.length * 7) / 4), a.toa]), packed]);
  }
  const digits = a.number.replace(/^\+/, '').replace(/\*/g, 'A').replace(/#/g, 'B');
  return Buffer.concat([Buffer.from([digits.length, a.toa]), bcd(digits)]);
}

function decodeAddress(b: Buffer, off: number): { address: Address; next: number } {
  const len = b[off];
  const toa = b[off + 1];
  if (len === undefined || toa === undefined || !(toa & 0x80)) throw new PduError('bad address');
  const octets = Math.ceil(len / 2);
  const value = b.subarray(off + 2, off + 2 + octets);
  if (value.length < octets) throw new PduError('address runs past the PDU');
  let number: string;
  if ((toa & 0x70) === 0x50) {
    const septets = unpackSeptets(value, Math.floor((len * 4) / 7)) ?? [];
    number = fromSeptets(septets);
  } else {
    number = unbcd(value, len);
    if ((toa & 0x70) === 0x10) number = '+' + number;
  }
  return { address: { number, toa }, next: off + 2 + octets };
}

/** The RP SC address before a TPDU: its length in octets (0 for none). */
export function encodeSca(number: string): Buffer {
  if (!number) return Buffer.from([0]);
  const a = addressOf(number) ?? { number, toa: 145 };
  const digits = a.number.replace(/^\+/, '');
  const value = bcd(digits);
  return Buffer.concat([Buffer.from([value.length + 1, a.toa]), value]);
}

function decodeSca(b: Buffer): { sca: string; next: number } {
  const len = b[0];
  if (len === undefined) throw new PduError('empty PDU');
  if (len === 0) return { sca: '', next: 1 };
  if (len > 11 || b.length < 1 + len) throw new PduError('bad SC address');
  const toa = b[1];
  const digits = unbcd(b.subarray(2, 1 + len), (len - 1) * 2);
  return { sca: ((toa & 0x70) === 0x10 ? '+' : '') + digits, next: 1 + len };
}

// ---- time stamps ---------------------------------------------------------------------

export function encodeScts(t: Scts): Buffer {
  const two = (n: number) => {
    const s = String(n).padStart(2, '0');
    return parseInt(s[1] + s[0], 16);
  };
  const q = Math.abs(t.tz);
  return Buffer.from([two(t.year % 100), two(t.month), two(t.day), two(t.hour), two(t.minute), two(t.second), two(q) | (t.tz < 0 ? 0x08 : 0)]);
}

function decodeScts(b: Buffer): Scts {
  const f = (i: number) => Number(swapDigits(b[i]));
  const tzByte = b[6];
  const q = Number(swapDigits(tzByte & ~0x08));
  return { year: 2000 + f(0), month: f(1), day: f(2), hour: f(3), minute: f(4), second: f(5), tz: tzByte & 0x08 ? -q : q };
}

/** `yy/MM/dd,hh:mm:ss±zz` (27.005 time-string format). */
export function formatScts(t: Scts): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(t.year % 100)}/${p(t.month)}/${p(t.day)},${p(t.hour)}:${p(t.minute)}:${p(t.second)}${t.tz < 0 ? '-' : '+'}${p(Math.abs(t.tz))}`;
}

/** A wall-clock instant in a zone of `tz` quarter hours. */
export function sctsAt(utcMs: number, tz: number): Scts {
  const d = new Date(utcMs + tz * 15 * 60_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), tz };
}

/** An ISO 8601 time with a zone (`2024-03-01T10:15:00+01:00`, `…Z`) as the network would stamp it; null when it is not one. */
export function sctsFromIso(iso: string): Scts | null {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?(Z|([+-])(\d\d):?(\d\d))$/.exec(iso);
  if (!m) return null;
  const offsetMin = m[7] === 'Z' ? 0 : (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10]));
  const utc = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) - offsetMin * 60_000;
  if (Number.isNaN(utc) || Math.abs(offsetMin) > 12 * 60 || offsetMin % 15 !== 0) return null;
  return sctsAt(utc, offsetMin / 15);
}

// ---- user data -----------------------------------------------------------------------

function concatOf(udh: Buffer): Concat | null {
  for (let i = 0; i + 1 < udh.length; ) {
    const iei = udh[i];
    const len = udh[i + 1];
    const v = udh.subarray(i + 2, i + 2 + len);
    if (iei === 0x00 && len === 3 && v.length === 3) return { ref: v[0], total: v[1], seq: v[2] };
    if (iei === 0x08 && len === 4 && v.length === 4) return { ref: (v[0] << 8) | v[1], total: v[2], seq: v[3] };
    i += 2 + len;
  }
  return null;
}

function decodeUserData(b: Buffer, off: number, dcs: number, udhi: boolean): UserData {
  const { encoding } = dcsInfo(dcs);
  const udl = b[off];
  if (udl === undefined) throw new PduError('no user data length');
  const raw = b.subarray(off + 1);
  const octets = encoding === 'gsm7' ? Math.ceil((udl * 7) / 8) : udl;
  if (raw.length < octets) throw new PduError('user data shorter than its length');
  if (raw.length > octets) throw new PduError('user data longer than its length');
  if (encoding === 'gsm7' && udl > 160) throw new PduError('more than 160 septets');
  if (encoding !== 'gsm7' && udl > 140) throw new PduError('more than 140 octets');
  let udh: Buffer | null = null;
  let headerOctets = 0;
  if (udhi) {
    const udhl = raw[0];
    if (udhl === undefined || 1 + udhl > raw.length) throw new PduError('bad user data header');
    udh = raw.subarray(1, 1 + udhl);
    headerOctets = 1 + udhl;
  }
  let text: string;
  let payload: Buffer;
  if (encoding === 'gsm7') {
    const skip = headerSeptets(headerOctets);
    const septets = unpackSeptets(raw, udl, 0);
    if (septets === null || skip > udl) throw new PduError('bad GSM 7-bit user data');
    const body = udhi ? (unpackSeptets(raw.subarray(headerOctets), udl - skip, fillBitsAfter(headerOctets)) ?? []) : septets;
    text = fromSeptets(body);
    payload = Buffer.from(body);
  } else {
    payload = raw.subarray(headerOctets);
    text = encoding === 'ucs2' ? ucs2Decode(payload) : payload.toString('latin1');
  }
  return { encoding, udh, concat: udh ? concatOf(udh) : null, text, payload, raw: Buffer.from(raw), udl };
}

export function ucs2Decode(b: Buffer): string {
  let out = '';
  for (let i = 0; i + 1 < b.length; i += 2) out += String.fromCharCode((b[i] << 8) | b[i + 1]);
  return out;
}

export function ucs2Encode(text: string): Buffer {
  const out = Buffer.alloc(text.length * 2);
  for (let i = 0; i < text.length; i++) out.writeUInt16BE(text.charCodeAt(i), i * 2);
  return out;
}

/** TP-UDL and TP-UD for a payload in an encoding, with an optional header. */
export function encodeUserData(encoding: Encoding, payload: { text?: string; data?: Buffer }, udh: Buffer | null): { udl: number; ud: Buffer } {
  const header = udh ? Buffer.concat([Buffer.from([udh.length]), udh]) : Buffer.alloc(0);
  if (encoding === 'gsm7') {
    const septets = toSeptets(payload.text ?? '');
    if (septets === null) throw new PduError('text outside the GSM alphabet');
    const body = packSeptets(septets, udh ? fillBitsAfter(header.length) : 0);
    return { udl: (udh ? headerSeptets(header.length) : 0) + septets.length, ud: Buffer.concat([header, body]) };
  }
  const body = encoding === 'ucs2' ? ucs2Encode(payload.text ?? '') : (payload.data ?? Buffer.alloc(0));
  return { udl: header.length + body.length, ud: Buffer.concat([header, body]) };
}

// ---- whole PDUs ------------------------------------------------------------------------

/** A PDU with its SC address (as stored and shown in PDU mode): a DELIVER or a SUBMIT. */
export function parsePdu(pduHex: string): Deliver | Submit {
  if (!/^([0-9A-Fa-f]{2})+$/.test(pduHex)) throw new PduError('not hex');
  const b = Buffer.from(pduHex, 'hex');
  const { sca, next } = decodeSca(b);
  return parseTpdu(b.subarray(next), sca);
}

export function parseTpdu(b: Buffer, sca = ''): Deliver | Submit {
  const fo = b[0];
  if (fo === undefined) throw new PduError('empty TPDU');
  const mti = fo & 3;
  const udhi = (fo & 0x40) !== 0;
  if (mti === 0) {
    const { address: oa, next } = decodeAddress(b, 1);
    const pid = b[next];
    const dcs = b[next + 1];
    if (dcs === undefined || b.length < next + 9) throw new PduError('DELIVER too short');
    const scts = decodeScts(b.subarray(next + 2, next + 9));
    return { kind: 'deliver', sca, fo, oa, pid, dcs, scts, ud: decodeUserData(b, next + 9, dcs, udhi) };
  }
  if (mti === 1) {
    const mr = b[1];
    const { address: da, next } = decodeAddress(b, 2);
    const pid = b[next];
    const dcs = b[next + 1];
    if (mr === undefined || dcs === undefined) throw new PduError('SUBMIT too short');
    const vpf = (fo >> 3) & 3;
    const vpLen = vpf === 0 ? 0 : vpf === 2 ? 1 : 7;
    const vp = b.subarray(next + 2, next + 2 + vpLen);
    if (vp.length < vpLen) throw new PduError('SUBMIT too short');
    return { kind: 'submit', sca, fo, mr, da, pid, dcs, vp: Buffer.from(vp), ud: decodeUserData(b, next + 2 + vpLen, dcs, udhi) };
  }
  throw new PduError('neither a DELIVER nor a SUBMIT');
}

export function encodeDeliver(d: { sca: string; oa: Address; pid: number; dcs: number; scts: Scts; udh: Buffer | null; payload: { text?: string; data?: Buffer } }): string {
  const { encoding } = dcsInfo(d.dcs);
  const { udl, ud } = encodeUserData(encoding, d.payload, d.udh);
  const fo = 0x04 | (d.udh ? 0x40 : 0); // SMS-DELIVER, no more messages waiting
  return hex(Buffer.concat([encodeSca(d.sca), Buffer.from([fo]), encodeAddress(d.oa), Buffer.from([d.pid, d.dcs]), encodeScts(d.scts), Buffer.from([udl]), ud]));
}

export interface SubmitHead {
  sca: string;
  fo: number;
  mr: number;
  da: Address;
  pid: number;
  dcs: number;
  vp: Buffer;
}

export function encodeSubmit(s: SubmitHead & { udh: Buffer | null; payload: { text?: string; data?: Buffer } }): string {
  const { encoding } = dcsInfo(s.dcs);
  const { udl, ud } = encodeUserData(encoding, s.payload, s.udh);
  return buildSubmit(s, udl, ud, s.udh !== null);
}

/** A SUBMIT around user data already laid out (TP-UDL and TP-UD as given). */
export function buildSubmit(s: SubmitHead, udl: number, ud: Buffer, udhi: boolean): string {
  const fo = (s.fo & ~0x43) | 0x01 | (udhi ? 0x40 : 0);
  return hex(Buffer.concat([encodeSca(s.sca), Buffer.from([fo, s.mr & 0xff]), encodeAddress(s.da), Buffer.from([s.pid, s.dcs]), s.vp, Buffer.from([udl]), ud]));
}

/** The TPDU part (no SC address) of a stored PDU, and its octet count. */
export function tpduOf(pduHex: string): { tpdu: string; length: number } {
  const scaOctets = parseInt(pduHex.slice(0, 2), 16);
  const tpdu = pduHex.slice(2 + scaOctets * 2);
  return { tpdu, length: tpdu.length / 2 };
}

/** The same PDU with TP-MR set (an SMS-SUBMIT on its way out). */
export function withMr(pduHex: string, mr: number): string {
  const scaOctets = parseInt(pduHex.slice(0, 2), 16);
  const at = 2 + scaOctets * 2 + 2;
  return pduHex.slice(0, at) + (mr & 0xff).toString(16).toUpperCase().padStart(2, '0') + pduHex.slice(at + 2);
}

/** The same PDU with another SC address. */
export function withSca(pduHex: string, sca: string): string {
  const scaOctets = parseInt(pduHex.slice(0, 2), 16);
  return hex(encodeSca(sca)) + pduHex.slice(2 + scaOctets * 2);
}

/** The same SUBMIT to another destination. */
export function withDa(pduHex: string, da: Address): string {
  const s = parsePdu(pduHex);
  if (s.kind !== 'submit') return pduHex;
  const scaOctets = parseInt(pduHex.slice(0, 2), 16);
  const tp = Buffer.from(pduHex.slice(2 + scaOctets * 2), 'hex');
  const oldLen = 2 + Math.ceil(tp[2] / 2);
  const rest = tp.subarray(2 + oldLen);
  return pduHex.slice(0, 2 + scaOctets * 2) + hex(Buffer.concat([tp.subarray(0, 2), encodeAddress(da), rest]));
}

// ---- splitting a long text into parts --------------------------------------------------

/** Parts of a text for one encoding: as many characters as fit with a concatenation header (IEI 00, 6 octets). */
export function splitText(text: string, encoding: Encoding): string[] {
  const single = encoding === 'gsm7' ? 160 : encoding === 'ucs2' ? 70 : 140;
  const size = (t: string) => (encoding === 'gsm7' ? (toSeptets(t) ?? []).length : encoding === 'ucs2' ? t.length : Buffer.byteLength(t, 'latin1'));
  if (size(text) <= single) return [text];
  const per = encoding === 'gsm7' ? 153 : encoding === 'ucs2' ? 67 : 134;
  const parts: string[] = [];
  let cur = '';
  for (const c of encoding === 'ucs2' ? text.split('') : [...text]) {
    // An extension character (2 septets) or a surrogate pair never straddles two parts.
    if (size(cur + c) > per || (encoding === 'ucs2' && size(cur) === per - 1 && /[\uD800-\uDBFF]/.test(c))) {
      parts.push(cur);
      cur = '';
    }
    cur += c;
  }
  if (cur) parts.push(cur);
  return parts;
}
