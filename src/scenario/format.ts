/**
 * Scenario files (JSON or YAML): a timeline of what goes wrong and what the firmware
 * under test must have done by then. Checked completely before the emulator starts, so
 * a typo is a one-line error (exit 2), never a surprise half-way through a CI run.
 *
 * ```yaml
 * name: reconnect after bearer loss
 * start: attach            # the clock starts when the DTE attaches (or: ready)
 * steps:
 *   - { at: 0s,  expect: { smstate: 1 }, within: 60s }
 *   - { at: 5s,  fault: bearerDrop }
 *   - { at: 6s,  expect: { smstate: 1, sent: { command: AT+SMCONN, count: ">=2" } }, within: 30s }
 * ```
 */
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { readFlagFile } from '../flagFile';
import { dottedPath, joinProblem, parseOrThrow, strictObject, via } from '../schema';
import { FaultController } from '../faults/controller';
import { InputError, parseDuration, type ParamValues } from '../faults/params';
import type { PowerAction } from '../control/control';
import { checkC2d, type C2dMessage } from '../control/c2d';
import type { FaultName } from '../faults/catalog';
import { checkIncoming } from '../control/sms';

/** A count: `3` (exactly), `">=1"`, `"<2"`, `"==0"`. */
export interface Count {
  op: '>=' | '<=' | '>' | '<' | '==';
  n: number;
}

export interface Expectations {
  smstate?: 0 | 1;
  bearer?: 'open' | 'closed';
  registered?: boolean;
  sim?: string;
  power?: 'on' | 'off';
  /** A filter the module's MQTT session has (acked by the broker). */
  subscribed?: string;
  /** Messages the firmware published, as the broker saw them (topic filter, optional exact payload). */
  published?: { topic: string; payload?: string; count: Count };
  /** Command lines the firmware sent (prefix, any case), from the AT log. */
  sent?: { command: string; count: Count };
  /** URCs the module raised (prefix). */
  urc?: { line: string; count: Count };
  /** SMS the firmware sent (docs/sms.md): to a number, text matching a regular expression. */
  sms?: { to?: string; text?: string; count: Count };
  /** The firmware hung up a call (ATH, AT+CHUP) since the start. */
  hangup?: boolean;
  /** HTTP exchanges (AT+HTTPACTION) that finished: method, URL prefix as set, the URC's code. */
  http?: { method?: 'GET' | 'POST' | 'HEAD' | 'DELETE'; url?: string; status?: number; count: Count };
}

export type Action =
  | { kind: 'fault'; name: FaultName; params: ParamValues; durationMs?: number }
  | { kind: 'clear'; name: string }
  | { kind: 'c2d'; message: C2dMessage }
  | { kind: 'power'; action: PowerAction }
  | { kind: 'sms'; message: Record<string, unknown> }
  | { kind: 'call'; call: Record<string, unknown> }
  | { kind: 'ussd'; entry: Record<string, unknown> }
  | { kind: 'expect'; expect: Expectations; withinMs: number };

export interface Step {
  index: number;
  atMs: number;
  action: Action;
}

export interface Scenario {
  name: string;
  /** `attach`: time 0 is when a DTE attaches (at once if one is); `ready`: when the emulator is. */
  start: 'attach' | 'ready';
  steps: Step[];
}

const COUNT_FORMS = 'must be a count: 3, ">=1", "<2", "==0"';
const COUNT_TEXT = /^\s*(>=|<=|>|<|==)?\s*(\d+)\s*$/;

/** `3` (exactly), `">=1"`, `"<2"`, `"==0"`. */
const COUNT: z.ZodType<Count> = z
  .union([z.number({ error: COUNT_FORMS }).int({ error: COUNT_FORMS }).min(0, { error: COUNT_FORMS }), z.string({ error: COUNT_FORMS }).regex(COUNT_TEXT, { error: COUNT_FORMS })], { error: COUNT_FORMS })
  .transform((v): Count => {
    if (typeof v === 'number') return { op: '==', n: v };
    const m = COUNT_TEXT.exec(v)!;
    return { op: (m[1] ?? '==') as Count['op'], n: Number(m[2]) };
  });

export function parseCount(v: unknown, label: string): Count {
  const r = COUNT.safeParse(v);
  if (!r.success) throw new InputError(joinProblem(label, r.error.issues[0].message));
  return r.data;
}

export function countHolds(c: Count, actual: number): boolean {
  switch (c.op) {
    case '>=':
      return actual >= c.n;
    case '<=':
      return actual <= c.n;
    case '>':
      return actual > c.n;
    case '<':
      return actual < c.n;
    default:
      return actual === c.n;
  }
}

const text = z.string({ error: 'must be a non-empty string' }).min(1, { error: 'must be a non-empty string' });
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: `must be one of ${values.join(', ')}` });
const literals = <T extends number | boolean>(values: readonly [T, T]) => z.union([z.literal(values[0]), z.literal(values[1])], { error: `must be one of ${values.join(', ')}` });

/** A duration (`5s`, `500ms`, a number of ms) as the faults read it, its message without their label. */
const DURATION = via(z.unknown(), (v) => {
  try {
    return parseDuration(v, '');
  } catch (err) {
    throw new InputError((err as Error).message.replace(/^:?\s*/, ''));
  }
});

/** Every expectation key: the schema is the format. */
const EXPECTATIONS = {
  smstate: literals([0, 1] as const),
  bearer: oneOf(['open', 'closed']),
  registered: literals([true, false] as const),
  sim: oneOf(['READY', 'NOT READY', 'NOT INSERTED']),
  power: oneOf(['on', 'off']),
  subscribed: text,
  published: strictObject({ topic: text, payload: z.unknown().optional().transform((p) => (p === undefined ? undefined : String(p))), count: COUNT.default({ op: '>=', n: 1 }) }, 'must be { topic, payload?, count? }'),
  sent: strictObject({ command: text, count: COUNT.default({ op: '>=', n: 1 }) }, 'must be { command, count? }'),
  urc: strictObject({ line: text, count: COUNT.default({ op: '>=', n: 1 }) }, 'must be { line, count? }'),
  http: strictObject(
    {
      method: oneOf(['GET', 'POST', 'HEAD', 'DELETE']).optional(),
      url: text.optional(),
      status: z.number({ error: 'must be a whole number from 100 to 699' }).int({ error: 'must be a whole number from 100 to 699' }).min(100, { error: 'must be a whole number from 100 to 699' }).max(699, { error: 'must be a whole number from 100 to 699' }).optional(),
      count: COUNT.default({ op: '>=', n: 1 }),
    },
    'must be { method?, url?, status?, count? }',
  ),
  sms: strictObject(
    {
      to: text.optional(),
      text: text
        .refine(
          (t) => {
            try {
              new RegExp(t);
              return true;
            } catch {
              return false;
            }
          },
          { error: 'must be a regular expression' },
        )
        .optional(),
      count: COUNT.default({ op: '>=', n: 1 }),
    },
    'must be { to?, text?, count? }',
  ),
  hangup: literals([true, false] as const),
} satisfies { [K in keyof Expectations]-?: z.ZodType<Expectations[K]> };

const EXPECT_KEYS = Object.keys(EXPECTATIONS).join(', ');

const OBJECT = z.record(z.string(), z.unknown(), { error: 'must be an object' });

/** Each action's step: its key, the keys that may go with it, and what it becomes. */
const ACTIONS = {
  fault: via(strictObject({ at: z.unknown().optional(), fault: z.unknown(), params: z.unknown().optional(), duration: z.unknown().optional() }, ''), (s): Action => {
    const c = FaultController.check(s.fault, s.params, { duration: s.duration as string | number | undefined });
    return { kind: 'fault', name: c.name, params: c.params, durationMs: c.durationMs };
  }),
  clear: via(strictObject({ at: z.unknown().optional(), clear: z.unknown() }, ''), (s): Action => ({ kind: 'clear', name: FaultController.check(s.clear).name })),
  c2d: strictObject({ at: z.unknown().optional(), c2d: via(z.unknown(), checkC2d) }, '').transform((s): Action => ({ kind: 'c2d', message: s.c2d })),
  power: strictObject({ at: z.unknown().optional(), power: oneOf(['on', 'off', 'reboot']) }, '').transform((s): Action => ({ kind: 'power', action: s.power as PowerAction })),
  // An incoming SMS, a call and a USSD reply: their bodies checked as the control API checks them.
  sms: strictObject({ at: z.unknown().optional(), sms: via(OBJECT, (b) => (checkIncoming(b), b)) }, '').transform((s): Action => ({ kind: 'sms', message: s.sms })),
  call: strictObject(
    {
      at: z.unknown().optional(),
      call: via(OBJECT, (b) => {
        if (typeof b.from !== 'string' && typeof b.to !== 'string') throw new InputError('needs "from" (ring the device) or "to" (the outcome of its next call)');
        return b;
      }),
    },
    '',
  ).transform((s): Action => ({ kind: 'call', call: s.call })),
  ussd: strictObject({ at: z.unknown().optional(), ussd: OBJECT }, '').transform((s): Action => ({ kind: 'ussd', entry: s.ussd })),
  expect: strictObject(
    {
      at: z.unknown().optional(),
      expect: strictObject(EXPECTATIONS, `must be an object with at least one of ${EXPECT_KEYS}`).partial().refine((e) => Object.keys(e).length > 0, { error: `must be an object with at least one of ${EXPECT_KEYS}` }),
      within: DURATION.optional(),
    },
    '',
  ).transform((s): Action => ({ kind: 'expect', expect: s.expect as Expectations, withinMs: s.within ?? 0 })),
} as const;

type ActionKind = keyof typeof ACTIONS;
const ACTION_KINDS = Object.keys(ACTIONS) as ActionKind[];

/** A step: exactly one action, its time, nothing else. */
const STEP = z.record(z.string(), z.unknown(), { error: 'must be an object' }).transform((raw, ctx): { atMs: number; action: Action } => {
  const kinds = ACTION_KINDS.filter((k) => k in raw);
  const fail = (message: string, path: PropertyKey[] = []) => {
    ctx.issues.push({ code: 'custom', message, input: raw, path });
    return z.NEVER;
  };
  if (kinds.length !== 1) return fail(`needs exactly one of ${ACTION_KINDS.join(', ')}${kinds.length ? ` (has ${kinds.join(', ')})` : ''}`);
  const action = ACTIONS[kinds[0]].safeParse(raw);
  // An unknown key first (it explains the rest), then the time, then the action itself.
  const unknown = action.success ? undefined : action.error.issues.find((i) => i.code === 'unrecognized_keys' && i.path.length === 0);
  if (unknown) return fail(unknown.message);
  if (raw.at === undefined) return fail('needs "at" (e.g. at: 5s)');
  if (!action.success) {
    for (const issue of action.error.issues) ctx.issues.push({ code: 'custom', message: issue.message, path: issue.path, input: raw });
    return z.NEVER;
  }
  const at = DURATION.safeParse(raw.at);
  if (!at.success) return fail(at.error.issues[0].message, ['at']);
  return { atMs: at.data, action: action.data };
});

const scenarioSchema = (fallbackName: string) =>
  strictObject(
    {
      name: text.default(fallbackName),
      start: oneOf(['attach', 'ready']).default('attach'),
      steps: z.array(STEP, { error: 'must be a non-empty list' }).min(1, { error: 'must be a non-empty list' }),
    },
    'must be an object with "steps"',
  );

/** `scenario` for the whole, `"steps"` for the list, `steps[2].expect.smstate` inside it. */
function where(p: readonly PropertyKey[]): string {
  if (p.length === 0) return 'scenario';
  if (p.length === 1) return p[0] === 'steps' ? '"steps"' : String(p[0]);
  return dottedPath(p);
}

/** Parses a scenario already read into a value (JSON or YAML). Throws InputError. */
export function parseScenario(data: unknown, fallbackName = 'scenario'): Scenario {
  const s = parseOrThrow(scenarioSchema(fallbackName), data, where, (line) => new InputError(line));
  const steps = s.steps.map((step, index): Step => ({ index, ...step }));
  // A stable sort: steps at the same time run in file order.
  steps.sort((a, b) => a.atMs - b.atMs || a.index - b.index);
  return { name: s.name, start: s.start, steps };
}

/** Reads and checks a file: `.yaml`/`.yml` as YAML, anything else as JSON. Errors name the file. */
export function loadScenarioFile(file: string): Scenario {
  const text = readFlagFile(file, '--scenario', (m) => new InputError(m));
  const yaml = /\.ya?ml$/i.test(file);
  let data: unknown;
  try {
    data = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new InputError(`${file}: invalid ${yaml ? 'YAML' : 'JSON'}: ${(err as Error).message.split('\n')[0]}`);
  }
  try {
    return parseScenario(data, path.basename(file).replace(/\.[^.]+$/, ''));
  } catch (err) {
    throw new InputError(`${file}: ${(err as Error).message}`);
  }
}
