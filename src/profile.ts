/**
 * Timing profiles: every delay the modem shows comes from one of these objects.
 * `instant` answers as fast as possible (tests, CI); `realistic` follows figures
 * measured on real modules (SAPBR=1,1 ≈ 1.3 s; CFUN=0: +CPIN: NOT READY after ≈ 0.4 s,
 * OK later; a plain SMCONN 1–5 s: docs/faults.md, timing profiles).
 * A profile file (`--profile-file`) names a base profile and overrides any figure.
 */
import type { z } from 'zod';
import { parseJsonObject, readFlagFile } from './flagFile';
import { OptionError } from './optionError';
import { fileKeyPath, lazy, parseOrThrow, strictObject, zod } from './schema';
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
  /** AT+CIPSTART: added to the real connect before `CONNECT OK` (the handshake's GPRS round trips). */
  tcpConnectMs: number;
  /** Added to a name's resolution (AT+CIPSTART, AT+CDNSGIP). */
  dnsMs: number;
  /** AT+CIPSEND with CIPQSEND=0: from the data leaving to `SEND OK` (the peer's ACK). */
  tcpSendMs: number;
  /** AT+CIPPING: each reply's round trip (no ICMP is sent). */
  pingMs: number;
  /** The GPRS link's rate, bits/s, module → network and back; 0 = no cap (TCP/IP sockets). */
  gprsUpBps: number;
  gprsDownBps: number;
  /** Each delay varies by ± this fraction (seeded: `--seed`). */
  jitter: number;
}

/** The figures a profile file may set: every number of a profile. */
export type TimingKey = Exclude<keyof TimingProfile, 'name'>;
export type DelayKey = Exclude<TimingKey, 'jitter' | 'gprsUpBps' | 'gprsDownBps'>;

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
    tcpConnectMs: 0,
    dnsMs: 0,
    tcpSendMs: 0,
    pingMs: 0,
    gprsUpBps: 0,
    gprsDownBps: 0,
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
    // GPRS class 10 at CS-2: 2 uplink / 4 downlink slots of 13.4 kbit/s, less overhead.
    tcpConnectMs: 1200,
    dnsMs: 400,
    tcpSendMs: 600,
    pingMs: 450,
    gprsUpBps: 21400,
    gprsDownBps: 42800,
    jitter: 0.1,
  },
};

export const TIMING_KEYS = Object.keys(PROFILES.instant).filter((k) => k !== 'name') as TimingKey[];

/** Largest figure a file may set: a day. Anything longer is a typo, not a test. */
const MAX_MS = 86_400_000;
/** Largest link rate a file may set (bits/s): far above any GPRS class. */
const MAX_BPS = 100_000_000;

export function resolveProfile(name: string, overrides: Partial<Record<TimingKey, number>> = {}): TimingProfile {
  const p = PROFILES[name];
  if (!p) throw new OptionError('profile', `unknown timing profile "${name}" (known: ${Object.keys(PROFILES).join(', ')})`);
  return { ...p, ...overrides };
}

/** A profile file: `base` and any figure; a delay's bound is a day, a rate's 100 Mbit/s, jitter's 1. Built on first use. */
const profileFileSchema = lazy(() =>
  strictObject(
    {
      base: zod().enum(Object.keys(PROFILES) as [string, ...string[]], { error: `must be one of ${Object.keys(PROFILES).join(', ')}` }).default('instant'),
      ...(Object.fromEntries(
        TIMING_KEYS.map((key) => {
          const max = key === 'jitter' ? 1 : key.endsWith('Bps') ? MAX_BPS : MAX_MS;
          const figure = `must be a number from 0 to ${max}`;
          return [key, zod().number({ error: figure }).min(0, { error: figure }).max(max, { error: figure }).optional()];
        }),
      ) as Record<TimingKey, z.ZodOptional<z.ZodNumber>>),
    },
    'must hold a JSON object',
    (key) => `unknown key "${key}" (known: base, ${TIMING_KEYS.join(', ')})`,
  ),
);

/**
 * Parses a profile file's text: `{ "base": "realistic", "bearerOpenMs": 5000, ... }`.
 * Throws a one-line OptionError naming the file and the bad key.
 */
export function parseProfileText(text: string, name: string): TimingProfile {
  const fail = (m: string) => new OptionError('profileFile', m);
  const data = parseJsonObject(text, name, fail);
  const { base, ...overrides } = parseOrThrow(profileFileSchema(), data, (p) => (p.length === 0 ? name : `${name}: ${fileKeyPath(p)}`), fail);
  const figures = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as Partial<Record<TimingKey, number>>;
  return { ...resolveProfile(base, figures), name: `${base}+${path(name)}` };
}

const path = (file: string) => file.split(/[\\/]/).pop() ?? file;

export function loadProfileFile(file: string): TimingProfile {
  return parseProfileText(readFlagFile(file, '--profile-file', (m) => new OptionError('profileFile', m)), file);
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
