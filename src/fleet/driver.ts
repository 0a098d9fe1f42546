/**
 * The scripted DTE: what a fleet of devices' firmware does, reduced to a load test.
 * Per device: sync (AT), read the IMEI (AT+GSN), ATE0, AT+CMEE=1, open the bearer (AT+SAPBR), configure and
 * connect MQTT (AT+SMCONF, AT+SMCONN), optionally subscribe, then publish every
 * `intervalMs`. Each device reports what worked and what failed, so a backend team sees
 * which of its hundreds of devices got through (docs/fleet.md).
 */
import { DteClient } from '../client/dteClient';
import type { FleetHandle } from './fleet';
import { Histogram } from './histogram';

export interface DteScript {
  /** What AT+SMCONF="URL" says, `host:port`. The emulator's routing decides where it really goes. */
  url: string;
  /** AT+SAPBR=3,1,"APN". Default `internet`. */
  apn?: string;
  /** `{imei}` and `{i}` are replaced. Default `sim800-{imei}`. */
  clientId?: string;
  username?: string;
  password?: string;
  /** Seconds (60..3600). Default 60. */
  keepalive?: number;
  /** Where each device publishes; `{imei}`, `{i}`. Default `fleet/{imei}/telemetry`. */
  topic?: string;
  /** The message; `{seq}`, `{imei}`, `{i}`, `{t}` (epoch ms). Default `{"seq":{seq},"t":{t}}`. */
  payload?: string;
  qos?: 0 | 1;
  /** Between publishes. Default 1000. */
  intervalMs?: number;
  /** Publishes per device; default: until the signal aborts. */
  count?: number;
  /** Subscribe to this filter after connecting; `{imei}`, `{i}`. */
  subscribe?: string;
  /** Per command, and per publish until its `+SMPUB` ack. Default 10000. */
  timeoutMs?: number;
  /** Spread the devices' first publishes over one interval, so they do not all fire together. Default true. */
  stagger?: boolean;
}

export type DevicePhase = 'sync' | 'bearer' | 'connect' | 'subscribe' | 'publish' | 'done';

export interface DeviceReport {
  /** The device's index in the whole fleet (with shards: shard index × modems + its modem's). */
  index: number;
  imei: string;
  clientId: string;
  /** Where the device is, or where it stopped on an error. */
  phase: DevicePhase;
  connected: boolean;
  /** From the first AT to SMCONN's OK. */
  connectMs?: number;
  /** Publishes acknowledged with `+SMPUB: <id>,0`. */
  published: number;
  /** Publishes that answered an error or a non-zero ack status, or timed out. */
  failed: number;
  /** `+SMPUBLISH` URCs seen (with `subscribe`). */
  received: number;
  /** Publish round trips (command to ack), ms: the first 1000. */
  latencies: number[];
  /** Every publish round trip, ms, in a histogram that merges across devices and shards. */
  latencyHistogram: Histogram;
  /** The first few errors, one line each. */
  errors: string[];
}

const MAX_ERRORS = 5;
/** Latencies kept per device: enough for percentiles, bounded for long runs. */
const MAX_LATENCIES = 1000;

/** Fills `{name}` placeholders. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in values ? String(values[k]) : m));
}

/** An AT string argument; `\"` is a literal quote inside it, as SDKs send JSON in SMPUB. */
const quote = (s: string) => `"${s.replace(/"/g, '\\"')}"`;

/**
 * The run's signal, fanned out: one abort listener per signal, however many devices share
 * it. An AbortSignal (an EventTarget) walks its listeners on every add, so a listener per
 * device made the fleet's start quadratic (10 000 devices: 50 million steps, 7 % of the DTE
 * process's CPU in the bring-up), as a listener per sleep had made every sleep.
 */
const wakers = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `fn` when `signal` aborts; returns what unhooks it. */
function onAbort(signal: AbortSignal, fn: () => void): () => void {
  const set = wakers.get(signal) ?? fanOut(signal);
  set.add(fn);
  return () => void set.delete(fn);
}

/** The signal's one listener, waking every function in the set it returns. */
function fanOut(signal: AbortSignal): Set<() => void> {
  const all = new Set<() => void>();
  wakers.set(signal, all);
  signal.addEventListener(
    'abort',
    () => {
      wakers.delete(signal);
      for (const f of all) f();
      all.clear();
    },
    { once: true },
  );
  return all;
}

/** A device's sleeps, cut short when the run's signal aborts. */
function sleeper(signal?: AbortSignal): { sleep(ms: number): Promise<void>; dispose(): void } {
  let wake: (() => void) | null = null;
  const dispose = signal && !signal.aborted ? onAbort(signal, () => wake?.()) : () => undefined;
  return {
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        const t = setTimeout(done, ms);
        function done() {
          clearTimeout(t);
          wake = null;
          resolve();
        }
        wake = done;
      }),
    dispose,
  };
}

/** Runs the script on one device until `count` publishes or the signal; never throws. */
export async function runScriptedDte(dte: DteClient, index: number, script: DteScript, signal?: AbortSignal): Promise<DeviceReport> {
  const sleeps = sleeper(signal);
  try {
    return await runScript(dte, index, script, sleeps.sleep, signal);
  } finally {
    sleeps.dispose();
  }
}

async function runScript(dte: DteClient, index: number, script: DteScript, sleep: (ms: number) => Promise<void>, signal?: AbortSignal): Promise<DeviceReport> {
  const r: DeviceReport = { index, imei: '', clientId: '', phase: 'sync', connected: false, published: 0, failed: 0, received: 0, latencies: [], latencyHistogram: new Histogram(), errors: [] };
  const timeout = script.timeoutMs ?? 10_000;
  const fail = (what: string) => {
    if (r.errors.length < MAX_ERRORS) r.errors.push(what);
  };
  /** A command that must answer OK; false (and an error noted) otherwise. */
  const ok = async (line: string): Promise<boolean> => {
    try {
      const res = await dte.send(line, timeout);
      if (res.ok) return true;
      fail(`${line.replace(/PASSWORD",".*/i, 'PASSWORD",***')} → ${res.final}`);
    } catch (err) {
      fail(`${line}: ${(err as Error).message}`);
    }
    return false;
  };
  const started = performance.now();
  // +SMPUBLISH lines are counted as they come, whatever the device is doing.
  dte.stream.on('data', (chunk: Buffer) => (r.received += countOf(chunk.toString('latin1'), '+SMPUBLISH:')));

  // Autobaud: the first AT syncs the module; a few tries cover a module still booting.
  let synced = false;
  let echo = false;
  for (let i = 0; i < 20 && !synced && !signal?.aborted; i++) {
    const a = await dte.send('AT', 1000).catch(() => null);
    synced = a?.ok === true;
    // The echo may follow the start-up URCs of a module that has just booted.
    echo = a?.raw.includes('AT\r') === true;
    if (!synced) await sleep(250);
  }
  if (!synced) return fail('no answer to AT'), r;
  // An AT that timed out may still be answered (a busy module answers late, and in order),
  // and its OK would be taken as the next command's: every answer after it one off. So the
  // IMEI is read while the echo is still on, its answer taken from its own echo on: what
  // came before is the late answers'. (With the echo off from the start, nothing tells
  // them apart.)
  try {
    r.imei = (await dte.send('AT+GSN', timeout, { afterEcho: echo })).lines[0] ?? '';
  } catch {
    r.imei = String(index);
  }
  // Numeric CME codes make the report say why (161: broker unreachable, 767: refused).
  if (!(await ok('ATE0')) || !(await ok('AT+CMEE=1'))) return r;
  const vars = { imei: r.imei, i: index };
  r.clientId = fill(script.clientId ?? 'sim800-{imei}', vars);

  r.phase = 'bearer';
  if (!(await ok('AT+SAPBR=3,1,"Contype","GPRS"')) || !(await ok(`AT+SAPBR=3,1,"APN",${quote(script.apn ?? 'internet')}`))) return r;
  // The module refuses the bearer until it is registered (realistic profile: seconds after boot).
  let bearer = false;
  for (let i = 0; i < 30 && !bearer && !signal?.aborted; i++) {
    bearer = (await dte.send('AT+SAPBR=1,1', timeout).catch(() => null))?.ok ?? false;
    if (!bearer) await sleep(500);
  }
  if (!bearer) return fail('AT+SAPBR=1,1 never answered OK'), r;

  r.phase = 'connect';
  const conf: [string, string | number | undefined][] = [
    ['URL', quote(script.url)],
    ['CLIENTID', quote(r.clientId)],
    ['KEEPALIVE', script.keepalive],
    ['USERNAME', script.username === undefined ? undefined : quote(script.username)],
    ['PASSWORD', script.password === undefined ? undefined : quote(script.password)],
  ];
  for (const [tag, value] of conf) if (value !== undefined && !(await ok(`AT+SMCONF="${tag}",${value}`))) return r;
  if (!(await ok('AT+SMCONN'))) return r;
  r.connected = true;
  r.connectMs = performance.now() - started;

  if (script.subscribe !== undefined) {
    r.phase = 'subscribe';
    if (!(await ok(`AT+SMSUB=${quote(fill(script.subscribe, vars))},1`))) return r;
    if (!(await ack(dte, timeout, fail))) return r;
  }

  r.phase = 'publish';
  const interval = script.intervalMs ?? 1000;
  const topic = quote(fill(script.topic ?? 'fleet/{imei}/telemetry', vars));
  const qos = script.qos ?? 0;
  if (script.stagger !== false) await sleep(Math.random() * interval);
  let next = performance.now();
  for (let seq = 1; script.count === undefined || seq <= script.count; seq++) {
    if (signal?.aborted) break;
    const payload = fill(script.payload ?? '{"seq":{seq},"t":{t}}', { ...vars, seq, t: Date.now() });
    const t0 = performance.now();
    if ((await ok(`AT+SMPUB=${topic},${qos},0,${quote(payload)}`)) && (await ack(dte, timeout, fail))) {
      r.published++;
      const ms = performance.now() - t0;
      r.latencyHistogram.record(ms);
      if (r.latencies.length < MAX_LATENCIES) r.latencies.push(ms);
    } else r.failed++;
    dte.forget();
    // A fixed schedule: a slow publish is not followed by a longer gap.
    next += interval;
    await sleep(Math.max(0, next - performance.now()));
  }
  r.phase = 'done';
  return r;
}

/** Waits for the request's `+SMPUB/+SMSUB: <id>,<status>` ack; true for status 0. */
async function ack(dte: DteClient, timeoutMs: number, fail: (what: string) => void): Promise<boolean> {
  try {
    const line = await dte.waitFor(/^\+SM(PUB|SUB): \d+,\d/, timeoutMs);
    if (line.endsWith(',0')) return true;
    fail(`ack ${line}`);
  } catch (err) {
    fail((err as Error).message);
  }
  return false;
}

function countOf(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

export interface FleetReport {
  devices: DeviceReport[];
  connected: number;
  published: number;
  failed: number;
  received: number;
  /** Publish round trips over every device's first 1000, ms, exact. */
  latency: { p50: number; p99: number } | null;
  /** Every publish round trip of every device (src/fleet/histogram.ts). */
  latencyHistogram: Histogram;
  /** Every connected device's time from its first AT to SMCONN's OK. */
  connectHistogram: Histogram;
}

/**
 * Drives every modem of a fleet with the script, each over its own wire: TCP when the
 * fleet listens on TCP (the real transport, as firmware would connect), in process otherwise.
 * Device reports carry whole-fleet indices (a shard's first is fleet.firstDevice), so
 * `{i}` in topics and client ids is distinct across shards too.
 */
export async function driveFleet(fleet: FleetHandle, script: DteScript, signal?: AbortSignal): Promise<FleetReport> {
  const clients = await Promise.all(
    fleet.modems.map((m, i) => (fleet.endpoints.tcp ? DteClient.connectTcp(fleet.endpoints.tcp[i].port, fleet.endpoints.tcp[i].host) : Promise.resolve(m.connect()))),
  );
  try {
    const devices = await Promise.all(clients.map((c, i) => runScriptedDte(c, fleet.firstDevice + i, script, signal)));
    return summarize(devices);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}

export function summarize(devices: DeviceReport[]): FleetReport {
  const all = devices.flatMap((d) => d.latencies).sort((a, b) => a - b);
  const sum = (k: 'published' | 'failed' | 'received') => devices.reduce((n, d) => n + d[k], 0);
  const latencyHistogram = new Histogram();
  const connectHistogram = new Histogram();
  for (const d of devices) {
    latencyHistogram.add(d.latencyHistogram);
    if (d.connectMs !== undefined) connectHistogram.record(d.connectMs);
  }
  return {
    devices,
    connected: devices.filter((d) => d.connected).length,
    published: sum('published'),
    failed: sum('failed'),
    received: sum('received'),
    latency: all.length ? { p50: percentile(all, 0.5), p99: percentile(all, 0.99) } : null,
    latencyHistogram,
    connectHistogram,
  };
}

/** The value below which a fraction p of the sorted samples lie (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}
