/**
 * V.250 basic commands and line settings: E, V, Q, X, Z, &F, &W, &C, &D, S-registers,
 * AT+CMEE, AT+IPR (SIM800 AT Command Manual §2, §3; docs/decisions.md, Line layer).
 */
import { int, optional } from '../at/args';
import { ERROR } from '../at/result';
import { IPR_RATES } from '../modem/config';
import type { Settings } from '../modem/settings';
import { form, type Command, type Family } from './family';

/** A basic command taking 0/1 (absent = 0) that sets one boolean setting. */
function flag(name: string, key: 'echo' | 'verbose' | 'quiet'): Command {
  return {
    name,
    basic(ctx, n) {
      const v = n ?? 0;
      if (v !== 0 && v !== 1) return ERROR;
      ctx.modem.settings[key] = v === 1;
    },
  };
}

/** A basic command accepting a numeric range and otherwise doing nothing here. */
function accept(name: string, max: number): Command {
  return {
    name,
    basic(_ctx, n) {
      if ((n ?? 0) > max) return ERROR;
    },
  };
}

type SregKey = { [K in keyof Settings]: K extends `s${number}` ? K : never }[keyof Settings];

/** S-registers the module has, their settings key and writable range (manual §2.2). */
const SREGS: Record<number, { key: SregKey; min: number; max: number }> = {
  0: { key: 's0', min: 0, max: 255 },
  3: { key: 's3', min: 13, max: 13 },
  4: { key: 's4', min: 10, max: 10 },
  5: { key: 's5', min: 0, max: 127 },
  6: { key: 's6', min: 2, max: 10 },
  7: { key: 's7', min: 1, max: 255 },
  8: { key: 's8', min: 0, max: 255 },
  10: { key: 's10', min: 1, max: 254 },
};

const zeroOr = (n: number | undefined) => n === undefined || n === 0;

const commands: Command[] = [
  flag('E', 'echo'),
  flag('V', 'verbose'),
  flag('Q', 'quiet'),
  accept('X', 4),
  accept('&C', 1),
  accept('&D', 2),
  {
    name: 'Z',
    basic(ctx, n) {
      if (!zeroOr(n)) return ERROR;
      ctx.modem.loadProfile();
    },
  },
  {
    name: '&F',
    basic(ctx, n) {
      if (!zeroOr(n)) return ERROR;
      ctx.modem.factoryReset();
    },
  },
  {
    name: '&W',
    basic(ctx, n) {
      if (!zeroOr(n)) return ERROR;
      ctx.modem.saveProfile();
    },
  },
  {
    name: 'I',
    basic(ctx, n) {
      if (!zeroOr(n)) return ERROR;
      ctx.info(ctx.modem.config.ati);
    },
  },
  {
    name: 'S',
    sreg(ctx, reg, value) {
      const r = SREGS[reg];
      if (!r) return ERROR;
      if (value === undefined) {
        ctx.info(String(ctx.modem.settings[r.key]).padStart(3, '0'));
        return;
      }
      if (!Number.isInteger(value) || value < r.min || value > r.max) return ERROR;
      ctx.modem.settings[r.key] = value;
    },
  },
  {
    name: '+CMEE',
    test: ['+CMEE: (0-2)'],
    read: (ctx) => ctx.info(`+CMEE: ${ctx.modem.settings.cmee}`),
    exec: () => undefined,
    write: form([optional(int('n', { min: 0, max: 2 }))], (ctx, [n]) => {
      ctx.modem.settings.cmee = n ?? 0;
    }),
  },
  {
    name: '+IPR',
    test: [`+IPR: (),(${IPR_RATES.filter((r) => r !== 0).join(',')})`],
    read: (ctx) => ctx.info(`+IPR: ${ctx.modem.settings.ipr}`),
    write: form([int('rate', { values: IPR_RATES })], (ctx, [rate]) => {
      ctx.modem.settings.ipr = rate;
    }),
  },
];

export const basic: Family = { name: 'basic', commands };
