/**
 * What can go wrong, as a table. Each fault says which conditions hold while it is
 * active (merged across active faults and applied by the controller as transitions, so
 * the modem emits the URCs the real module shows), and what happens at the moment it is
 * injected or cleared. docs/faults.md lists the exact URCs of each.
 */
import { smsFeature } from '../commands/features';
import type { Modem } from '../modem/modem';
import type { Direction, FaultLink, LinkState } from './link';
import type { ParamTable, ParamValues, ParamSpec } from './params';
import type { FaultWire, WireDirection } from './wire';

/** The state of the world the active faults add up to. */
export interface Conditions {
  /** The SIM is in its holder. */
  sim: boolean;
  /** The radio network is there (registration possible). */
  network: boolean;
  /** The network accepts PDP activation. */
  gprs: boolean;
  signal: { rssi: number; ber: number } | null;
  /** What AT+CBC reads instead of the configured battery (a supply dip). */
  battery: { voltage: number; bcl: number } | null;
  frozen: 'drop' | 'hold' | null;
  garble: { rate: number; direction: WireDirection } | null;
  broker: LinkState['broker'];
  delay: LinkState['delay'];
  loss: LinkState['loss'];
  /** HTTP servers can be reached (AT+HTTPACTION). */
  http: boolean;
  /** Milliseconds every HTTP response waits before the module sees it. */
  httpDelay: number | null;
}

export const NORMAL: Readonly<Conditions> = {
  sim: true,
  network: true,
  gprs: true,
  signal: null,
  battery: null,
  frozen: null,
  garble: null,
  broker: null,
  delay: null,
  loss: null,
  http: true,
  httpDelay: null,
};

export interface FaultContext {
  modem: Modem;
  link: FaultLink;
  wire: FaultWire;
  /** Runs fn after ms on the modem's clock unless the fault is cleared first. */
  after(ms: number, fn: () => void): void;
}

export interface FaultDef {
  summary: string;
  params: ParamTable;
  /** `always`: active until cleared; `never`: a moment only; `withDuration`: a moment, or a window when given a duration. */
  lasting: 'always' | 'never' | 'withDuration';
  conditions?(p: ParamValues): Partial<Conditions>;
  inject?(ctx: FaultContext, p: ParamValues): void;
  clear?(ctx: FaultContext, p: ParamValues): void;
}

const num = (min: number, max: number, dflt: number, doc: string, extra: Partial<Extract<ParamSpec, { type: 'number' }>> = {}): ParamSpec => ({ type: 'number', min, max, default: dflt, doc, ...extra });
const direction = (dflt: Direction, doc: string): ParamSpec => ({ type: 'enum', values: ['up', 'down', 'both'], default: dflt, doc });

/** The power comes back: the module boots again (power-up URCs at a fixed rate). */
const powerBack = ({ modem }: FaultContext) => {
  if (!modem.powered) modem.powerOn();
};

export const FAULTS = {
  registrationLost: {
    summary: 'the network is gone: +CREG: 2 (searching, per AT+CREG n), bearers +SAPBR 1: DEACT, MQTT +SMSTATE: 0, AT+CSQ 99,99; clear: +CREG: 1',
    params: {},
    lasting: 'always',
    conditions: () => ({ network: false }),
  },
  bearerDrop: {
    summary: 'the network deactivates the PDP context: +SAPBR <cid>: DEACT, MQTT +SMSTATE: 0, TCP/IP connections CLOSED and +PDP: DEACT (context 1); with a duration, AT+SAPBR=1, AT+CIICR and AT+CIPSTART fail until it ends',
    params: { cid: num(0, 3, 1, 'bearer to drop; 0 = every open one', { integer: true }) },
    lasting: 'withDuration',
    conditions: () => ({ gprs: false }),
    inject({ modem }, p) {
      modem.dropContext(p.cid as number);
    },
  },
  brokerDown: {
    summary: 'the broker is unreachable: live MQTT links are cut (+SMSTATE: 0, the broker sends the will), AT+SMCONN answers +CME ERROR: 161',
    params: {},
    lasting: 'always',
    conditions: () => ({ broker: 'down' }),
    inject: ({ link }) => link.cutAll(),
  },
  brokerRefuse: {
    summary: 'the broker refuses new connections with a CONNACK return code: AT+SMCONN answers +CME ERROR: 767',
    params: { code: num(1, 5, 5, 'CONNACK return code: 1 protocol, 2 client id, 3 unavailable, 4 credentials, 5 not authorized', { integer: true }) },
    lasting: 'always',
    conditions: (p) => ({ broker: { refuse: p.code as number } }),
  },
  brokerSlow: {
    summary: 'every MQTT packet waits ms on the link, in order: acks later than TIMEOUT end in +SMSUB/+SMPUB/+SMUNSUB: <id>,1',
    params: { ms: num(0, 600_000, 2000, 'delay per packet, milliseconds'), direction: direction('down', 'down: broker → module (acks, deliveries); up; both') },
    lasting: 'always',
    conditions: (p) => ({ delay: { ms: p.ms as number, direction: p.direction as Direction } }),
  },
  packetLoss: {
    summary: 'a fraction of whole MQTT packets vanish on the link (seeded): lost PUBLISH/PUBACK end in status 1 after TIMEOUT',
    params: { rate: num(0, 1, 0.1, 'fraction of packets lost'), direction: direction('both', 'up, down or both') },
    lasting: 'always',
    conditions: (p) => ({ loss: { rate: p.rate as number, direction: p.direction as Direction } }),
  },
  signal: {
    summary: 'AT+CSQ shows this rssi and ber; rssi 99 (no signal) also loses registration',
    params: {
      rssi: num(0, 31, 5, 'received signal strength 0..31, 99 = none', { integer: true, also: [99] }),
      ber: num(0, 7, 0, 'bit error rate 0..7, 99 = unknown', { integer: true, also: [99] }),
    },
    lasting: 'always',
    conditions: (p) => ({ signal: { rssi: p.rssi as number, ber: p.ber as number }, network: p.rssi !== 99 }),
  },
  simRemoved: {
    summary: 'the SIM leaves its holder: +CSMINS: 1,0 (with AT+CSMINS=1), +CPIN: NOT READY, AT+CPIN? answers +CME ERROR: 10, registration and bearers go; clear: +CSMINS: 1,1 (with AT+CSMINS=1), +CPIN: READY, Call Ready, SMS Ready',
    params: {},
    lasting: 'always',
    conditions: () => ({ sim: false }),
  },
  powerDown: {
    summary: 'NORMAL POWER DOWN, then silence; clear: the module powers up again',
    params: {},
    lasting: 'always',
    inject: ({ modem }) => modem.powerDown('NORMAL POWER DOWN'),
    clear: powerBack,
  },
  underVoltage: {
    summary:
      'UNDER-VOLTAGE WARNNING (the module\'s spelling), after the profile\'s underVoltageMs UNDER-VOLTAGE POWER DOWN and silence; AT+CBC reads the low supply meanwhile; clear: power up again, AT+CBC as configured',
    params: {
      powerDown: { type: 'enum', values: ['yes', 'no'], default: 'yes', doc: 'no: only the warning (a dip that recovers)' },
      // SIM800 Hardware Design V1.10 §4.2.2.3: the warning at VBAT ≤ 3.49 V, the power-down below 3.39 V.
      voltage: num(3390, 3490, 3450, 'mV that AT+CBC reads while the fault lasts (the warning threshold is 3490)', { integer: true }),
      bcl: num(1, 100, 5, 'charge % that AT+CBC reads while the fault lasts', { integer: true }),
    },
    lasting: 'always',
    conditions: (p) => ({ battery: { voltage: p.voltage as number, bcl: p.bcl as number } }),
    inject(ctx, p) {
      ctx.modem.urc('UNDER-VOLTAGE WARNNING');
      if (p.powerDown === 'yes') ctx.after(ctx.modem.timing.delay('underVoltageMs'), () => ctx.modem.powerDown('UNDER-VOLTAGE POWER DOWN'));
    },
    clear: powerBack,
  },
  reboot: {
    summary: 'the module restarts by itself: a running command never answers, sessions end silently, the power-up URCs follow',
    params: {},
    lasting: 'never',
    inject: ({ modem }) => modem.restart(),
  },
  freeze: {
    summary: 'no answer at all until cleared (or for its duration): input is lost (input: hold keeps it for later), output is held and comes out on thaw',
    params: { input: { type: 'enum', values: ['drop', 'hold'], default: 'drop', doc: 'drop: bytes sent meanwhile are lost; hold: read after the thaw' } },
    lasting: 'always',
    conditions: (p) => ({ frozen: p.input as 'drop' | 'hold' }),
  },
  garble: {
    summary: 'a fraction of UART bytes get one bit flipped (seeded): rx = DTE → module, tx = module → DTE',
    params: { rate: num(0, 1, 0.01, 'fraction of bytes damaged'), direction: { type: 'enum', values: ['rx', 'tx', 'both'], default: 'both', doc: 'rx, tx or both' } },
    lasting: 'always',
    conditions: (p) => ({ garble: { rate: p.rate as number, direction: p.direction as WireDirection } }),
  },
  smsSendFail: {
    summary: 'sending an SMS fails: AT+CMGS / AT+CMSS answer +CMS ERROR: <code> after the text (default 500, unknown error)',
    params: { code: num(1, 555, 500, 'the +CMS ERROR code: 27.005 §3.2.5, 1-127 network causes (38 network out of order, 42 congestion)', { integer: true }) },
    lasting: 'always',
    inject: ({ modem }, p) => modem.feature(smsFeature).setFault('sendFail', p.code as number),
    clear: ({ modem }) => modem.feature(smsFeature).setFault('sendFail', null),
  },
  smsServiceLost: {
    summary: 'the network loses SMS service: sending answers +CMS ERROR: 331; messages to the device wait in the network; clear: they arrive (+CMTI)',
    params: {},
    lasting: 'always',
    inject: ({ modem }) => modem.feature(smsFeature).setFault('serviceLost', true),
    clear: ({ modem }) => modem.feature(smsFeature).setFault('serviceLost', false),
  },
  smsStoreFull: {
    summary: 'every message memory is full: AT+CMGW answers +CMS ERROR: 322; messages to the device wait in the network; clear: they arrive (+CMTI)',
    params: {},
    lasting: 'always',
    inject: ({ modem }) => modem.feature(smsFeature).setFault('storeFull', true),
    clear: ({ modem }) => modem.feature(smsFeature).setFault('storeFull', false),
  },
  httpDown: {
    summary: 'HTTP servers are unreachable: every AT+HTTPACTION connection is refused, +HTTPACTION: <m>,601,0',
    params: {},
    lasting: 'always',
    conditions: () => ({ http: false }),
  },
  httpSlow: {
    summary: 'every HTTP response reaches the module ms later (modem clock): past the TIMEOUT parameter, +HTTPACTION: <m>,601,0',
    params: { ms: num(0, 3_600_000, 5000, 'delay per response, milliseconds') },
    lasting: 'always',
    conditions: (p) => ({ httpDelay: p.ms as number }),
  },
} satisfies Record<string, FaultDef>;

export type FaultName = keyof typeof FAULTS;
export const FAULT_NAMES = Object.keys(FAULTS) as FaultName[];

/**
 * How each condition reaches the module. Applied only when its value changes, in this
 * order (the SIM before registration, so removing it reports +CPIN before +CREG).
 */
export type ApplyTargets = Pick<FaultContext, 'modem' | 'link' | 'wire'>;
export const APPLY: { [K in keyof Conditions]: (t: ApplyTargets, value: Conditions[K]) => void } = {
  sim: ({ modem }, v) => modem.setSimInserted(v),
  network: ({ modem }, v) => modem.setNetworkAvailable(v),
  gprs: ({ modem }, v) => modem.setGprsAvailable(v),
  signal: ({ modem }, v) => modem.setSignal(v),
  battery: ({ modem }, v) => modem.setBattery(v),
  frozen: ({ wire }, v) => (v ? wire.freeze(v) : wire.thaw()),
  garble: ({ wire }, v) => void (wire.garble = v),
  broker: ({ link }, v) => void (link.state.broker = v),
  delay: ({ link }, v) => void (link.state.delay = v),
  loss: ({ link }, v) => void (link.state.loss = v),
  http: ({ link }, v) => void (link.http.down = !v),
  httpDelay: ({ link }, v) => void (link.http.delayMs = v ?? 0),
};
