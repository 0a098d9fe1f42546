#!/usr/bin/env node
/*
 * Pacing benchmark: how close --pace comes to the theoretical UART rate.
 *
 *   npm run build && node bench/pacing.js [--bytes 10000] [--rates 115200,9600] [--pty]
 *
 * For each rate the modem sends `bytes` bytes (8N1: 10 bits a byte) to a DTE that takes
 * them as fast as it can: in process, or with --pty through a real pty read by
 * serialport. It prints the achieved bit rate against the theoretical one, and exits 1
 * if any run is off by more than 2 %. Plain JavaScript over the built dist/, so it runs
 * with node alone.
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist');
if (!fs.existsSync(path.join(dist, 'index.js'))) {
  process.stderr.write('bench/pacing.js: dist/ is missing: run `npm run build` first\n');
  process.exit(2);
}
const { startEmulator } = require(path.join(dist, 'index.js'));
const { bitsPerFrame } = require(path.join(dist, 'uart', 'uart.js'));

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const BYTES = Number(arg('bytes', '10000'));
const RATES = arg('rates', '115200,9600').split(',').map(Number);
const VIA_PTY = process.argv.includes('--pty');
const TOLERANCE = 0.02;
const FRAME = { dataBits: 8, parity: 'none', stopBits: 1 };

/** Opens the DTE side and returns { onData(cb), close() }. */
async function dteFor(emu) {
  if (!VIA_PTY) {
    const port = emu.openPort();
    return { onData: (cb) => port.on('data', cb), close: async () => port.destroy() };
  }
  const { SerialPort } = require('serialport');
  const port = new SerialPort({ path: emu.endpoints.pty.link, baudRate: 115200, autoOpen: false });
  await new Promise((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  return { onData: (cb) => port.on('data', cb), close: () => new Promise((resolve) => port.close(() => resolve())) };
}

async function run(baudRate) {
  const dir = VIA_PTY ? fs.mkdtempSync(path.join(os.tmpdir(), 'sim800-bench-')) : null;
  const emu = await startEmulator({ tcp: false, brokerPort: 0, brokerTlsPort: false, pace: true, line: { baudRate }, pty: dir ? path.join(dir, 'tty') : undefined });
  try {
    const dte = await dteFor(emu);
    let got = 0;
    let last = 0;
    const done = new Promise((resolve) =>
      dte.onData((d) => {
        got += d.length;
        last = performance.now();
        if (got >= BYTES) resolve();
      }),
    );
    const start = performance.now();
    emu.modem.engine.urcBytes(Buffer.alloc(BYTES, 0x55));
    await done;
    await dte.close();
    const seconds = (last - start) / 1000;
    const theoretical = (BYTES * bitsPerFrame(FRAME)) / baudRate;
    return { baudRate, bytes: BYTES, seconds, theoretical, achievedBaud: (BYTES * bitsPerFrame(FRAME)) / seconds, error: seconds / theoretical - 1 };
  } finally {
    await emu.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

(async () => {
  let ok = true;
  console.log(`pacing, ${BYTES} bytes 8N1, ${VIA_PTY ? 'through a pty read by serialport' : 'in process'}`);
  for (const rate of RATES) {
    const r = await run(rate);
    const pass = Math.abs(r.error) <= TOLERANCE;
    ok = ok && pass;
    console.log(
      `${String(rate).padStart(7)} baud: ${r.seconds.toFixed(4)} s (theory ${r.theoretical.toFixed(4)} s), achieved ${r.achievedBaud.toFixed(0)} baud, ` +
        `error ${(r.error * 100).toFixed(2)} % ${pass ? 'ok' : `FAIL (> ${TOLERANCE * 100} %)`}`,
    );
  }
  process.exit(ok ? 0 : 1);
})().catch((err) => {
  process.stderr.write(`bench/pacing.js: ${err.stack || err}\n`);
  process.exit(2);
});
