#!/usr/bin/env node
/**
 * The `sim800-emu` binary (package.json "bin"). The CLI itself is src/cli/run.ts; this
 * file only loads it the fastest way there is, because a start's time to its ready line
 * is mostly Node reading and compiling modules:
 *
 * - `npm run build` bundles run.js and every module of ours it reaches (and commander)
 *   into dist/cli/run.bundle.js (scripts/build.js), so a start reads and compiles one
 *   file instead of about 120. Packages loaded on first use (zod, aedes, mqtt.js, pino,
 *   node-forge, serialport, yaml) stay outside it, loaded from node_modules as before.
 * - The build also writes dist/cli/run.bundle.cache: V8's code cache for the bundle,
 *   taken from a start to its ready line, so this start skips compiling what that one
 *   compiled. V8 refuses a cache made by another V8 version or other V8 flags, and then
 *   compiles the bundle as if there were none.
 * - Without a bundle (a source checkout not built by scripts/build.js, ts-jest), with
 *   SIM800_EMU_UNBUNDLED=1 set, or under `node --enable-source-maps`, run.js is required
 *   as a module tree: Node maps stack traces through tsc's maps to src/*.ts only for
 *   modules it loads itself. A frame in the bundle reads `run.bundle.js:LINE:COLUMN`,
 *   which run.bundle.js.map (shipped beside it) resolves to src/*.ts.
 *
 * The bundle sits in dist/cli/ as run.js does, so the `__dirname` of every module in it
 * is two levels below the package root, as theirs is in dist/ (the control UI's files,
 * the pty addon and package.json are found from there). docs/architecture.md, start-up.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';

type Run = typeof import('./run');

export const BUNDLE = path.join(__dirname, 'run.bundle.js');
export const CODE_CACHE = path.join(__dirname, 'run.bundle.cache');

/** How the CLI was loaded: the bundle (with V8's code cache used, refused, or absent), or run.js's modules. */
export interface StartInfo {
  from: 'bundle' | 'modules';
  cache: 'accepted' | 'rejected' | 'none';
}

let loaded: { run: Run; info: StartInfo } | undefined;

function loadBundle(): { run: Run; info: StartInfo } | undefined {
  let source: string;
  try {
    // latin1: one byte a character, no UTF-8 decoding; the build wrote it in ASCII.
    source = fs.readFileSync(BUNDLE, 'latin1');
  } catch {
    return undefined;
  }
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(CODE_CACHE);
  } catch {
    cachedData = undefined;
  }
  // The bundle is the function Node wraps a CommonJS module in (scripts/bundle.js).
  const script = new vm.Script(source, { filename: BUNDLE, cachedData });
  // `require` is this module's, which resolves packages from dist/cli/ as the bundle's would.
  const bundled = { exports: {} as Run };
  (script.runInThisContext() as (...a: unknown[]) => void).call(bundled.exports, bundled.exports, require, bundled, BUNDLE, __dirname);
  const out = process.env.SIM800_EMU_CODE_CACHE_OUT;
  // scripts/build.js makes the cache from a start: taken at its ready line, it holds what
  // a start compiles and nothing a later command does.
  if (out) bundled.exports.onReady(() => fs.writeFileSync(out, script.createCachedData()));
  const cache = cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'accepted';
  return { run: bundled.exports, info: { from: 'bundle', cache } };
}

/** The CLI, loaded once: from the bundle when there is one, else from run.js. */
function load(): { run: Run; info: StartInfo } {
  loaded ??= (process.env.SIM800_EMU_UNBUNDLED || process.sourceMapsEnabled ? undefined : loadBundle()) ?? { run: require('./run') as Run, info: { from: 'modules', cache: 'none' } };
  return loaded;
}

/** How this process loaded the CLI (loading it if it was not yet). */
export function startInfo(): StartInfo {
  return load().info;
}

/** Calls fn with the ready line just before it is written to stdout (loading the CLI if it was not yet). */
export function onReady(fn: (line: string) => void): void {
  load().run.onReady(fn);
}

/** The command families this process has loaded so far (none at the ready line). */
export function loadedFamilies(): string[] {
  return load().run.loadedFamilies();
}

/** Runs the CLI on argv (without node and the script); resolves with the exit code. */
export function main(argv: string[]): Promise<number> {
  return load().run.main(argv);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      load().run.fail(`unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exit(1);
    },
  );
}
