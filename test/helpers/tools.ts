/**
 * Tests that need a program from the README's install line (socat, …). Without it they
 * fail, with one test that names the program and the package to install, instead of
 * being skipped: a skipped block looks like a pass in CI's totals.
 */
import * as fs from 'node:fs';

/** The program's path (the usual places), or undefined. */
export function findTool(name: string): string | undefined {
  const dirs = ['/usr/bin', '/bin', '/usr/local/bin', ...(process.env.PATH ?? '').split(':').filter(Boolean)];
  return dirs.map((d) => `${d}/${name}`).find((p) => fs.existsSync(p));
}

/** describe(name, body) when the tool is there; otherwise one failing test saying what to install. */
export function describeWithTool(tool: string, found: string | undefined, name: string, body: () => void): void {
  if (found) {
    describe(name, body);
    return;
  }
  describe(name, () => {
    it(`needs ${tool}`, () => {
      throw new Error(`${tool} is not installed: these tests need it (apt-get install -y ${tool}; the README's install line for npm test lists everything, as .ci/run installs it)`);
    });
  });
}
