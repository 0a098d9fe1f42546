/**
 * The AT+HTTPPARA tags (docs/http.md): defaults, the check each value passes, the
 * listing of AT+HTTPPARA? and AT+HTTPSCONT?, and how USERDATA becomes header lines.
 */

export const TAGS = ['CID', 'URL', 'UA', 'PROIP', 'PROPORT', 'REDIR', 'BREAK', 'BREAKEND', 'TIMEOUT', 'CONTENT', 'USERDATA'] as const;
export type Tag = (typeof TAGS)[number];

export interface HttpParams {
  CID: number;
  URL: string;
  UA: string;
  PROIP: string;
  PROPORT: number;
  REDIR: number;
  BREAK: number;
  BREAKEND: number;
  TIMEOUT: number;
  CONTENT: string;
  USERDATA: string;
}

/** What AT+HTTPINIT starts from when no context was saved (1NCE's listing, MAN's defaults). */
export const DEFAULT_PARAMS: Readonly<HttpParams> = {
  CID: 1,
  URL: '',
  UA: 'SIMCOM_MODULE',
  PROIP: '0.0.0.0',
  PROPORT: 0,
  REDIR: 0,
  BREAK: 0,
  BREAKEND: 0,
  TIMEOUT: 120,
  CONTENT: '',
  USERDATA: '',
};

const INT_RE = /^\d+$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const intIn = (min: number, max: number) => (v: string) => {
  const t = v.trim();
  if (!INT_RE.test(t)) return null;
  const n = Number(t);
  return n >= min && n <= max ? n : null;
};
const anyText = (v: string) => v;

/** Each tag's check: the value to store, or null when the module refuses it. */
const CHECK: { readonly [K in Tag]: (v: string) => HttpParams[K] | null } = {
  CID: intIn(1, 3),
  URL: anyText,
  UA: anyText,
  PROIP: (v) => (IPV4.test(v.trim()) ? v.trim() : null),
  PROPORT: intIn(0, 65535),
  REDIR: intIn(0, 1),
  BREAK: intIn(0, 4294967295),
  BREAKEND: intIn(0, 4294967295),
  TIMEOUT: intIn(30, 1000),
  CONTENT: anyText,
  USERDATA: anyText,
};

/** Sets one tag (any case); false when the tag is unknown or the value refused. */
export function setParam(p: HttpParams, tag: string, value: string): boolean {
  const key = tag.toUpperCase() as Tag;
  if (!(TAGS as readonly string[]).includes(key)) return false;
  const v = CHECK[key](value);
  if (v === null) return false;
  (p as unknown as Record<Tag, string | number>)[key] = v;
  return true;
}

/** `CID: 1`, `URL: `, … in the module's order (an empty value keeps the space). */
export function listing(p: HttpParams): string[] {
  return TAGS.map((t) => `${t}: ${p[t]}`);
}

/**
 * Splits `AT+HTTPPARA=<tag>,<value>`: the tag quoted or not; the value quoted (`\"`
 * inside) or, unquoted, the rest of the line as it is. Null when malformed.
 */
export function splitTagValue(args: string): { tag: string; value: string } | null {
  const s = args.trim();
  let tag: string;
  let rest: string;
  if (s.startsWith('"')) {
    const end = s.indexOf('"', 1);
    if (end < 0) return null;
    tag = s.slice(1, end);
    rest = s.slice(end + 1).trimStart();
  } else {
    const comma = s.indexOf(',');
    tag = (comma < 0 ? s : s.slice(0, comma)).trim();
    rest = comma < 0 ? '' : s.slice(comma);
  }
  if (!rest.startsWith(',') || tag === '') return null;
  const v = rest.slice(1).trim();
  if (!v.startsWith('"')) return v === '' ? null : { tag, value: v };
  let value = '';
  for (let i = 1; i < v.length; i++) {
    const c = v[i];
    if (c === '\\' && v[i + 1] === '"') {
      value += '"';
      i++;
    } else if (c === '"') {
      return v.slice(i + 1).trim() === '' ? { tag, value } : null;
    } else value += c;
  }
  return null; // unterminated quote
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * USERDATA as header lines: backslash-r backslash-n (as firmware writes them on the AT
 * line) separate lines; empty lines are skipped; a line that is not `name: value` is
 * returned in `dropped`.
 */
export function userHeaders(userdata: string): { headers: [string, string][]; dropped: string[] } {
  const headers: [string, string][] = [];
  const dropped: string[] = [];
  for (const raw of userdata.replace(/\\r/g, '\r').replace(/\\n/g, '\n').split(/\r\n|\r|\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim() : '';
    const value = colon > 0 ? line.slice(colon + 1).trim() : '';
    if (HEADER_NAME.test(name) && !/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) headers.push([name, value]);
    else dropped.push(line);
  }
  return { headers, dropped };
}

/** USERDATA with every header value masked (`Authorization: ***`), separators kept. */
export function maskUserdata(userdata: string): string {
  return userdata
    .split(/(\\r\\n|\\r|\\n|\r\n|\r|\n)/)
    .map((seg, i) => (i % 2 === 1 || seg.trim() === '' ? seg : seg.includes(':') ? `${seg.slice(0, seg.indexOf(':') + 1)} ***` : '***'))
    .join('');
}
