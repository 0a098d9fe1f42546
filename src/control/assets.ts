/**
 * Where the control page's static files are: the package's `ui/` folder, two levels above
 * this module both as source (src/control/) and as built (dist/control/), so the page is
 * served from the package as installed (package.json `files`), with no copy step.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const UI_DIR = path.join(__dirname, '..', '..', 'ui');

/** The page's files that a self-contained trace page inlines (src/trace/render.ts). */
export function readUiFile(name: 'app.js' | 'app.css' | 'index.html'): string {
  return fs.readFileSync(path.join(UI_DIR, name), 'utf8');
}
