/**
 * 6. Fleet: N modems in one process (a child of its own), each on its own TCP port with
 * its own MQTT session through the shared embedded broker, driven by the scripted DTE
 * from this process: start-up time, time until every session is online, and resident
 * memory per modem (after GC, over the child's baseline with every module loaded) while
 * all N are connected and publishing (target: 1000 modems, under 5 MB each), then again
 * once every modem's AT log is full: what a modem holds after a long run.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { DteClient } from '../client/dteClient';
import { parseTcpList, runScriptedDte, summarize } from '../fleet';
import type { ChildMemory, ChildReady, ChildRequest, ChildStatus } from './fleetChild';

export interface FleetRun {
  modems: number;
  /** One listener for the fleet (--shared-port) instead of a port per modem. */
  sharedPort: boolean;
  /** Descriptors the fleet's process had open with every DTE connected and every session online. */
  fds: number | null;
  /** startFleet() until every modem listened (in the child). */
  startupMs: number;
  /** First DTE connection until every MQTT session was online, as the fleet's process saw the last one go online. */
  onlineMs: number;
  /** The same span as the 100 ms status polls saw it: later by the polls' own wait in two busy event loops (bench/README.md). */
  onlinePolledMs: number;
  /** Where onlineMs came from: the fleet's own moment, or the poll when no moment came (not every session online by the timeout). */
  onlineFrom: 'event' | 'poll';
  /** CPU time of the fleet's process (user + system) from ready until every session was online, and the DTEs' (this process's) over the same span, ms. */
  onlineCpuMs: { fleet: number; dtes: number };
  online: number;
  rssMB: number;
  /** (RSS - baseline) / N, and the same for the JS heap. */
  perModemKB: number;
  heapPerModemKB: number;
  /** The same once every AT log is full (null if that took longer than the timeout). */
  full: { rssMB: number; perModemKB: number; heapPerModemKB: number; afterMs: number } | null;
  /** Publishes acknowledged / failed over the whole run, and the devices that reported an error. */
  published: number;
  failed: number;
  devicesWithErrors: number;
  publishP50: number | null;
  publishP99: number | null;
}

const CHILD = path.join(__dirname, 'fleetChild.js');

function ask<T>(child: ChildProcess, req: ChildRequest): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as T));
    child.send(req);
  });
}

/** Connects in batches: thousands of connects at once overflow the listener's backlog, and a dropped SYN waits a second to be sent again. */
async function connectAll(addresses: { host: string; port: number }[]): Promise<DteClient[]> {
  const out: DteClient[] = [];
  for (let i = 0; i < addresses.length; i += 256) out.push(...(await Promise.all(addresses.slice(i, i + 256).map((e) => DteClient.connectTcp(e.port, e.host)))));
  return out;
}

/** CPU used by a moment, from samples in time order (the first at the span's start): linear between the two around it. */
export function cpuAtMoment(samples: readonly (readonly [ns: bigint, ms: number])[], at: bigint): number {
  if (at <= samples[0][0]) return samples[0][1];
  for (let k = 1; k < samples.length; k++) {
    const [t1, c1] = samples[k];
    if (t1 < at) continue;
    const [t0, c0] = samples[k - 1];
    return t1 === t0 ? c1 : c0 + ((c1 - c0) * Number(at - t0)) / Number(t1 - t0);
  }
  return samples[samples.length - 1][1];
}

export async function benchFleet(modems: number, opts: { intervalMs: number; publishingMs: number; timeoutMs?: number; sharedPort?: boolean; fillTimeoutMs?: number }): Promise<FleetRun> {
  const child = fork(CHILD, [String(modems), ...(opts.sharedPort ? ['shared'] : [])], { execArgv: ['--expose-gc'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    const ready = await Promise.race([
      new Promise<ChildReady>((resolve) => child.once('message', (m) => resolve(m as ChildReady))),
      exited.then((code) => Promise.reject(new Error(`fleet child exited (${code}) before ready`))),
    ]);
    // The ready line is the contract: the DTEs find their modems through it.
    const shared = / tcp-shared=(\S+)/.exec(ready.readyLine);
    const tcp = shared ? Array.from({ length: modems }, () => parseTcpList(shared[1])[0]) : parseTcpList(/ tcp=(\S+)/.exec(ready.readyLine)![1]);
    const url = /broker=mqtt:\/\/(\S+)/.exec(ready.readyLine)![1];
    const abort = new AbortController();
    const t0 = performance.now();
    const t0Ns = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    const dteCpuMs = () => {
      const u = process.cpuUsage(cpu0);
      return (u.user + u.system) / 1000;
    };
    const dtes = await connectAll(tcp);
    const runs = dtes.map((d, i) => runScriptedDte(d, i, { url, intervalMs: opts.intervalMs, qos: 0, timeoutMs: 60_000 }, abort.signal));
    const deadline = performance.now() + (opts.timeoutMs ?? 120_000);
    // This process's CPU at every poll, to read it at the moment the fleet reports.
    const cpuAt: [ns: bigint, ms: number][] = [[t0Ns, 0]];
    let st: ChildStatus;
    while ((st = await ask<ChildStatus>(child, 'status')).online < modems && performance.now() < deadline) {
      cpuAt.push([process.hrtime.bigint(), dteCpuMs()]);
      await new Promise((r) => setTimeout(r, 100));
    }
    const onlinePolledMs = performance.now() - t0;
    cpuAt.push([process.hrtime.bigint(), dteCpuMs()]);
    const at = st.allOnline;
    const onlineMs = at ? Number(BigInt(at.atNs) - t0Ns) / 1e6 : onlinePolledMs;
    const onlineCpuMs = { fleet: (at ? at.cpuMs : st.cpuMs) - ready.cpuMs, dtes: at ? cpuAtMoment(cpuAt, BigInt(at.atNs)) : dteCpuMs() };
    // Everyone publishing for a while before memory is read.
    await new Promise((r) => setTimeout(r, opts.publishingMs));
    const mem = await ask<ChildMemory>(child, 'measure');
    const fds = mem.fds;
    const perModem = (m: ChildMemory) => ({
      rssMB: m.rss / 2 ** 20,
      perModemKB: (m.rss - ready.baseline.rss) / modems / 1024,
      heapPerModemKB: (m.heapUsed - ready.baseline.heapUsed) / modems / 1024,
    });
    const fillFrom = performance.now();
    const fillDeadline = opts.fillTimeoutMs === undefined ? deadline : fillFrom + opts.fillTimeoutMs;
    while (!(await ask<ChildStatus>(child, 'status')).logsFull && performance.now() < fillDeadline) await new Promise((r) => setTimeout(r, 250));
    const full = await ask<ChildMemory>(child, 'measure');
    abort.abort();
    const report = summarize(await Promise.all(runs));
    await Promise.all(dtes.map((d) => d.close()));
    return {
      modems,
      sharedPort: opts.sharedPort === true,
      fds,
      startupMs: ready.startupMs,
      onlineMs,
      onlinePolledMs,
      onlineFrom: at ? 'event' : 'poll',
      onlineCpuMs,
      online: mem.online,
      ...perModem(mem),
      full: full.logsFull ? { ...perModem(full), afterMs: performance.now() - fillFrom } : null,
      published: report.published,
      failed: report.failed,
      devicesWithErrors: report.devices.filter((d) => d.errors.length > 0).length,
      publishP50: report.latency?.p50 ?? null,
      publishP99: report.latency?.p99 ?? null,
    };
  } finally {
    if (child.connected) child.send('stop');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
