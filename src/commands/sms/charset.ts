/**
 * The TE character sets of AT+CSCS (27.007 §5.5) as SMS text mode and USSD use them
 * (27.005 Annex A): how a string the DTE typed becomes text, and how text is shown to the
 * DTE. Wire strings are latin1, one character per byte.
 *
 * | set | to the DTE | from the DTE |
 * |---|---|---|
 * | IRA (T.50), PCCP, PCDN | characters below 0x80, others `?` | bytes below 0x80 |
 * | 8859-1 | Latin-1, others `?` | Latin-1 |
 * | GSM | one byte per GSM code, ESC + code for the extension table | the same |
 * | HEX | two hex digits per GSM code | the same |
 * | UCS2 | four hex digits per UTF-16 unit | the same |
 */
import { ESC, GSM_BASIC, GSM_EXT, toSeptets } from './gsm';

export const CSCS_SETS = ['IRA', 'GSM', 'UCS2', 'HEX', 'PCCP', 'PCDN', '8859-1'] as const;
export type Cscs = (typeof CSCS_SETS)[number];
export const isCscs = (s: string): s is Cscs => (CSCS_SETS as readonly string[]).includes(s);

const HEXRE = /^([0-9A-Fa-f]{2})*$/;

/** GSM codes (one byte each, ESC pairs kept) as text. */
function gsmBytesToText(codes: readonly number[]): string {
  let out = '';
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i] & 0x7f;
    if (c === ESC && i + 1 < codes.length) out += GSM_EXT.get(codes[++i] & 0x7f) ?? ' ';
    else out += c === ESC ? ' ' : GSM_BASIC[c];
  }
  return out;
}

function textToGsmBytes(text: string): number[] {
  const out: number[] = [];
  for (const c of text) out.push(...(toSeptets(c) ?? [0x3f]));
  return out;
}

/** A string the DTE typed, in its character set, as text; null when it is malformed (bad hex). */
export function fromTe(s: string, cscs: Cscs): string | null {
  switch (cscs) {
    case 'GSM':
      return gsmBytesToText([...s].map((c) => c.charCodeAt(0)));
    case 'HEX':
      if (!HEXRE.test(s)) return null;
      return gsmBytesToText([...Buffer.from(s, 'hex')]);
    case 'UCS2': {
      if (s.length % 4 !== 0 || !/^[0-9A-Fa-f]*$/.test(s)) return null;
      let out = '';
      for (let i = 0; i < s.length; i += 4) out += String.fromCharCode(parseInt(s.slice(i, i + 4), 16));
      return out;
    }
    case '8859-1':
      return s;
    default:
      return [...s].map((c) => (c.charCodeAt(0) < 0x80 ? c : '?')).join('');
  }
}

/** Text as the DTE is shown it in its character set. */
export function toTe(text: string, cscs: Cscs): string {
  switch (cscs) {
    case 'GSM':
      return String.fromCharCode(...textToGsmBytes(text));
    case 'HEX':
      return Buffer.from(textToGsmBytes(text)).toString('hex').toUpperCase();
    case 'UCS2': {
      let out = '';
      for (let i = 0; i < text.length; i++) out += text.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0');
      return out;
    }
    case '8859-1':
      return [...text].map((c) => (c.length === 1 && c.charCodeAt(0) < 0x100 ? c : '?')).join('');
    default:
      return [...text].map((c) => (c.length === 1 && c.charCodeAt(0) < 0x80 ? c : '?')).join('');
  }
}

export const toHex = (b: Buffer): string => b.toString('hex').toUpperCase();
export const isHexPairs = (s: string): boolean => HEXRE.test(s);
