/**
 * What a newcomer copies from the README works as written: the install line for `npm test`
 * names the packages CI installs, the config example is the file in fixtures/ and running
 * it leaves nothing git would see, and every example runs the CLI as `npx sim800-emu`
 * (which works in a built checkout, where a bare `sim800-emu` is not on PATH).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DteClient } from '../../src/client/dteClient';
import { killAllClis, startCli } from '../helpers/cli';

const ROOT = path.join(__dirname, '..', '..');
const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), 'utf8');
const README = read('README.md');
const DOCS = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

afterEach(killAllClis);

/** The package names of an `apt-get install` command (options, redirections and what follows `&&` dropped). */
function aptPackages(line: string): string[] {
  const after = line.slice(line.indexOf('apt-get install') + 'apt-get install'.length).split('&&')[0];
  return after
    .split(/\s+/)
    .filter((w) => w && !w.startsWith('-') && !w.startsWith('>') && !w.startsWith('#'))
    .filter((_w, i, all) => !all.slice(0, i).some((x) => x.startsWith('#')))
    .sort();
}

describe('the install line', () => {
  it('README installs exactly what .ci/run installs', () => {
    const ci = read('.ci/run')
      .split('\n')
      .filter((l) => /^\s*\$SUDO apt-get install /.test(l));
    expect(ci).toHaveLength(1);
    const readme = README.split('\n').filter((l) => /apt-get install /.test(l));
    expect(readme).toHaveLength(1);
    const fromCi = aptPackages(ci[0]);
    const fromReadme = aptPackages(readme[0].split('#')[0]);
    expect(fromCi).toEqual(expect.arrayContaining(['mosquitto', 'mosquitto-clients', 'socat', 'openssl', 'python3', 'make', 'g++']));
    expect(fromReadme).toEqual(fromCi);
  });
});

describe('the config example', () => {
  it('README shows fixtures/config.example.json as it is', () => {
    const block = /Example \(\[fixtures\/config\.example\.json\][\s\S]*?```json\n([\s\S]*?)```/.exec(README);
    expect(block).not.toBeNull();
    expect(block![1]).toBe(read('fixtures/config.example.json'));
  });

  it('running it (and saving a profile with AT&W) creates nothing git does not ignore', async () => {
    const status = () => spawnSync('git', ['status', '--porcelain', '--untracked-files=all', '--', '.'], { cwd: ROOT, encoding: 'utf8' });
    const before = status();
    expect(before.status).toBe(0); // a checkout: CI's is a git clone
    const stateDir = path.join(ROOT, 'fixtures', 'sim800-state');
    const hadState = fs.existsSync(stateDir);
    try {
      // The file's state dir as is; ports and timing from flags, so nothing fixed is needed.
      const cli = await startCli(['--config', path.join(ROOT, 'fixtures', 'config.example.json'), '--tcp', '127.0.0.1:0', '--broker-port', '0', '--broker-tls-port', '0', '--profile', 'instant', '--log-level', 'warn']);
      const dte = await DteClient.connectTcp(cli.port);
      await dte.ok('ATE0');
      await dte.ok('AT&W');
      await dte.close();
      expect((await cli.stop()).code).toBe(0);
      expect(fs.readdirSync(stateDir)).toContain('profile.json');
      expect(status().stdout).toBe(before.stdout);
      expect(spawnSync('git', ['check-ignore', '-q', path.join(stateDir, 'profile.json')], { cwd: ROOT }).status).toBe(0);
    } finally {
      if (!hadState) fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });
});

describe('examples run the CLI as npx sim800-emu', () => {
  /** Code blocks and inline code of a markdown file, with the line each starts on. */
  function codeOf(md: string): { line: number; text: string }[] {
    const out: { line: number; text: string }[] = [];
    const lines = md.split('\n');
    let fence: number | null = null;
    lines.forEach((l, i) => {
      if (l.startsWith('```')) {
        fence = fence === null ? i : null;
        return;
      }
      if (fence !== null) out.push({ line: i + 1, text: l });
      else for (const m of l.matchAll(/`([^`]+)`/g)) out.push({ line: i + 1, text: m[1] });
    });
    return out;
  }

  it.each(DOCS)('%s', (file) => {
    const bad = codeOf(read(file))
      .filter(({ text }) => /(?<!npx )(?<![\w/-])sim800-emu -/.test(text) || /node dist\/cli\/main\.js/.test(text))
      .map(({ line, text }) => `${file}:${line}: ${text.trim()}`);
    expect(bad).toEqual([]);
  });

  it('the check sees a bare example', () => {
    expect(/(?<!npx )(?<![\w/-])sim800-emu -/.test('sim800-emu --pty /tmp/x')).toBe(true);
    expect(/(?<!npx )(?<![\w/-])sim800-emu -/.test('EXEC:"sim800-emu --stdio"')).toBe(true);
    expect(/(?<!npx )(?<![\w/-])sim800-emu -/.test('npx sim800-emu --pty /tmp/x')).toBe(false);
  });
});
