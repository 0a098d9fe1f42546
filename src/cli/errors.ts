/**
 * How a failure to start reads on the command line: its one line and its exit code
 * (docs/cli.md, Exit codes). Shared by one modem and a fleet.
 */
import { ListenError, OptionError } from '../optionError';
import { flagOf } from '../options';

/** Exit codes of `sim800-emu` (docs/cli.md). */
export const EXIT = {
  ok: 0,
  /** A scenario failed or was interrupted; the emulator could not start (a listener, a serial device). */
  failed: 1,
  /** A usage error: a flag, a config, profile or scenario file, a value the library refused. */
  usage: 2,
} as const;

/** 2 for a value the emulator refused; 1 for anything else that stopped it starting. */
export function exitCodeFor(err: unknown): number {
  return err instanceof OptionError ? EXIT.usage : EXIT.failed;
}

/** The line for a failure: a listener names the flag whose address it was. */
export function failureLine(err: unknown): string {
  if (err instanceof ListenError) return `${flagOf(err.option)}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
