/**
 * The module's real-time clock (AT+CCLK). It keeps local time plus a zone in quarter
 * hours; without network time it starts at 2004-01-01 00:00:00 on every power-up and
 * keeps only the zone (manual notes, captures `+CCLK: "04/01/01,00:01:56+08"`).
 */
import type { Clock } from '../clock';

export const RTC_EPOCH_MS = Date.UTC(2004, 0, 1, 0, 0, 0);

export class ModemClock {
  private baseLocalMs = RTC_EPOCH_MS;
  private baseAt: number;
  tz = 0;

  constructor(private readonly clock: Clock) {
    this.baseAt = clock.now();
  }

  /** Local time in ms, as if the local fields were UTC (for formatting with getUTC*). */
  localMs(): number {
    return this.baseLocalMs + (this.clock.now() - this.baseAt);
  }

  /** Unix seconds: local time converted back to UTC with the zone. */
  utcSeconds(): number {
    return Math.floor((this.localMs() - this.tz * 15 * 60_000) / 1000);
  }

  setLocal(localMs: number, tz: number): void {
    this.baseLocalMs = localMs;
    this.baseAt = this.clock.now();
    this.tz = tz;
  }

  /** Power-up without network time. */
  resetToEpoch(): void {
    this.setLocal(RTC_EPOCH_MS, this.tz);
  }

  /** Network time (NITZ): UTC from the network plus its zone. */
  setFromNetwork(utcMs: number, tz: number): void {
    this.setLocal(utcMs + tz * 15 * 60_000, tz);
  }

  /** `yy/MM/dd,hh:mm:ss±zz` */
  format(): string {
    const d = new Date(this.localMs());
    const p = (n: number) => String(n).padStart(2, '0');
    const sign = this.tz < 0 ? '-' : '+';
    return `${p(d.getUTCFullYear() % 100)}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())},${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}${sign}${p(Math.abs(this.tz))}`;
  }

  /** Parses `yy/MM/dd,hh:mm:ss±zz`; null when malformed or out of range. */
  static parse(s: string): { localMs: number; tz: number } | null {
    const m = /^(\d{2})\/(\d{2})\/(\d{2}),(\d{2}):(\d{2}):(\d{2})([+-])(\d{2})$/.exec(s);
    if (!m) return null;
    const [yy, mo, dd, hh, mi, ss] = m.slice(1, 7).map(Number);
    const tz = (m[7] === '-' ? -1 : 1) * Number(m[8]);
    if (mo < 1 || mo > 12 || dd < 1 || hh > 23 || mi > 59 || ss > 59 || tz < -47 || tz > 48) return null;
    const localMs = Date.UTC(2000 + yy, mo - 1, dd, hh, mi, ss);
    if (new Date(localMs).getUTCDate() !== dd) return null; // 31 February and friends
    return { localMs, tz };
  }
}
