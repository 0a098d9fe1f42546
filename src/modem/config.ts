/**
 * What a user may set about the emulated module: identity strings, SIM, network and
 * battery figures. Defaults are values a real SIM800L shows (README, configuration).
 */
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
}

export const DEFAULT_MODEM_CONFIG: ModemConfig = {
  ati: 'SIM800 R14.18',
  manufacturer: 'SIMCOM_Ltd',
  model: 'SIMCOM_SIM800L',
  revision: 'Revision:1418B05SIM800L24',
  imei: '866782041234567',
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
};

/** Checks a partial config from a file or the library; throws an Error naming the problem. */
export function mergeModemConfig(partial: unknown): ModemConfig {
  if (partial === undefined || partial === null) return { ...DEFAULT_MODEM_CONFIG };
  if (typeof partial !== 'object' || Array.isArray(partial)) throw new Error('modem config must be an object');
  const out: ModemConfig = { ...DEFAULT_MODEM_CONFIG, battery: { ...DEFAULT_MODEM_CONFIG.battery } };
  for (const [key, value] of Object.entries(partial as Record<string, unknown>)) {
    if (!(key in DEFAULT_MODEM_CONFIG)) throw new Error(`unknown modem setting "${key}"`);
    const def = (DEFAULT_MODEM_CONFIG as unknown as Record<string, unknown>)[key];
    if (key === 'battery') {
      if (typeof value !== 'object' || value === null) throw new Error('modem setting "battery" must be an object');
      for (const [bk, bv] of Object.entries(value)) {
        if (!(bk in out.battery) || typeof bv !== 'number') throw new Error(`bad modem setting "battery.${bk}"`);
        (out.battery as Record<string, number>)[bk] = bv;
      }
      continue;
    }
    if (key === 'ussd') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('modem setting "ussd" must be an object of code: reply');
      for (const [code, reply] of Object.entries(value)) if (typeof reply !== 'string') throw new Error(`bad modem setting "ussd.${code}": the reply must be a string`);
      out.ussd = { ...(value as Record<string, string>) };
      continue;
    }
    if (typeof value !== typeof def) throw new Error(`modem setting "${key}" must be a ${typeof def}`);
    (out as unknown as Record<string, unknown>)[key] = value;
  }
  const ranges: [keyof ModemConfig, number, number][] = [
    ['rssi', 0, 99],
    ['ber', 0, 99],
    ['timezone', -47, 48],
    ['dst', 0, 2],
    ['smsCapacity', 1, 255],
    ['meSmsCapacity', 1, 255],
    ['spnDisplayMode', 0, 1],
  ];
  for (const [k, lo, hi] of ranges) {
    const v = out[k] as number;
    if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`modem setting "${k}" must be an integer in ${lo}..${hi}`);
  }
  if (!/^[A-Za-z0-9.-]{1,32}$/.test(out.azureApiVersion)) throw new Error('modem setting "azureApiVersion" must be a version like 2018-06-30');
  if (!/^\+?\d{1,20}$/.test(out.smsc)) throw new Error('modem setting "smsc" must be a phone number like +8613800100500');
  if (!IPR_RATES.includes(out.ipr)) throw new Error(`modem setting "ipr" must be one of ${IPR_RATES.join(', ')}`);
  if (!/^(\+?[0-9]{1,20})?$/.test(out.ownNumber)) throw new Error('modem setting "ownNumber" must be up to 20 digits, optionally after a +');
  if (!Number.isFinite(out.temperature) || out.temperature < -40 || out.temperature > 95) throw new Error('modem setting "temperature" must be a number in -40..95');
  for (const k of ['ownNumberName', 'spn', 'flashDevice'] as const) {
    // These are printed inside quotes or on a line of their own.
    if (/["\r\n]/.test(out[k])) throw new Error(`modem setting "${k}" must not contain a quote or a line break`);
  }
  parseIpPool(out.ipPool);
  return out;
}

export const IPR_RATES: readonly number[] = [0, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800];

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
