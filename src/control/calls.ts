/**
 * The network side of calls and USSD for the control API, the library handle and
 * scenarios: ring the device, arrange the outcome of its next call, act as the other side
 * of a call, set what USSD codes answer. Bad input is an InputError (HTTP 400).
 */
import { InputError } from '../faults/params';
import type { Modem } from '../modem/modem';
import { callFeature } from '../commands/call';
import { OUTCOMES, type Call, type DialRule, type Outcome, type UssdEntry } from '../commands/call/calls';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isOutcome = (v: unknown): v is Outcome => typeof v === 'string' && (OUTCOMES as readonly string[]).includes(v);

function ms(body: Record<string, unknown>, key: string, dflt: number | undefined): number | undefined {
  const v = body[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 86_400_000) throw new InputError(`"${key}" must be milliseconds, an integer from 0 to 86400000`);
  return v;
}

function only(body: Record<string, unknown>, known: string[]): void {
  for (const k of Object.keys(body)) if (!known.includes(k)) throw new InputError(`unknown field "${k}" (known: ${known.join(', ')})`);
}

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
      if (!isObject(body)) throw new InputError('expected a JSON object { "from": "+31…" } or { "to": "+31…", "outcome": "answer" }');
      if (typeof body.from === 'string') {
        only(body, ['from', 'withheld', 'ringIntervalMs', 'giveUpAfterMs', 'hangUpAfterMs']);
        if (!/^\+?[0-9*#]{1,20}$/.test(body.from)) throw new InputError('"from" must be a phone number');
        if (body.withheld !== undefined && typeof body.withheld !== 'boolean') throw new InputError('"withheld" must be true or false');
        const ringIntervalMs = ms(body, 'ringIntervalMs', 3000) ?? 3000;
        if (ringIntervalMs < 100) throw new InputError('"ringIntervalMs" must be at least 100');
        return {
          call: calls().ring({ number: body.from, withheld: body.withheld === true, ringIntervalMs, giveUpAfterMs: ms(body, 'giveUpAfterMs', 30_000) ?? 30_000, hangUpAfterMs: ms(body, 'hangUpAfterMs', undefined) }),
        };
      }
      if (typeof body.to === 'string') {
        only(body, ['to', 'outcome', 'afterMs', 'hangUpAfterMs']);
        if (body.to !== '*' && !/^\+?[0-9*#ABC]{1,40}$/.test(body.to)) throw new InputError('"to" must be a phone number or "*"');
        if (!isOutcome(body.outcome)) throw new InputError(`"outcome" must be one of ${OUTCOMES.join(', ')}`);
        const rule: DialRule = { to: body.to, outcome: body.outcome, afterMs: ms(body, 'afterMs', 0) ?? 0, hangUpAfterMs: ms(body, 'hangUpAfterMs', undefined) };
        calls().addRule(rule);
        return { rule };
      }
      throw new InputError('give "from" (an incoming call) or "to" (the outcome of the device\'s next call)');
    },
    list: () => calls().history,
    act(id, body) {
      const action = isObject(body) ? body.action : undefined;
      if (typeof action !== 'string') throw new InputError('"action" must be one of answer, busy, no-answer, unreachable, hangup');
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
      if (!isObject(body)) throw new InputError('expected a JSON object { "code": "*100#", "reply": "…" }');
      only(body, ['code', 'reply', 'status', 'dcs']);
      const code = body.code ?? '*';
      if (typeof code !== 'string' || code.length === 0 || code.length > 40) throw new InputError('"code" must be the USSD string to answer, or "*" for any');
      if (typeof body.reply !== 'string' || body.reply.length > 182) throw new InputError('"reply" must be a string of at most 182 characters');
      const status = body.status ?? 0;
      if (typeof status !== 'number' || ![0, 1, 2, 4, 5].includes(status)) throw new InputError('"status" must be 0, 1, 2, 4 or 5 (27.007 +CUSD <m>)');
      const dcs = body.dcs ?? 15;
      if (typeof dcs !== 'number' || !Number.isInteger(dcs) || dcs < 0 || dcs > 255) throw new InputError('"dcs" must be 0-255 (15 GSM 7-bit, 72 UCS2)');
      const entry: UssdEntry = { code, reply: body.reply, status, dcs };
      calls().ussdTable.set(code, entry);
      return entry;
    },
    state: () => ({ table: [...calls().ussdTable.values()], requests: calls().ussdRequests }),
  };
}
