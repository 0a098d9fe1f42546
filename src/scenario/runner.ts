/**
 * Runs a scenario against whatever DTE is attached: the steps fire on the modem's clock,
 * expectations are checked against the module's state, the AT log and what the broker
 * saw, and the result is a plain object CI can store (`--scenario-result`).
 */
import type { Control } from '../control/control';
import { countHolds, type Action, type Count, type Expectations, type Scenario, type Step } from './format';

export interface CheckResult {
  what: string;
  expected: unknown;
  actual: unknown;
  ok: boolean;
}

export interface StepResult {
  index: number;
  /** When the step was due and when it finished, in ms from the scenario's start. */
  at: number;
  t: number;
  kind: Action['kind'];
  detail: string;
  ok: boolean;
  /** The run was stopped (a signal) while this step was under way: it neither passed nor failed. */
  interrupted?: boolean;
  error?: string;
  checks?: CheckResult[];
  /** With a trace: the number (`n`) of its record for this step (docs/ui.md#traces). */
  trace?: number;
}

/** Where the first failed step is, for CI logs and for opening the trace at that point. */
export interface FailedStep {
  index: number;
  at: number;
  t: number;
  kind: Action['kind'];
  detail: string;
  why: string;
  trace?: number;
}

/** The run's trace as a scenario sees it (src/trace/writer.ts): its file, a record per step. */
export interface ScenarioTrace {
  readonly file: string;
  note(k: 'step', fields: Record<string, unknown>): number;
}

export interface ScenarioResult {
  scenario: string;
  passed: boolean;
  /** Stopped from outside (stop(): SIGTERM/SIGINT in the CLI) before the last step was done. */
  interrupted: boolean;
  /** With `failFast`, the run ended at the first failed step; the steps after it did not run. */
  stoppedAtFailure: boolean;
  /** Wall-clock start (ISO) and the run's length on the modem's clock. */
  startedAt: string;
  durationMs: number;
  steps: StepResult[];
  /** `notRun`: steps of the file the run never reached (interrupted, or stopped at a failure). */
  summary: { steps: number; expectations: number; failedExpectations: number; failedSteps: number; notRun: number };
  /** The first step that failed (null when none did). */
  failed: FailedStep | null;
  /** The trace file, when the run recorded one. */
  trace?: string;
}

export interface RunOptions {
  /** End the run at the first step that fails (an expectation that does not hold, an action that throws). */
  failFast?: boolean;
  /** Record each step in the run's trace (--scenario-trace). */
  trace?: ScenarioTrace;
}

/** How often a step with `within` looks again. */
const POLL_MS = 100;

const countText = (c: Count) => `${c.op === '==' ? '' : c.op}${c.n}`;

/** One evaluator per expectation key: what it reads and whether it holds. */
type Evaluator = (c: Control, value: never, since: number) => { actual: unknown; ok: boolean; expected?: unknown };
const EVALUATE: { [K in keyof Expectations]-?: Evaluator } = {
  smstate: (c, v: 0 | 1) => eq(c.state().mqtt.state, v),
  bearer: (c, v: 'open' | 'closed') => eq(c.state().bearers[0].status === 1 ? 'open' : 'closed', v),
  registered: (c, v: boolean) => eq(c.state().registration.registered, v),
  sim: (c, v: string) => eq(c.state().sim, v),
  power: (c, v: 'on' | 'off') => eq(c.state().power.on ? 'on' : 'off', v),
  subscribed(c, v: string) {
    const subs = c.state().mqtt.subscriptions.map((s) => s.topic);
    return { actual: subs, ok: subs.includes(v) };
  },
  published(c, v: NonNullable<Expectations['published']>, since) {
    const n = c.published({ topic: v.topic, source: 'device', since }).filter((m) => v.payload === undefined || m.payload === v.payload).length;
    return { actual: n, ok: countHolds(v.count, n), expected: countText(v.count) };
  },
  sent(c, v: NonNullable<Expectations['sent']>, since) {
    const prefix = v.command.toUpperCase();
    const n = c.log().filter((e) => e.dir === 'cmd' && e.t >= since && e.line.toUpperCase().startsWith(prefix)).length;
    return { actual: n, ok: countHolds(v.count, n), expected: countText(v.count) };
  },
  urc(c, v: NonNullable<Expectations['urc']>, since) {
    const n = c.log().filter((e) => e.dir === 'urc' && e.t >= since && e.line.startsWith(v.line)).length;
    return { actual: n, ok: countHolds(v.count, n), expected: countText(v.count) };
  },
  sms(c, v: NonNullable<Expectations['sms']>, since) {
    const re = v.text === undefined ? null : new RegExp(v.text);
    const n = c.sms.sent().filter((m) => m.t >= since && m.status === 'sent' && (v.to === undefined || m.to === v.to) && (!re || re.test(m.text ?? ''))).length;
    return { actual: n, ok: countHolds(v.count, n), expected: countText(v.count) };
  },
  hangup(c, v: boolean, since) {
    const hung = c.calls.list().some((k) => k.t >= since && k.endedBy === 'device');
    return eq(hung, v);
  },
  http(c, v: NonNullable<Expectations['http']>, since) {
    const n = c
      .http()
      .filter((e) => e.t >= since && e.status !== null && (v.method === undefined || e.method === v.method) && (v.url === undefined || e.url.startsWith(v.url)) && (v.status === undefined || e.status === v.status)).length;
    return { actual: n, ok: countHolds(v.count, n), expected: countText(v.count) };
  },
};

function eq(actual: unknown, expected: unknown): { actual: unknown; ok: boolean } {
  return { actual, ok: actual === expected };
}

function evaluate(c: Control, expect: Expectations, since: number): CheckResult[] {
  return Object.entries(expect).map(([what, value]) => {
    const r = (EVALUATE as Record<string, Evaluator>)[what](c, value as never, since);
    return { what, expected: r.expected ?? value, actual: r.actual, ok: r.ok };
  });
}

function describe(a: Action): string {
  switch (a.kind) {
    case 'fault':
      return `${a.name}${Object.keys(a.params).length ? ` ${JSON.stringify(a.params)}` : ''}${a.durationMs !== undefined ? ` for ${a.durationMs} ms` : ''}`;
    case 'clear':
      return a.name;
    case 'c2d':
      return `${a.message.topic} (${a.message.payload.length} bytes)`;
    case 'power':
      return a.action;
    case 'sms':
      return `from ${String(a.message.from)}`;
    case 'call':
      return a.call.from !== undefined ? `ring from ${String(a.call.from)}` : `next call to ${String(a.call.to)}: ${String(a.call.outcome)}`;
    case 'ussd':
      return `${String(a.entry.code ?? '*')} answers`;
    case 'expect':
      return Object.keys(a.expect).join(', ') + (a.withinMs ? ` within ${a.withinMs} ms` : '');
  }
}

const noop = (): void => undefined;

export interface RunningScenario {
  /** Resolves once the scenario can see the firmware's first step (its cloud client is up). */
  ready: Promise<void>;
  /** Resolves when the last step is done (or the run was stopped). */
  readonly done: Promise<ScenarioResult>;
  /** Ends the run now: the result says interrupted. */
  stop(): void;
}

/** Why a step failed, in one line. */
function whyFailed(s: StepResult): string {
  return s.error ?? s.checks?.filter((c) => !c.ok).map((c) => `${c.what} expected ${JSON.stringify(c.expected)}, got ${JSON.stringify(c.actual)}`).join('; ') ?? 'failed';
}

export function runScenario(control: Control, scenario: Scenario, opts: RunOptions = {}): RunningScenario {
  const trace = opts.trace;
  const clock = control.modem.clock;
  let stopped = false;
  /**
   * Time 0. With `start: attach` it is the moment the DTE attached, taken by a listener
   * set up now: the cloud client may still be connecting then, and the firmware's first
   * commands (which `sent` counts) must not fall before time 0 because of that.
   */
  let attachedAt: number | null = scenario.start === 'attach' && control.modem.dteConnected ? clock.now() : null;
  const onAttach = () => {
    attachedAt ??= clock.now();
  };
  if (scenario.start === 'attach' && attachedAt === null) control.modem.once('dteConnected', onAttach);
  let wake: (() => void) | null = null;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const h = clock.setTimeout(() => {
        wake = null;
        resolve();
      }, ms);
      wake = () => {
        clock.clearTimeout(h);
        resolve();
      };
    });

  const waitForStart = () =>
    new Promise<void>((resolve) => {
      if (stopped || scenario.start === 'ready' || attachedAt !== null) return resolve();
      const go = () => {
        wake = null;
        resolve();
      };
      control.modem.once('dteConnected', go);
      wake = () => {
        control.modem.off('dteConnected', go);
        resolve();
      };
    });

  async function runStep(step: Step, t0: number): Promise<StepResult> {
    const a = step.action;
    const base = { index: step.index, at: step.atMs, kind: a.kind, detail: describe(a) };
    const now = () => clock.now() - t0;
    try {
      switch (a.kind) {
        case 'fault':
          control.faults.inject(a.name, a.params, { duration: a.durationMs });
          break;
        case 'clear':
          control.faults.clear(a.name);
          break;
        case 'c2d':
          await control.c2d(a.message);
          break;
        case 'power':
          control.power(a.action);
          break;
        case 'sms':
          control.sms.send(a.message);
          break;
        case 'call':
          control.calls.call(a.call);
          break;
        case 'ussd':
          control.ussd.set(a.entry);
          break;
        case 'expect': {
          const deadline = clock.now() + a.withinMs;
          let checks = evaluate(control, a.expect, t0);
          while (!checks.every((c) => c.ok) && clock.now() < deadline && !stopped) {
            await sleep(Math.min(POLL_MS, deadline - clock.now()));
            checks = evaluate(control, a.expect, t0);
          }
          const held = checks.every((c) => c.ok);
          // Stopped while still waiting: the window was cut short, so the step has no verdict.
          if (!held && stopped) return { ...base, t: now(), ok: false, interrupted: true, checks };
          return { ...base, t: now(), ok: held, checks };
        }
      }
      return { ...base, t: now(), ok: true };
    } catch (err) {
      return { ...base, t: now(), ok: false, error: (err as Error).message };
    }
  }

  // The cloud listens before time 0, so `published` sees everything the firmware sends.
  // Unreachable (or --broker direct): the run goes on and such expectations fail by themselves.
  const ready = control.cloud.available ? control.cloud.start().then(noop, noop) : Promise.resolve();

  let onStop = noop;
  const stopRequested = new Promise<void>((resolve) => (onStop = resolve));

  const done = (async (): Promise<ScenarioResult> => {
    const startedAt = new Date(clock.wallNow()).toISOString();
    // A broker that never answers must not keep a stop from ending the run.
    await Promise.race([ready, stopRequested]);
    await waitForStart();
    control.modem.off('dteConnected', onAttach);
    const t0 = attachedAt ?? clock.now();
    const steps: StepResult[] = [];
    let stoppedAtFailure = false;
    for (const step of scenario.steps) {
      if (stopped) break;
      const due = t0 + step.atMs - clock.now();
      if (due > 0) await sleep(due);
      if (stopped) break;
      const r = await runStep(step, t0);
      if (trace) r.trace = trace.note('step', { index: r.index, kind: r.kind, detail: r.detail, ok: r.ok, ...(r.ok ? {} : { error: whyFailed(r) }) });
      steps.push(r);
      if (!r.ok && !r.interrupted && opts.failFast) {
        stoppedAtFailure = true;
        break;
      }
    }
    // A signal while a step ran, or before the last one: interrupted, whatever the steps said.
    const interrupted = stopped && !stoppedAtFailure && (steps.length < scenario.steps.length || steps.some((s) => s.interrupted));
    const judged = steps.filter((s) => !s.interrupted);
    const failedSteps = judged.filter((s) => !s.ok).length;
    const first = judged.find((x) => !x.ok);
    const failed: FailedStep | null = first
      ? { index: first.index, at: first.at, t: first.t, kind: first.kind, detail: first.detail, why: whyFailed(first), ...(first.trace !== undefined ? { trace: first.trace } : {}) }
      : null;
    return {
      scenario: scenario.name,
      passed: !interrupted && !stoppedAtFailure && failedSteps === 0 && steps.length === scenario.steps.length,
      interrupted,
      stoppedAtFailure,
      startedAt,
      durationMs: clock.now() - t0,
      steps,
      summary: {
        steps: scenario.steps.length,
        expectations: scenario.steps.filter((s) => s.action.kind === 'expect').length,
        failedExpectations: judged.filter((s) => s.kind === 'expect' && !s.ok).length,
        failedSteps,
        notRun: scenario.steps.length - steps.length,
      },
      failed,
      ...(trace ? { trace: trace.file } : {}),
    };
  })();

  return {
    ready,
    done,
    stop() {
      stopped = true;
      onStop();
      (wake as (() => void) | null)?.();
    },
  };
}

/**
 * The one line CI logs show: `scenario "x": PASS (5 steps, 3 expectations) in 12.3 s`;
 * FAIL names the first failing check; INTERRUPTED says where the run was when stopped.
 */
export function summaryLine(r: ScenarioResult): string {
  const head = `scenario "${r.scenario}": ${r.passed ? 'PASS' : r.interrupted ? 'INTERRUPTED' : 'FAIL'} (${r.summary.steps} steps, ${r.summary.expectations} expectations) in ${(r.durationMs / 1000).toFixed(1)} s`;
  const first = r.steps.find((s) => !s.ok && !s.interrupted);
  if (r.interrupted) {
    const cut = r.steps.find((s) => s.interrupted);
    const where = cut ? ` during step ${cut.index} (${cut.kind} ${cut.detail})` : '';
    return `${head}; stopped${where} with ${r.summary.notRun} of ${r.summary.steps} steps not run${first ? `; first failure: ${failure(first, r)}` : ''}`;
  }
  if (!first) return head;
  const rest = r.stoppedAtFailure ? `; --fail-fast: ${r.summary.notRun} steps not run` : '';
  return `${head}; first failure: ${failure(first, r)}${rest}`;
}

function failure(first: StepResult, r: ScenarioResult): string {
  const where = r.trace !== undefined && first.trace !== undefined ? `; trace ${r.trace} record ${first.trace}` : '';
  return `step ${first.index} at ${first.at} ms (${first.kind} ${first.detail}): ${whyFailed(first)}${where}`;
}
