/**
 * The CLI's bundle as `npm run build` leaves it (scripts/bundle.js, loaded by
 * src/cli/main.ts): one ASCII file holding our modules and commander and no other
 * package, a map that leads back to src/*.ts, and a code cache this Node accepts; a
 * stack trace from the bundle resolves through the map to the .ts line that threw, and
 * `node --enable-source-maps` runs the module tree (whose traces Node maps itself).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const DIST_CLI = path.join(__dirname, '..', '..', 'dist', 'cli');
const MAIN = path.join(DIST_CLI, 'main.js');
const BUNDLE = path.join(DIST_CLI, 'run.bundle.js');

/** Runs `body` in a child node with `main` (dist/cli/main.js) in scope; its stdout as JSON. */
function child(body: string, nodeArgs: string[] = []): unknown {
  const script = `const main = require(${JSON.stringify(MAIN)});\n${body}`;
  const r = spawnSync(process.execPath, [...nodeArgs, '-e', script], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`child exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

it('is ASCII, wrapped as a CommonJS module, with our modules and commander and no other package', () => {
  const text = fs.readFileSync(BUNDLE, 'latin1');
  expect(/[^\x00-\x7f]/.test(text)).toBe(false);
  expect(text.startsWith('(function (exports, require, module, __filename, __dirname) {\n')).toBe(true);
  const map = JSON.parse(fs.readFileSync(`${BUNDLE}.map`, 'utf8')) as { sources: string[] };
  const sources = map.sources.map((s) => path.resolve(DIST_CLI, s));
  const packages = new Set(sources.map((s) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(s)?.[1]).filter(Boolean));
  expect([...packages]).toEqual(['commander']);
  const ours = sources.filter((s) => !s.includes('node_modules'));
  expect(ours).toEqual(expect.arrayContaining([path.resolve(DIST_CLI, '../../src/cli/run.ts'), path.resolve(DIST_CLI, '../../src/at/engine.ts')]));
  for (const s of ours) expect(fs.existsSync(s)).toBe(true);
});

it('loads from the bundle with its code cache accepted', () => {
  expect(child('console.log(JSON.stringify(main.startInfo()));')).toEqual({ from: 'bundle', cache: 'accepted' });
});

it('a frame in the bundle resolves through its map to the .ts line that threw', () => {
  // main() given no argv throws a TypeError at its first line (src/cli/run.ts, argv[0]).
  const r = child(`
const path = require('node:path');
const bundle = ${JSON.stringify(BUNDLE)};
main.main(undefined).then(() => console.log('null'), (e) => {
  const frame = /run\\.bundle\\.js:(\\d+):(\\d+)/.exec(String(e.stack));
  const { SourceMap } = require('node:module');
  const map = new SourceMap(JSON.parse(require('node:fs').readFileSync(bundle + '.map', 'utf8')));
  const entry = frame && map.findEntry(Number(frame[1]) - 1, Number(frame[2]) - 1);
  console.log(JSON.stringify({ frame: frame && frame[0], source: entry && path.resolve(path.dirname(bundle), entry.originalSource), line: entry && entry.originalLine + 1 }));
});`) as { frame: string | null; source: string | null; line: number | null };
  expect(r.frame).not.toBeNull();
  expect(r.source).toBe(path.resolve(DIST_CLI, '../../src/cli/run.ts'));
  const lines = fs.readFileSync(path.resolve(DIST_CLI, '../../src/cli/run.ts'), 'utf8').split('\n');
  expect(lines[r.line! - 1]).toContain('argv[0]');
});

it('under --enable-source-maps the CLI runs from its modules', () => {
  expect(child('console.log(JSON.stringify(main.startInfo()));', ['--enable-source-maps'])).toEqual({ from: 'modules', cache: 'none' });
});
