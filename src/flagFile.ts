/**
 * Reading a file a command-line flag names (config, profile, scenario): one helper so the
 * failure reads the same everywhere, `--flag: cannot read "file": ENOENT`.
 */
import * as fs from 'node:fs';

export function readFlagFile(file: string, flag: string, fail: (message: string) => Error): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw fail(`${flag}: cannot read "${file}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Parses a file's text as one JSON object; errors name the file. */
export function parseJsonObject(text: string, name: string, fail: (message: string) => Error): Record<string, unknown> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw fail(`${name}: invalid JSON: ${(err as Error).message.replace(/\s+/g, ' ')}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw fail(`${name}: must hold a JSON object`);
  return data as Record<string, unknown>;
}
