#!/usr/bin/env node
/*
 * Pacing benchmark, standalone: how close --pace comes to the theoretical UART rate.
 *
 *   npm run build && node bench/pacing.js [--bytes 10000] [--rates 115200,9600] [--pty]
 *
 * Prints the achieved bit rate against the theoretical one for each rate and exits 1 if
 * any run is off by more than 2 %. The measurement is src/bench/pacing.ts, which
 * `npm run bench` runs too (at 115200); this file only reads the flags.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const pacing = path.join(__dirname, '..', 'dist', 'bench', 'pacing.js');
if (!fs.existsSync(pacing)) {
  process.stderr.write('bench/pacing.js: dist/ is missing: run `npm run build` first\n');
  process.exit(2);
}
const { measurePacing, describePacing } = require(pacing);

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const BYTES = Number(arg('bytes', '10000'));
const RATES = arg('rates', '115200,9600').split(',').map(Number);
const VIA_PTY = process.argv.includes('--pty');
const TOLERANCE = 0.02;

(async () => {
  let ok = true;
  console.log(`pacing, ${BYTES} bytes 8N1, ${VIA_PTY ? 'through a pty read by serialport' : 'in process'}`);
  for (const rate of RATES) {
    const r = await measurePacing(rate, BYTES, VIA_PTY);
    const pass = Math.abs(r.error) <= TOLERANCE;
    ok = ok && pass;
    console.log(`${describePacing(r)} ${pass ? 'ok' : `FAIL (> ${TOLERANCE * 100} %)`}`);
  }
  process.exit(ok ? 0 : 1);
})().catch((err) => {
  process.stderr.write(`bench/pacing.js: ${err.stack || err}\n`);
  process.exit(2);
});
