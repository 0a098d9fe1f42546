/**
 * The backend team's load test (docs/fleet.md): a fleet of N emulated SIM800s, each driven
 * over its own TCP wire by the scripted DTE (bearer, SMCONF/SMCONN, periodic SMPUB), their
 * MQTT sessions going to your broker. Prints what every device did; exit 0 when every
 * device connected and no publish failed, 1 otherwise, 2 on a usage error. On a terminal,
 * a progress line on stderr meanwhile (watchProgress).
 *
 *   npm run loadtest -- --modems 200 --broker mqtt://10.0.0.5:1883 --qos 1 --interval 1000 --duration 60
 */
import * as fs from 'node:fs';
import { setMaxListeners } from 'node:events';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { createLogger } from '../log';
import { driveFleet, startFleet, type DteScript, type FleetHandle, type FleetReport } from '../fleet';
import type { AtRecord } from '../at/engine';

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
  json?: string;
  logLevel: string;
}

const int = (min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number ${min}..${max}`);
  return n;
};

function program(): Command {
  return new Command('loadtest')
    .description('load-test an MQTT backend with a fleet of emulated SIM800 devices, each driven by a scripted DTE')
    .option('--modems <n>', 'devices', int(1, 10_000), 10)
    .option('--broker <target>', 'where their MQTT sessions go: embedded, or mqtt://host:port (your broker)', 'embedded')
    .option('--url <host:port>', 'what each device configures with AT+SMCONF="URL" (default: the broker\'s address)')
    .option('--topic <t>', 'publish topic; {imei} and {i} are replaced', 'fleet/{imei}/telemetry')
    .option('--payload <p>', 'message; {seq}, {imei}, {i}, {t} are replaced', '{"seq":{seq},"t":{t}}')
    .option('--qos <0|1>', 'publish QoS', int(0, 1), 0)
    .option('--interval <ms>', 'between one device\'s publishes', int(1, 3_600_000), 1000)
    .option('--duration <s>', 'stop after this many seconds (default: --count, or 10 s)', int(1, 86_400))
    .option('--count <n>', 'publishes per device', int(0, 1_000_000))
    .option('--username <u>', 'AT+SMCONF="USERNAME"')
    .option('--password <p>', 'AT+SMCONF="PASSWORD"')
    .option('--subscribe <filter>', 'also subscribe each device ({imei}, {i}) and count +SMPUBLISH')
    .option('--profile <name>', 'timing profile of the modems: instant or realistic', 'instant')
    .option('--json <file>', 'write the full report (every device) as JSON')
    .option('--log-level <level>', 'emulator log level on stderr', 'warn')
    .exitOverride()
    .configureOutput({ outputError: () => undefined });
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

function printReport(r: FleetReport, seconds: number): void {
  const lat = r.latency ? `publish → ack p50 ${r.latency.p50.toFixed(1)} ms, p99 ${r.latency.p99.toFixed(1)} ms` : 'no publish acknowledged';
  console.log(`${r.connected}/${r.devices.length} devices connected; ${r.published} published, ${r.failed} failed (${(r.published / seconds).toFixed(1)} msg/s); ${lat}`);
  if (r.received) console.log(`${r.received} +SMPUBLISH received`);
  for (const d of r.devices.filter((d) => d.errors.length > 0 || !d.connected)) {
    console.log(`device ${d.index} (${d.clientId || 'no client id'}): stopped at ${d.phase}: ${d.errors.join('; ')}`);
  }
}

export async function main(argv: string[]): Promise<number> {
  let f: Flags;
  try {
    f = program().parse(argv, { from: 'user' }).opts<Flags>();
  } catch (err) {
    if (err instanceof CommanderError && err.exitCode === 0) return 0;
    process.stderr.write(`loadtest: ${(err as Error).message.replace(/^error: /, '')}\n`);
    return 2;
  }
  const log = createLogger(f.logLevel as 'warn');
  const fleet = await startFleet({ modems: f.modems, tcp: { port: 0 }, broker: f.broker, brokerPort: 0, brokerTlsPort: false, profile: f.profile, logger: log });
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const seconds = f.duration ?? (f.count === undefined ? 10 : undefined);
  const timer = seconds === undefined ? null : setTimeout(stop, seconds * 1000);
  const url = f.url ?? fleet.endpoints.broker?.replace(/^mqtt:\/\//, '') ?? 'broker.example.com:1883';
  const script: DteScript = {
    url,
    topic: f.topic,
    payload: f.payload,
    qos: f.qos as 0 | 1,
    intervalMs: f.interval,
    count: f.count,
    username: f.username,
    password: f.password,
    subscribe: f.subscribe,
  };
  console.log(`${f.modems} devices, MQTT to ${fleet.endpoints.broker ?? url} (they configure ${url}), ${seconds === undefined ? `${f.count} publishes each` : `${seconds} s`}`);
  const t0 = performance.now();
  const progress = watchProgress(fleet, process.stderr, seconds);
  const report = await driveFleet(fleet, script, abort.signal);
  progress.stop();
  if (timer) clearTimeout(timer);
  await fleet.stop();
  printReport(report, (performance.now() - t0) / 1000);
  if (f.json) fs.writeFileSync(f.json, JSON.stringify(report, null, 2) + '\n');
  return report.connected === report.devices.length && report.failed === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      process.stderr.write(`loadtest: ${err.message}\n`);
      process.exit(1);
    },
  );
}
