/**
 * `npm run generate`: writes each built-in provider's TypeScript types (src/generated/<name>.ts) from its
 * spec with openapi-typescript, and the config file's schema for editors (config.schema.json) from the
 * definition the loader validates with. test/generated-types.test.ts and test/config/schema.test.ts check
 * the committed files are up to date.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { builtinProviders, renderConfigSchema, renderTypes, repoRoot } from './providers.ts';

for (const provider of builtinProviders) {
  await mkdir(path.dirname(provider.types), { recursive: true });
  await writeFile(provider.types, await renderTypes(provider), 'utf8');
  console.log(`wrote ${path.relative(repoRoot, provider.types)}`);
}

await writeFile(path.join(repoRoot, 'config.schema.json'), await renderConfigSchema(), 'utf8');
console.log('wrote config.schema.json');
