/**
 * Jest runs TypeScript sources directly through ts-jest in ESM mode. Type checking is `tsc --noEmit`
 * (part of `npm test`), so ts-jest only transpiles (isolatedModules) and stays fast.
 * Imports carry `.ts` extensions (Node 24 runs the sources as they are); ts-jest rewrites them to
 * `.js`, which the mapper points back at the sources.
 * @type {import('jest').Config}
 */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: { isolatedModules: true } }],
  },
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  testTimeout: 20000,
};
