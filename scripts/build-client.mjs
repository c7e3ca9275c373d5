// The build of @partnermock/client (packages/client, whose `prepare` runs it, so `npm pack ./packages/client`
// builds it): compiles the repo's own src/client and the generated types it imports to packages/client/dist
// with tsc (packages/client/tsconfig.json), as scripts/build.mjs does for the whole package. Entry:
// dist/client/index.js. The generated files hold only types, so only their .d.ts is kept.
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = join(root, 'packages/client');
const dist = join(pkg, 'dist');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', join(pkg, 'tsconfig.json')], { stdio: 'inherit', cwd: root });
// The client imports the generated modules with `import type` only, so their JavaScript is an empty module.
const generated = join(dist, 'generated');
for (const file of readdirSync(generated).filter((name) => name.endsWith('.js'))) rmSync(join(generated, file));
