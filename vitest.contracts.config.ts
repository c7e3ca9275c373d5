// `npm run contracts`: the contract suites only (scripts/run-contracts.ts runs vitest with this config).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // scripts/run-contracts.ts names the suites (the registry's, or `--suite` files); alone, the built-in ones.
    include: process.env.PARTNERMOCK_CONTRACT_SUITES?.split('\n') ?? ['contracts/*.contract.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
