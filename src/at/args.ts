/**
 * Argument parsing shared by every extended command: the text after `=` is split into
 * tokens (commas outside quotes), then checked against the command's declarative table.
 */
import { CME } from './cme';

export interface Token {
  /** The value with quotes removed and `\"` unescaped. */
  value: string;
  quoted: boolean;
}

export type ArgValue = string | number | undefined;

/** An integer parameter: a range, or a set of values when they are not contiguous (AT+CFUN: 0,1,4). */
export interface IntParam<O extends boolean = boolean> {
  kind: 'int';
  name: string;
  min?: number;
  max?: number;
  values?: readonly number[];
  optional?: O;
}

/** A string parameter. Real firmware is lenient: most strings may come unquoted; 'required' refuses that. */
export interface StrParam<O extends boolean = boolean> {
  kind: 'string';
  name: string;
  maxLen?: number;
  quotes?: 'any' | 'required';
  optional?: O;
}

export type ParamSpec = IntParam | StrParam;

/** `int('cid', { min: 1, max: 3 })`: a required integer parameter. */
export function int(name: string, range: { min?: number; max?: number; values?: readonly number[] } = {}): IntParam<false> {
  return { kind: 'int', name, ...range };
}

/** `str('apn', { maxLen: 64 })`: a required string parameter. */
export function str(name: string, opts: { maxLen?: number; quotes?: 'any' | 'required' } = {}): StrParam<false> {
  return { kind: 'string', name, ...opts };
}

/** The same parameter, which may be left out (`AT+CMEE=`, `AT+CSTT="apn"` without user). */
export function optional<P extends ParamSpec>(p: P): Optional<P> {
  return { ...p, optional: true } as Optional<P>;
}

type Optional<P> = P extends IntParam ? IntParam<true> & { optional: true } : StrParam<true> & { optional: true };

/** The value a parameter gives its handler: a number or a string, and undefined when it is optional. */
export type ArgOf<P> = (P extends { kind: 'int' } ? number : string) | (P extends { optional?: false } ? never : undefined);

/** A parameter table's values as a typed tuple: `[cid: number, apn: string | undefined]`. */
export type ArgsOf<P extends readonly ParamSpec[]> = { -readonly [K in keyof P]: ArgOf<P[K]> };

export type ParseResult = { ok: true; values: ArgValue[]; tokens: (Token | undefined)[] } | { ok: false; code: number };

/**
 * Splits an argument string. Empty positions (`a,,b`, trailing comma) become undefined.
 * Returns null for a malformed string (unterminated quote, text glued to a quote).
 */
export function tokenize(src: string): (Token | undefined)[] | null {
  const out: (Token | undefined)[] = [];
  let i = 0;
  const n = src.length;
  if (n === 0) return [];
  for (;;) {
    while (i < n && src[i] === ' ') i++;
    if (i < n && src[i] === '"') {
      i++;
      // Runs between escaped quotes are sliced whole, not added a character at a time.
      let value = '';
      let from = i;
      let closed = false;
      while (i < n) {
        const c = src.charCodeAt(i);
        if (c === 0x5c && src.charCodeAt(i + 1) === 0x22) {
          value += src.slice(from, i) + '"';
          i += 2;
          from = i;
          continue;
        }
        if (c === 0x22) {
          value += src.slice(from, i);
          closed = true;
          i++;
          break;
        }
        i++;
      }
      if (!closed) return null;
      while (i < n && src[i] === ' ') i++;
      if (i < n && src[i] !== ',') return null;
      out.push({ value, quoted: true });
    } else {
      let j = i;
      while (j < n && src[j] !== ',') {
        if (src[j] === '"') return null;
        j++;
      }
      const value = src.slice(i, j).trim();
      out.push(value === '' ? undefined : { value, quoted: false });
      i = j;
    }
    if (i >= n) break;
    i++; // the comma
    if (i >= n) {
      out.push(undefined);
      break;
    }
  }
  return out;
}

const INT_RE = /^[+-]?\d+$/;

/** Checks tokens against a parameter table and converts them to values. */
export function parseArgs(src: string, specs: readonly ParamSpec[]): ParseResult {
  const tokens = tokenize(src);
  if (tokens === null) return { ok: false, code: CME.paramFormat };
  if (tokens.length > specs.length) return { ok: false, code: CME.paramCountBeyond };
  // Sized once: a push-grown array takes room for 17.
  const values: ArgValue[] = new Array<ArgValue>(specs.length);
  for (let k = 0; k < specs.length; k++) {
    const spec = specs[k];
    const tok = tokens[k];
    if (tok === undefined) {
      if (!spec.optional) return { ok: false, code: k >= tokens.length ? CME.paramCountShort : CME.invalidInput };
      values[k] = undefined;
      continue;
    }
    if (spec.kind === 'int') {
      const v = toInt(tok.value);
      if (v === null) return { ok: false, code: CME.invalidInput };
      if (spec.values && !spec.values.includes(v)) return { ok: false, code: CME.invalidInput };
      if (spec.min !== undefined && v < spec.min) return { ok: false, code: CME.invalidInput };
      if (spec.max !== undefined && v > spec.max) return { ok: false, code: CME.invalidInput };
      values[k] = v;
    } else {
      if (spec.quotes === 'required' && !tok.quoted) return { ok: false, code: CME.invalidInput };
      if (spec.maxLen !== undefined && tok.value.length > spec.maxLen) return { ok: false, code: CME.textTooLong };
      values[k] = tok.value;
    }
  }
  return { ok: true, values, tokens };
}

/** A decimal integer, quoted or not (`"1"` is accepted by real firmware). */
export function toInt(s: string): number | null {
  const t = s.trim();
  if (!INT_RE.test(t)) return null;
  const v = Number(t);
  return Number.isSafeInteger(v) ? v : null;
}
