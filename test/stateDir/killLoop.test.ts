/**
 * AT&W under `kill -9`: a child process saves the profile in a loop and is killed at a
 * random moment (seeded, so a failure replays); the next start must read a valid profile
 * every time, and find no temporary file left behind.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TEMP_PREFIX } from '../../src/atomicFile';
import { startEmulator } from '../../src/emulator';
import { seededRandom } from '../../src/random';

const DIST = path.resolve(__dirname, '..', '..', 'dist');

/**
 * What AT&W does on disk (Modem.saveProfile → ProfileStore.save), in a loop, in a process
 * that holds the state dir as an emulator does. Only these two modules are loaded: 40
 * process starts must stay cheap.
 */
const CHILD = `
const [dist, dir] = process.argv.slice(1);
const { ProfileStore, factorySettings } = require(dist + '/modem/settings.js');
const { StateDir } = require(dist + '/stateDir.js');
StateDir.open(dir);
const store = new ProfileStore(dir);
const s = factorySettings(0);
for (let n = 0; ; n++) {
  s.s7 = 1 + (n % 50);
  s.cmee = n % 3;
  store.save(s);
  if (n === 0) require('node:fs').writeSync(1, 'saving\\n');
}
`;

const RUNS = 40;
const PARALLEL = 4;

/** Starts the child, waits until it is saving, kills it after `ms`. */
function killWhileSaving(dir: string, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', CHILD, DIST, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    let saving = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.stdout.once('data', () => {
      saving = true;
      setTimeout(() => child.kill('SIGKILL'), ms);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && saving) resolve();
      else reject(new Error(`the child never started saving (exit ${code ?? signal}): ${err}`));
    });
  });
}

describe('AT&W is atomic', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it(`${RUNS} kill -9 at random moments during AT&W: every next start reads a saved profile`, async () => {
    const rng = seededRandom(11, 'kill-loop');
    const delays = Array.from({ length: RUNS }, () => rng.int(0, 40));
    const bad: string[] = [];
    let tempsLeft = 0;
    for (let from = 0; from < RUNS; from += PARALLEL) {
      const batch = delays.slice(from, from + PARALLEL).map(async (ms, k) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim800-kill-'));
        dirs.push(dir);
        await killWhileSaving(dir, ms);
        if (fs.readdirSync(dir).some((f) => f.startsWith(TEMP_PREFIX))) tempsLeft++;
        const text = fs.readFileSync(path.join(dir, 'profile.json'), 'utf8');
        // The next start: takes the dead child's lock, cleans up, reads the profile.
        const emu = await startEmulator({ stateDir: dir, tcp: false, broker: 'direct' });
        try {
          const s7 = emu.modem.settings.s7;
          if (!(s7 >= 1 && s7 <= 50)) bad.push(`run ${from + k} (kill after ${ms} ms): S7 ${s7}, profile.json ${JSON.stringify(text.slice(0, 40))}`);
          expect(fs.readdirSync(dir).filter((f) => f.startsWith(TEMP_PREFIX))).toEqual([]);
        } finally {
          await emu.stop();
        }
      });
      await Promise.all(batch);
    }
    expect(bad).toEqual([]);
    // Informative: how often a kill landed between the temporary file and the rename.
    expect(tempsLeft).toBeGreaterThanOrEqual(0);
  }, 60_000);
});
