/**
 * docs/cli.md's option table is generated from the option table: `npm run docs:options`
 * rewrites the part between the markers, and a test fails when the two differ.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { optionsDocTable } from './index';

export const BEGIN = '<!-- options:begin (generated from src/options/table.ts by `npm run docs:options`; edit there) -->';
export const END = '<!-- options:end -->';

/** The text between the markers of `doc`, or undefined without them. */
export function tableIn(doc: string): string | undefined {
  const from = doc.indexOf(BEGIN);
  const to = doc.indexOf(END);
  if (from < 0 || to < from) return undefined;
  return doc.slice(from + BEGIN.length, to).trim();
}

/** `doc` with the generated table between its markers. */
export function withTable(doc: string): string {
  const from = doc.indexOf(BEGIN);
  const to = doc.indexOf(END);
  if (from < 0 || to < from) throw new Error(`the option table's markers are missing: ${BEGIN} … ${END}`);
  return `${doc.slice(0, from + BEGIN.length)}\n${optionsDocTable()}\n${doc.slice(to)}`;
}

if (require.main === module) {
  // dist/options/docs.js and src/options/docs.ts both sit two levels below the repository.
  const file = path.join(__dirname, '..', '..', 'docs', 'cli.md');
  fs.writeFileSync(file, withTable(fs.readFileSync(file, 'utf8')));
  process.stdout.write(`${file}: option table written\n`);
}
