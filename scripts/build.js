#!/usr/bin/env node
/*
 * `npm run build` (and so `npm start`, `npm test`): compiles src/ to dist/ with tsc, but
 * only when something tsc reads changed, and leaves no output whose source is gone.
 *
 * - Up to date: the content of every .ts file under src/, tsconfig.json and the TypeScript
 *   version (with a bundle: scripts/bundle.js and package.json's dependencies) hash to the value dist/.build-stamp holds from the last clean compile, and
 *   every source's .js is in dist/ (a deleted output is compiled again; an output edited
 *   by hand is not noticed). Then
 *   nothing runs (a no-op build takes a fraction of a second; tsc --incremental alone
 *   still takes seconds to find out nothing changed). Contents, not mtimes: a checkout or
 *   a merge that rewrites files unchanged does not force a rebuild, and one that changes
 *   them does whatever their mtimes say.
 * - Otherwise tsc runs with --incremental (its build info in dist/, so `rm -rf dist` is a
 *   full rebuild), then every dist/ file that is a compiler output (.js, .js.map, .d.ts,
 *   .d.ts.map) of a source that no longer exists is removed, and emptied folders with it:
 *   after `src/x.ts` became `src/x/index.ts`, a stale dist/x.js would shadow dist/x/index.js
 *   in require('./x').
 * - The stamp is written only after tsc succeeds, from the hash taken before it started,
 *   so a failed compile, or a file edited during the compile, rebuilds next time.
 * - After a compile (or when it is missing), scripts/bundle.js bundles the CLI's start
 *   path into dist/cli/run.bundle.js with its code cache (see there). A failed bundle
 *   fails the build and removes the old one, so the CLI never runs a bundle older than
 *   dist/. A project without src/cli/run.ts (the build tests') has no bundle.
 *
 * Usage: node scripts/build.js [--force] [--root DIR]   (DIR: a project with tsconfig.json,
 * src/ and dist/ as this one; tests build small projects with it).
 */
'use strict';
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const args = process.argv.slice(2);
const rootAt = args.indexOf('--root');
const root = path.resolve(rootAt >= 0 ? args[rootAt + 1] : path.join(__dirname, '..'));
const force = args.includes('--force');
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');
const stampFile = path.join(dist, '.build-stamp');
const tscJs = require.resolve('typescript/bin/tsc', { paths: [root, __dirname] });
const tsVersion = require(require.resolve('typescript/package.json', { paths: [root, __dirname] })).version;

/** Every file under dir (relative paths, sorted), skipping node-gyp's build folders. */
function walk(dir, rel = '') {
  let entries;
  try {
    entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
  } catch {
    return [];
  }
  const out = [];
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && !(e.name === 'build' && fs.existsSync(path.join(dir, rel, 'binding.gyp')))) out.push(...walk(dir, r));
    } else out.push(r);
  }
  return out.sort();
}

function fingerprint() {
  const h = crypto.createHash('sha256');
  h.update(`typescript ${tsVersion}\n`);
  h.update(fs.readFileSync(path.join(root, 'tsconfig.json')));
  // The bundle's recipe and what it leaves outside (the package's dependencies).
  if (wantsBundle()) {
    h.update(fs.readFileSync(path.join(__dirname, 'bundle.js')));
    h.update(JSON.stringify(JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).dependencies ?? {}));
  }
  for (const f of walk(src).filter((f) => f.endsWith('.ts'))) {
    h.update(`\n${f}\n`);
    h.update(fs.readFileSync(path.join(src, f)));
  }
  return h.digest('hex');
}

const OUTPUTS = ['.d.ts.map', '.js.map', '.d.ts', '.js'];

/** Removes compiler outputs whose .ts source is gone; returns what it removed. */
function prune() {
  const removed = [];
  for (const f of walk(dist)) {
    const suffix = OUTPUTS.find((s) => f.endsWith(s));
    if (!suffix) continue; // the build info, the stamp, anything not tsc's
    if (BUNDLE_FILES.includes(path.join(dist, f))) continue; // the bundle: bundle() replaces it
    const base = f.slice(0, -suffix.length);
    if (fs.existsSync(path.join(src, `${base}.ts`))) continue;
    fs.rmSync(path.join(dist, f));
    removed.push(f);
  }
  // Folders the removals emptied, deepest first.
  const dirs = [...new Set(removed.map((f) => path.dirname(f)).filter((d) => d !== '.'))].sort((a, b) => b.length - a.length);
  for (const d of dirs) {
    for (let p = d; p !== '.'; p = path.dirname(p)) {
      const full = path.join(dist, p);
      if (fs.existsSync(full) && fs.readdirSync(full).length === 0) fs.rmdirSync(full);
      else break;
    }
  }
  return removed;
}

/** Sources whose .js is missing from dist/ (deleted by hand, or a half-copied dist/). */
function missingOutputs() {
  return walk(src).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !fs.existsSync(path.join(dist, `${f.slice(0, -3)}.js`)));
}

const print = (line) => process.stderr.write(`build: ${line}\n`);

const BUNDLE = path.join(dist, 'cli', 'run.bundle.js');
const BUNDLE_FILES = [BUNDLE, `${BUNDLE}.map`, path.join(dist, 'cli', 'run.bundle.cache')];

const wantsBundle = () => fs.existsSync(path.join(src, 'cli', 'run.ts'));
const bundleMissing = () => wantsBundle() && BUNDLE_FILES.slice(0, 2).some((f) => !fs.existsSync(f));

/** scripts/bundle.js, or a failed build with no bundle left behind. */
function bundleOrFail() {
  const r = spawnSync(process.execPath, [path.join(__dirname, 'bundle.js'), '--root', root], { stdio: 'inherit' });
  if (r.status === 0) return true;
  for (const f of BUNDLE_FILES) fs.rmSync(f, { force: true });
  print('bundling failed: dist/cli/run.bundle.js removed');
  return false;
}

const stamp = fingerprint();
const previous = fs.existsSync(stampFile) ? fs.readFileSync(stampFile, 'utf8').trim() : '';
const missing = missingOutputs();
if (!force && previous === stamp && missing.length === 0) {
  if (bundleMissing()) process.exit(bundleOrFail() ? 0 : 1);
  print('dist/ is up to date');
  process.exit(0);
}
if (missing.length && previous !== '') print(`${missing.length} output(s) missing (dist/${missing[0].slice(0, -3)}.js …): compiling them again`);

const t0 = performance.now();
// --force, or outputs gone: tsc's own build info would still skip outputs it believes are there.
if (force || missing.length) fs.rmSync(path.join(dist, '.tsbuildinfo'), { force: true });
const tsc = spawnSync(process.execPath, [tscJs, '-p', path.join(root, 'tsconfig.json'), '--incremental', '--tsBuildInfoFile', path.join(dist, '.tsbuildinfo')], { stdio: 'inherit' });
const removed = prune();
if (removed.length) print(`removed ${removed.length} stale output(s): ${removed.map((f) => `dist/${f}`).join(', ')}`);
if (tsc.status !== 0) {
  fs.rmSync(stampFile, { force: true });
  process.exit(tsc.status ?? 1);
}
print(`compiled in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
if (wantsBundle() && !bundleOrFail()) {
  fs.rmSync(stampFile, { force: true });
  process.exit(1);
}
fs.writeFileSync(stampFile, `${stamp}\n`);
