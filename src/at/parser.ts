/**
 * Splits the body of a command line (the text after `AT`) into invocations, V.250 style:
 * basic commands chain without separators (`E0V1&W`), an extended command runs to the
 * next `;` outside quotes (`+CMEE=2;+CSQ`). Spaces outside quoted strings are ignored
 * wherever they stand (`AT + SAPBR = 3,1`, `AT+ CSQ`), as V.250 says; inside quotes they
 * are part of the string.
 */
import { withoutSpaces } from '../lineText';

export type Form = 'test' | 'read' | 'write' | 'exec';

export interface Invocation {
  /** Upper-cased name: `+CSQ`, `E`, `&W`, `S3`, `D`. */
  name: string;
  form: Form;
  /** Write form: the raw text after `=`; basic commands: their numeric suffix (may be ''). */
  args: string;
  basic: boolean;
}

export type ParsedLine = { ok: true; invocations: Invocation[] } | { ok: false };

const BASIC_LETTERS = 'ABCDEFGHIJKLMNOPQRTUVWXYZ'; // S is an S-register access, parsed apart

/** A bare `AT`: nothing to run, nothing made. */
const EMPTY: ParsedLine = Object.freeze({ ok: true, invocations: Object.freeze([]) as unknown as Invocation[] });

export function parseCommandLine(line: string): ParsedLine {
  if (line === '') return EMPTY;
  const body = line.includes(' ') ? withoutSpaces(line) : line;
  const out: Invocation[] = [];
  let i = 0;
  const n = body.length;
  while (i < n) {
    const c = body[i];
    if (c === ';') {
      i++;
      continue;
    }
    if (c === '+' || c === '*' || c === '^') {
      // Spaces around the name are ignored (V.250): usim800 sends `AT + SAPBR=…`, `AT + HTTPINIT`.
      let start = i + 1;
      while (start < n && body[start] === ' ') start++;
      let j = start;
      while (j < n && isNameChar(body.charCodeAt(j))) j++;
      if (j === start) return { ok: false };
      const name = upperName(start === i + 1 ? body.slice(i, j) : c + body.slice(start, j));
      while (j < n && body[j] === ' ' && /[ =?]/.test(body[j + 1] ?? ';')) j++;
      let form: Form = 'exec';
      let args = '';
      if (body.startsWith('=?', j)) {
        form = 'test';
        j += 2;
      } else if (body[j] === '?') {
        form = 'read';
        j += 1;
      } else if (body[j] === '=') {
        form = 'write';
        const end = findUnquoted(body, j + 1, ';');
        if (end < 0) return { ok: false }; // unterminated quote
        args = body.slice(j + 1, end);
        j = end;
      }
      if (j < n && body[j] !== ';') return { ok: false };
      out.push({ name, form, args, basic: false });
      i = j;
      continue;
    }
    const upper = c.toUpperCase();
    if (upper === 'S') {
      // S-register: Sn?, Sn=v
      let j = i + 1;
      while (j < n && /\d/.test(body[j])) j++;
      if (j === i + 1) return { ok: false };
      const name = 'S' + body.slice(i + 1, j);
      if (body[j] === '?') {
        out.push({ name, form: 'read', args: '', basic: true });
        i = j + 1;
      } else if (body[j] === '=') {
        let k = j + 1;
        while (k < n && /\d/.test(body[k])) k++;
        out.push({ name, form: 'write', args: body.slice(j + 1, k), basic: true });
        i = k;
      } else {
        return { ok: false };
      }
      continue;
    }
    if (upper === 'D') {
      // Dial consumes the rest of the line (a trailing ';' makes it a voice call).
      out.push({ name: 'D', form: 'exec', args: body.slice(i + 1), basic: true });
      break;
    }
    let name: string;
    let j: number;
    if (c === '&') {
      if (i + 1 >= n || !/[A-Za-z]/.test(body[i + 1])) return { ok: false };
      name = '&' + body[i + 1].toUpperCase();
      j = i + 2;
    } else if (BASIC_LETTERS.includes(upper)) {
      name = upper;
      j = i + 1;
    } else {
      return { ok: false };
    }
    let k = j;
    while (k < n && /\d/.test(body[k])) k++;
    if (body[k] === '?') {
      out.push({ name, form: 'read', args: '', basic: true });
      k++;
    } else {
      out.push({ name, form: 'exec', args: body.slice(j, k), basic: true });
    }
    i = k;
  }
  return { ok: true, invocations: out };
}

/** A character of an extended command's name: letters, digits, `_`. */
function isNameChar(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f;
}

/** The name upper-cased; as it is when it already is (firmware writes names in upper case). */
function upperName(name: string): string {
  for (let k = 0; k < name.length; k++) {
    const c = name.charCodeAt(k);
    if (c >= 0x61 && c <= 0x7a) return name.toUpperCase();
  }
  return name;
}

/** Index of `ch` at or after `from` outside double quotes; `n` when absent; -1 on an open quote. */
function findUnquoted(s: string, from: number, ch: string): number {
  let inQuote = false;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (inQuote) {
      if (c === '\\' && s[i + 1] === '"') i++;
      else if (c === '"') inQuote = false;
    } else if (c === '"') inQuote = true;
    else if (c === ch) return i;
  }
  return inQuote ? -1 : s.length;
}
