/**
 * The library entry and the composition root: startEmulator() assembles a modem (its
 * UART, AT engine and command families), the broker, the faults and control API and
 * the chosen transport, and resolves to a handle with the endpoints and stop(). The CLI
 * wraps it.
 */
import * as fs from 'node:fs';
import type { Logger } from 'pino';
import type { AzureHub, AzureHubOptions } from './broker/azureHub';
import { planBroker, type BrokerPlan, type RunningBroker } from './brokerPlan';
import { createCatalog, type Catalog } from './commands';
import { AtEngine } from './at/engine';
import { DteClient } from './client/dteClient';
import { silentLogger } from './log';
import { mergeModemConfig, type ModemConfig } from './modem/config';
import { OptionError } from './optionError';
import { Modem } from './modem/modem';
import { systemClock, type Clock } from './clock';
import { AtLog } from './control/atLog';
import { Cloud } from './control/cloud';
import { Control } from './control/control';
import { FaultController } from './faults';
import { resolveProfile, type TimingProfile } from './profile';
import { StateDir } from './stateDir';
import { InProcessPort } from './transport/inProcess';
import { PtyError, type PtyEndpoint } from './transport/pty';
import type { SerialEndpoint, SerialOptions } from './transport/serial';
import type { StdioPair } from './transport/stdio';
import type { TcpEndpoint } from './transport/tcp';
import { createWire, formatHostPort, WIRES, type WireEndpoints, type WireName, type WireOptions } from './transport/wires';
import { Uart, type LineFormat, type UartOptions } from './uart/uart';
import type { BrokerRouter } from './net/routing';
import type { TraceWriter, TraceOptions } from './trace/writer';

/*
 * The control API's server and the trace writer are loaded when an option asks for them
 * (a `require()` in a function: the bundle initialises the module on that call), so a
 * start without --control or --trace runs neither body before its ready line.
 */
const controlHttp = () => require('./control/http') as typeof import('./control/http');
const traceWriter = () => require('./trace/writer') as typeof import('./trace/writer');

export { formatHostPort };

export interface EmulatorOptions {
  /** Listen for the DTE on TCP; `false` for none. Default 127.0.0.1:2323 when no other transport. */
  tcp?: { host?: string; port?: number } | false;
  /** The DTE on a stream pair (the CLI's --stdio). Turns the default TCP listener off; one wire, so not with `tcp`. */
  stdio?: StdioPair;
  /** Be a serial device: a pty behind this symlink (e.g. /tmp/ttySIM800). One wire, like stdio. */
  pty?: string;
  /** Drive a real serial port (a USB-UART adapter). One wire, like stdio. */
  serial?: SerialOptions;
  /** The DTE's line for pty, TCP, stdio and in-process DTEs: the rate autobaud meets (default 115200) and the frame pacing counts. */
  line?: Partial<Pick<LineFormat, 'baudRate' | 'parity'>>;
  /** Bytes to the DTE leave at the wire rate for the line format and AT+IPR (86.8 µs per byte at 115200 8N1). */
  pace?: boolean;
  /** Modem identity, SIM, network figures (partial; defaults fill the rest). */
  modem?: Partial<ModemConfig>;
  /** Directory for non-volatile state (AT&W profile, files); memory only when absent. */
  stateDir?: string;
  /** Power-cycle the modem on every new DTE connection. */
  resetOnConnect?: boolean;
  /** Timing profile: 'instant' (default), 'realistic', or a profile object (a profile file's). */
  profile?: string | TimingProfile;
  /** Seeds every random choice (timing jitter, packet loss, garbling): same seed, same run. Default 1. */
  seed?: number;
  /** The clock every timer runs on (a VirtualClock in tests); the system clock by default. */
  clock?: Clock;
  /**
   * Serve the control API over HTTP (docs/faults.md) and its page at /ui/ (docs/ui.md); a
   * non-loopback host needs a token. `dte`: the page (POST /dte) may type lines as if
   * from the DTE (off by default).
   */
  control?: { host?: string; port?: number; token?: string; dte?: boolean };
  /**
   * Record a trace (docs/ui.md#traces): every byte each way, the AT log, state changes,
   * faults and MQTT packets, as JSON lines, secrets masked; rotated past `maxBytes`
   * (default 16 MiB) to FILE.1.
   */
  trace?: TraceOptions;
  logger?: Logger;
  /** MQTT routing: 'embedded', 'direct' or an mqtt:// URL (see the MQTT family). */
  broker?: string;
  /** Port of the embedded broker; 0 = any free port. */
  brokerPort?: number;
  /**
   * The embedded broker accepts only this user name and password (CONNACK 5 otherwise);
   * without it, anyone who reaches its port connects. The control API's cloud client uses
   * them too.
   */
  brokerAuth?: { username: string; password: string };
  /** Broker address overrides, `host[:port]=host2:port2`. */
  map?: string[];
  /** TCP/IP sockets (AT+CIPSTART) to these ports go to the broker (default [1883, 8883]; [] = none). */
  cipMqttPorts?: number[];
  /** Make the embedded broker an Azure IoT Hub stand-in for these devices (docs/azure.md). */
  azureHub?: AzureHubOptions;
  /**
   * Port of the embedded broker's TLS listener (docs/tls.md); 0 = any free port, false =
   * none. Default 8883, or 0 when brokerPort is 0.
   */
  brokerTlsPort?: number | false;
  /** The TLS listener's CA as PEM; default: generated (kept in stateDir when given). */
  brokerCa?: { cert: string; key: string };
  /** Write the TLS listener's CA certificate (PEM) to this file at start, for firmware to load. */
  exportCa?: string;
  /**
   * Entries the AT log keeps for the control API and scenarios (default 2000). A busy
   * modem's full log is most of its memory (~0.4 KB an entry); fleets keep fewer.
   */
  atLogSize?: number;
}

export interface Endpoints {
  tcp?: TcpEndpoint;
  /** The symlink and the /dev/pts/N it points at. */
  pty?: PtyEndpoint;
  serial?: SerialEndpoint;
  broker?: string;
  /** The embedded broker's TLS listener, `mqtts://host:port`. */
  brokerTls?: string;
}

export interface EmulatorHandle {
  readonly modem: Modem;
  /** `broker`: the URL every MQTT connection goes to (embedded: the bound port); absent for direct. */
  readonly endpoints: Endpoints;
  /** The line the CLI prints when ready: `sim800-emu ready tcp=HOST:PORT ...`. */
  readonly readyLine: string;
  /** Fault injection: inject(name, params, { duration }), clear(name), list(). */
  readonly faults: FaultController;
  /** State, faults, cloud-to-device messages, the AT log, power: what the HTTP control API serves. */
  readonly control: Control;
  /** `http://host:port` of the control API, with `control`; its page is `${controlUrl}/ui/`. */
  readonly controlUrl?: string;
  /** The trace being recorded (with `trace`): its file and position, for a scenario's result. */
  readonly trace?: TraceWriter;
  /** The Azure IoT Hub stand-in (with `azureHub`): sendC2D(), and events for what devices send. */
  readonly azureHub?: AzureHub;
  /**
   * The CA certificate (PEM) the embedded broker's TLS listener chains to: what firmware
   * loads with AT+FSWRITE and AT+SSLSETROOT. Undefined without a TLS listener.
   */
  readonly brokerCaPem?: string;
  /** An in-process DTE stream attached to the modem (one at a time, like a wire). */
  openPort(opts?: { reset?: boolean }): InProcessPort;
  /** An in-process DteClient over openPort(). */
  connect(opts?: { reset?: boolean }): DteClient;
  stop(): Promise<void>;
}

/**
 * What the modems of a fleet (src/fleet) share instead of making their own: one broker
 * (started and stopped by the fleet, not by each modem) and one catalog of command
 * families (immutable).
 */
export interface SharedParts {
  broker: { plan: BrokerPlan; running: RunningBroker };
  catalog: Catalog;
  /** The control API's cloud client (a fleet's one, started and stopped by the fleet). */
  cloud?: Cloud;
  /** Keep the live feed (timeline, messages) from the start: the fleet serves a control API. */
  live?: boolean;
}

export interface ModemParts {
  /** The command families (default: all of them). */
  catalog?: Catalog;
  config?: ModemConfig;
  profile?: TimingProfile;
  clock?: Clock;
  log?: Logger;
  stateDir?: string;
  router?: BrokerRouter;
  seed?: number;
  uart?: UartOptions;
}

/** One modem with its UART and AT engine, wired together: the piece every emulator and test builds on. */
export function assembleModem(parts: ModemParts = {}): Modem {
  const catalog = parts.catalog ?? createCatalog();
  const clock = parts.clock ?? systemClock;
  const log = parts.log ?? silentLogger;
  return new Modem({
    config: parts.config,
    profile: parts.profile,
    clock,
    log,
    stateDir: parts.stateDir,
    router: parts.router,
    seed: parts.seed,
    uart: new Uart(parts.uart ?? {}, clock),
    features: catalog.features,
    engine: (host, context) => new AtEngine(catalog.table, host, context, clock, log),
  });
}

export async function startEmulator(options: EmulatorOptions = {}, shared?: SharedParts): Promise<EmulatorHandle> {
  const log = options.logger ?? silentLogger;
  checkOptions(options);
  const config = mergeModemConfig(options.modem);
  const profile = typeof options.profile === 'object' ? options.profile : resolveProfile(options.profile ?? 'instant');
  if (options.atLogSize !== undefined && !(Number.isInteger(options.atLogSize) && options.atLogSize >= 1)) throw new Error(`atLogSize: "${options.atLogSize}" is not a whole number of entries (1 or more)`);
  const wires = namedWires(options);
  if (wires.length > 1) throw new Error(`${wires.join(' and ')} cannot both attach to one modem: it has one wire`);
  // Bad --broker/--map values throw here, before anything listens.
  const brokerPlan = shared?.broker.plan ?? planBroker(options);
  // Checked, locked and cleaned before anything reads it (the profile, the files, the broker's CA).
  const stateDir = options.stateDir !== undefined ? StateDir.open(options.stateDir, { log }) : null;
  let modem: Modem;
  try {
    modem = assembleModem({ catalog: shared?.catalog, config, profile, log, stateDir: options.stateDir, router: brokerPlan.router, seed: options.seed, clock: options.clock, uart: uartOptions(options) });
  } catch (err) {
    stateDir?.release();
    throw err;
  }

  const endpoints: Endpoints = {};
  const stops: (() => Promise<void>)[] = [];
  const faults = new FaultController(modem, { seed: options.seed, log });
  const atLog = new AtLog(modem, options.atLogSize);
  let broker: RunningBroker;
  try {
    broker = shared?.broker.running ?? (await brokerPlan.start(log));
  } catch (err) {
    stateDir?.release();
    throw err;
  }
  const stopBroker = () => (shared ? Promise.resolve() : broker.stop());
  endpoints.broker = broker.url;
  const cloud = shared?.cloud ?? cloudFor(broker, modem.clock, log);
  const stopCloud = () => (shared?.cloud ? Promise.resolve() : cloud.stop());
  const control = new Control(modem, faults, cloud, atLog, { azureHub: broker.azureHub, dteInput: options.control?.dte === true });
  // The timeline and messages are kept from the start when a page or a trace may look at them.
  if (options.control || options.trace || shared?.live) control.live();
  let controlUrl: string | undefined;
  let trace: TraceWriter | undefined;
  endpoints.brokerTls = broker.tlsUrl;
  let wireField: string | null = null;
  try {
    if (options.exportCa !== undefined) {
      if (!broker.ca) throw new OptionError('exportCa', '--export-ca needs the embedded broker with its TLS listener');
      try {
        fs.writeFileSync(options.exportCa, broker.ca().certPem);
      } catch (err) {
        throw new OptionError('exportCa', `--export-ca: cannot write "${options.exportCa}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
    const chosen = chooseWire(options, wires);
    if (chosen) wireField = await openWire(chosen, modem, log, endpoints, stops);
    control.label = chosen ? wireLabel(chosen.name, endpoints) : 'in process';
    if (options.trace) trace = traceWriter().TraceWriter.open(control, options.trace);
    if (options.control) {
      const server = await controlHttp().ControlServer.start(control, { host: options.control.host, port: options.control.port, token: options.control.token, log });
      controlUrl = server.url;
      stops.push(() => server.stop());
      // The cloud listens from the start, so GET /published sees everything the firmware sends.
      if (control.cloud.available) await control.cloud.start();
    }
  } catch (err) {
    for (const s of stops.reverse()) await s();
    trace?.close();
    await stopCloud();
    await stopBroker();
    stateDir?.release();
    throw err;
  }

  const parts = ['sim800-emu ready'];
  if (wireField) parts.push(wireField);
  if (broker.url) parts.push(`broker=${broker.url}`);
  if (broker.tlsUrl) parts.push(`broker-tls=${broker.tlsUrl}`);

  if (controlUrl) parts.push(`control=${controlUrl}`);

  let stopped = false;
  const openPort = (opts?: { reset?: boolean }) => new InProcessPort(modem, { reset: opts?.reset ?? options.resetOnConnect }, log);
  return {
    modem,
    endpoints,
    readyLine: parts.join(' '),
    faults,
    control,
    controlUrl,
    trace,
    azureHub: broker.azureHub,
    get brokerCaPem() {
      return broker.ca?.().certPem;
    },
    openPort,
    connect: (opts) => new DteClient(openPort(opts)),
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const s of stops.reverse()) await s();
      modem.powerDown(); // the MQTT session vanishes (the broker sends its will) ...
      trace?.close(); // ... which the trace still records
      await stopCloud();
      await faults.close();
      await stopBroker(); // ... before the embedded broker closes
      stateDir?.release();
    },
  };
}

/**
 * The checks that need nothing started: what can be refused is refused before anything
 * listens (OptionError). Values of their own modules are checked there (the modem
 * config, the broker plan, the control server).
 */
function checkOptions(o: EmulatorOptions): void {
  if (o.trace) traceWriter().TraceWriter.check(o.trace);
  if (o.atLogSize !== undefined && !(Number.isInteger(o.atLogSize) && o.atLogSize >= 1)) throw new OptionError('atLogSize', `atLogSize: "${o.atLogSize}" is not a whole number of entries (1 or more)`);
  const wires = namedWires(o);
  if (wires.length > 1) throw new OptionError(wires[1], `${wires.join(' and ')} cannot both attach to one modem: it has one wire`);
  if (o.control) controlHttp().ControlServer.checkOptions(o.control);
}

/** The wires the options name, in a fixed order (one modem takes one). */
function namedWires(o: EmulatorOptions): WireName[] {
  const named: [WireName, unknown][] = [['stdio', o.stdio], ['tcp', o.tcp], ['pty', o.pty], ['serial', o.serial]];
  return named.filter(([, v]) => v).map(([name]) => name);
}

type WireChoice = { [N in WireName]: { name: N; options: WireOptions[N] } }[WireName];

/** The wire to open and its options; TCP is the default only when no other one is named. */
function chooseWire(o: EmulatorOptions, named: readonly WireName[]): WireChoice | null {
  const reset = o.resetOnConnect;
  switch (named[0]) {
    case 'stdio':
      return { name: 'stdio', options: { ...o.stdio!, reset } };
    case 'pty':
      return { name: 'pty', options: { link: o.pty!, reset } };
    case 'serial':
      return { name: 'serial', options: { ...o.serial!, reset } };
    default:
      if (o.tcp === false) return null;
      return { name: 'tcp', options: { host: o.tcp?.host, port: o.tcp?.port, reset } };
  }
}

/** Opens the chosen wire through the registry; its endpoint goes into `endpoints`, its close into `stops`. */
async function openWire<N extends WireName>(
  chosen: { name: N; options: WireOptions[N] },
  modem: Modem,
  log: Logger,
  endpoints: Endpoints,
  stops: (() => Promise<void>)[],
): Promise<string | null> {
  const wire = createWire(chosen.name, modem, chosen.options, log);
  let endpoint: WireEndpoints[N];
  try {
    endpoint = await wire.open();
  } catch (err) {
    throw wireError(err);
  }
  stops.push(() => wire.close());
  (endpoints as Partial<WireEndpoints>)[chosen.name] = endpoint;
  return WIRES[chosen.name].readyField(endpoint);
}

/**
 * No pty on this system (or a link path that cannot be used) is a value this machine
 * cannot take: an OptionError, for the CLI's exit code. (A TCP address that cannot be
 * listened on is already the wire's ListenError.)
 */
function wireError(err: unknown): unknown {
  return err instanceof PtyError ? new OptionError('pty', err.message) : err;
}

/** The wire as the control page names the modem: `tcp 127.0.0.1:2323`, `pty /tmp/ttySIM800`. */
function wireLabel(name: WireName, e: Endpoints): string {
  if (name === 'tcp' && e.tcp) return `tcp ${formatHostPort(e.tcp)}`;
  if (name === 'pty' && e.pty) return `pty ${e.pty.link}`;
  if (name === 'serial' && e.serial) return `serial ${e.serial.path}`;
  return name;
}

/** The serial port's own line wins; other wires take `line`. */
function uartOptions(o: EmulatorOptions): UartOptions {
  const line = o.serial ? { baudRate: o.serial.baudRate, parity: o.serial.parity } : o.line;
  const defined = Object.fromEntries(Object.entries(line ?? {}).filter(([, v]) => v !== undefined));
  return { pace: o.pace, line: defined, log: o.logger };
}

/**
 * The control API's cloud side. The hub stand-in admits devices only, so with it the
 * cloud is the hub: what devices send is recorded from its events, and cloud-to-device
 * messages go through POST /azure/c2d.
 */
export function cloudFor(broker: { url?: string; azureHub?: AzureHub; credentials?: { username: string; password: string } }, clock: Clock, log: Logger): Cloud {
  if (!broker.azureHub) return new Cloud(broker.url, clock, log, undefined, broker.credentials);
  const cloud = new Cloud(undefined, clock, log);
  cloud.unavailableReason = 'the Azure hub stand-in admits devices only: send cloud-to-device messages with POST /azure/c2d';
  broker.azureHub.on('message', (m) => cloud.record(m.topic, m.payload, 1, m.properties['mqtt-retain'] === 'true'));
  return cloud;
}
