/**
 * The network side of SMS for the control API, the library handle and scenarios: a
 * message to the device (`POST /sms`), what the device sent (`GET /sms`). Input is
 * checked here; a bad field is an InputError (HTTP 400) and nothing is delivered.
 */
import { InputError } from '../faults/params';
import type { Modem } from '../modem/modem';
import { toSeptets } from '../commands/sms/gsm';
import { PduError, addressOf, parseTpdu, sctsFromIso, type Encoding } from '../commands/sms/pdu';
import { smsFeature } from '../commands/sms';
import type { Delivery, Incoming, SentMessage } from '../commands/sms/sms';

const FIELDS = ['from', 'text', 'data', 'pdu', 'encoding', 'time', 'class', 'split', 'ref'];
const ENCODINGS: readonly Encoding[] = ['gsm7', 'ucs2', '8bit'];
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isEncoding = (v: unknown): v is Encoding => typeof v === 'string' && (ENCODINGS as readonly string[]).includes(v);

/** Checks a `POST /sms` body into what the network delivers. */
export function checkIncoming(body: unknown): Incoming {
  if (!isObject(body)) throw new InputError('expected a JSON object { "from": "+31…", "text": "…" }');
  for (const k of Object.keys(body)) if (!FIELDS.includes(k)) throw new InputError(`unknown field "${k}" (known: ${FIELDS.join(', ')})`);
  const from = typeof body.from === 'string' ? addressOf(body.from) : null;
  if (!from) throw new InputError('"from" must be a phone number (+31628870634) or up to 11 GSM characters');
  const given = ['text', 'data', 'pdu'].filter((k) => body[k] !== undefined);
  if (given.length !== 1) throw new InputError('give exactly one of "text", "data" (hex) or "pdu" (an SMS-DELIVER TPDU in hex)');
  if (body.encoding !== undefined && !isEncoding(body.encoding)) throw new InputError(`"encoding" must be one of ${ENCODINGS.join(', ')}`);
  const cls = body.class;
  if (cls !== undefined && !(typeof cls === 'number' && Number.isInteger(cls) && cls >= 0 && cls <= 3)) throw new InputError('"class" must be 0, 1, 2 or 3');
  const time = body.time;
  const scts = time === undefined ? undefined : typeof time === 'string' ? sctsFromIso(time) : null;
  if (scts === null) throw new InputError('"time" must be an ISO 8601 time with a zone, like 2024-03-01T10:15:00+01:00');
  const ref = body.ref;
  if (ref !== undefined && !(typeof ref === 'number' && Number.isInteger(ref) && ref >= 0 && ref <= 255)) throw new InputError('"ref" must be an integer 0-255');
  if (body.split !== undefined && typeof body.split !== 'boolean') throw new InputError('"split" must be true or false');
  const base = { from, scts, cls: cls ?? null, split: body.split !== false, ref };
  if (body.pdu !== undefined) {
    if (typeof body.pdu !== 'string' || !/^([0-9A-Fa-f]{2})+$/.test(body.pdu)) throw new InputError('"pdu" must be hex');
    try {
      if (parseTpdu(Buffer.from(body.pdu, 'hex')).kind !== 'deliver') throw new PduError('not a DELIVER');
    } catch (err) {
      throw new InputError(`"pdu" is not an SMS-DELIVER TPDU: ${(err as Error).message}`);
    }
    return { ...base, encoding: '8bit', tpdu: body.pdu };
  }
  if (body.data !== undefined) {
    if (typeof body.data !== 'string' || !/^([0-9A-Fa-f]{2})*$/.test(body.data)) throw new InputError('"data" must be hex');
    if (body.encoding !== undefined && body.encoding !== '8bit') throw new InputError('"data" goes with "encoding": "8bit"');
    return { ...base, encoding: '8bit', data: Buffer.from(body.data, 'hex') };
  }
  if (typeof body.text !== 'string') throw new InputError('"text" must be a string');
  const gsm = toSeptets(body.text) !== null;
  const encoding: Encoding = isEncoding(body.encoding) ? body.encoding : gsm ? 'gsm7' : 'ucs2';
  if (encoding === 'gsm7' && !gsm) throw new InputError('"text" has characters outside the GSM 7-bit alphabet: use "encoding": "ucs2"');
  if (encoding === '8bit') throw new InputError('8-bit messages take "data" (hex), not "text"');
  return { ...base, encoding, text: body.text };
}

export interface SmsControl {
  /** A message from the network to the device. */
  send(body: unknown): { id: number; parts: number; delivered: Delivery[] };
  /** What the device sent, oldest first; `since` an id, `to` a number. */
  sent(opts?: { to?: string; since?: number }): SentMessage[];
}

export function smsControl(modem: Modem): SmsControl {
  const state = () => modem.feature(smsFeature);
  return {
    send: (body) => state().deliver(checkIncoming(body)),
    sent: (opts = {}) => state().sent.filter((m) => (opts.to === undefined || m.to === opts.to) && (opts.since === undefined || m.id > opts.since)),
  };
}
