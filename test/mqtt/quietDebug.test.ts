/**
 * mqtt.js and aedes are loaded with quiet `debug` loggers (src/quietDebug.ts): a logger
 * whose namespace DEBUG leaves off does nothing, one it enables logs as before, and
 * `require('debug')` is debug's own again afterwards. Each case runs in a fresh Node
 * process on the built module (`npm test` builds first): the module cache is what it
 * works through, and jest has its own.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Loads mqtt (through requireQuietly, or plainly), then turns `later` on with
 * debug.enable() and has mqtt-packet write and parse one PUBLISH. Returns stdout and stderr.
 */
function run(opts: { quiet: boolean; env?: Record<string, string>; later?: string }): { out: string; err: string } {
  const script = `
    const real = require('debug');
    ${opts.quiet ? "require('./dist/quietDebug.js').requireQuietly('mqtt');" : "require('mqtt');"}
    console.log('debug restored: ' + (require('debug') === real));
    ${opts.later ? `real.enable(${JSON.stringify(opts.later)});` : ''}
    const mp = require('mqtt-packet');
    const { Writable } = require('stream');
    const packet = { cmd: 'publish', topic: 'a/b', payload: 'x', qos: 0 };
    mp.writeToStream(packet, new Writable({ write(c, e, cb) { cb(); } }));
    const p = mp.parser();
    p.on('packet', (q) => console.log('parsed ' + q.topic));
    p.parse(mp.generate(packet));
  `;
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  if (!opts.env?.DEBUG) delete env.DEBUG;
  const r = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, env, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`the child failed (${r.status}): ${r.stderr}`);
  return { out: r.stdout, err: r.stderr };
}

describe('mqtt.js and aedes load with quiet debug loggers', () => {
  it('a namespace DEBUG enables still logs, as without', () => {
    const r = run({ quiet: true, env: { DEBUG: 'mqtt-packet:*' } });
    expect(r.err).toContain('mqtt-packet:writeToStream publish: packet');
    expect(r.err).toContain('mqtt-packet:parser');
    expect(r.out).toContain('parsed a/b');
  });

  it('a logger made quiet does nothing even once its namespace is enabled; a plain load logs then (the control)', () => {
    const quiet = run({ quiet: true, later: 'mqtt-packet:*' });
    expect(quiet.out).toContain('parsed a/b');
    expect(quiet.err).not.toContain('mqtt-packet:');
    const plain = run({ quiet: false, later: 'mqtt-packet:*' });
    expect(plain.err).toContain('mqtt-packet:writeToStream publish: packet');
  });

  it("require('debug') is debug's own again once the package has loaded", () => {
    expect(run({ quiet: true }).out).toContain('debug restored: true');
  });
});
