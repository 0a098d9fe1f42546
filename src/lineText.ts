/**
 * AT command-line text helpers shared by the AT parser and the log's redaction (which
 * must find a secret the way the parser reads the line).
 */

/**
 * The line without its spaces outside double quotes (a `\\"` inside quotes does not end
 * them). An unterminated quote keeps its spaces: the line is malformed either way. With
 * `kept`, the index in `s` of every character kept is pushed onto it (for masking a span
 * of the result in the line as received).
 */
export function withoutSpaces(s: string, kept?: number[]): string {
  let out = '';
  let from = 0;
  let inQuote = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inQuote) {
      if (c === '\\' && s[i + 1] === '"') {
        kept?.push(i);
        i++;
      } else if (c === '"') inQuote = false;
    } else if (c === '"') inQuote = true;
    else if (c === ' ') {
      out += s.slice(from, i);
      from = i + 1;
      continue;
    }
    kept?.push(i);
  }
  return from === 0 ? s : out + s.slice(from);
}
