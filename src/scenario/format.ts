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
import { readFlagFile } from '../flagFile';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
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

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function onlyKeys(o: Record<string, unknown>, keys: readonly string[], label: string): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new InputError(`${label}: unknown key "${k}" (known: ${keys.join(', ')})`);
}

export function parseCount(v: unknown, label: string): Count {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return { op: '==', n: v };
  const m = typeof v === 'string' ? /^\s*(>=|<=|>|<|==)?\s*(\d+)\s*$/.exec(v) : null;
  if (!m) throw new InputError(`${label} must be a count: 3, ">=1", "<2", "==0"`);
  return { op: (m[1] ?? '==') as Count['op'], n: Number(m[2]) };
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

const str = (v: unknown, label: string): string => {
  if (typeof v !== 'string' || v === '') throw new InputError(`${label} must be a non-empty string`);
  return v;
};
const oneOf = <T extends string | number | boolean>(v: unknown, values: readonly T[], label: string): T => {
  if (!values.includes(v as T)) throw new InputError(`${label} must be one of ${values.join(', ')}`);
  return v as T;
};

/** One checker per expectation key: the table is the format. */
const EXPECT_KEYS: { [K in keyof Expectations]-?: (v: unknown, label: string) => Expectations[K] } = {
  smstate: (v, l) => oneOf(v, [0, 1] as const, l),
  bearer: (v, l) => oneOf(v, ['open', 'closed'] as const, l),
  registered: (v, l) => oneOf(v, [true, false] as const, l),
  sim: (v, l) => oneOf(v, ['READY', 'NOT READY', 'NOT INSERTED'] as const, l),
  power: (v, l) => oneOf(v, ['on', 'off'] as const, l),
  subscribed: (v, l) => str(v, l),
  published(v, l) {
    if (!isObject(v)) throw new InputError(`${l} must be { topic, payload?, count? }`);
    onlyKeys(v, ['topic', 'payload', 'count'], l);
    return { topic: str(v.topic, `${l}.topic`), payload: v.payload === undefined ? undefined : String(v.payload), count: parseCount(v.count ?? '>=1', `${l}.count`) };
  },
  sent(v, l) {
    if (!isObject(v)) throw new InputError(`${l} must be { command, count? }`);
    onlyKeys(v, ['command', 'count'], l);
    return { command: str(v.command, `${l}.command`), count: parseCount(v.count ?? '>=1', `${l}.count`) };
  },
  urc(v, l) {
    if (!isObject(v)) throw new InputError(`${l} must be { line, count? }`);
    onlyKeys(v, ['line', 'count'], l);
    return { line: str(v.line, `${l}.line`), count: parseCount(v.count ?? '>=1', `${l}.count`) };
  },
  sms(v, l) {
    if (!isObject(v)) throw new InputError(`${l} must be { to?, text?, count? }`);
    onlyKeys(v, ['to', 'text', 'count'], l);
    const text = v.text === undefined ? undefined : str(v.text, `${l}.text`);
    if (text !== undefined) {
      try {
        new RegExp(text);
      } catch {
        throw new InputError(`${l}.text must be a regular expression`);
      }
    }
    return { to: v.to === undefined ? undefined : str(v.to, `${l}.to`), text, count: parseCount(v.count ?? '>=1', `${l}.count`) };
  },
  hangup: (v, l) => oneOf(v, [true, false] as const, l),
  http(v, l) {
    if (!isObject(v)) throw new InputError(`${l} must be { method?, url?, status?, count? }`);
    onlyKeys(v, ['method', 'url', 'status', 'count'], l);
    const status = v.status;
    if (status !== undefined && !(typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 699)) {
      throw new InputError(`${l}.status must be a whole number from 100 to 699`);
    }
    return {
      method: v.method === undefined ? undefined : oneOf(v.method, ['GET', 'POST', 'HEAD', 'DELETE'] as const, `${l}.method`),
      url: v.url === undefined ? undefined : str(v.url, `${l}.url`),
      status,
      count: parseCount(v.count ?? '>=1', `${l}.count`),
    };
  },
};

/** The body of an sms/call/ussd step, checked as the control API would check it. */
function body(v: unknown, l: string, check?: (b: Record<string, unknown>) => void): Record<string, unknown> {
  if (!isObject(v)) throw new InputError(`${l} must be an object`);
  try {
    check?.(v);
  } catch (err) {
    throw new InputError(`${l}: ${(err as Error).message}`);
  }
  return v;
}

/** Exactly one action per step, by its key. */
const ACTIONS: Readonly<Record<string, { keys: readonly string[]; parse(s: Record<string, unknown>, label: string): Action }>> = {
  fault: {
    keys: ['params', 'duration'],
    parse(s, l) {
      try {
        const c = FaultController.check(s.fault, s.params, { duration: s.duration as string | number | undefined });
        return { kind: 'fault', name: c.name, params: c.params, durationMs: c.durationMs };
      } catch (err) {
        throw new InputError(`${l}: ${(err as Error).message}`);
      }
    },
  },
  clear: {
    keys: [],
    parse: (s) => ({ kind: 'clear', name: FaultController.check(s.clear).name }),
  },
  c2d: {
    keys: [],
    parse(s, l) {
      try {
        return { kind: 'c2d', message: checkC2d(s.c2d) };
      } catch (err) {
        throw new InputError(`${l}.c2d: ${(err as Error).message}`);
      }
    },
  },
  power: { keys: [], parse: (s, l) => ({ kind: 'power', action: oneOf(s.power, ['on', 'off', 'reboot'] as const, `${l}.power`) }) },
  sms: { keys: [], parse: (s, l) => ({ kind: 'sms', message: body(s.sms, `${l}.sms`, checkIncoming) }) },
  call: {
    keys: [],
    parse: (s, l) => ({
      kind: 'call',
      call: body(s.call, `${l}.call`, (b) => {
        if (typeof b.from !== 'string' && typeof b.to !== 'string') throw new InputError('needs "from" (ring the device) or "to" (the outcome of its next call)');
      }),
    }),
  },
  ussd: { keys: [], parse: (s, l) => ({ kind: 'ussd', entry: body(s.ussd, `${l}.ussd`) }) },
  expect: {
    keys: ['within'],
    parse(s, l) {
      if (!isObject(s.expect) || Object.keys(s.expect).length === 0) throw new InputError(`${l}.expect must be an object with at least one of ${Object.keys(EXPECT_KEYS).join(', ')}`);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(s.expect)) {
        const check = (EXPECT_KEYS as Record<string, (v: unknown, l: string) => unknown>)[k];
        if (!check) throw new InputError(`${l}.expect: unknown key "${k}" (known: ${Object.keys(EXPECT_KEYS).join(', ')})`);
        out[k] = check(v, `${l}.expect.${k}`);
      }
      return { kind: 'expect', expect: out as Expectations, withinMs: s.within === undefined ? 0 : parseDuration(s.within, `${l}.within`) };
    },
  },
};

function parseStep(raw: unknown, index: number): Step {
  const l = `steps[${index}]`;
  if (!isObject(raw)) throw new InputError(`${l} must be an object`);
  const kinds = Object.keys(ACTIONS).filter((k) => k in raw);
  if (kinds.length !== 1) throw new InputError(`${l} needs exactly one of ${Object.keys(ACTIONS).join(', ')}${kinds.length ? ` (has ${kinds.join(', ')})` : ''}`);
  const kind = kinds[0];
  onlyKeys(raw, ['at', kind, ...ACTIONS[kind].keys], l);
  if (raw.at === undefined) throw new InputError(`${l} needs "at" (e.g. at: 5s)`);
  let action: Action;
  try {
    action = ACTIONS[kind].parse(raw, l);
  } catch (err) {
    const msg = (err as Error).message;
    throw new InputError(msg.startsWith(l) ? msg : `${l}: ${msg}`);
  }
  return { index, atMs: parseDuration(raw.at, `${l}.at`), action };
}

/** Parses a scenario already read into a value (JSON or YAML). Throws InputError. */
export function parseScenario(data: unknown, fallbackName = 'scenario'): Scenario {
  if (!isObject(data)) throw new InputError('a scenario must be an object with "steps"');
  onlyKeys(data, ['name', 'start', 'steps'], 'scenario');
  const name = data.name === undefined ? fallbackName : str(data.name, 'name');
  const start = data.start === undefined ? 'attach' : oneOf(data.start, ['attach', 'ready'] as const, 'start');
  if (!Array.isArray(data.steps) || data.steps.length === 0) throw new InputError('"steps" must be a non-empty list');
  const steps = data.steps.map(parseStep);
  // A stable sort: steps at the same time run in file order.
  steps.sort((a, b) => a.atMs - b.atMs || a.index - b.index);
  return { name, start, steps };
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
