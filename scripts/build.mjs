// `npm run build` (also run by `prepare`, so git and tarball installs work): compiles src/ and mocks/
// to dist/ with tsc, then copies what the compiled code reads at run time — the specs (plugins load
// `../../openapi/<name>.yaml` relative to themselves) and the plugins' non-TypeScript files (dev keys).
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
cpSync(join(root, 'openapi'), join(dist, 'openapi'), { recursive: true });
cpSync(join(root, 'mocks'), join(dist, 'mocks'), {
  recursive: true,
  filter: (source) => !source.endsWith('.ts') || source.endsWith('.d.ts'),
});
