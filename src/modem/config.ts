/**
 * What a user may set about the emulated module: identity strings, SIM, network and
 * battery figures. Defaults are values a real SIM800L shows; every value is checked
 * against what the module can show (a Luhn-valid IMEI, AT+CSQ's rssi range, text that
 * fits in quotes on one line), so a config cannot make it print what no module would.
 */
import { lazy, parseOrThrow, strictObject, zod } from '../schema';
import { OptionError } from '../optionError';

export interface ModemConfig {
  /** ATI: product and revision. */
  ati: string;
  /** AT+CGMI / AT+GMI. */
  manufacturer: string;
  /** AT+CGMM / AT+GMM. */
  model: string;
  /** AT+CGMR / AT+GMR, with no space after the colon, as real modules print it. */
  revision: string;
  imei: string;
  imsi: string;
  iccid: string;
  simInserted: boolean;
  operatorLong: string;
  operatorShort: string;
  mcc: string;
  mnc: string;
  /** Location area code and cell id, hex, for AT+CREG=2. */
  lac: string;
  ci: string;
  rssi: number;
  ber: number;
  battery: { bcs: number; bcl: number; voltage: number };
  /** Network time zone in quarter hours (+32 = UTC+8), sent with NITZ. */
  timezone: number;
  dst: number;
  /** Addresses handed to the bearer, `a.b.c.d/len`; the first host address goes first. */
  ipPool: string;
  /** UART rate before any AT+IPR was saved: 0 = autobaud (the factory default). */
  ipr: number;
  /** The api-version AT+SAZURECONF puts into the hub's MQTT user name (docs/azure.md). */
  azureApiVersion: string;
  /** The SIM's SMS service centre address (AT+CSCA?), docs/sms.md. */
  smsc: string;
  /** Locations of the SIM's message store (SM) and of the module's (ME). */
  smsCapacity: number;
  meSmsCapacity: number;
  /** USSD codes and the network's replies (`{ "*100#": "Your balance is …" }`). */
  ussd: Record<string, string>;
  /** AT+CNUM: the SIM's own number (MSISDN), with `+` when international; "" = none stored (bare OK). */
  ownNumber: string;
  /** AT+CNUM <alpha>: the name stored with the own number ("" = none). */
  ownNumberName: string;
  /** AT+CSPN?: the service provider name stored on the SIM. */
  spn: string;
  /** AT+CSPN? <display mode>: 0 the PLMN is not displayed (already registered on it), 1 it is. */
  spnDisplayMode: number;
  /** AT+CMTE?: the module's temperature in °C, -40..95, printed with two decimals. */
  temperature: number;
  /** AT+CDEVICE?: the flash device type printed after `Device Name: `. */
  flashDevice: string;
  /** Where AT+CIPGSMLOC places the module (degrees; docs/tcpip.md). */
  latitude: number;
  longitude: number;
}

export const DEFAULT_MODEM_CONFIG: ModemConfig = {
  ati: 'SIM800 R14.18',
  manufacturer: 'SIMCOM_Ltd',
  model: 'SIMCOM_SIM800L',
  revision: 'Revision:1418B05SIM800L24',
  // 86678204123456 and its Luhn check digit.
  imei: '866782041234564',
  imsi: '460008184101641',
  iccid: '89860081090648812345',
  simInserted: true,
  operatorLong: 'CHINA MOBILE',
  operatorShort: 'CMCC',
  mcc: '460',
  mnc: '00',
  lac: '1A2B',
  ci: '0C3D',
  rssi: 18,
  ber: 0,
  battery: { bcs: 0, bcl: 97, voltage: 4177 },
  timezone: 32,
  dst: 0,
  ipPool: '10.89.193.0/24',
  ipr: 0,
  azureApiVersion: '2018-06-30',
  smsc: '+8613800100500',
  smsCapacity: 50,
  meSmsCapacity: 50,
  ussd: {},
  ownNumber: '',
  ownNumberName: '',
  spn: 'CMCC',
  spnDisplayMode: 0,
  temperature: 25,
  flashDevice: 'NOR 24Mbit',
  // FONA's sample AT+CIPGSMLOC answer: lower Manhattan.
  latitude: 40.73016,
  longitude: -74.007729,
};

/** The Luhn check digit of a digit string (an IMEI's 15th digit). */
export function luhnDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    // Doubled: every second digit counting from the right end of the body.
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

/** 15 digits, the last the Luhn check digit of the first 14 (3GPP TS 23.003). */
export function isValidImei(imei: string): boolean {
  return /^\d{15}$/.test(imei) && luhnDigit(imei.slice(0, 14)) === imei[14];
}

export const IPR_RATES: readonly number[] = [0, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800];

const setting = (key: string) => `modem setting "${key}"`;

/**
 * Text the module prints: inside quotes on one line (`+COPS: 0,0,"CHINA MOBILE"`), so
 * no CR, LF or double quote, which would end the line or the string early.
 */
const text = (key: string) =>
  zod()
    .string({ error: `${setting(key)} must be a string` })
    .refine((v) => !/[\r\n"]/.test(v), { error: `${setting(key)} must not contain a quote or a line break` });

const integer = (key: string, lo: number, hi: number, also: readonly number[] = []) =>
  zod().number({ error: `${setting(key)} must be a number` }).refine((v) => Number.isInteger(v) && ((v >= lo && v <= hi) || also.includes(v)), {
    error: also.length ? `${setting(key)} must be an integer from ${lo} to ${hi} or ${also.join(', ')}` : `${setting(key)} must be an integer in ${lo}..${hi}`,
  });

const batteryFigure = (key: string) => zod().number({ error: `bad ${setting(`battery.${key}`)}` });

/** Every setting, as the module can show it; absent ones keep their defaults. Built on first use (zod loads then). */
const modemConfigSchema = lazy(() => {
  const z = zod();
  return strictObject(
    {
      ati: text('ati'),
      manufacturer: text('manufacturer'),
      model: text('model'),
      revision: text('revision'),
      imei: text('imei').refine((v) => /^\d{15}$/.test(v), { error: `${setting('imei')} must be 15 digits` }).refine(isValidImei, {
        error: (iss) => `${setting('imei')} must end in its Luhn check digit: "${String(iss.input)}" should end in ${luhnDigit(String(iss.input).slice(0, 14))}`,
      }),
      // 3GPP TS 23.003: at most 15 digits.
      imsi: text('imsi').refine((v) => /^\d{1,15}$/.test(v), { error: `${setting('imsi')} must be 1 to 15 digits` }),
      // Digits; F is the filler nibble real cards show (the manual's AT+CCID example holds one).
      iccid: text('iccid').refine((v) => /^[0-9F]{1,20}$/i.test(v), { error: `${setting('iccid')} must be up to 20 digits (F, the filler digit, allowed)` }),
      simInserted: z.boolean({ error: `${setting('simInserted')} must be a boolean` }),
      operatorLong: text('operatorLong'),
      operatorShort: text('operatorShort'),
      mcc: text('mcc'),
      mnc: text('mnc'),
      lac: text('lac'),
      ci: text('ci'),
      // AT+CSQ: 0..31, or 99 for not known.
      rssi: integer('rssi', 0, 31, [99]),
      ber: integer('ber', 0, 99),
      battery: strictObject({ bcs: batteryFigure('bcs'), bcl: batteryFigure('bcl'), voltage: batteryFigure('voltage') }, `${setting('battery')} must be an object`, (k) => `bad ${setting(`battery.${k}`)}`).partial(),
      timezone: integer('timezone', -47, 48),
      dst: integer('dst', 0, 2),
      ipPool: text('ipPool').refine(
        (v) => {
          try {
            parseIpPool(v);
            return true;
          } catch {
            return false;
          }
        },
        { error: (iss) => ipPoolProblem(String(iss.input)) },
      ),
      ipr: z.number({ error: `${setting('ipr')} must be a number` }).refine((v) => IPR_RATES.includes(v), { error: `${setting('ipr')} must be one of ${IPR_RATES.join(', ')}` }),
      ownNumber: text('ownNumber').refine((v) => /^(\+?[0-9]{1,20})?$/.test(v), { error: `${setting('ownNumber')} must be up to 20 digits, optionally after a +` }),
      ownNumberName: text('ownNumberName'),
      spn: text('spn'),
      spnDisplayMode: integer('spnDisplayMode', 0, 1),
      temperature: z
        .number({ error: `${setting('temperature')} must be a number` })
        .refine((v) => Number.isFinite(v) && v >= -40 && v <= 95, { error: `${setting('temperature')} must be a number in -40..95` }),
      flashDevice: text('flashDevice'),
      latitude: z.number({ error: `${setting('latitude')} must be a number` }).refine((v) => Number.isFinite(v) && v >= -90 && v <= 90, { error: `${setting('latitude')} must be a number in -90..90` }),
      longitude: z.number({ error: `${setting('longitude')} must be a number` }).refine((v) => Number.isFinite(v) && v >= -180 && v <= 180, { error: `${setting('longitude')} must be a number in -180..180` }),
      smsc: text('smsc').refine((v) => /^\+?\d{1,20}$/.test(v), { error: `${setting('smsc')} must be a phone number like +8613800100500` }),
      smsCapacity: integer('smsCapacity', 1, 255),
      meSmsCapacity: integer('meSmsCapacity', 1, 255),
      ussd: z.record(z.string(), z.string({ error: `${setting('ussd')}: the reply must be a string` }), { error: `${setting('ussd')} must be an object of code: reply` }),
      azureApiVersion: text('azureApiVersion').refine((v) => /^[A-Za-z0-9.-]{1,32}$/.test(v), { error: `${setting('azureApiVersion')} must be a version like 2018-06-30` }),
    },
    'modem config must be an object',
    (key) => `unknown ${setting(key)}`,
  ).partial();
});

function ipPoolProblem(pool: string): string {
  try {
    parseIpPool(pool);
    return '';
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Checks a partial config from a file or the library against what the module can show;
 * throws an OptionError (`option`: `modem.<key>`) whose message names the setting.
 */
export function mergeModemConfig(partial: unknown): ModemConfig {
  if (partial === undefined || partial === null) return { ...DEFAULT_MODEM_CONFIG, battery: { ...DEFAULT_MODEM_CONFIG.battery } };
  const given = parseOrThrow(
    modemConfigSchema(),
    partial,
    () => '',
    (line, problem) => new OptionError(['modem', ...problem.path.map(String)].join('.'), line),
  );
  return { ...DEFAULT_MODEM_CONFIG, ...given, battery: { ...DEFAULT_MODEM_CONFIG.battery, ...given.battery } } as ModemConfig;
}

export function parseIpPool(pool: string): { base: number; size: number } {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(pool);
  if (!m) throw new Error(`ipPool "${pool}" is not a.b.c.d/len`);
  const octets = m.slice(1, 5).map(Number);
  const len = Number(m[5]);
  if (octets.some((o) => o > 255) || len < 8 || len > 30) throw new Error(`ipPool "${pool}" is not a usable network`);
  const addr = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return { base: (addr & mask) >>> 0, size: 2 ** (32 - len) - 2 };
}

export function ipToString(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}
