import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The contract suites run against the in-process mock as part of `npm test`.
    include: ['test/**/*.test.ts', 'contracts/*.contract.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // CI (.ci/run) reads the JSON report to print its "N passed, N failed" line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results/vitest.json' }]] : ['default'],
  },
});
