/**
 * The control surface, one object behind both the library handle (`handle.control`)
 * and the HTTP API: read the module's whole state, inject and clear faults, publish
 * cloud-to-device messages, read the AT log and what the firmware published, switch
 * the power. Inputs are checked here (InputError → HTTP 400); secrets never leave
 * (passwords and keys masked, the AT log redacted by the engine).
 */
import type { MqttSnapshot } from '../commands/mqtt/session';
import { httpService } from '../commands/features';
import type { HttpExchange } from '../commands/http';
import type { Modem } from '../modem/modem';
import { FaultController, type ActiveFault } from '../faults/controller';
import { InputError } from '../faults/params';
import type { LinkCounters, LinkState } from '../faults/link';
import type { AtLog, AtLogEntry } from './atLog';
import { checkAzureC2d, checkBody, checkC2d } from './c2d';
import { lazy, strictObject, zod } from '../schema';
import type { AzureHub, C2DResult } from '../broker/azureHub';
import { smsControl, type SmsControl } from './sms';
import { callControl, ussdControl, type CallControl, type UssdControl } from './calls';
import type { Cloud, CloudMessage } from './cloud';
import { LiveFeed } from './live';

/** The longest line the page may type for the DTE: the module's command line buffer (556 characters). */
export const DTE_LINE_MAX = 556;

const DTE_BODY = lazy(() =>
  strictObject(
    { line: zod().string({ error: 'must be a string' }).max(DTE_LINE_MAX, { error: `must be at most ${DTE_LINE_MAX} characters` }).refine((l) => !/[\r\n]/.test(l), { error: 'must be one line (no CR or LF: the CR is added)' }) },
    'expected a JSON object { "line": "AT+CSQ" }',
    (key) => `unknown field "${key}" (known: line)`,
  ),
);

export interface ControlOptions {
  /** The Azure IoT Hub stand-in, when the emulator runs one (`--azure-hub`). */
  azureHub?: AzureHub;
  /** `POST /dte` may type lines as if from the DTE (`--control-dte`); off by default. */
  dteInput?: boolean;
  /** What the control page shows as this modem's wire (`tcp 127.0.0.1:2323`). */
  label?: string;
}

/** A moment's state as the page needs it: the whole state and the latest HTTP exchanges. */
export interface StateView {
  state: ModemState;
  http: HttpExchange[];
}

export interface ModemState {
  /** Modem-clock milliseconds. */
  t: number;
  dte: { attached: boolean };
  power: { on: boolean; frozen: boolean; cfun: number; synced: boolean };
  sim: string;
  registration: { stat: number; registered: boolean; attached: boolean };
  /** What AT+CSQ shows now. */
  signal: { rssi: number; ber: number };
  bearers: { cid: number; status: number; ip: string; apn: string; contype: string; user: string; pwd: string }[];
  mqtt: MqttSnapshot;
  settings: Record<string, unknown>;
  rtc: string;
  faults: ActiveFault[];
  link: { open: number; counters: LinkCounters; state: LinkState };
  /** Files of the module's flash (C:\USER\...), names and sizes. */
  files?: { path: string; size: number }[];
  /** Every other command family's state, under its name (src/commands/index.ts). */
  [family: string]: unknown;
}

export type PowerAction = 'on' | 'off' | 'reboot';

const mask = (s: string) => (s ? '***' : '');

const INJECT_BODY = lazy(() =>
  strictObject(
    { name: zod().unknown().optional(), params: zod().unknown().optional(), duration: zod().unknown().optional() },
    'expected a JSON object { "name": ..., "params": {...}, "duration": "5s" }',
    (key) => `unknown field "${key}" (known: name, params, duration)`,
  ),
);

export class Control {
  readonly azureHub?: AzureHub;
  readonly dteInput: boolean;
  label: string;
  private feed: LiveFeed | null = null;

  constructor(
    readonly modem: Modem,
    readonly faults: FaultController,
    readonly cloud: Cloud,
    readonly atLog: AtLog,
    opts: ControlOptions = {},
  ) {
    this.azureHub = opts.azureHub;
    this.dteInput = opts.dteInput === true;
    this.label = opts.label ?? '';
    this.sms = smsControl(modem);
    this.calls = callControl(modem);
    this.ussd = ussdControl(modem);
  }

  /** SMS: messages to the device, what it sent (docs/sms.md). */
  readonly sms: SmsControl;
  /** Voice calls: ring the device, decide its calls, act as the other side. */
  readonly calls: CallControl;
  /** USSD: what codes answer, what the device asked. */
  readonly ussd: UssdControl;

  /**
   * The timeline and MQTT messages of this modem, kept from the first call on (the
   * emulator calls it at start when the control API or a trace is on).
   */
  live(): LiveFeed {
    this.feed ??= new LiveFeed(this.modem, this.faults);
    return this.feed;
  }

  /** The state with the newest HTTP exchanges (the page's state view). */
  view(httpKept = 20): StateView {
    const http = this.http();
    return { state: this.state(), http: http.slice(-httpKept) };
  }

  /**
   * `{ "line": "AT+CSQ" }`: the line goes to the module as if the DTE had typed it, CR
   * added; its answer goes to the DTE's wire (if one is attached) and into the AT log.
   * Refused unless the emulator was started with `--control-dte`.
   */
  typeLine(body: unknown): { sent: string } {
    if (!this.dteInput) throw new InputError('typing DTE lines is off: start the emulator with --control-dte (library: control.dte)');
    const { line } = checkBody(DTE_BODY(), body);
    this.modem.receive(Buffer.from(`${line}\r`, 'latin1'));
    return { sent: line };
  }

  state(): ModemState {
    const m = this.modem;
    const radio = m.cfun === 1 && m.networkAvailable;
    return {
      t: m.clock.now(),
      dte: { attached: m.dteConnected },
      power: { on: m.powered, frozen: m.frozen, cfun: m.cfun, synced: m.synced },
      sim: m.sim,
      registration: { stat: m.regStat, registered: m.isRegistered, attached: m.gprsAttached },
      signal: radio ? { rssi: m.rssi, ber: m.ber } : { rssi: 99, ber: 99 },
      bearers: m.bearers.all().map((b) => ({ cid: b.cid, status: b.status, ip: b.ip, apn: b.params.APN, contype: b.params.CONTYPE, user: b.params.USER, pwd: mask(b.params.PWD) })),
      // mqtt and files are among them (their families' snapshots), typed above.
      ...(m.snapshots() as Pick<ModemState, 'mqtt' | 'files'>),
      settings: { ...m.settings },
      rtc: m.rtc.format(),
      faults: this.faults.list(),
      link: { open: this.faults.link.open, counters: { ...this.faults.link.counters }, state: this.faults.link.state },
    };
  }

  /** `{ name, params?, duration? }` → the active fault (null for a moment-only fault). */
  inject(body: unknown): ActiveFault | null {
    // The shape here; the name, the parameters and the duration are the fault controller's to check.
    const b = checkBody(INJECT_BODY(), body);
    return this.faults.inject(b.name as string, b.params, { duration: b.duration as string | number | undefined });
  }

  clear(name: string): boolean {
    return this.faults.clear(name);
  }

  async c2d(body: unknown): Promise<void> {
    await this.cloud.c2d(checkC2d(body));
  }

  /**
   * A cloud-to-device message through the hub stand-in: the hub refuses the plain cloud
   * client (it is no device), so Azure messages go through the hub itself.
   */
  async azureC2d(body: unknown): Promise<C2DResult> {
    const m = checkAzureC2d(body);
    if (!this.azureHub) throw new InputError('no Azure hub stand-in: start the emulator with --azure-hub id:key');
    try {
      return await this.azureHub.sendC2D(m.deviceId, m.payload, { messageId: m.messageId, properties: m.properties });
    } catch (err) {
      throw new InputError((err as Error).message);
    }
  }

  published(opts: { topic?: string; source?: 'device' | 'cloud'; since?: number } = {}): CloudMessage[] {
    return this.cloud.published(opts);
  }

  log(since?: number, limit?: number): AtLogEntry[] {
    return this.atLog.read(since, limit);
  }

  /** The HTTP exchanges (AT+HTTPACTION) after id `since`, oldest first (docs/http.md). */
  http(opts: { since?: number } = {}): HttpExchange[] {
    return this.modem.feature(httpService).exchanges(opts.since);
  }

  /** The PWRKEY: off says NORMAL POWER DOWN (manual URC table), on boots, reboot restarts. */
  power(action: unknown): ModemState['power'] {
    const m = this.modem;
    switch (action as PowerAction) {
      case 'on':
        if (!m.powered) m.powerOn();
        break;
      case 'off':
        if (m.powered) m.powerDown('NORMAL POWER DOWN');
        break;
      case 'reboot':
        m.restart();
        break;
      default:
        throw new InputError('"action" must be one of on, off, reboot');
    }
    return this.state().power;
  }

  static catalog = FaultController.catalog;
}
