#!/usr/bin/env node
/*
 * `npm run build` (and so `npm start`, `npm test`): compiles src/ to dist/ with tsc, but
 * only when something tsc reads changed, and leaves no output whose source is gone.
 *
 * - Up to date: the content of every .ts file under src/, tsconfig.json and the TypeScript
 *   version hash to the value dist/.build-stamp holds from the last clean compile, and
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
 * - After a compile (or when they are missing), the CLI's start path is bundled: esbuild
 *   puts dist/cli/run.js and every module of ours it reaches, with commander, into
 *   dist/cli/run.bundle.js (+ .map); the other packages stay outside it (each is loaded
 *   on first use, pino needs its worker files, serialport its addon). Then one start of
 *   the bundled CLI to its ready line writes dist/cli/run.bundle.cache, V8's code cache
 *   for it. src/cli/main.ts loads them (why: docs/architecture.md, start-up). Both are
 *   written to a temporary name and renamed; a failed bundle removes the old one, so the
 *   CLI never runs a bundle older than dist/; a start that fails leaves no cache, which
 *   only costs speed. A project without src/cli/run.ts (the build tests') has no bundle.
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

const BUNDLE_ENTRY = path.join(dist, 'cli', 'run.js');
const BUNDLE = path.join(dist, 'cli', 'run.bundle.js');
const CODE_CACHE = path.join(dist, 'cli', 'run.bundle.cache');
const BUNDLE_FILES = [BUNDLE, `${BUNDLE}.map`, CODE_CACHE];
/** Packages the bundle takes in: loaded on every start anyway, and plain JavaScript. */
const BUNDLED_PACKAGES = ['commander'];

const wantsBundle = () => fs.existsSync(path.join(src, 'cli', 'run.ts'));
const bundleMissing = () => wantsBundle() && BUNDLE_FILES.slice(0, 2).some((f) => !fs.existsSync(f));

/** Writes dist/cli/run.bundle.js (+ .map) and its code cache; throws when esbuild fails. */
function bundle() {
  for (const f of BUNDLE_FILES) fs.rmSync(f, { force: true });
  const t0 = performance.now();
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const external = Object.keys(pkg.dependencies ?? {}).filter((p) => !BUNDLED_PACKAGES.includes(p));
  // Written in a folder of its own at dist/cli/'s depth, so the map's relative paths
  // hold after the rename.
  const tmpDir = path.join(dist, `.bundle-${process.pid}.tmp`);
  fs.rmSync(tmpDir, { recursive: true, force: true });
  const tmp = path.join(tmpDir, path.basename(BUNDLE));
  try {
    require(require.resolve('esbuild', { paths: [root, __dirname] })).buildSync({
      entryPoints: [BUNDLE_ENTRY],
      outfile: tmp,
      bundle: true,
      platform: 'node',
      target: `node${process.versions.node.split('.')[0]}`,
      format: 'cjs',
      // Each package's subpaths too (`@serialport/stream`, `pino/file`).
      external: external.flatMap((p) => [p, `${p}/*`]),
      // tsc's maps are read through, so the bundle's map points at src/*.ts.
      sourcemap: 'linked',
      sourcesContent: false,
      // Whitespace and comments out (identifiers and names kept): a start reads and
      // hashes every byte of the bundle, and the map still gives each position's source.
      minifyWhitespace: true,
      // Non-ASCII in strings and regular expressions as \u escapes (esbuild's default,
      // stated), so that the file is ASCII and the CLI reads it as latin1 (a one-byte
      // string, no UTF-8 decoding); checked below.
      charset: 'ascii',
      logLevel: 'error',
    });
    const text = fs.readFileSync(tmp, 'utf8');
    // What is left outside ASCII is in comments (esbuild escaped the rest): escaped the
    // same way, which changes no code and keeps every line where the map says it is.
    if (/[^\x00-\x7f]/.test(text)) fs.writeFileSync(tmp, text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`), 'latin1');
    fs.renameSync(`${tmp}.map`, `${BUNDLE}.map`);
    fs.renameSync(tmp, BUNDLE);
  } finally {
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
  const size = fs.statSync(BUNDLE).size;
  print(`bundled dist/cli/run.bundle.js (${Math.round(size / 1024)} KB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  makeCodeCache();
}

/**
 * Starts the bundled CLI once (loopback, any free ports, logging nothing) and keeps the
 * code cache it writes when it exits. Best effort: without a cache the CLI still runs.
 */
function makeCodeCache() {
  const tmp = `${CODE_CACHE}.${process.pid}.tmp`;
  const main = path.join(dist, 'cli', 'main.js');
  const script = [
    `const { spawn } = require('node:child_process');`,
    `const c = spawn(process.execPath, [${JSON.stringify(main)}, '--tcp', '127.0.0.1:0', '--broker-port', '0', '--log-level', 'silent'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, SIM800_EMU_CODE_CACHE_OUT: ${JSON.stringify(tmp)} } });`,
    `const limit = setTimeout(() => c.kill('SIGKILL'), 30000);`,
    `let out = '';`,
    `c.stdout.on('data', (d) => { if ((out += d).includes('\\n')) c.kill('SIGTERM'); });`,
    `c.on('exit', (code, signal) => { clearTimeout(limit); process.exit(out.startsWith('sim800-emu ready') && (code === 0 || signal === 'SIGTERM') ? 0 : 1); });`,
  ].join('\n');
  const r = spawnSync(process.execPath, ['-e', script], { stdio: 'inherit' });
  if (r.status === 0 && fs.existsSync(tmp)) {
    fs.renameSync(tmp, CODE_CACHE);
    print(`code cache dist/cli/run.bundle.cache (${Math.round(fs.statSync(CODE_CACHE).size / 1024)} KB)`);
  } else {
    fs.rmSync(tmp, { force: true });
    print('no code cache: the bundled CLI did not start (it runs, only its start compiles more)');
  }
}

/** bundle(), or a failed build with no bundle left behind. */
function bundleOrFail() {
  try {
    bundle();
  } catch (err) {
    for (const f of BUNDLE_FILES) fs.rmSync(f, { force: true });
    print(`bundling failed: ${err.message}`);
    return false;
  }
  return true;
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
