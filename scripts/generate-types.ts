/**
 * `npm run generate`: writes each built-in provider's TypeScript types (src/generated/<name>.ts) from its
 * spec with openapi-typescript. test/generated-types.test.ts checks the committed files are up to date.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { builtinProviders, renderTypes, repoRoot } from './providers.ts';

for (const provider of builtinProviders) {
  await mkdir(path.dirname(provider.types), { recursive: true });
  await writeFile(provider.types, await renderTypes(provider), 'utf8');
  console.log(`wrote ${path.relative(repoRoot, provider.types)}`);
}
