// `npm run build` (also run by `prepare`, so git and tarball installs work): compiles src/ and mocks/
// to dist/ with tsc, then copies what the compiled code reads at run time — the specs (plugins load
// `../../openapi/<name>.yaml` relative to themselves), the inspector page's files and the plugins'
// non-TypeScript files (dev keys).
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// `--out-dir <dir>` builds elsewhere (the benchmark builds into a scratch directory); default dist/.
const outIndex = process.argv.indexOf('--out-dir');
const dist = outIndex === -1 ? join(root, 'dist') : resolve(process.argv[outIndex + 1]);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', dist], {
  stdio: 'inherit',
  cwd: root,
});
cpSync(join(root, 'openapi'), join(dist, 'openapi'), { recursive: true });
// The inspector page's HTML, scripts and stylesheet: plain files, served beside the compiled module
// that reads them (src/inspector/page/serve-page.ts).
cpSync(join(root, 'src/inspector/page/assets'), join(dist, 'src/inspector/page/assets'), { recursive: true });
cpSync(join(root, 'mocks'), join(dist, 'mocks'), {
  recursive: true,
  filter: (source) => !source.endsWith('.ts') || source.endsWith('.d.ts'),
});

// Each spec validated and dereferenced now, once, into `<name>.prepared.json` beside it: a start from the
// package reads that instead of parsing YAML and validating against the OpenAPI schema (src/spec/load-spec.ts).
const { prepareSpec, preparedPath } = await import(pathToFileURL(join(dist, 'src/spec/load-spec.js')).href);
for (const name of readdirSync(join(dist, 'openapi')).filter((file) => /\.ya?ml$/.test(file))) {
  const spec = join(dist, 'openapi', name);
  // Written whole and then renamed: a build that stops halfway leaves no truncated copy to read.
  const target = preparedPath(spec);
  writeFileSync(`${target}.tmp`, JSON.stringify(await prepareSpec(spec)));
  renameSync(`${target}.tmp`, target);
}
