#!/usr/bin/env node
/**
 * Redraws the import graph in docs/architecture.md (between the `graph:start` and
 * `graph:end` markers) from dependency-cruiser's own JSON output: one box per folder or
 * base module, grouped by the layers of .dependency-cruiser.cjs, one arrow per import
 * between boxes. Run with `npm run graph`.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const { LAYERS } = require(path.join(root, '.dependency-cruiser.cjs'));
const bin = path.join(root, 'node_modules', '.bin', 'depcruise');
const json = execFileSync(bin, ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], { cwd: root, maxBuffer: 64 << 20 });
const { modules } = JSON.parse(json);

/** `src/commands/mqtt/index.ts` → `commands/`; `src/clock.ts` → `clock.ts`. */
const box = (file) => {
  const rel = file.replace(/^src\//, '');
  return rel.includes('/') ? `${rel.split('/')[0]}/` : rel;
};
const layerOf = (file) => LAYERS.findIndex((l) => l.paths.some((p) => new RegExp(p).test(file)));

const boxes = new Map(); // box → layer index
const edges = new Set();
for (const m of modules) {
  if (!m.source.startsWith('src/') || m.source.startsWith('src/native/')) continue;
  boxes.set(box(m.source), layerOf(m.source));
  for (const d of m.dependencies) {
    if (!d.resolved.startsWith('src/')) continue;
    const from = box(m.source);
    const to = box(d.resolved);
    if (from !== to) edges.add(`${from}|${to}`);
  }
}

const id = (b) => b.replace(/[^A-Za-z0-9]/g, '_');
const lines = ['```mermaid', 'flowchart TB'];
LAYERS.forEach((layer, i) => {
  const members = [...boxes].filter(([, l]) => l === i).map(([b]) => b).sort();
  if (members.length === 0) return;
  lines.push(`  subgraph L${i}["${layer.name}"]`);
  for (const b of members) lines.push(`    ${id(b)}["${b}"]`);
  lines.push('  end');
});
for (const e of [...edges].sort()) {
  const [from, to] = e.split('|');
  lines.push(`  ${id(from)} --> ${id(to)}`);
}
lines.push('```');

const doc = path.join(root, 'docs', 'architecture.md');
const text = fs.readFileSync(doc, 'utf8');
const start = '<!-- graph:start (npm run graph) -->';
const end = '<!-- graph:end -->';
const a = text.indexOf(start);
const b = text.indexOf(end);
if (a < 0 || b < a) throw new Error(`docs/architecture.md has no ${start} … ${end} block`);
const next = text.slice(0, a + start.length) + '\n' + lines.join('\n') + '\n' + text.slice(b);
if (process.argv.includes('--check')) {
  if (next !== text) {
    console.error('docs/architecture.md: the import graph is out of date; run `npm run graph`');
    process.exit(1);
  }
} else fs.writeFileSync(doc, next);
