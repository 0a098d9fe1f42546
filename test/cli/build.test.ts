/**
 * scripts/build.js (`npm run build`, so `npm start` and `npm test`) on a small project laid
 * out as this one (tsconfig.json, src/, dist/): an unchanged tree is not compiled again, a
 * change is, and an output whose source moved away is removed, so a stale dist/x.js cannot
 * shadow dist/x/index.js after src/x.ts became a folder.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BUILD = path.join(__dirname, '..', '..', 'scripts', 'build.js');

let root: string;
const write = (rel: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text);
};
const build = (...extra: string[]) => {
  const r = spawnSync(process.execPath, [BUILD, '--root', root, ...extra], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
};
const exists = (rel: string) => fs.existsSync(path.join(root, rel));
const run = (rel: string) => spawnSync(process.execPath, [path.join(root, rel)], { encoding: 'utf8' }).stdout;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'build-'));
  write(
    'tsconfig.json',
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'commonjs', rootDir: 'src', outDir: 'dist', declaration: true, sourceMap: true, declarationMap: true, strict: true, types: [] },
      include: ['src'],
    }),
  );
  write('src/main.ts', "import { x } from './x';\nconsole.log(x);\n");
  write('src/x.ts', 'export const x = 1;\n');
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

// Each build here runs tsc on a small project: seconds each on a loaded machine.
jest.setTimeout(120_000);

it('a fresh tree compiles; an unchanged one is not compiled again; a changed one is', () => {
  let r = build();
  expect(r).toMatchObject({ code: 0 });
  expect(r.out).toMatch(/build: compiled in \d+\.\d s/);
  expect(run('dist/main.js')).toBe('1\n');
  const mtime = fs.statSync(path.join(root, 'dist/x.js')).mtimeMs;

  r = build();
  expect(r).toEqual({ code: 0, out: 'build: dist/ is up to date\n' });
  expect(fs.statSync(path.join(root, 'dist/x.js')).mtimeMs).toBe(mtime);

  // Rewritten with the same content (a checkout): still up to date.
  write('src/x.ts', 'export const x = 1;\n');
  expect(build().out).toBe('build: dist/ is up to date\n');

  write('src/x.ts', 'export const x = 2;\n');
  expect(build().out).toMatch(/compiled/);
  expect(run('dist/main.js')).toBe('2\n');

  // --force compiles whatever the stamp says, and emits outputs that went missing.
  fs.rmSync(path.join(root, 'dist/x.js'));
  expect(build('--force').out).toMatch(/compiled/);
  expect(run('dist/main.js')).toBe('2\n');
});

it('a source that becomes a folder, and a folder that goes: their old outputs go, require() finds the folder', () => {
  write('src/gone/deep/y.ts', 'export const y = 1;\n');
  expect(build().code).toBe(0);
  expect(exists('dist/gone/deep/y.js')).toBe(true);

  fs.rmSync(path.join(root, 'src/x.ts'));
  write('src/x/index.ts', 'export const x = 3;\n');
  fs.rmSync(path.join(root, 'src/gone'), { recursive: true });
  const r = build();
  expect(r.code).toBe(0);
  for (const f of ['dist/x.js', 'dist/x.js.map', 'dist/x.d.ts', 'dist/x.d.ts.map', 'dist/gone']) expect([f, exists(f)]).toEqual([f, false]);
  expect(r.out).toContain('removed 8 stale output(s): dist/gone/deep/y.d.ts, ');
  expect(exists('dist/x/index.js')).toBe(true);
  expect(run('dist/main.js')).toBe('3\n');
  // What is not a compiler output stays.
  expect(exists('dist/.tsbuildinfo')).toBe(true);
});

it('an output deleted from dist/ is compiled again, though no source changed', () => {
  expect(build().code).toBe(0);
  fs.rmSync(path.join(root, 'dist/x.js'));
  const r = build();
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/^build: 1 output\(s\) missing \(dist\/x\.js …\): compiling them again\nbuild: compiled in \d+\.\d s\n$/);
  expect(run('dist/main.js')).toBe('1\n');
  expect(build().out).toBe('build: dist/ is up to date\n');
});

it('a compile error fails the build and leaves no stamp, so the next build compiles again', () => {
  write('src/x.ts', 'export const x: number = "one";\n');
  const r = build();
  expect(r.code).not.toBe(0);
  expect(r.out).toContain("Type 'string' is not assignable to type 'number'");
  expect(exists('dist/.build-stamp')).toBe(false);
});
