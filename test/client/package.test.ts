/**
 * What a CRM project gets from `npm install partnermock`: the packed tarball installs in a fresh
 * project, `partnermock/client` type-checks under `strict` (the consumer's `@ts-expect-error` lines
 * prove the types refuse wrong calls), and the compiled consumer completes each flow against the
 * mock started from the installed package's own server entry.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let project: string;
/** What tsc printed for the consumer project (it emits to out/ even so). */
let compileOutput: string;

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'partnermock-consumer-'));
  // `npm pack` runs `prepare`, so this also proves the build from source works.
  const { stdout } = await run(npm, ['pack', '--json', '--pack-destination', project], {
    cwd: root,
    maxBuffer: 16 * 1024 * 1024,
  });
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  if (!packed) throw new Error('npm pack reported nothing');
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify(
      {
        name: 'crm-consumer',
        private: true,
        type: 'module',
        dependencies: { partnermock: `file:./${packed.filename}` },
      },
      null,
      2,
    ),
  );
  cpSync(join(root, 'test/client/consumer'), project, { recursive: true });
  // The README's plugin example, verbatim, as a TypeScript plugin of the consumer's own.
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Write a provider plugin'));
  const example = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!example) throw new Error("README.md has no ts example under 'Write a provider plugin'");
  mkdirSync(join(project, 'acme'));
  writeFileSync(join(project, 'acme/index.ts'), example);
  cpSync(join(root, 'test/client/consumer-plugin/acme.yaml'), join(project, 'acme/acme.yaml'));
  cpSync(join(root, 'test/client/consumer-plugin/call-acme.mjs'), join(project, 'call-acme.mjs'));
  // @types/node for the consumer's own Node code, from the same registry `npm ci` used.
  await run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', '@types/node@20'], {
    cwd: project,
    maxBuffer: 16 * 1024 * 1024,
  });
  const compiled = await run(process.execPath, [tsc, '-p', project], { cwd: project }).catch(
    (error: { stdout: string; stderr: string }) => error,
  );
  compileOutput = compiled.stdout + compiled.stderr;
}, 240_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('holds the built entries and no sources, tests or dev keys outside dist', () => {
    const installed = join(project, 'node_modules/partnermock');
    expect(readdirSync(installed).sort()).toEqual(['README.md', 'dist', 'package.json']);
    // Each spec, and its prepared form (validated and dereferenced at build) that a start reads instead.
    expect(readdirSync(join(installed, 'dist/openapi')).sort()).toEqual([
      'b2copy.prepared.json',
      'b2copy.yaml',
      'just2trade.prepared.json',
      'just2trade.yaml',
      'keeta.prepared.json',
      'keeta.yaml',
    ]);
    expect(readdirSync(join(installed, 'dist/src/client'))).toEqual(expect.arrayContaining(['index.js', 'index.d.ts']));
  });

  it('type-checks a consumer under strict, refusing every wrong call', () => {
    expect(compileOutput).toBe('');
  });

  it("loads the README's TypeScript plugin example from the install (plugins: [...] and --plugin) and calls it", async () => {
    const { stdout } = await run(process.execPath, ['call-acme.mjs'], { cwd: project, timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual({
      'api demo': { status: 200, body: { login: 'demo' } },
      'api nobody': { status: 404, body: { message: 'No such user.', code: 'not_found' } },
      'cli demo': { status: 200, body: { login: 'demo' } },
    });
  }, 120_000);

  it('completes each flow against the mock started from the installed package', async () => {
    const { stdout } = await run(process.execPath, ['out/run.js'], { cwd: project, timeout: 60_000 });
    const report = JSON.parse(stdout) as Record<string, unknown>;
    expect(report).toEqual({ b2copy: 'ok', keeta: 'ok', just2trade: 'ok', pluginOptions: 'ok' });
  }, 120_000);
});
