/**
 * The shape many profile settings share: `AT+X?` shows the value, `AT+X=<n>` sets it
 * within 0..max, `AT+X=?` lists the range (CLTS, CSCLK, CIURC, FSHEX).
 */
import { int } from '../at/args';
import type { Settings } from '../modem/settings';
import { form, type Command } from './family';

type NumericSetting = { [K in keyof Settings]: Settings[K] extends number ? K : never }[keyof Settings];

export function numericSetting(name: string, key: NumericSetting, max: number, test: readonly string[]): Command {
  return {
    name,
    test,
    read: (ctx) => ctx.info(`${name}: ${ctx.modem.settings[key]}`),
    write: form([int(key, { min: 0, max })], (ctx, [n]) => {
      ctx.modem.settings[key] = n;
    }),
  };
}
