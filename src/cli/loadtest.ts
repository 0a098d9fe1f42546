/**
 * `sim800-emu loadtest` (`npm run loadtest`): the backend team's load test (docs/fleet.md).
 * Prints what the devices did; with --result, writes the machine-readable result a merge
 * reads (`sim800-emu loadtest-merge`). Exit 0 when every device connected and no publish
 * failed, 1 otherwise, 2 on a usage error.
 *
 *   npm run loadtest -- --modems 200 --broker mqtt://10.0.0.5:1883 --qos 1 --interval 1000 --duration 60
 *   npm run loadtest -- --modems 1000 --shard 2/4 --broker mqtt://10.0.0.5:1883 --result -
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { runLoadtest } from '../bench/loadtest';
import { writeFileAtomic } from '../atomicFile';
import { formatShard, resolveShard, type Shard } from '../fleet/shard';
import { resultLine, type LoadtestResult } from '../fleet/result';
import { createLogger, LOG_LEVELS, type LogLevel } from '../log';
import { OptionError } from '../optionError';
import { flagSpec, optionByKey, ValueProblem } from '../options';

interface Flags {
  modems: number;
  broker: string;
  url?: string;
  topic: string;
  payload: string;
  qos: number;
  interval: number;
  duration?: number;
  count?: number;
  username?: string;
  password?: string;
  subscribe?: string;
  profile: string;
  shard?: string;
  result?: string;
  json?: string;
  logLevel: string;
}

const int = (min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number ${min}..${max}`);
  return n;
};

/** --shard as the option table declares it (src/options/table.ts): one flag, one reading. */
const SHARD = optionByKey('shard')!;

function program(): Command {
  return new Command('loadtest')
    .description('load-test an MQTT backend with a fleet of emulated SIM800 devices, each driven by a scripted DTE')
    .option('--modems <n>', 'devices (in this process: with --shard, per shard)', int(1, 10_000), 10)
    .option('--broker <target>', 'where their MQTT sessions go: embedded, or mqtt://host:port (your broker)', 'embedded')
    .option('--url <host:port>', 'what each device configures with AT+SMCONF="URL" (default: the broker\'s address)')
    .option('--topic <t>', 'publish topic; {imei} and {i} (the device\'s index in the whole fleet) are replaced', 'fleet/{imei}/telemetry')
    .option('--payload <p>', 'message; {seq}, {imei}, {i}, {t} are replaced', '{"seq":{seq},"t":{t}}')
    .option('--qos <0|1>', 'publish QoS', int(0, 1), 0)
    .option('--interval <ms>', 'between one device\'s publishes', int(1, 3_600_000), 1000)
    .option('--duration <s>', 'stop after this many seconds (default: --count, or 10 s)', int(1, 86_400))
    .option('--count <n>', 'publishes per device', int(0, 1_000_000))
    .option('--username <u>', 'AT+SMCONF="USERNAME"')
    .option('--password <p>', 'AT+SMCONF="PASSWORD"')
    .option('--subscribe <filter>', 'also subscribe each device ({imei}, {i}) and count +SMPUBLISH')
    .option('--profile <name>', 'timing profile of the modems: instant or realistic', 'instant')
    .option(flagSpec(SHARD), `${SHARD.help}; else SIM800_SHARD, else JOB_COMPLETION_INDEX with SIM800_SHARDS`)
    .option('--result <file>', 'write the machine-readable result (JSON) that loadtest-merge reads; - prints it on stdout as one line')
    .option('--json <file>', 'write the full report (every device, its first 1000 latencies) as JSON')
    .option('--log-level <level>', 'emulator log level on stderr', 'warn')
    .exitOverride()
    .configureOutput({ outputError: () => undefined });
}

const ms = (v: number) => `${v.toFixed(1)} ms`;

/** The summary lines; `published / seconds` is this run's rate. */
export function summaryLines(r: LoadtestResult): string[] {
  const lat = r.latency ? `publish → ack p50 ${ms(r.latency.p50)}, p99 ${ms(r.latency.p99)}` : 'no publish acknowledged';
  const lines = [`${r.connected}/${r.devices} devices connected; ${r.published} published, ${r.failed} failed (${r.ratePerSecond.toFixed(1)} msg/s); ${lat}`];
  if (r.received) lines.push(`${r.received} +SMPUBLISH received`);
  return lines;
}

function usage(message: string): number {
  process.stderr.write(`loadtest: ${message.replace(/^error: /, '')}\n`);
  return 2;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let f: Flags;
  let shard: { shard: Shard; source: 'flag' | 'SIM800_SHARD' | 'JOB_COMPLETION_INDEX' } | undefined;
  try {
    f = program().parse(argv, { from: 'user' }).opts<Flags>();
    if (!(LOG_LEVELS as readonly string[]).includes(f.logLevel)) return usage(`--log-level: "${f.logLevel}" is not one of ${LOG_LEVELS.join(', ')}`);
    shard = resolveShard(f.shard === undefined ? undefined : (SHARD.kind.fromFlag(f.shard) as Shard), env);
  } catch (err) {
    if (err instanceof CommanderError && err.exitCode === 0) return 0;
    if (err instanceof ValueProblem) return usage(`--shard: ${err.message}`);
    if (err instanceof CommanderError || err instanceof OptionError) return usage(err.message);
    throw err;
  }
  const log = createLogger(f.logLevel as LogLevel);
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const seconds = f.duration ?? (f.count === undefined ? 10 : undefined);
  let run;
  try {
    run = await runLoadtest({
      modems: f.modems,
      broker: f.broker,
      url: f.url,
      script: {
        topic: f.topic,
        payload: f.payload,
        qos: f.qos as 0 | 1,
        intervalMs: f.interval,
        count: f.count,
        username: f.username,
        password: f.password,
        subscribe: f.subscribe,
      },
      seconds,
      profile: f.profile,
      shard: shard?.shard,
      shardSource: shard?.source,
      logger: log,
      signal: abort.signal,
      onStart({ broker, url, firstDevice }) {
        const part = shard ? `shard ${formatShard(shard.shard)} (from ${shard.source === 'flag' ? '--shard' : shard.source}): devices ${firstDevice}…${firstDevice + f.modems - 1}; ` : '';
        console.log(`${part}${f.modems} devices, MQTT to ${broker} (they configure ${url}), ${seconds === undefined ? `${f.count} publishes each` : `${seconds} s`}`);
      },
    });
  } catch (err) {
    // A value the fleet refused (identities past 10^6 devices, a bad profile) is a usage error.
    if (err instanceof OptionError) return usage(err.message);
    throw err;
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
  }
  const { report, result } = run;
  for (const line of summaryLines(result)) console.log(line);
  for (const d of report.devices.filter((d) => d.errors.length > 0 || !d.connected)) {
    console.log(`device ${d.index} (${d.clientId || 'no client id'}): stopped at ${d.phase}: ${d.errors.join('; ')}`);
  }
  if (f.json) writeFileAtomic(f.json, JSON.stringify(report, null, 2) + '\n');
  if (f.result === '-') console.log(resultLine(result));
  else if (f.result) writeFileAtomic(f.result, JSON.stringify(result, null, 2) + '\n');
  log.flush();
  return report.connected === report.devices.length && report.failed === 0 ? 0 : 1;
}
