/**
 * `sim800-emu trace FILE [--html OUT.html] [--text]`: a trace recorded with `--trace`
 * (docs/ui.md#traces) as one self-contained HTML page (the control page's console and
 * timeline, offline: what a CI job keeps as an artifact) and/or an annotated text
 * transcript on stdout (the default). FILE.1 is read first when it is the same run's
 * earlier part. A file that is no trace is a usage error (exit 2).
 */
import { Command, CommanderError } from 'commander';
import { writeFileAtomic } from '../atomicFile';
import { readTrace, traceToHtml, traceToText, TraceError } from '../trace/read';
import { EXIT } from './errors';

/** One line on stderr, as every usage error of the CLI. */
function fail(message: string): void {
  process.stderr.write(`sim800-emu: ${message.replace(/\s*\n\s*/g, ' ').trim()}\n`);
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('sim800-emu trace')
    .description('turn a --trace file into a self-contained HTML page (--html) or an annotated transcript (--text, the default)')
    .argument('<file>', 'the trace (FILE.1 before it is read too when it is the same run)')
    .option('--html <out.html>', 'write one HTML page: the console, the timeline, the MQTT messages and the bytes, offline')
    .option('--text', 'print the annotated transcript on stdout (the default without --html)')
    .helpOption('-h, --help', 'print this help and exit')
    .exitOverride()
    .configureOutput({ outputError: () => undefined });
  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return EXIT.ok;
      fail(`trace: ${err.message}`);
      return EXIT.usage;
    }
    throw err;
  }
  const opts = program.opts<{ html?: string; text?: boolean }>();
  const file = program.args[0];
  let trace;
  try {
    trace = readTrace(file);
  } catch (err) {
    if (err instanceof TraceError) {
      fail(`trace: ${err.message}`);
      return EXIT.usage;
    }
    throw err;
  }
  if (opts.html !== undefined) {
    try {
      writeFileAtomic(opts.html, traceToHtml(trace));
    } catch (err) {
      fail(`trace: --html: cannot write "${opts.html}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return EXIT.failed;
    }
  }
  if (opts.text || opts.html === undefined) process.stdout.write(traceToText(trace));
  return EXIT.ok;
}
