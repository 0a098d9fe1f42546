/**
 * A fleet: N emulated modems in one process, for load-testing an MQTT backend with
 * hundreds of virtual SIM800 devices. Each modem is a whole emulator (its own wire,
 * state, fault controller and MQTT session through mqtt.js); what can be shared is:
 * one embedded broker, one logger (a child per modem says which one logged), one
 * command table (immutable) and, with a control API, one cloud client and one server.
 *
 * Wires: consecutive TCP ports from `tcp.port` (port 0: each any free port), one TCP port
 * for every modem (`sharedPort`: each connection takes the lowest free modem), or ptys
 * behind a symlink pattern with `%d` (the modem's index, from 0).
 */
import * as path from 'node:path';
import type { Logger } from 'pino';
import type { AzureHub } from '../broker/azureHub';
import { planBroker, type RunningBroker } from '../brokerPlan';
import { createCatalog } from '../commands';
import { ControlServer } from '../control/http';
import { cloudFor, formatHostPort, startEmulator, type EmulatorHandle, type EmulatorOptions, type SharedParts } from '../emulator';
import { systemClock } from '../clock';
import { childLogger, silentLogger } from '../log';
import { mergeModemConfig, type ModemConfig } from '../modem/config';
import { ListenError, OptionError } from '../optionError';
import { resolveProfile, type TimingProfile } from '../profile';
import { DEFAULT_SEED } from '../random';
import { StateDir } from '../stateDir';
import { isFdExhaustion, openFileLimit } from '../transport/fdLimit';
import type { PtyEndpoint } from '../transport/pty';
import type { TcpEndpoint } from '../transport/tcp';
import { SharedTcpListener } from '../transport/tcpShared';
import { checkFdBudget } from './fdBudget';
import { identityFor } from './identity';
import { checkShard, firstDevice, formatShard, type Shard } from './shard';

/**
 * AT log entries each modem of a fleet keeps (one modem alone keeps 2000): a busy modem's
 * full log of 2000 was ~0.85 MB, eight times the rest of the modem (bench/README.md).
 */
export const FLEET_AT_LOG_SIZE = 100;

/** The placeholder a pty pattern must hold: the modem's index. */
export const PTY_INDEX = '%d';

export interface FleetOptions extends Omit<EmulatorOptions, 'tcp' | 'pty' | 'stdio' | 'serial'> {
  /** How many modems (1 or more). */
  modems: number;
  /**
   * TCP wires on consecutive ports from `port` (modem i on port + i); port 0 gives each
   * modem any free port. Default 127.0.0.1:2323 when `pty` is not given.
   */
  tcp?: { host?: string; port?: number };
  /** pty wires: a symlink pattern with `%d` for the modem's index, e.g. /tmp/ttySIM800-%d. */
  pty?: string;
  /**
   * One TCP listener (at `tcp`, default 127.0.0.1:2323) for every modem: each new connection
   * takes the free modem with the lowest index. One file descriptor per modem instead of two.
   */
  sharedPort?: boolean;
  /** Modems started at once (default 50): listening sockets and ptys are made in batches of this size. */
  concurrency?: number;
  /**
   * This fleet is shard `index` of `count`, each of `modems` modems: its modem i is device
   * index × modems + i of the whole, for its identity, seed and port (src/fleet/shard.ts).
   */
  shard?: Shard;
  /**
   * One control API for every modem (docs/ui.md#fleets): modem i under `/modems/<i>/…`,
   * `GET /modems` the overview, the page's modem picker. One cloud client serves them all.
   */
  control?: EmulatorOptions['control'];
  /** A trace per modem: `file` holds `%d` for the modem's index. */
  trace?: EmulatorOptions['trace'];
}

export interface FleetEndpoints {
  /** Modem i's TCP address is tcp[i]. */
  tcp?: TcpEndpoint[];
  /** With sharedPort: the one address every modem is reached at (a connection gets the lowest free one). */
  sharedTcp?: TcpEndpoint;
  /** Modem i's pty is pty[i]. */
  pty?: PtyEndpoint[];
  broker?: string;
  brokerTls?: string;
}

export interface FleetHandle {
  /** One emulator handle per modem, in index order: connect(), faults, control, modem. */
  readonly modems: readonly EmulatorHandle[];
  readonly endpoints: FleetEndpoints;
  /** `sim800-emu ready tcp=127.0.0.1:2323-2422 broker=... modems=100` (docs/fleet.md). */
  readonly readyLine: string;
  /** Milliseconds from startFleet() until every modem listened. */
  readonly startupMs: number;
  /** The shard this fleet is, if one. */
  readonly shard?: Shard;
  /** The whole-fleet index of modem 0 (shard index × modems; 0 without shards). */
  readonly firstDevice: number;
  readonly azureHub?: AzureHub;
  readonly brokerCaPem?: string;
  /** `http://host:port` of the fleet's control API, with `control`. */
  readonly controlUrl?: string;
  stop(): Promise<void>;
}

/** Checks the fleet's own options; throws an OptionError naming the problem. */
export function checkFleetOptions(o: FleetOptions): void {
  if (!Number.isInteger(o.modems) || o.modems < 1) throw new OptionError('modems', `modems: "${o.modems}" is not a whole number of modems (1 or more)`);
  if (o.tcp && o.pty !== undefined) throw new OptionError('pty', 'a fleet takes tcp or pty wires, not both');
  if (o.sharedPort && o.pty !== undefined) throw new OptionError('sharedPort', 'a shared port is TCP: not with pty wires');
  const port = o.tcp?.port;
  if (!o.sharedPort && port !== undefined && port !== 0 && port + o.modems - 1 > 65535) {
    throw new OptionError('tcp', `${o.modems} consecutive ports from ${port} go past 65535: start lower or use port 0`);
  }
  if (o.pty !== undefined && o.modems > 1 && !o.pty.includes(PTY_INDEX)) {
    throw new OptionError('pty', `pty: "${o.pty}" needs ${PTY_INDEX} where the modem's index goes (e.g. /tmp/ttySIM800-%d)`);
  }
  if (o.trace !== undefined && o.modems > 1 && !o.trace.file.includes(PTY_INDEX)) {
    throw new OptionError('trace', `trace: "${o.trace.file}" needs ${PTY_INDEX} where the modem's index goes (e.g. run-%d.trace)`);
  }
  if (o.control) ControlServer.checkOptions(o.control);
}

/** Modem i's own options: its wire, identity, seed, state directory and logger. */
function memberOptions(o: FleetOptions, base: ModemConfig, i: number, log: Logger, profile: TimingProfile): EmulatorOptions {
  const { modems: _n, tcp, pty, concurrency: _c, exportCa, shard: _s, control: _k, trace, sharedPort, ...common } = o;
  // The device's index in the whole fleet (all shards): what its identity, seed and port follow.
  const g = firstDevice(o.shard, o.modems) + i;
  const first = tcp?.port ?? 2323;
  const wire: EmulatorOptions =
    pty !== undefined
      ? { pty: pty.split(PTY_INDEX).join(String(i)), tcp: false }
      : sharedPort
        ? { tcp: false } // the fleet's one listener connects the DTEs
        : { tcp: { host: tcp?.host ?? '127.0.0.1', port: first === 0 ? 0 : first + g } };
  return {
    ...common,
    ...wire,
    profile,
    modem: { ...o.modem, ...identityFor(base, g) },
    seed: (o.seed ?? DEFAULT_SEED) + g,
    atLogSize: o.atLogSize ?? FLEET_AT_LOG_SIZE,
    stateDir: o.stateDir === undefined ? undefined : path.join(o.stateDir, `modem-${i}`),
    // The broker's CA is the fleet's: written once, through modem 0.
    exportCa: i === 0 ? exportCa : undefined,
    logger: o.modems > 1 ? childLogger(log, { modem: i }) : log,
    trace: trace ? { ...trace, file: trace.file.split(PTY_INDEX).join(String(i)) } : undefined,
  };
}

export async function startFleet(options: FleetOptions): Promise<FleetHandle> {
  checkFleetOptions(options);
  // The identity every modem's is derived from: checked once, before anything starts.
  const base = mergeModemConfig(options.modem);
  // Resolved once, before anything starts: every modem reads the same profile object (nothing writes to one).
  const profile = typeof options.profile === 'object' ? options.profile : resolveProfile(options.profile ?? 'instant');
  if (options.shard) checkShard(options.shard, options.modems, base, options.pty === undefined && !options.sharedPort ? (options.tcp?.port ?? 2323) : undefined);
  const started = performance.now();
  const log = options.logger ?? silentLogger;
  checkFdBudget(options, log);
  // The broker plan reads the fleet's state dir: its CA lives there, not in a modem's.
  const plan = planBroker(options);
  // The fleet's own directory is locked like a modem's: two fleets (or a fleet and a
  // single emulator) never share it. Each modem locks its own modem-<i> below it.
  const stateDir = options.stateDir !== undefined ? StateDir.open(options.stateDir, { log }) : null;
  let running: RunningBroker;
  try {
    running = await plan.start(log);
  } catch (err) {
    stateDir?.release();
    throw err;
  }
  // One cloud client for the fleet, started with a control API (a client per modem would
  // each get every message), and without one not a Cloud object per modem either.
  const cloud = cloudFor(running, options.clock ?? systemClock, log);
  const shared: SharedParts = { broker: { plan, running }, catalog: createCatalog(), cloud, live: options.control !== undefined };
  const modems: EmulatorHandle[] = [];
  const batch = Math.max(1, options.concurrency ?? 50);
  try {
    for (let from = 0; from < options.modems; from += batch) {
      const ids = Array.from({ length: Math.min(batch, options.modems - from) }, (_, k) => from + k);
      const results = await Promise.allSettled(ids.map((i) => startEmulator(memberOptions(options, base, i, log, profile), shared)));
      for (const r of results) if (r.status === 'fulfilled') modems.push(r.value);
      const failed = results.findIndex((r) => r.status === 'rejected');
      if (failed >= 0) {
        const reason = (results[failed] as PromiseRejectedResult).reason as NodeJS.ErrnoException;
        // Typed as they came (the CLI's exit code follows the type), with the modem named.
        if (reason instanceof ListenError || reason instanceof OptionError) {
          const limit = isFdExhaustion(reason) ? ` (now ${openFileLimit() ?? 'unknown'})` : '';
          reason.message = `modem ${ids[failed]}: ${reason.message}${limit}`;
          throw reason;
        }
        const message = isFdExhaustion(reason)
          ? `out of file descriptors (${reason.code}): raise the limit with \`ulimit -n\` (now ${openFileLimit() ?? 'unknown'})`
          : reason.message;
        throw Object.assign(new Error(`modem ${ids[failed]}: ${message}`), { code: reason.code });
      }
    }
  } catch (err) {
    await Promise.all(modems.map((m) => m.stop()));
    await running.stop();
    stateDir?.release();
    throw err;
  }

  let server: ControlServer | undefined;
  /** A start that failed after the modems were up: everything made so far goes. */
  const abandon = async () => {
    await server?.stop();
    await cloud.stop();
    await Promise.all(modems.map((m) => m.stop()));
    await running.stop();
    stateDir?.release();
  };
  if (options.control) {
    try {
      server = await ControlServer.start(
        modems.map((m) => m.control),
        { host: options.control.host, port: options.control.port, token: options.control.token, log },
      );
      if (cloud.available) await cloud.start();
    } catch (err) {
      await abandon();
      throw err;
    }
  }

  const endpoints: FleetEndpoints = { broker: running.url, brokerTls: running.tlsUrl };
  let listener: SharedTcpListener | null = null;
  if (options.pty !== undefined) endpoints.pty = modems.map((m) => m.endpoints.pty!);
  else if (options.sharedPort) {
    listener = new SharedTcpListener(
      modems.map((m) => m.modem),
      { host: options.tcp?.host ?? '127.0.0.1', port: options.tcp?.port ?? 2323, reset: options.resetOnConnect },
      log,
    );
    try {
      endpoints.sharedTcp = await listener.open();
    } catch (err) {
      await abandon();
      throw err;
    }
  } else endpoints.tcp = modems.map((m) => m.endpoints.tcp!);
  const startupMs = performance.now() - started;
  log.info({ modems: modems.length, ms: Math.round(startupMs) }, 'fleet ready');

  let stopped = false;
  return {
    modems,
    endpoints,
    readyLine: fleetReadyLine(endpoints, options.pty, modems.length, options.shard, server?.url),
    controlUrl: server?.url,
    startupMs,
    shard: options.shard,
    firstDevice: firstDevice(options.shard, options.modems),
    azureHub: running.azureHub,
    get brokerCaPem() {
      return running.ca?.().certPem;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await listener?.close();
      await server?.stop();
      // Every session vanishes before the shared broker closes (its wills go out).
      await Promise.all(modems.map((m) => m.stop()));
      await cloud.stop();
      await running.stop();
      stateDir?.release();
    },
  };
}

/**
 * The fleet's one ready line: the single emulator's fields, with `tcp=` listing every
 * modem's address (runs of consecutive ports as FIRST-LAST), or `tcp-shared=` the one
 * address of a shared port, `pty=` the pattern, `shard=I/N` for a shard, and `modems=N`
 * at the end.
 */
export function fleetReadyLine(e: FleetEndpoints, ptyPattern: string | undefined, n: number, shard?: Shard, control?: string): string {
  const parts = ['sim800-emu ready'];
  if (e.tcp) parts.push(`tcp=${formatTcpList(e.tcp)}`);
  if (e.sharedTcp) parts.push(`tcp-shared=${formatHostPort(e.sharedTcp)}`);
  if (e.pty && ptyPattern !== undefined) parts.push(`pty=${ptyPattern}`);
  if (e.broker) parts.push(`broker=${e.broker}`);
  if (e.brokerTls) parts.push(`broker-tls=${e.brokerTls}`);
  if (control) parts.push(`control=${control}`);
  if (shard) parts.push(`shard=${formatShard(shard)}`);
  parts.push(`modems=${n}`);
  return parts.join(' ');
}

/** `127.0.0.1:2323-2422` for consecutive ports; runs joined by commas otherwise. */
export function formatTcpList(list: readonly TcpEndpoint[]): string {
  const runs: { first: TcpEndpoint; last: number }[] = [];
  for (const e of list) {
    const run = runs[runs.length - 1];
    if (run && run.first.host === e.host && e.port === run.last + 1) run.last = e.port;
    else runs.push({ first: e, last: e.port });
  }
  return runs.map((r) => formatHostPort(r.first) + (r.last !== r.first.port ? `-${r.last}` : '')).join(',');
}

/** The inverse of formatTcpList: every address, modem 0 first. */
export function parseTcpList(text: string): TcpEndpoint[] {
  const out: TcpEndpoint[] = [];
  for (const item of text.split(',')) {
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)(?:-(\d+))?$/.exec(item);
    if (!m) throw new Error(`not HOST:PORT[-LAST]: "${item}"`);
    const host = m[1].replace(/^\[(.*)\]$/, '$1');
    const last = m[3] === undefined ? Number(m[2]) : Number(m[3]);
    for (let p = Number(m[2]); p <= last; p++) out.push({ host, port: p });
  }
  return out;
}
