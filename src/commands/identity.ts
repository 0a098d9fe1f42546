/**
 * Identity commands, all configurable (the config file's modem settings): bare text lines, no prefix,
 * exactly as a SIM800L prints them. Also what the SIM says about itself: its service provider
 * name (AT+CSPN), its own number (AT+CNUM) and whether it is in its holder (AT+CSMINS, whose
 * URC the modem raises in Modem.setSimInserted). Formats and choices: docs/decisions.md,
 * "Start-up commands".
 */
import { int } from '../at/args';
import { cme, type Final } from '../at/result';
import { CME } from '../at/cme';
import type { ModemConfig } from '../modem/config';
import { form, type Command, type Ctx, type Family } from './family';

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
  {
    // The manual lists only the read form; without a SIM it answers a CME error.
    name: '+CSPN',
    read(ctx) {
      const c = ctx.modem.config;
      return simError(ctx) ?? ctx.info(`+CSPN: "${c.spn}",${c.spnDisplayMode}`);
    },
  },
  {
    name: '+CNUM',
    test: [],
    // No number stored on the SIM: the list is empty, a bare OK. <speed> 7 and <service> 4
    // (voice) follow the type, as SIMCom modules print them.
    exec(ctx) {
      const c = ctx.modem.config;
      const err = simError(ctx);
      if (err) return err;
      if (c.ownNumber !== '') ctx.info(`+CNUM: "${c.ownNumberName}","${c.ownNumber}",${c.ownNumber.startsWith('+') ? 145 : 129},7,4`);
    },
  },
  {
    // The holder's detect switch, not the SIM's state: answers with no SIM and at CFUN=0.
    name: '+CSMINS',
    test: ['+CSMINS: (0-1)'],
    read: (ctx) => ctx.info(`+CSMINS: ${ctx.modem.settings.csmins},${ctx.modem.simInserted ? 1 : 0}`),
    write: form([int('n', { min: 0, max: 1 })], (ctx, [n]) => {
      ctx.modem.settings.csmins = n;
    }),
  },
];

export const identity: Family = { name: 'identity', commands };
