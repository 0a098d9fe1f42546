/**
 * What a command family is: its command definitions. Families are registered in one
 * place, src/commands/index.ts; the per-modem state they keep (features,
 * src/modem/feature.ts) is defined and registered in src/commands/features.ts. A large
 * family is a folder holding its commands, its state and the pointer to its docs section.
 */
import type { ArgsOf, ParamSpec, Token } from '../at/args';
import { writeForm, type CommandContext, type CommandDef, type HandlerResult, type WriteForm } from '../at/command';
import type { Modem } from '../modem/modem';

/** What a handler of the modem's commands receives. */
export type Ctx = CommandContext<Modem>;
/** One command of the modem's table. */
export type Command = CommandDef<Modem>;

export interface Family {
  /** Lower-case, short: `mqtt`, `tcpip`. */
  name: string;
  commands: readonly Command[];
}

/**
 * A write form whose handler gets typed arguments:
 * `form([int('cid', { min: 1, max: 3 }), optional(str('apn'))], (ctx, [cid, apn]) => …)`.
 */
export function form<const P extends readonly ParamSpec[]>(params: P, run: (ctx: Ctx, args: ArgsOf<P>, tokens: (Token | undefined)[]) => HandlerResult): WriteForm<Modem, P> {
  return writeForm<Modem, P>(params, run);
}
