/**
 * The shape many profile settings share: `AT+X?` shows the value, `AT+X=<n>` sets it
 * within 0..max, `AT+X=?` lists the range (CLTS, CSCLK, CIURC, FSHEX).
 */
import type { CommandDef } from '../at/command';
import type { Settings } from '../modem/settings';

type NumericSetting = { [K in keyof Settings]: Settings[K] extends number ? K : never }[keyof Settings];

export function numericSetting(name: string, key: NumericSetting, max: number, test: readonly string[]): CommandDef {
  return {
    name,
    test,
    read: (ctx) => ctx.info(`${name}: ${ctx.modem.settings[key]}`),
    write: {
      params: [{ kind: 'int', name: key, min: 0, max }],
      run(ctx, [n]) {
        ctx.modem.settings[key] = n as number;
      },
    },
  };
}
