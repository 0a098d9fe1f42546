#!/usr/bin/env node
/*
 * Run by scripts/build.js after tsc: bundles the CLI's start path and makes its code
 * cache, which src/cli/main.ts loads (why: docs/architecture.md, start-up).
 *
 * - esbuild puts dist/cli/run.js, every module of ours it reaches and commander into
 *   dist/cli/run.bundle.js (+ .map, which reads through tsc's maps to src/*.ts). The
 *   other packages stay outside it: each is loaded on first use, pino needs its worker
 *   files beside it, serialport its addon.
 * - The bundle is ASCII (esbuild escapes the rest; comments are escaped here), so the
 *   CLI reads it as latin1: a one-byte string, no UTF-8 decoding. Whitespace and comments
 *   are left out, names kept: a start reads every byte, and the map gives each position's
 *   source.
 * - Then one start of the bundled CLI (loopback, any free ports, logging nothing) writes
 *   dist/cli/run.bundle.cache at its ready line: V8's code cache for what a start
 *   compiles. Best effort: without a cache the CLI runs, its start only compiles more.
 * - Every file is written under a temporary name and renamed.
 *
 * Usage: node scripts/bundle.js [--root DIR]; exit 1 when esbuild fails.
 */
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const args = process.argv.slice(2);
const rootAt = args.indexOf('--root');
const root = path.resolve(rootAt >= 0 ? args[rootAt + 1] : path.join(__dirname, '..'));
const dist = path.join(root, 'dist');
const ENTRY = path.join(dist, 'cli', 'run.js');
const BUNDLE = path.join(dist, 'cli', 'run.bundle.js');
const CODE_CACHE = path.join(dist, 'cli', 'run.bundle.cache');
/** Packages the bundle takes in: loaded on every start anyway, and plain JavaScript. */
const BUNDLED_PACKAGES = ['commander'];

/** Node's CommonJS wrapper (src/cli/main.ts calls it with the loader's own require). */
const WRAPPER_START = '(function (exports, require, module, __filename, __dirname) {';
const WRAPPER_END = '})';

/**
 * tsc compiles `import * as fs from 'node:fs'` to `__importStar(require("node:fs"))`, which
 * copies the module's every key into a new object with a getter each (fs has about a
 * hundred), once per importing module: on the start path ~45 copies, ~240 KB of garbage
 * before the ready line. For Node's own modules the bundle takes the module object itself:
 * they are not ES modules, their types have no `default` (the one key the copy adds), and
 * each getter of the copy reads the module's property anyway. Other packages keep the copy.
 */
const IMPORT_STAR_BUILTIN = /__importStar\(require\(["'](node:[a-z_/]+)["']\)\)/g;
const builtinNamespaces = {
  name: 'builtin-namespaces',
  setup(build) {
    build.onLoad({ filter: /\.js$/ }, (args) => {
      const text = fs.readFileSync(args.path, 'utf8');
      return { contents: text.replace(IMPORT_STAR_BUILTIN, 'require("$1")'), loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

const print = (line) => process.stderr.write(`build: ${line}\n`);

async function bundle() {
  const t0 = performance.now();
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const external = Object.keys(pkg.dependencies ?? {}).filter((p) => !BUNDLED_PACKAGES.includes(p));
  // Written in a folder of its own at dist/cli/'s depth, so the map's relative paths
  // hold after the rename.
  const tmpDir = path.join(dist, `.bundle-${process.pid}.tmp`);
  fs.rmSync(tmpDir, { recursive: true, force: true });
  const tmp = path.join(tmpDir, path.basename(BUNDLE));
  try {
    const esbuild = require(require.resolve('esbuild', { paths: [root, __dirname] }));
    await esbuild.build({
      entryPoints: [ENTRY],
      outfile: tmp,
      bundle: true,
      platform: 'node',
      target: `node${process.versions.node.split('.')[0]}`,
      format: 'cjs',
      // Each package's subpaths too (`@serialport/stream`, `pino/file`).
      external: external.flatMap((p) => [p, `${p}/*`]),
      sourcemap: 'linked',
      sourcesContent: false,
      minifyWhitespace: true,
      charset: 'ascii',
      // The file is the function Node would wrap a module in, so the CLI compiles it as
      // it is read (no copy with a wrapper around it).
      banner: { js: WRAPPER_START },
      footer: { js: WRAPPER_END },
      logLevel: 'error',
      plugins: [builtinNamespaces],
    });
    const text = fs.readFileSync(tmp, 'utf8');
    // What is left outside ASCII is in comments (esbuild escaped the rest): escaped the
    // same way, which changes no code.
    if (/[^\x00-\x7f]/.test(text)) fs.writeFileSync(tmp, text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`), 'latin1');
    fs.renameSync(`${tmp}.map`, `${BUNDLE}.map`);
    fs.renameSync(tmp, BUNDLE);
  } finally {
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
  print(`bundled dist/cli/run.bundle.js (${Math.round(fs.statSync(BUNDLE).size / 1024)} KB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** One start of the bundled CLI to its ready line; resolves whether it got there. */
function startOnce(cacheOut) {
  return new Promise((resolve) => {
    const main = path.join(dist, 'cli', 'main.js');
    const child = spawn(process.execPath, [main, '--tcp', '127.0.0.1:0', '--broker-port', '0', '--log-level', 'silent'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, SIM800_EMU_CODE_CACHE_OUT: cacheOut },
    });
    const limit = setTimeout(() => child.kill('SIGKILL'), 30_000);
    let out = '';
    child.stdout.on('data', (d) => {
      if ((out += d).includes('\n')) child.kill('SIGTERM');
    });
    child.once('exit', (code, signal) => {
      clearTimeout(limit);
      resolve(out.startsWith('sim800-emu ready') && (code === 0 || signal === 'SIGTERM'));
    });
  });
}

async function makeCodeCache() {
  const tmp = `${CODE_CACHE}.${process.pid}.tmp`;
  if ((await startOnce(tmp)) && fs.existsSync(tmp)) {
    fs.renameSync(tmp, CODE_CACHE);
    print(`code cache dist/cli/run.bundle.cache (${Math.round(fs.statSync(CODE_CACHE).size / 1024)} KB)`);
  } else {
    fs.rmSync(tmp, { force: true });
    print('no code cache: the bundled CLI did not reach its ready line (it runs; its start compiles more)');
  }
}

(async () => {
  for (const f of [BUNDLE, `${BUNDLE}.map`, CODE_CACHE]) fs.rmSync(f, { force: true });
  try {
    await bundle();
  } catch (err) {
    print(`bundling failed: ${err.message}`);
    process.exit(1);
  }
  await makeCodeCache();
})();
