/**
 * Timing profiles: every delay the modem shows comes from one of these objects.
 * `instant` answers as fast as possible (tests, CI); `realistic` follows figures
 * measured on real modules (AT-REFERENCE §3.1, §3.3, §5: SAPBR=1,1 ≈ 1.3 s (T#184);
 * CFUN=0: +CPIN: NOT READY after ≈ 0.4 s, OK later (T#358); §6.1: plain SMCONN 1–5 s).
 * A profile file (`--profile-file`) names a base profile and overrides any figure.
 */
import { parseJsonObject, readFlagFile } from './flagFile';
import type { Random } from './random';

export interface TimingProfile {
  name: string;
  /** From power-on to RDY. */
  bootMs: number;
  /** From RDY to +CPIN: READY. */
  simReadyMs: number;
  /** From SIM ready to network registration (then Call Ready, SMS Ready, NITZ). */
  registerMs: number;
  /** AT+CFUN=1,1 or a reboot: OK, then the module is gone this long before booting. */
  restartMs: number;
  /** AT+SAPBR=1,1 until the PDP context is up. */
  bearerOpenMs: number;
  bearerCloseMs: number;
  /** Extra delay added to the MQTT broker's own round trips (connect, acks). */
  mqttConnectMs: number;
  /** Every command line: from its CR to the start of its answer. */
  commandMs: number;
  /** AT+CFUN=0/4: the radio switching off, before `+CPIN: NOT READY` / the DEACT notices. */
  cfunMs: number;
  /** AT+CFUN: from the notices to the OK. */
  cfunOkMs: number;
  /** Under-voltage fault: from `UNDER-VOLTAGE WARNNING` to `UNDER-VOLTAGE POWER DOWN`. */
  underVoltageMs: number;
  /** AT+CMGS/AT+CMSS: from Ctrl-Z to `+CMGS:` (the network's round trip, docs/sms.md). */
  smsSendMs: number;
  /** AT+CUSD: from OK to the network's `+CUSD:`. */
  ussdMs: number;
  /** ATD: from OK to the far end alerting. */
  alertMs: number;
  /** AT+HTTPACTION: the least time from the command to its +HTTPACTION URC (docs/http.md). */
  httpActionMs: number;
  /** Each delay varies by ± this fraction (seeded: `--seed`). */
  jitter: number;
}

/** The figures a profile file may set: every number of a profile. */
export type TimingKey = Exclude<keyof TimingProfile, 'name'>;
export type DelayKey = Exclude<TimingKey, 'jitter'>;

export const PROFILES: Readonly<Record<string, TimingProfile>> = {
  instant: {
    name: 'instant',
    bootMs: 0,
    simReadyMs: 0,
    registerMs: 0,
    restartMs: 0,
    bearerOpenMs: 0,
    bearerCloseMs: 0,
    mqttConnectMs: 0,
    commandMs: 0,
    cfunMs: 0,
    cfunOkMs: 0,
    underVoltageMs: 0,
    smsSendMs: 0,
    ussdMs: 0,
    alertMs: 0,
    httpActionMs: 0,
    jitter: 0,
  },
  realistic: {
    name: 'realistic',
    bootMs: 1500,
    simReadyMs: 800,
    registerMs: 3000,
    restartMs: 500,
    bearerOpenMs: 1280,
    bearerCloseMs: 300,
    mqttConnectMs: 1500,
    commandMs: 30,
    cfunMs: 400,
    cfunOkMs: 1000,
    underVoltageMs: 2000,
    smsSendMs: 2500,
    ussdMs: 2000,
    alertMs: 2000,
    httpActionMs: 2500,
    jitter: 0.1,
  },
};

export const TIMING_KEYS = Object.keys(PROFILES.instant).filter((k) => k !== 'name') as TimingKey[];

/** Largest figure a file may set: a day. Anything longer is a typo, not a test. */
const MAX_MS = 86_400_000;

export function resolveProfile(name: string, overrides: Partial<Record<TimingKey, number>> = {}): TimingProfile {
  const p = PROFILES[name];
  if (!p) throw new Error(`unknown timing profile "${name}" (known: ${Object.keys(PROFILES).join(', ')})`);
  return { ...p, ...overrides };
}

/**
 * Parses a profile file's text: `{ "base": "realistic", "bearerOpenMs": 5000, ... }`.
 * Throws a one-line Error naming the file and the bad key.
 */
export function parseProfileText(text: string, name: string): TimingProfile {
  const { base = 'instant', ...rest } = parseJsonObject(text, name, (m) => new Error(m));
  if (typeof base !== 'string' || !PROFILES[base]) throw new Error(`${name}: "base" must be one of ${Object.keys(PROFILES).join(', ')}`);
  const overrides: Partial<Record<TimingKey, number>> = {};
  for (const [key, value] of Object.entries(rest)) {
    if (!(TIMING_KEYS as string[]).includes(key)) throw new Error(`${name}: unknown key "${key}" (known: base, ${TIMING_KEYS.join(', ')})`);
    const max = key === 'jitter' ? 1 : MAX_MS;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
      throw new Error(`${name}: "${key}" must be a number from 0 to ${max}`);
    }
    overrides[key as TimingKey] = value;
  }
  return { ...resolveProfile(base, overrides), name: `${base}+${path(name)}` };
}

const path = (file: string) => file.split(/[\\/]/).pop() ?? file;

export function loadProfileFile(file: string): TimingProfile {
  return parseProfileText(readFlagFile(file, '--profile-file', (m) => new Error(m)), file);
}

/**
 * A profile's delays with seeded jitter. Every delay in the emulator is asked for here,
 * so one seed reproduces a run's timing exactly.
 */
export class Timing {
  constructor(
    readonly profile: TimingProfile,
    private readonly random: Random,
  ) {}

  /** The profile's figure ± jitter, in whole milliseconds; 0 stays 0 (instant stays instant). */
  delay(key: DelayKey): number {
    const base = this.profile[key];
    const j = this.profile.jitter;
    if (base <= 0 || j <= 0) return Math.max(0, base);
    return Math.max(0, Math.round(base * (1 + j * (2 * this.random.next() - 1))));
  }
}
