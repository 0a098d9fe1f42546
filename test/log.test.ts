/**
 * createLogger() and silentLogger are pino made on first need (src/log.ts): nothing
 * written, pino not loaded; the first line at an enabled level loads it, and what is
 * written is pino's own JSON (bindings of children, redaction, the level numbers). Run
 * in a child process on the built dist/log.js: what counts is its real stderr and its
 * require.cache.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const LOG = path.join(__dirname, '..', 'dist', 'log.js');

/** Runs `body` with `log` (dist/log.js) and `pinoLoaded()` in scope; its stderr lines as JSON, its stdout as text. */
function run(body: string): { records: Record<string, unknown>[]; out: string } {
  const script = `const log = require(${JSON.stringify(LOG)});
const pinoLoaded = () => Object.keys(require.cache).some((f) => /node_modules\\/pino\\//.test(f));
${body}`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`child exited ${r.status}: ${r.stderr}`);
  return { records: r.stderr.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>), out: r.stdout };
}

it('below its level a logger writes nothing and never loads pino; isLevelEnabled answers as pino does', () => {
  const { records, out } = run(`
const l = log.createLogger('warn', false);
const c = l.child({ mod: 'x' });
l.info('no'); l.debug({ a: 1 }, 'no'); c.info('no'); c.trace('no');
log.silentLogger.error('no'); log.silentLogger.child({ m: 1 }).fatal('no');
let flushed = false; l.flush(() => (flushed = true));
console.log(JSON.stringify({ loaded: pinoLoaded(), flushed, level: l.level, val: l.levelVal, childLevel: c.level,
  warn: l.isLevelEnabled('warn'), error: c.isLevelEnabled('error'), info: l.isLevelEnabled('info'), nope: l.isLevelEnabled('nope') }));`);
  expect(records).toEqual([]);
  expect(JSON.parse(out)).toEqual({ loaded: false, flushed: true, level: 'warn', val: 40, childLevel: 'warn', warn: true, error: true, info: false, nope: false });
});

it("the first line at its level loads pino and is pino's JSON: child bindings, secrets masked", () => {
  const { records, out } = run(`
const l = log.createLogger('info', false);
const before = pinoLoaded();
const c = l.child({ mod: 'broker' }).child({ modem: 3 }, { level: 'debug' });
c.debug({ password: 'hunter2', user: 'u' }, 'connected');
l.info({ token: 'abc' }, 'ready');
l.debug('not at info');
console.log(JSON.stringify({ before, after: pinoLoaded(), childLevel: c.level }));`);
  expect(JSON.parse(out)).toEqual({ before: false, after: true, childLevel: 'debug' });
  expect(records).toHaveLength(2);
  expect(records[0]).toMatchObject({ level: 20, mod: 'broker', modem: 3, password: '***', user: 'u', msg: 'connected' });
  expect(records[1]).toMatchObject({ level: 30, token: '***', msg: 'ready' });
  expect(records[1]).not.toHaveProperty('mod');
  for (const r of records) expect(r).toEqual(expect.objectContaining({ pid: expect.any(Number), time: expect.any(Number) }));
});

it('a level set on a logger takes effect for it and for children made after, as in pino', () => {
  const { records } = run(`
const l = log.createLogger('error', false);
const early = l.child({ k: 'early' });
l.level = 'info';
l.info('now on');
early.info('still at error');
l.child({ k: 'late' }).info('inherits info');`);
  expect(records.map((r) => r.msg)).toEqual(['now on', 'inherits info']);
  expect(records[1]).toMatchObject({ k: 'late' });
});
