#!/usr/bin/env node
/*
 * Builds the pty helper (sim800_pty.node) with node-gyp, which npm bundles, when it is
 * missing or older than its source; `--force` rebuilds. `npm ci`/`npm install` (the
 * install script) and `npm run build` pass `--optional`: a machine without python3, make
 * and g++ still installs and builds, only --pty is unavailable and says so in one line.
 * `npm run build:native` fails when the build does.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const dir = __dirname;
const addon = path.join(dir, 'build', 'Release', 'sim800_pty.node');
const sources = ['pty.c', 'binding.gyp'].map((f) => path.join(dir, f));

const mtime = (f) => fs.statSync(f).mtimeMs;
const upToDate = fs.existsSync(addon) && sources.every((s) => mtime(s) <= mtime(addon));
if (upToDate && !process.argv.includes('--force')) process.exit(0);

const args = ['rebuild', '--directory', dir];
// Build against the running Node's own headers when it ships them (Debian's /usr, the
// official tarballs' prefix): node-gyp would otherwise try to download them.
const prefix = path.resolve(path.dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);

// npm puts its bundled node-gyp on PATH for scripts; outside npm, look next to npm.
const gypJs = [
  process.env.npm_config_node_gyp,
  path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
].find((p) => p && fs.existsSync(p));
const run = gypJs ? spawnSync(process.execPath, [gypJs, ...args], { stdio: 'inherit' }) : spawnSync('node-gyp', args, { stdio: 'inherit' });
if (run.status !== 0) {
  process.stderr.write(
    'sim800-emu: the pty helper (src/native/pty) did not build; --pty will not work until `npm run build:native` succeeds (needs python3, make and g++)\n',
  );
  process.exit(process.argv.includes('--optional') ? 0 : 1);
}
