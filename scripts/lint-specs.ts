/** `npm run lint:spec`: Redocly's recommended rules (redocly.yaml) over every built-in provider's spec. */
import path from 'node:path';
import { builtinProviders, describeProblem, lintConfig, lintSpec, repoRoot } from './providers.ts';

const config = await lintConfig();
let problems = 0;
for (const provider of builtinProviders) {
  const found = await lintSpec(provider, config);
  problems += found.length;
  console.log(`${path.relative(repoRoot, provider.spec)}: ${found.length ? `${found.length} problem(s)` : 'clean'}`);
  for (const problem of found) console.log(`  ${describeProblem(problem)}`);
}
process.exit(problems ? 1 : 0);
