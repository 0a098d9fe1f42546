/**
 * `sim800-emu loadtest-merge [FILE…]`: the whole fleet's report from its shards' results
 * (docs/fleet.md#results-and-merging). Reads result files (`loadtest --result FILE`) or
 * logs holding result lines (`loadtest --result -`, e.g. every pod's `kubectl logs`);
 * `-` or no file reads stdin. Counts add up; latency percentiles come from the shards'
 * histograms added together. Exit 0 when every shard is there, every device connected
 * and no publish failed; 1 otherwise; 2 when the inputs cannot be merged.
 */
import * as fs from 'node:fs';
import { Command, CommanderError } from 'commander';
import { writeFileAtomic } from '../atomicFile';
import { mergeResults, MergeProblem, readResults, resultLine, settingsMismatch, type LoadtestResult } from '../fleet/result';
import { summaryLines } from './loadtest';

interface Flags {
  json?: string;
}

function program(): Command {
  return new Command('loadtest-merge')
    .description('merge load test results of several shards into one report')
    .argument('[files...]', 'result files or logs with result lines; - (or none) reads stdin')
    .option('--json <file>', 'write the merged result (the same format, every shard listed); - prints it on stdout as one line')
    .exitOverride()
    .configureOutput({ outputError: () => undefined });
}

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;

/** The report's lines: the totals, one line per shard, what is missing or differs. */
export function reportLines(r: LoadtestResult, mismatched: string[] = []): string[] {
  const lines = [`${r.shards.length}/${r.shardCount} shards: ${summaryLines(r).join('; ')}`];
  if (r.connect) lines.push(`connect (first AT → SMCONN OK) p50 ${(r.connect.p50 / 1000).toFixed(2)} s, p99 ${(r.connect.p99 / 1000).toFixed(2)} s, max ${(r.connect.max / 1000).toFixed(2)} s`);
  if (r.cpuUsPerMessage !== null) lines.push(`CPU ${r.cpuUsPerMessage.toFixed(0)} µs per acknowledged publish (every shard's process, DTEs included)`);
  for (const s of r.shards) {
    const p = s.process;
    lines.push(
      `shard ${s.index}: devices ${s.firstDevice}…${s.firstDevice + s.devices - 1}, ${s.connected} connected, ${s.published} published, ${s.failed} failed in ${s.seconds.toFixed(1)} s; ` +
        `peak RSS ${mb(p.maxRssBytes)}, ${p.maxFds ?? '?'} fds of ${p.fdLimit ?? '?'}, CPU ${(p.cpuMs / 1000).toFixed(1)} s`,
    );
  }
  if (r.missingShards.length) lines.push(`missing shards: ${r.missingShards.join(', ')} (no result: the pod failed, or its log was not given)`);
  if (mismatched.length) lines.push(`the shards ran with different settings: ${mismatched.join(', ')}`);
  for (const d of r.failures) lines.push(`device ${d.index} (${d.clientId || 'no client id'}): stopped at ${d.phase}: ${d.errors.join('; ')}`);
  return lines;
}

function readInput(name: string): string {
  return fs.readFileSync(name === '-' ? 0 : name, 'utf8');
}

export async function main(argv: string[]): Promise<number> {
  const usage = (message: string) => {
    process.stderr.write(`loadtest-merge: ${message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ')}\n`);
    return 2;
  };
  let files: string[];
  let f: Flags;
  try {
    const p = program().parse(argv, { from: 'user' });
    files = p.args.length ? p.args : ['-'];
    f = p.opts<Flags>();
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : usage(err.message);
    throw err;
  }
  let results: LoadtestResult[];
  let merged: LoadtestResult;
  try {
    results = files.flatMap((file) => {
      let text: string;
      try {
        text = readInput(file);
      } catch (err) {
        throw new MergeProblem(`${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      return readResults(text, file === '-' ? 'stdin' : file);
    });
    merged = mergeResults(results);
  } catch (err) {
    if (err instanceof MergeProblem) return usage(err.message);
    throw err;
  }
  if (f.json === '-') console.log(resultLine(merged));
  else {
    for (const line of reportLines(merged, settingsMismatch(results))) console.log(line);
    if (f.json) writeFileAtomic(f.json, JSON.stringify(merged, null, 2) + '\n');
  }
  return merged.missingShards.length === 0 && merged.connected === merged.devices && merged.failed === 0 ? 0 : 1;
}
