/**
 * The backend team's load test (docs/fleet.md): a fleet of N emulated SIM800s, each driven
 * over its own TCP wire by the scripted DTE (bearer, SMCONF/SMCONN, periodic SMPUB), their
 * MQTT sessions going to your broker; with a shard, this process's part of a bigger fleet.
 * The command line is `sim800-emu loadtest` (src/cli/loadtest.ts, `npm run loadtest`);
 * this is the run itself and what it measures of its own process. On a terminal, a
 * progress line on stderr meanwhile (watchProgress).
 */
import type { Logger } from 'pino';
import { silentLogger } from '../log';
import type { AtRecord } from '../at/engine';
import { driveFleet, startFleet, type DteScript, type FleetHandle, type FleetReport } from '../fleet';
import { maskUrlPassword, resultOf, type LoadtestResult, type ProcessFigures } from '../fleet/result';
import type { Shard, ShardSource } from '../fleet/shard';
import { openFileCount, openFileLimit } from '../transport/fdLimit';

export interface LoadtestOptions {
  modems: number;
  /** Where the sessions go: `embedded` or `mqtt://host:port`. */
  broker: string;
  /** What each device puts in AT+SMCONF="URL"; default the broker's host:port. */
  url?: string;
  /** The scripted DTE's other settings (topic, payload, qos, interval, count, credentials, subscribe). */
  script: Omit<DteScript, 'url'>;
  /** Stop after this many seconds; without it, after `script.count` publishes per device. */
  seconds?: number;
  /** Timing profile of the modems. */
  profile?: string;
  shard?: Shard;
  shardSource?: ShardSource;
  logger?: Logger;
  /** Stops the run early (SIGINT); what was done so far is reported. */
  signal?: AbortSignal;
  /** Where the progress line goes (a terminal only; nothing is drawn elsewhere). Default: stderr. */
  progress?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Told once the fleet listens, before any device starts: what this run will do. */
  onStart?: (info: { broker: string; url: string; firstDevice: number }) => void;
}

export interface LoadtestRun {
  report: FleetReport;
  result: LoadtestResult;
}

/**
 * The live line on a terminal: devices online, publishes acknowledged, publishes failed,
 * counted from the modems' own AT records (what each sent and raised), redrawn in place
 * on stderr twice a second. Not on a terminal (CI logs, a pipe) it prints nothing: a log
 * full of carriage returns helps nobody, and the report at the end says it all.
 */
const PROGRESS_MS = 500;

export function watchProgress(fleet: FleetHandle, out: NodeJS.WritableStream & { isTTY?: boolean }, seconds: number | undefined): { stop(): void } {
  if (!out.isTTY) return { stop: () => undefined };
  const online = new Set<number>();
  let published = 0;
  let failed = 0;
  const off: (() => void)[] = [];
  fleet.modems.forEach((emu, i) => {
    const onAt = (r: AtRecord) => {
      if (r.dir === 'cmd') {
        if (/^AT\+SMCONN\s*$/i.test(r.line) && r.final === 'OK') online.add(i);
        else if (/^AT\+SMDISC/i.test(r.line) && r.final === 'OK') online.delete(i);
        else if (/^AT\+SMPUB=/i.test(r.line) && r.final !== 'OK') failed++;
      } else if (r.line.startsWith('+SMSTATE: 0')) online.delete(i);
      else {
        const ack = /^\+SMPUB: \d+,(\d+)/.exec(r.line);
        if (ack) ack[1] === '0' ? published++ : failed++;
      }
    };
    emu.modem.on('at', onAt);
    off.push(() => emu.modem.off('at', onAt));
  });
  const t0 = performance.now();
  const of = seconds === undefined ? '' : ` / ${seconds} s`;
  const draw = () =>
    out.write(`\r\x1b[Kloadtest: ${online.size}/${fleet.modems.length} devices online, ${published} published, ${failed} failed, ${((performance.now() - t0) / 1000).toFixed(1)} s${of}`);
  draw();
  const timer = setInterval(draw, PROGRESS_MS);
  return {
    stop() {
      clearInterval(timer);
      for (const f of off) f();
      out.write('\r\x1b[K'); // the report starts on a clean line
    },
  };
}

/** How often the open descriptors are counted: their peak is what `ulimit -n` must cover. */
const FD_SAMPLE_MS = 500;

export async function runLoadtest(o: LoadtestOptions): Promise<LoadtestRun> {
  const startRssBytes = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  let maxFds = openFileCount();
  const sampleFds = () => {
    const n = openFileCount();
    if (n !== null && (maxFds === null || n > maxFds)) maxFds = n;
  };
  const sampler = setInterval(sampleFds, FD_SAMPLE_MS);
  sampler.unref();

  try {
    const fleet = await startFleet({
      modems: o.modems,
      tcp: { port: 0 },
      broker: o.broker,
      brokerPort: 0,
      brokerTlsPort: false,
      profile: o.profile,
      shard: o.shard,
      logger: o.logger ?? silentLogger,
    });
    const abort = new AbortController();
    const stop = () => abort.abort();
    o.signal?.addEventListener('abort', stop, { once: true });
    const url = o.url ?? fleet.endpoints.broker?.replace(/^mqtt:\/\//, '') ?? 'broker.example.com:1883';
    o.onStart?.({ broker: maskUrlPassword(fleet.endpoints.broker ?? url), url, firstDevice: fleet.firstDevice });
    const timer = o.seconds === undefined ? null : setTimeout(stop, o.seconds * 1000);
    const t0 = performance.now();
    let report: FleetReport;
    const progress = watchProgress(fleet, o.progress ?? process.stderr, o.seconds);
    try {
      report = await driveFleet(fleet, { ...o.script, url }, abort.signal);
    } finally {
      progress.stop();
      if (timer) clearTimeout(timer);
      o.signal?.removeEventListener('abort', stop);
      sampleFds();
      await fleet.stop();
    }
    const seconds = (performance.now() - t0) / 1000;
    const used = process.cpuUsage(cpu0);
    const figures: ProcessFigures = {
      cpuMs: (used.user + used.system) / 1000,
      // maxRSS is in kilobytes (getrusage).
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      startRssBytes,
      maxFds,
      fdLimit: openFileLimit(),
    };
    const result = resultOf(report, {
      shard: o.shard,
      source: o.shardSource,
      firstDevice: fleet.firstDevice,
      seconds,
      process: figures,
      settings: {
        broker: maskUrlPassword(o.broker),
        url,
        qos: o.script.qos ?? 0,
        intervalMs: o.script.intervalMs ?? 1000,
        modems: o.modems,
        profile: o.profile ?? 'instant',
      },
    });
    return { report, result };
  } finally {
    clearInterval(sampler);
  }
}
