/**
 * Identity commands, all configurable (AT-REFERENCE §4): bare text lines, no prefix,
 * exactly as a SIM800L prints them.
 */
import { cme, type Final } from '../at/result';
import { CME } from '../at/cme';
import type { ModemConfig } from '../modem/config';
import type { Command, Ctx, Family } from './family';

/** A read-only identity line: execute prints it, test answers OK. */
function ident(name: string, aliases: string[], pick: (c: ModemConfig) => string): Command {
  return { name, aliases, test: [], exec: (ctx) => ctx.info(pick(ctx.modem.config)) };
}

/** SIM-backed values need a ready SIM. */
export function simError(ctx: Ctx): Final | null {
  const sim = ctx.modem.sim;
  if (sim === 'READY') return null;
  return cme(sim === 'NOT INSERTED' ? CME.simNotInserted : CME.simBusy);
}

const commands: Command[] = [
  ident('+CGMI', ['+GMI'], (c) => c.manufacturer),
  ident('+CGMM', ['+GMM'], (c) => c.model),
  ident('+CGMR', ['+GMR'], (c) => c.revision),
  ident('+CGSN', ['+GSN'], (c) => c.imei),
  ident('+GOI', [], () => 'SIM800'),
  {
    name: '+GSV',
    exec: (ctx) => {
      const c = ctx.modem.config;
      ctx.info(c.manufacturer, c.model, c.revision);
    },
  },
  {
    name: '+CIMI',
    test: [],
    exec: (ctx) => simError(ctx) ?? ctx.info(ctx.modem.config.imsi),
  },
  {
    name: '+CCID',
    test: [],
    exec: (ctx) => simError(ctx) ?? ctx.info(ctx.modem.config.iccid),
  },
];

export const identity: Family = { name: 'identity', commands };
