// The contract suites alone, for vitest's own CLI: `vitest list --config vitest.contracts.config.ts` (the
// drift guards read what each scenario covers from it) or a watch loop while writing a suite. `npm run
// contracts` does not read it: `partnermock contracts` configures vitest itself (src/contracts/run-contracts.ts).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['contracts/*.contract.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
