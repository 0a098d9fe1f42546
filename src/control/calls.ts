/**
 * The network side of calls and USSD for the control API, the library handle and
 * scenarios: ring the device, arrange the outcome of its next call, act as the other side
 * of a call, set what USSD codes answer. Bad input is an InputError (HTTP 400).
 */
import { InputError } from '../faults/params';
import type { Modem } from '../modem/modem';
import { lazy, strictObject, zod } from '../schema';
import { callFeature } from '../commands/features';
import { OUTCOMES, type Call, type DialRule, type UssdEntry } from '../commands/call/calls';
import { checkBody, intIn, unknownField } from './c2d';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const MS = 'must be milliseconds, an integer from 0 to 86400000';
const ms = () => intIn(0, 86_400_000, MS);

/** `{ from, … }`: the network rings the device. */
const RING = lazy(() =>
  strictObject(
    {
      from: zod().string({ error: 'must be a phone number' }).regex(/^\+?[0-9*#]{1,20}$/, { error: 'must be a phone number' }),
      withheld: zod().boolean({ error: 'must be true or false' }).default(false),
      ringIntervalMs: ms().min(100, { error: 'must be at least 100' }).default(3000),
      giveUpAfterMs: ms().default(30_000),
      hangUpAfterMs: ms().optional(),
    },
    'expected a JSON object { "from": "+31…" }',
    unknownField('from, withheld, ringIntervalMs, giveUpAfterMs, hangUpAfterMs'),
  ),
);

/** `{ to, outcome, … }`: what the device's next call there meets. */
const DIAL = lazy(() =>
  strictObject(
    {
      to: zod().string({ error: 'must be a phone number or "*"' }).regex(/^(\*|\+?[0-9*#ABC]{1,40})$/, { error: 'must be a phone number or "*"' }),
      outcome: zod().enum(OUTCOMES, { error: `must be one of ${OUTCOMES.join(', ')}` }),
      afterMs: ms().default(0),
      hangUpAfterMs: ms().optional(),
    },
    'expected a JSON object { "to": "+31…", "outcome": "answer" }',
    unknownField('to, outcome, afterMs, hangUpAfterMs'),
  ),
);

const ACT = lazy(() =>
  zod().object(
    { action: zod().string({ error: 'must be one of answer, busy, no-answer, unreachable, hangup' }) },
    { error: 'expected a JSON object { "action": "answer" }' },
  ),
);

const USSD = lazy(() =>
  strictObject(
    {
      code: zod().string({ error: 'must be the USSD string to answer, or "*" for any' }).min(1, { error: 'must be the USSD string to answer, or "*" for any' }).max(40, { error: 'must be the USSD string to answer, or "*" for any' }).default('*'),
      reply: zod().string({ error: 'must be a string of at most 182 characters' }).max(182, { error: 'must be a string of at most 182 characters' }),
      status: zod().union([0, 1, 2, 4, 5].map((n) => zod().literal(n)), { error: 'must be 0, 1, 2, 4 or 5 (27.007 +CUSD <m>)' }).default(0),
      dcs: intIn(0, 255, 'must be 0-255 (15 GSM 7-bit, 72 UCS2)').default(15),
    },
    'expected a JSON object { "code": "*100#", "reply": "…" }',
    unknownField('code, reply, status, dcs'),
  ),
);

export interface CallControl {
  /** `{ from, … }` rings the device; `{ to, outcome, … }` arranges its next call there. */
  call(body: unknown): { call: Call } | { rule: DialRule };
  list(): Call[];
  /** The other side acts on a call; null when there is no such call. */
  act(id: string, body: unknown): Call | null;
}

export interface UssdControl {
  set(body: unknown): UssdEntry;
  state(): { table: UssdEntry[]; requests: { code: string; time: string; answered: boolean }[] };
}

export function callControl(modem: Modem): CallControl {
  const calls = () => modem.feature(callFeature);
  return {
    call(body) {
      if (isObject(body) && typeof body.from === 'string') {
        const r = checkBody(RING(), body);
        return { call: calls().ring({ number: r.from, withheld: r.withheld, ringIntervalMs: r.ringIntervalMs, giveUpAfterMs: r.giveUpAfterMs, hangUpAfterMs: r.hangUpAfterMs }) };
      }
      if (isObject(body) && typeof body.to === 'string') {
        const rule: DialRule = checkBody(DIAL(), body);
        calls().addRule(rule);
        return { rule };
      }
      if (!isObject(body)) throw new InputError('expected a JSON object { "from": "+31…" } or { "to": "+31…", "outcome": "answer" }');
      throw new InputError('give "from" (an incoming call) or "to" (the outcome of the device\'s next call)');
    },
    list: () => calls().history,
    act(id, body) {
      const { action } = checkBody(ACT(), body);
      const r = calls().act(id, action);
      if (r === 'bad-action') throw new InputError(`"action" ${JSON.stringify(action)} does not fit this call: hangup, and for the device's calls answer, busy, no-answer, unreachable`);
      return r;
    },
  };
}

export function ussdControl(modem: Modem): UssdControl {
  const calls = () => modem.feature(callFeature);
  return {
    set(body) {
      const entry: UssdEntry = checkBody(USSD(), body);
      calls().ussdTable.set(entry.code, entry);
      return entry;
    },
    state: () => ({ table: [...calls().ussdTable.values()], requests: calls().ussdRequests }),
  };
}
