// `npm run contracts`: the contract suites only (scripts/run-contracts.ts runs vitest with this config).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['contracts/*.contract.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
