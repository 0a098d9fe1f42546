/**
 * Each modem of a fleet is a device of its own to the backend: its own IMEI, IMSI and
 * ICCID, derived from the configured (or default) ones by adding the modem's index.
 * Modem 0 keeps the configured identity exactly; every IMEI is Luhn-valid, as the
 * configured one must be (src/modem/config.ts).
 */
import { luhnDigit, type ModemConfig } from '../modem/config';

export { luhnDigit };

/** A digit string plus n, same length (wraps around rather than growing). */
export function addToDigits(digits: string, n: number): string {
  if (!/^\d+$/.test(digits)) return digits; // not numeric: left alone
  const mod = 10n ** BigInt(digits.length);
  return ((BigInt(digits) + BigInt(n)) % mod).toString().padStart(digits.length, '0');
}

/** Modem `index`'s identity: IMEI body + index with a fresh check digit, IMSI and ICCID + index. */
export function identityFor(base: Pick<ModemConfig, 'imei' | 'imsi' | 'iccid'>, index: number): Pick<ModemConfig, 'imei' | 'imsi' | 'iccid'> {
  if (index === 0) return { imei: base.imei, imsi: base.imsi, iccid: base.iccid };
  const body = addToDigits(base.imei.slice(0, 14), index);
  // An ICCID may end in F (filler nibble); the number is what comes before it.
  const iccid = /^(\d+)(F?)$/i.exec(base.iccid);
  return {
    imei: body + luhnDigit(body),
    imsi: addToDigits(base.imsi, index),
    iccid: iccid ? addToDigits(iccid[1], index) + iccid[2] : base.iccid,
  };
}
