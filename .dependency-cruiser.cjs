/**
 * The layers of src/, lowest first (docs/architecture.md). A module may import its own
 * layer and the layers below it, never one above; and there are no cycles. `npm test`
 * runs this check (`npm run lint:deps`); `npm run graph` redraws the picture in
 * docs/architecture.md from the same layers.
 */
const LAYERS = [
  { name: 'base', paths: ['^src/(address|builtins|sas|clock|log|profile|random|flagFile|atomicFile|optionError|stateDir|lineText|schema|quietDebug)\\.ts$'] },
  { name: 'wire', paths: ['^src/uart/', '^src/at/'] },
  { name: 'outside', paths: ['^src/net/', '^src/broker/'] },
  { name: 'modem', paths: ['^src/modem/'] },
  { name: 'commands', paths: ['^src/commands/'] },
  { name: 'faults', paths: ['^src/faults/'] },
  { name: 'surfaces', paths: ['^src/transport/', '^src/client/', '^src/control/', '^src/scenario/', '^src/trace/'] },
  { name: 'root', paths: ['^src/(emulator|brokerPlan)\\.ts$'] },
  { name: 'apps', paths: ['^src/fleet/', '^src/bench/'] },
  { name: 'cli', paths: ['^src/cli/', '^src/options/'] },
  { name: 'entry', paths: ['^src/index\\.ts$'] },
];

const above = (i) => LAYERS.slice(i + 1).flatMap((l) => l.paths);

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: the modules cannot be loaded one after the other. (Two classes that name each other\'s types only, like the TCP/IP stack and its transparent mode, are no cycle at run time.)',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    ...LAYERS.slice(0, -1).map((layer, i) => ({
      name: `layer-${layer.name}`,
      severity: 'error',
      comment: `The ${layer.name} layer imports a layer above it (order: ${LAYERS.map((l) => l.name).join(' < ')}).`,
      from: { path: layer.paths },
      to: { path: above(i) },
    })),
    {
      name: 'no-unlayered',
      severity: 'error',
      comment: 'A module under src/ that is in no layer: add it to LAYERS in .dependency-cruiser.cjs.',
      from: { path: '^src/', pathNot: LAYERS.flatMap((l) => l.paths).concat(['^src/native/']) },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/native/' },
    // Type-only imports count: a layer may not even name a type from above it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};

// For scripts/graph.js (not a dependency-cruiser option).
Object.defineProperty(module.exports, 'LAYERS', { value: LAYERS, enumerable: false });
