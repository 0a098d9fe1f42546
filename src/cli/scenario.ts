/**
 * `--scenario file [--scenario-result out.json]` for the CLI: the file is checked before
 * the emulator starts (a bad one is a usage error, exit 2); once the emulator is ready
 * the scenario runs against whatever DTE attaches, the result is written, one summary
 * line goes to stderr, and the exit code says pass (0) or fail (1).
 */
import * as fs from 'node:fs';
import type { Logger } from 'pino';
import { UsageError } from './config';
import type { EmulatorHandle } from '../emulator';
import { loadScenarioFile, type Scenario } from '../scenario/format';
import { runScenario, summaryLine, type RunOptions, type RunningScenario } from '../scenario/runner';

export function loadScenarioForCli(file: string): Scenario {
  try {
    return loadScenarioFile(file);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/**
 * Starts the scenario; resolve `ready` before announcing the emulator, so a firmware that
 * attaches on the ready line cannot run ahead of step 0.
 */
export function startScenarioCli(emu: EmulatorHandle, scenario: Scenario, opts: RunOptions = {}): RunningScenario {
  return runScenario(emu.control, scenario, { ...opts, trace: emu.trace });
}

/**
 * Runs to the last step (or the first failure with --fail-fast, or a signal: interrupted,
 * exit 1; a signal cuts an expectation's window short and its step says interrupted, not
 * failed); returns the exit code.
 */
export async function runScenarioCli(running: RunningScenario, resultFile: string | undefined, shutdown: Promise<string>, log: Logger): Promise<number> {
  const first = await Promise.race([running.done.then(() => null), shutdown]);
  if (first !== null) {
    log.info({ why: first }, 'stopping the scenario');
    running.stop();
  }
  const result = await running.done;
  if (resultFile) {
    try {
      fs.writeFileSync(resultFile, JSON.stringify(result, null, 2) + '\n');
    } catch (err) {
      process.stderr.write(`sim800-emu: --scenario-result: cannot write "${resultFile}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
      return 1;
    }
  }
  process.stderr.write(`sim800-emu: ${summaryLine(result)}\n`);
  return result.passed ? 0 : 1;
}
