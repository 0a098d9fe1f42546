/**
 * `npm run bench`: every benchmark of bench/README.md in one run, each against its peer
 * measured in the same run, as ratios (the machine is shared and noisy). Prints a table
 * and writes bench/results.json. No figure passes or fails: the targets are shown
 * beside the ratios.
 *
 *   npm run bench [-- --quick] [-- --out FILE] [-- --only 1,2,6] [-- --shared-fleet-only]
 *
 * --quick: small N and few iterations (what CI runs to check that it works).
 * --shared-fleet-only: benchmark 6 runs only its shared-port fleet (10 000 modems), not
 * the fleets of 1, 100 and 1000 with a port each (a minute instead of two).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchAllocation } from './alloc';
import { benchAtRoundTrip, benchPtyRoundTrip } from './atRoundTrip';
import { benchColdStart } from './coldStart';
import { benchFleet, type FleetRun } from './fleet';
import { benchMqttLoop, benchThroughput, SHALLOW_WINDOW, WINDOW } from './mqtt';
import { describePacing, measurePacing } from './pacing';
import { benchParser } from './parser';
import { startMosquitto } from './procs';
import { benchCipMqtt, benchTcpEcho } from './tcpip';

export const RESULTS = path.resolve(__dirname, '..', '..', 'bench', 'results.json');

interface Plan {
  atIterations: number;
  ptyIterations: number;
  loopIterations: number;
  allocRounds: number;
  throughputMessages: number;
  throughputRounds: number;
  parserBytes: number;
  parserRounds: number;
  pacingBytes: number;
  fleet: number[];
  /** Fleets behind one shared port (--shared-port): the 10 000-modem figure. */
  sharedFleet: number[];
  /** How long a shared fleet may take to fill its AT logs before memory is read anyway. */
  sharedFillMs: number;
  /** Each device's publish interval: N/4 ms (4000 publishes a second in all), at least this. */
  fleetIntervalMs: number;
  fleetPublishingMs: number;
  coldStartRuns: number;
  echoIterations: number;
  echoChunks: number;
  cipMqttIterations: number;
}

const FULL: Plan = {
  atIterations: 10_000,
  ptyIterations: 5000,
  loopIterations: 5000,
  allocRounds: 100_000,
  throughputMessages: 3000,
  throughputRounds: 9,
  parserBytes: 10_000_000,
  parserRounds: 5,
  pacingBytes: 20_000,
  fleet: [1, 100, 1000],
  sharedFleet: [10_000],
  sharedFillMs: 30_000,
  fleetIntervalMs: 100,
  fleetPublishingMs: 3000,
  coldStartRuns: 11,
  echoIterations: 2000,
  echoChunks: 500,
  cipMqttIterations: 2000,
};

const QUICK: Plan = {
  atIterations: 200,
  ptyIterations: 100,
  loopIterations: 100,
  allocRounds: 500,
  throughputMessages: 200,
  throughputRounds: 1,
  parserBytes: 200_000,
  parserRounds: 1,
  pacingBytes: 1000,
  fleet: [1, 3],
  sharedFleet: [3],
  sharedFillMs: 2000,
  fleetIntervalMs: 20,
  fleetPublishingMs: 500,
  coldStartRuns: 2,
  echoIterations: 50,
  echoChunks: 20,
  cipMqttIterations: 50,
};

/** One row of the table: what was measured, ours, the peer's, their ratio, the target. */
interface Row {
  id: string;
  what: string;
  ours: string;
  peer: string;
  ratio: string;
  target: string;
}

export function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    nproc: cpus.length,
    cpu: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    // Every Node process here reads these certificates as it starts (benchmark 7).
    nodeExtraCaCerts: process.env.NODE_EXTRA_CA_CERTS ?? null,
  };
}

const ms = (x: number) => (x >= 100 ? `${x.toFixed(0)} ms` : x >= 1 ? `${x.toFixed(1)} ms` : `${(x * 1000).toFixed(0)} µs`);
const x2 = (x: number) => `${x.toFixed(2)}`;
const n0 = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 0 });

function table(rows: Row[]): string {
  const head: Row = { id: '#', what: 'benchmark', ours: 'emulator', peer: 'peer', ratio: 'ratio', target: 'target' };
  const cols = Object.keys(head) as (keyof Row)[];
  const width = Object.fromEntries(cols.map((c) => [c, Math.max(...[head, ...rows].map((r) => r[c].length))])) as Record<keyof Row, number>;
  const line = (r: Row) => cols.map((c) => r[c].padEnd(width[c])).join('  ').trimEnd();
  return [line(head), cols.map((c) => '-'.repeat(width[c])).join('  '), ...rows.map(line)].join('\n');
}

function parseArgs(argv: string[]): { quick: boolean; out: string; only: Set<number> | null; sharedFleetOnly: boolean; window: number | null } {
  const get = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const only = get('--only');
  const w = get('--window');
  const window = w === undefined ? null : Number(w);
  if (window !== null && (!Number.isInteger(window) || window < 1)) throw new Error(`--window: a whole number of publishes ≥ 1, not ${w}`);
  return { quick: argv.includes('--quick'), out: get('--out') ?? RESULTS, only: only ? new Set(only.split(',').map(Number)) : null, sharedFleetOnly: argv.includes('--shared-fleet-only'), window };
}

export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const plan = args.quick ? QUICK : FULL;
  const want = (n: number) => !args.only || args.only.has(n);
  const started = performance.now();
  const results: Record<string, unknown> = { machine: machine(), quick: args.quick, loadavgStart: os.loadavg().map((l) => Math.round(l * 100) / 100) };
  const rows: Row[] = [];
  const step = (what: string) => process.stderr.write(`bench: ${what} ...\n`);

  if (want(1)) {
    step('1 AT round trip over TCP');
    const r = await benchAtRoundTrip(plan.atIterations);
    results.atRoundTrip = r;
    rows.push({ id: '1', what: `AT round trip over TCP, p50 (n=${r.emulator.n})`, ours: ms(r.emulator.p50), peer: ms(r.peer.p50), ratio: x2(r.ratio.p50), target: '≤ 1.2' });
    rows.push({ id: '', what: 'AT round trip over TCP, p99', ours: ms(r.emulator.p99), peer: ms(r.peer.p99), ratio: x2(r.ratio.p99), target: '' });
    step('1 AT round trip over a pty');
    const p = await benchPtyRoundTrip(plan.ptyIterations);
    results.ptyRoundTrip = p;
    rows.push({ id: '', what: `AT round trip over a pty vs Node pty responder, p50 (n=${p.emulator.n})`, ours: ms(p.emulator.p50), peer: ms(p.peer.p50), ratio: x2(p.ratio.p50), target: '≤ 1.5' });
    rows.push({ id: '', what: 'AT round trip over a pty, p99', ours: ms(p.emulator.p99), peer: ms(p.peer.p99), ratio: x2(p.ratio.p99), target: '' });
    if (p.c) rows.push({ id: '', what: 'AT round trip over a pty vs C pty responder, p50', ours: '', peer: ms(p.c.peer.p50), ratio: x2(p.c.ratio.p50), target: '' });
  }
  if (want(2)) {
    step('2 MQTT loop, embedded broker');
    const r = await benchMqttLoop(plan.loopIterations);
    results.mqttLoop = r;
    rows.push({ id: '2', what: `MQTT loop SMPUB → +SMPUBLISH, embedded broker, p50 (n=${r.emulator.n})`, ours: ms(r.emulator.p50), peer: ms(r.peer.p50), ratio: x2(r.ratio.p50), target: '≤ 1.5' });
    rows.push({ id: '', what: 'MQTT loop, embedded broker, p99', ours: ms(r.emulator.p99), peer: ms(r.peer.p99), ratio: x2(r.ratio.p99), target: '' });
    rows.push({ id: '', what: '  … against the relay floor (bare DTE server + mqtt.js), p50', ours: '', peer: ms(r.relay.peer.p50), ratio: x2(r.relay.ratio.p50), target: '' });
    step('2 MQTT loop, --broker mqtt:// (mosquitto)');
    const mosquitto = await startMosquitto();
    try {
      const m = await benchMqttLoop(plan.loopIterations, mosquitto.url);
      results.mqttLoopMosquitto = m;
      rows.push({ id: '', what: 'MQTT loop, --broker mqtt:// (mosquitto), p50', ours: ms(m.emulator.p50), peer: ms(m.peer.p50), ratio: x2(m.ratio.p50), target: '≤ 1.5' });
      rows.push({ id: '', what: 'MQTT loop, --broker mqtt:// (mosquitto), p99', ours: ms(m.emulator.p99), peer: ms(m.peer.p99), ratio: x2(m.ratio.p99), target: '' });
      rows.push({ id: '', what: '  … against the relay floor (bare DTE server + mqtt.js), p50', ours: '', peer: ms(m.relay.peer.p50), ratio: x2(m.relay.ratio.p50), target: '' });
    } finally {
      await mosquitto.stop();
    }
  }
  if (want(3)) {
    step('3 publish throughput');
    // The judged depth, and the shallow one beside it (or the one --window names, alone).
    const [deep, shallow] = args.window === null ? [WINDOW, SHALLOW_WINDOW] : [args.window, null];
    const at = async (window: number) => ({
      qos0: await benchThroughput(0, plan.throughputMessages, plan.throughputRounds, undefined, window),
      qos1: await benchThroughput(1, plan.throughputMessages, plan.throughputRounds, undefined, window),
    });
    const judged = await at(deep);
    const beside = shallow === null ? null : await at(shallow);
    results.throughput = { ...judged, ...(beside ? { shallow: beside } : {}) };
    for (const r of [judged.qos0, judged.qos1]) {
      rows.push({ id: r.qos === 0 ? '3' : '', what: `publish throughput QoS ${r.qos}, ${r.window} in flight, msg/s`, ours: n0(r.emulator), peer: n0(r.peer), ratio: x2(r.ratio), target: r.qos === 0 ? '≥ 0.7' : '≥ 0.8' });
      rows.push({ id: '', what: '  … against the relay floor (bare DTE server + mqtt.js)', ours: '', peer: n0(r.relay.rate), ratio: x2(r.relay.ratio), target: '' });
    }
    for (const r of beside ? [beside.qos0, beside.qos1] : []) {
      rows.push({ id: '', what: `publish throughput QoS ${r.qos}, ${r.window} in flight (the depth of the runs before 2026-12-01), msg/s`, ours: n0(r.emulator), peer: n0(r.peer), ratio: x2(r.ratio), target: '' });
    }
  }
  if (want(4)) {
    step('4 parser');
    const r = benchParser(plan.parserBytes, plan.parserRounds);
    results.parser = r;
    rows.push({ id: '4', what: `line assembler, MB/s of mixed AT (${r.megabytes} MB)`, ours: r.assembler.toFixed(0), peer: r.peer.toFixed(0), ratio: x2(r.ratio), target: '' });
  }
  if (want(5)) {
    step('5 pacing');
    const r = await measurePacing(115200, plan.pacingBytes);
    results.pacing = r;
    process.stderr.write(`bench:   ${describePacing(r)}\n`);
    rows.push({ id: '5', what: `pacing 115200 8N1, ${r.bytes} bytes: achieved baud`, ours: n0(r.achievedBaud), peer: '115,200', ratio: x2(r.achievedBaud / 115200), target: 'error < 2 %' });
  }
  if (want(6)) {
    step('6 fleet');
    const runs: FleetRun[] = [];
    for (const n of args.sharedFleetOnly ? [] : plan.fleet) {
      step(`  fleet of ${n}`);
      runs.push(await benchFleet(n, { intervalMs: Math.max(plan.fleetIntervalMs, n / 4), publishingMs: plan.fleetPublishingMs }));
    }
    for (const n of plan.sharedFleet) {
      step(`  fleet of ${n} behind one shared port`);
      runs.push(await benchFleet(n, { intervalMs: Math.max(plan.fleetIntervalMs, n / 4), publishingMs: plan.fleetPublishingMs, sharedPort: true, fillTimeoutMs: plan.sharedFillMs }));
    }
    // Beyond the first modem (whose figure holds the fleet's fixed cost: the broker's and
    // mqtt.js's first connection, JIT code), what one more modem costs.
    const first = runs.find((r) => r.modems === 1);
    const marginal = (r: FleetRun, rssMB: (f: FleetRun) => number | undefined) => {
      const a = rssMB(r);
      const b = first && rssMB(first);
      return a !== undefined && b !== undefined && r.modems > 1 ? ((a - b) * 1024) / (r.modems - 1) : null;
    };
    results.fleet = runs.map((r) => ({ ...r, marginalKB: marginal(r, (f) => f.rssMB), fullMarginalKB: marginal(r, (f) => f.full?.rssMB) }));
    for (const r of results.fleet as (FleetRun & { marginalKB: number | null; fullMarginalKB: number | null })[]) {
      const beyond = (kb: number | null) => (kb === null ? '' : `, ${kb.toFixed(0)} KB each beyond N=1`);
      // The targets are for 10 000 modems (< 50 KB each, all online in < 10 s); a small fleet's figure is mostly the fixed cost.
      const target = r.modems >= 10_000 ? '< 50 KB' : '';
      rows.push({
        id: r.modems === runs[0].modems ? '6' : '',
        what: `fleet N=${r.modems}${r.sharedPort ? ' --shared-port' : ''} publishing, KB/modem (start ${ms(r.startupMs)}, ${r.online} online in ${ms(r.onlineMs)}${r.modems >= 10_000 ? ' (target < 10 s)' : ''} (polls saw ${ms(r.onlinePolledMs)}), RSS ${r.rssMB.toFixed(0)} MB, ${r.fds ?? '?'} fds${beyond(r.marginalKB)})`,
        ours: r.perModemKB.toFixed(0),
        peer: '',
        ratio: '',
        target,
      });
      rows.push({
        id: '',
        what: r.full ? `  … every AT log full (${ms(r.full.afterMs)} later), RSS ${r.full.rssMB.toFixed(0)} MB${beyond(r.fullMarginalKB)}` : '  … AT logs not full before the timeout',
        ours: r.full ? r.full.perModemKB.toFixed(0) : '-',
        peer: '',
        ratio: '',
        target,
      });
    }
  }
  if (want(7)) {
    step('7 cold start');
    const r = await benchColdStart(plan.coldStartRuns);
    results.coldStart = r;
    rows.push({ id: '7', what: `CLI cold start to ready line, median of ${r.runs}`, ours: ms(r.cli.median), peer: ms(r.peer.median), ratio: x2(r.ratio), target: '≤ 150 ms' });
    const w = r.withoutExtraCaCerts;
    if (w) rows.push({ id: '', what: `… without NODE_EXTRA_CA_CERTS (set here: ${r.extraCaCerts})`, ours: ms(w.cli.median), peer: ms(w.peer.median), ratio: x2(w.ratio), target: '≤ 150 ms' });
  }

  if (want(8)) {
    step('8 TCP echo through the stack');
    const r = await benchTcpEcho(plan.echoIterations, plan.echoChunks);
    results.tcpEcho = r;
    rows.push({ id: '8', what: `TCP echo: CIPSEND → echo → CIPRXGET, 32 bytes, p50 (n=${r.emulator.n})`, ours: ms(r.emulator.p50), peer: ms(r.peer.p50), ratio: x2(r.ratio.p50), target: '' });
    rows.push({ id: '', what: 'TCP echo, p99', ours: ms(r.emulator.p99), peer: ms(r.peer.p99), ratio: x2(r.emulator.p99 / r.peer.p99), target: '' });
    rows.push({ id: '', what: 'TCP echo, 1460-byte chunks one at a time, bytes/s', ours: n0(r.throughput.emulator), peer: n0(r.throughput.peer), ratio: x2(r.throughput.ratio), target: '' });
  }
  if (want(9)) {
    step('9 MQTT over CIPSEND');
    const r = await benchCipMqtt(plan.cipMqttIterations);
    results.cipMqtt = r;
    rows.push({ id: '9', what: `MQTT loop over CIPSEND/CIPRXGET vs SM* loop, p50 (n=${r.cip.n})`, ours: ms(r.cip.p50), peer: ms(r.sm.p50), ratio: x2(r.ratio), target: '' });
  }

  if (want(10)) {
    step('10 allocation and tail');
    const r = await benchAllocation(plan.allocRounds);
    results.allocation = r;
    const kb = (b: number) => `${(b / 1024).toFixed(2)} KB`;
    rows.push({ id: '10', what: `V8 heap allocated per AT round trip (${n0(r.at.rounds)} rounds, ${r.at.gcs} GCs, ${r.at.gcMs.toFixed(0)} ms)`, ours: kb(r.at.bytesPerRound), peer: kb(r.atPeer.bytesPerRound), ratio: x2(r.at.bytesPerRound / r.atPeer.bytesPerRound), target: '≤ 0.50 KB' });
    rows.push({ id: '', what: `  … AT round trip p99 / p50 (${ms(r.at.latency.p99)} / ${ms(r.at.latency.p50)}; the bare responder's ${x2(r.atPeer.tail)})`, ours: '', peer: '', ratio: x2(r.at.tail), target: '≤ 3' });
    rows.push({ id: '', what: `V8 heap allocated per MQTT loop (${n0(r.mqttLoop.rounds)} rounds, ${r.mqttLoop.gcs} GCs, ${r.mqttLoop.gcMs.toFixed(0)} ms; peer: the relay with its own aedes)`, ours: kb(r.mqttLoop.bytesPerRound), peer: kb(r.mqttLoopPeer.bytesPerRound), ratio: x2(r.mqttLoop.bytesPerRound / r.mqttLoopPeer.bytesPerRound), target: '≤ 5.00 KB' });
    rows.push({ id: '', what: `  … MQTT loop p99 / p50 (${ms(r.mqttLoop.latency.p99)} / ${ms(r.mqttLoop.latency.p50)}; the relay's ${x2(r.mqttLoopPeer.tail)})`, ours: '', peer: '', ratio: x2(r.mqttLoop.tail), target: '≤ 3' });
  }

  results.loadavgEnd = os.loadavg().map((l) => Math.round(l * 100) / 100);
  results.seconds = Math.round((performance.now() - started) / 100) / 10;
  fs.mkdirSync(path.dirname(args.out), { recursive: true });
  fs.writeFileSync(args.out, JSON.stringify(results, null, 2) + '\n');
  const m = results.machine as Record<string, unknown>;
  console.log(`sim800-emu bench${args.quick ? ' (--quick)' : ''}: ${m.cpu}, ${m.nproc} cores, node ${m.node}, load ${(results.loadavgStart as number[]).join(' ')} → ${(results.loadavgEnd as number[]).join(' ')}`);
  console.log('emulator: the CLI in its own process; peers, each in its own process: 1 bare Node TCP server, Node and C pty responders; 2, 3 plain mqtt.js on the same broker (3: the receiver in a third process), and the relay floor (a bare DTE server joined to mqtt.js); 4 Buffer.indexOf line cut; 5 theory; 7 node printing a line; 8 the echo server from a bare socket; 9 the SM* loop of 2');
  console.log(table(rows));
  console.log(`${results.seconds} s; written to ${path.relative(process.cwd(), args.out) || args.out}`);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (err: Error) => {
      process.stderr.write(`bench: ${err.stack ?? err.message}\n`);
      process.exit(1);
    },
  );
}
