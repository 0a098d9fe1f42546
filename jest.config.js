/**
 * Unit and in-process tests run the TypeScript sources through ts-jest; CLI tests spawn
 * the built dist/cli/main.js, which is why `npm test` builds first.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }] },
  // A limit for a hang: tests wait on conditions, and a loaded machine makes them slow, not wrong.
  testTimeout: 60000,
};
