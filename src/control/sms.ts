/**
 * The network side of SMS for the control API, the library handle and scenarios: a
 * message to the device (`POST /sms`), what the device sent (`GET /sms`). Input is
 * checked here (a zod schema, then the rules between fields); a bad field is an
 * InputError (HTTP 400) and nothing is delivered.
 */
import { InputError } from '../faults/params';
import type { Modem } from '../modem/modem';
import { lazy, strictObject, via, zod } from '../schema';
import { toSeptets } from '../commands/sms/gsm';
import { PduError, addressOf, parseTpdu, sctsFromIso, type Encoding } from '../commands/sms/pdu';
import { smsFeature } from '../commands/features';
import type { Delivery, Incoming, SentMessage } from '../commands/sms/sms';
import { checkBody, intIn, unknownField } from './c2d';

const ENCODINGS = ['gsm7', 'ucs2', '8bit'] as const satisfies readonly Encoding[];
const FROM = 'must be a phone number (+31628870634) or up to 11 GSM characters';
const TIME = 'must be an ISO 8601 time with a zone, like 2024-03-01T10:15:00+01:00';

/** A value a check turns into something else, or null when it does not fit: the issue is `message`. */
const checked = <T>(check: (s: string) => T | null, message: string) =>
  via(zod().string({ error: message }), (s) => {
    const v = check(s);
    if (v === null) throw new Error(message);
    return v;
  });

const INCOMING = lazy(() =>
  strictObject(
    {
      from: checked(addressOf, FROM),
      text: zod().string({ error: 'must be a string' }).optional(),
      data: zod().string({ error: 'must be hex' }).regex(/^([0-9A-Fa-f]{2})*$/, { error: 'must be hex' }).optional(),
      pdu: zod().string({ error: 'must be hex' }).regex(/^([0-9A-Fa-f]{2})+$/, { error: 'must be hex' }).optional(),
      encoding: zod().enum(ENCODINGS, { error: `must be one of ${ENCODINGS.join(', ')}` }).optional(),
      time: checked(sctsFromIso, TIME).optional(),
      class: intIn(0, 3, 'must be 0, 1, 2 or 3').optional(),
      split: zod().boolean({ error: 'must be true or false' }).optional(),
      ref: intIn(0, 255, 'must be an integer 0-255').optional(),
    },
    'expected a JSON object { "from": "+31…", "text": "…" }',
    unknownField('from, text, data, pdu, encoding, time, class, split, ref'),
  ),
);

/** Checks a `POST /sms` body into what the network delivers. */
export function checkIncoming(body: unknown): Incoming {
  const b = checkBody(INCOMING(), body);
  const given = [b.text, b.data, b.pdu].filter((v) => v !== undefined);
  if (given.length !== 1) throw new InputError('give exactly one of "text", "data" (hex) or "pdu" (an SMS-DELIVER TPDU in hex)');
  const base = { from: b.from, scts: b.time, cls: b.class ?? null, split: b.split !== false, ref: b.ref };
  if (b.pdu !== undefined) {
    try {
      if (parseTpdu(Buffer.from(b.pdu, 'hex')).kind !== 'deliver') throw new PduError('not a DELIVER');
    } catch (err) {
      throw new InputError(`"pdu" is not an SMS-DELIVER TPDU: ${(err as Error).message}`);
    }
    return { ...base, encoding: '8bit', tpdu: b.pdu };
  }
  if (b.data !== undefined) {
    if (b.encoding !== undefined && b.encoding !== '8bit') throw new InputError('"data" goes with "encoding": "8bit"');
    return { ...base, encoding: '8bit', data: Buffer.from(b.data, 'hex') };
  }
  const text = b.text!;
  const gsm = toSeptets(text) !== null;
  const encoding: Encoding = b.encoding ?? (gsm ? 'gsm7' : 'ucs2');
  if (encoding === 'gsm7' && !gsm) throw new InputError('"text" has characters outside the GSM 7-bit alphabet: use "encoding": "ucs2"');
  if (encoding === '8bit') throw new InputError('8-bit messages take "data" (hex), not "text"');
  return { ...base, encoding, text };
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
