/**
 * Each modem of a fleet is a device of its own to the backend: its own IMEI, IMSI and
 * ICCID, derived from the configured (or default) ones and the device's index. Modem 0
 * keeps the configured identity exactly; every IMEI is Luhn-valid, as the configured one
 * must be (src/modem/config.ts).
 *
 * The index is the device's place in the whole fleet: with shards (src/fleet/shard.ts)
 * shard I's modem i is device I × modems + i, so shards never share an identity.
 */
import { luhnDigit, type ModemConfig } from '../modem/config';

export { luhnDigit };

/** A digit string plus n, same length (wraps around rather than growing). */
export function addToDigits(digits: string, n: number): string {
  if (!/^\d+$/.test(digits)) return digits; // not numeric: left alone
  const mod = 10n ** BigInt(digits.length);
  return ((BigInt(digits) + BigInt(n)) % mod).toString().padStart(digits.length, '0');
}

/**
 * An IMEI is TAC (8 digits: the model, which a backend may check) + serial number (6)
 * + check digit: only the serial varies, so a fleet stays SIM800s and at most 10^6
 * devices have distinct IMEIs.
 */
const TAC_DIGITS = 8;

/** The ICCID's number, and its trailing F (the filler nibble) if any. */
const iccidParts = (iccid: string) => /^(\d+)(F?)$/i.exec(iccid);

/**
 * How many devices get distinct identities from this base: the IMEI's serial number
 * space (10^6), and the IMSI's and ICCID's digit spaces.
 */
export function identityCapacity(base: Pick<ModemConfig, 'imei' | 'imsi' | 'iccid'>): number {
  const digits = (s: string) => (/^\d+$/.test(s) ? 10 ** Math.min(s.length, 15) : Infinity);
  const iccid = iccidParts(base.iccid);
  return Math.min(10 ** (14 - TAC_DIGITS), digits(base.imsi), iccid ? digits(iccid[1]) : Infinity);
}

/**
 * Device `index`'s identity: the IMEI's serial number + index (wrapping within its six
 * digits) with a fresh check digit, IMSI and ICCID + index.
 */
export function identityFor(base: Pick<ModemConfig, 'imei' | 'imsi' | 'iccid'>, index: number): Pick<ModemConfig, 'imei' | 'imsi' | 'iccid'> {
  if (index === 0) return { imei: base.imei, imsi: base.imsi, iccid: base.iccid };
  const body = base.imei.slice(0, TAC_DIGITS) + addToDigits(base.imei.slice(TAC_DIGITS, 14), index);
  const iccid = iccidParts(base.iccid);
  return {
    imei: body + luhnDigit(body),
    imsi: addToDigits(base.imsi, index),
    iccid: iccid ? addToDigits(iccid[1], index) + iccid[2] : base.iccid,
  };
}
