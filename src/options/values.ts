/**
 * The kinds of value an option takes, each read two ways with the same rules: from the
 * command line (text, or `true` for a switch) and from the JSON config file (a zod
 * schema). A bad value's message names the value, never where it came from; the caller
 * puts the flag or the file's key in front (`--tcp: "abc" is not [host:]port`).
 */
import type { z } from 'zod';
import { via, zod } from '../schema';

/** A value that does not fit its kind; the message says what is wrong with the value. */
export class ValueProblem extends Error {}

export interface HostPort {
  host: string;
  port: number;
}

/** Where a bare port listens. */
export const LOOPBACK = '127.0.0.1';

/** What commander hands over: text, `true` (a switch, an optional value left out), a list (repeated). */
export type FlagValue = string | true | string[];

export interface Kind<V> {
  /** After the flag in --help and the docs: `<n>`, `[host:port]`; '' for a switch. */
  readonly arg: string;
  /** Collect every use of the flag into a list (`--map a --map b`). */
  readonly repeatable?: boolean;
  /** The value from the command line; throws ValueProblem. */
  fromFlag(raw: FlagValue): V;
  /** The value from the config file (built on first use: a getter, so zod loads only for a config file). */
  readonly file: z.ZodType<V>;
  /** What the config file holds, for the docs. */
  readonly fileType: string;
}

const one = (raw: FlagValue): string => (Array.isArray(raw) ? raw[raw.length - 1] : raw === true ? '' : raw);

export function nonEmpty(text: string): string {
  if (text.trim() === '') throw new ValueProblem('the value is empty');
  return text;
}

const fileText = () => zod().string({ error: 'must be a non-empty string' }).refine((s) => s.trim() !== '', 'must be a non-empty string');
const fileNumber = () => zod().number({ error: 'must be a number' });

/** `port`, `host:port` or `[v6]:port`; a bare port means 127.0.0.1. */
export function listenAddress(text: string): HostPort {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):)?(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new ValueProblem(`"${text}" is not [host:]port`);
  const host = m[1] ? m[1].replace(/^\[(.*)\]$/, '$1') : LOOPBACK;
  return { host, port };
}

/** A whole number in lo..hi, from text of at most `digits` digits or from a JSON number. */
function wholeNumber(lo: number, hi: number, digits: number, noun: string) {
  const check = (n: number, shown: string): number => {
    if (!Number.isInteger(n) || n < lo || n > hi) throw new ValueProblem(`"${shown}" is not ${noun}`);
    return n;
  };
  return {
    fromText: (text: string) => check(new RegExp(`^\\d{1,${digits}}$`).test(text.trim()) ? Number(text) : NaN, text),
    fromNumber: (n: number) => check(n, String(n)),
  };
}

const PORT = wholeNumber(0, 65535, 5, 'a port number (0..65535, 0 = any free port)');

/** The kinds, by what they read. */
export const kinds = {
  /** A flag without a value; true or false in the file. */
  switch(): Kind<boolean> {
    return {
      arg: '',
      fromFlag: () => true,
      get file() {
        return zod().boolean({ error: 'must be true or false' });
      },
      fileType: 'boolean',
    };
  },

  /** Non-empty text (a name, a URL, a device). */
  text(arg: string): Kind<string> {
    return {
      arg,
      fromFlag: (raw) => nonEmpty(one(raw)),
      get file() {
        return fileText();
      },
      fileType: 'string',
    };
  },

  /** `[host:]port`; `fallback` is what the flag alone means (an optional value). */
  listen(arg: string, fallback?: HostPort): Kind<HostPort> {
    return {
      arg,
      fromFlag: (raw) => (raw === true && fallback ? { ...fallback } : listenAddress(one(raw))),
      get file() {
        return via(fileText(), listenAddress);
      },
      fileType: '`"host:port"` string',
    };
  },

  /** A whole number lo..hi; `noun` completes `"x" is not …`. */
  integer(arg: string, lo: number, hi: number, digits: number, noun: string): Kind<number> {
    const n = wholeNumber(lo, hi, digits, noun);
    return {
      arg,
      fromFlag: (raw) => n.fromText(one(raw)),
      get file() {
        return via(fileNumber(), n.fromNumber);
      },
      fileType: 'number',
    };
  },

  port(arg: string): Kind<number> {
    return {
      arg,
      fromFlag: (raw) => PORT.fromText(one(raw)),
      get file() {
        return via(fileNumber(), PORT.fromNumber);
      },
      fileType: 'number',
    };
  },

  /** A port, or `off` (false in the file) for none. */
  portOrOff(arg: string): Kind<number | false> {
    return {
      arg,
      fromFlag(raw) {
        const text = one(raw);
        if (text === 'off') return false;
        if (!/^\d{1,5}$/.test(text.trim())) throw new ValueProblem(`"${text}" is not a port number (0..65535, 0 = any free port) or off`);
        return PORT.fromText(text);
      },
      get file() {
        const z = zod();
        return via(z.union([z.number(), z.literal(false)], { error: 'must be a number or false' }), (v) => (v === false ? false : PORT.fromNumber(v)));
      },
      fileType: 'number, or `false` for none',
    };
  },

  /** One of a fixed list of names. */
  choice<T extends string>(arg: string, values: readonly T[]): Kind<T> {
    const check = (text: string): T => {
      if (!(values as readonly string[]).includes(text)) throw new ValueProblem(`"${text}" is not one of ${values.join(', ')}`);
      return text as T;
    };
    return {
      arg,
      fromFlag: (raw) => check(one(raw)),
      get file() {
        return via(fileText(), check);
      },
      fileType: values.map((v) => `\`"${v}"\``).join(', '),
    };
  },

  /** Repeatable text: every use adds one; an array of strings in the file. */
  list(arg: string): Kind<string[]> {
    return {
      arg,
      repeatable: true,
      fromFlag: (raw) => (Array.isArray(raw) ? raw : [one(raw)]).map(nonEmpty),
      get file() {
        return zod().array(fileText(), { error: 'must be an array of strings' });
      },
      fileType: 'array of strings',
    };
  },

  /** A value only the config file (or the library) holds: its schema says the rest. */
  fileOnly<V>(file: () => z.ZodType<V>, fileType: string): Kind<V> {
    return {
      arg: '',
      fromFlag: () => {
        throw new ValueProblem('is not a flag');
      },
      get file() {
        return file();
      },
      fileType,
    };
  },

  /** Anything else: a flag reader and a file schema of its own. */
  custom<V>(k: Kind<V>): Kind<V> {
    return k;
  },
};

/** `user:password` (the password may hold colons; neither part empty). */
export function credentials(text: string): { username: string; password: string } {
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) throw new ValueProblem('must be user:password (both parts non-empty)');
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}
