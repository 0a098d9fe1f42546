/**
 * Azure IoT Hub shared access signatures (docs/azure.md): what AT+SAZURECONF signs
 * for the device, and what the hub stand-in checks. One HMAC for both sides.
 *
 *   sr  = strict-URL-encode(`<host>/devices/<deviceId>`)
 *   sig = URL-encode(base64(HMAC-SHA256(base64-decode(key), `${sr}\n${se}`)))
 *   token = `SharedAccessSignature sr=<sr>&sig=<sig>&se=<se>`
 */
import { nodeCrypto } from './builtins';

/**
 * encodeURIComponent plus `!'()*`, exactly as Microsoft's Node SDK encodes (unreserved
 * `A-Za-z0-9-_.~` kept; its extra escapes are lower-case hex, so `*` is `%2a`).
 */
export function encodeStrict(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
}

/** The resource a device token is for. */
export const deviceResource = (host: string, deviceId: string): string => `${host}/devices/${deviceId}`;

/** Azure's device id rule: up to 128 ASCII letters, digits and `-.%_*?!(),:=@$'`. */
export const DEVICE_ID_RE = /^[A-Za-z0-9\-.%_*?!(),:=@$']{1,128}$/;

/** A DNS name: labels of letters, digits and inner hyphens; not an IPv4 literal. */
export function isDomainName(host: string): boolean {
  const labels = host.split('.');
  return host.length <= 253 && labels.every((l) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l)) && !/^\d+$/.test(labels[labels.length - 1]);
}

/** Canonical base64 (what the portal hands out as a device key): A-Z a-z 0-9 + /, padded. */
export function isBase64(s: string): boolean {
  return s.length > 0 && s.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(s);
}

/** base64 of HMAC-SHA256 over `message` with the base64-decoded key (Node decodes leniently, as the SDKs do). */
export function sign(key: string, message: string): string {
  return nodeCrypto().createHmac('sha256', Buffer.from(key, 'base64')).update(message, 'utf8').digest('base64');
}

export interface SasInput {
  host: string;
  deviceId: string;
  /** The device key, base64. */
  key: string;
  /** Unix seconds. */
  expiry: number;
}

/** A device SAS token (no `skn`: device keys have no policy name). */
export function createSasToken({ host, deviceId, key, expiry }: SasInput): string {
  const sr = encodeStrict(deviceResource(host, deviceId));
  return `SharedAccessSignature sr=${sr}&sig=${encodeStrict(sign(key, `${sr}\n${expiry}`))}&se=${expiry}`;
}

/** The fields of a token as it came (`sr` and `sig` still URL-encoded). */
export interface ParsedSas {
  sr: string;
  sig: string;
  se: number;
  skn?: string;
}

/** Parses `SharedAccessSignature k=v&k=v...` (fields in any order); null when malformed. */
export function parseSasToken(token: string): ParsedSas | null {
  const m = /^SharedAccessSignature (\S+)$/.exec(token);
  if (!m) return null;
  const fields = new Map<string, string>();
  for (const part of m[1].split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || fields.has(part.slice(0, eq))) return null;
    fields.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const sr = fields.get('sr');
  const sig = fields.get('sig');
  const se = fields.get('se');
  if (!sr || !sig || !se || !/^\d{1,15}$/.test(se)) return null;
  return { sr, sig, se: Number(se), skn: fields.get('skn') };
}

/** Why a token does not let a device in (the hub stand-in maps each to a CONNACK code). */
export type SasProblem = 'malformed' | 'policy' | 'resource' | 'expired' | 'signature';

/**
 * Checks a device token as the hub does: a device token (no `skn`), for this device's
 * resource (host compared case-insensitively), not expired at `nowSeconds`, signed with
 * `key` over the `sr` exactly as sent.
 */
export function checkSasToken(token: string, expect: { host?: string; deviceId: string; key: string }, nowSeconds: number): { ok: true; sas: ParsedSas; host: string } | { ok: false; problem: SasProblem } {
  const sas = parseSasToken(token);
  if (!sas) return { ok: false, problem: 'malformed' };
  if (sas.skn !== undefined) return { ok: false, problem: 'policy' };
  let resource: string;
  let sig: string;
  try {
    resource = decodeURIComponent(sas.sr);
    sig = decodeURIComponent(sas.sig);
  } catch {
    return { ok: false, problem: 'malformed' };
  }
  const suffix = `/devices/${expect.deviceId}`;
  const host = resource.slice(0, resource.length - suffix.length);
  if (!resource.endsWith(suffix) || host === '' || host.includes('/')) return { ok: false, problem: 'resource' };
  if (expect.host !== undefined && host.toLowerCase() !== expect.host.toLowerCase()) return { ok: false, problem: 'resource' };
  if (sas.se <= nowSeconds) return { ok: false, problem: 'expired' };
  const want = Buffer.from(sign(expect.key, `${sas.sr}\n${sas.se}`));
  const got = Buffer.from(sig);
  if (got.length !== want.length || !nodeCrypto().timingSafeEqual(got, want)) return { ok: false, problem: 'signature' };
  return { ok: true, sas, host };
}
