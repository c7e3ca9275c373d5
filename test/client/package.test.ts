/**
 * What a CRM project gets from `npm install partnermock`: the packed tarball installs in a fresh
 * project, `partnermock/client` type-checks under `strict` (the consumer's `@ts-expect-error` lines
 * prove the types refuse wrong calls), the compiled consumer completes each flow against the
 * mock started from the installed package's own server entry, the installed CLI's mock serves the
 * inspector page and its files, and `npx partnermock contracts` runs the shipped contract suites against
 * an in-process mock, a mock in another process, and a host that breaks the spec.
 */
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKEN_FIELD, startBrokenHost } from '../support/broken-host.ts';

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
  // The README's whole flow from another project's tests, verbatim: type-checked with the consumer, run with tsx.
  const testsSection = readme.slice(readme.indexOf("## Use it from another project's tests"));
  const flow = /```ts\n([\s\S]*?)```/.exec(testsSection)?.[1];
  if (!flow) throw new Error("README.md has no ts example under 'Use it from another project's tests'");
  writeFileSync(join(project, 'readme-flow.ts'), flow);
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
    expect(readdirSync(installed).sort()).toEqual(['README.md', 'config.schema.json', 'dist', 'package.json']);
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

  it("runs the README's flow from another project's tests as written (partnermock/testing, typed controls)", async () => {
    // `npx tsx readme-flow.ts`, as the README says; tsx is installed with partnermock.
    const result = await run(process.execPath, ['--import', 'tsx', 'readme-flow.ts'], {
      cwd: project,
      timeout: 60_000,
    });
    expect(result.stderr).toBe('');
  }, 120_000);

  it('completes each flow against the mock started from the installed package', async () => {
    const { stdout } = await run(process.execPath, ['out/run.js'], { cwd: project, timeout: 60_000 });
    const report = JSON.parse(stdout) as Record<string, unknown>;
    expect(report).toEqual({ b2copy: 'ok', keeta: 'ok', just2trade: 'ok', pluginOptions: 'ok' });
  }, 120_000);
});

describe('npx partnermock contracts, from the install', () => {
  const cleanups: (() => unknown)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  /** The installed bin, as `npx partnermock ...` runs it, with only `env`'s contract variables set. */
  function partnermock(args: string[], env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
    const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PARTNERMOCK_')));
    return new Promise((resolve) => {
      execFile(
        join(project, 'node_modules/.bin/partnermock'),
        args,
        { cwd: project, env: { ...base, ...env }, timeout: 100_000, maxBuffer: 32 * 1024 * 1024 },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
      );
    });
  }

  /** A mock served by the installed package's CLI in its own process; resolves with its base URL. */
  async function startInstalledMock(): Promise<string> {
    const child = spawn(join(project, 'node_modules/.bin/partnermock'), ['--port', '0', '--quiet'], {
      cwd: project,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(
      () =>
        new Promise((resolve) =>
          child.exitCode === null ? (child.once('exit', resolve), child.kill('SIGTERM')) : resolve(undefined),
        ),
    );
    return new Promise<string>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => reject(new Error(`no banner within 30 s: ${seen}`)), 30_000);
      child.stdout.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        const match = /listening on (http:\/\/(?:localhost|127\.0\.0\.1):\d+)/.exec(seen);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.once('exit', (code) => reject(new Error(`the installed CLI exited with ${code}: ${seen}`)));
    });
  }

  it('serves the inspector page at / and every file it loads, from the install', async () => {
    const url = await startInstalledMock();
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('<title>partnermock inspector</title>');
    const files = [...html.matchAll(/(?:src|href)="__mock\/inspector\/assets\/([\w.-]+)"/g)].map((match) => match[1]!);
    expect(files.sort()).toEqual(['inspector.css', 'inspector.js']);
    // The entry's own imports, which the browser asks for next.
    const entry = await (await fetch(`${url}/__mock/inspector/assets/inspector.js`)).text();
    files.push(...[...entry.matchAll(/from '\.\/([\w-]+\.js)'/g)].map((match) => match[1]!));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const asset = await fetch(`${url}/__mock/inspector/assets/${file}`);
      expect(asset.status, file).toBe(200);
      expect(asset.headers.get('content-type'), file).toMatch(/^text\/(css|javascript); charset=utf-8$/);
    }
  }, 120_000);

  it('ships the built-in suites as JavaScript', () => {
    const shipped = readdirSync(join(project, 'node_modules/partnermock/dist/contracts'));
    expect(shipped).toEqual(
      expect.arrayContaining(['b2copy.contract.js', 'just2trade.contract.js', 'keeta.contract.js', 'support']),
    );
  });

  it('with no PARTNERMOCK_* variables, runs every shipped suite against an in-process mock and passes', async () => {
    const { code, output } = await partnermock(['contracts']);
    expect(code, output).toBe(0);
    // The suites that ran are the package's own, compiled.
    for (const provider of ['b2copy', 'just2trade', 'keeta']) {
      expect(output).toContain(`dist/contracts/${provider}.contract.js`);
      expect(output).toContain(`${provider} — in-process mock`);
    }
    expect(output).toContain('Contract coverage');
    expect(output).toMatch(/^ +signIn +200 +yes$/m);
    expect(output).not.toMatch(/ NO$|^FAIL /m);
  }, 120_000);

  it("against the installed CLI's mock, for one provider, writes JUnit XML with a testcase per scenario", async () => {
    const url = await startInstalledMock();
    const junit = join(project, 'reports/contracts.xml');
    const { code, output } = await partnermock(
      ['contracts', '--provider', 'just2trade', '--reporter', 'junit', '--output-file', 'reports/contracts.xml'],
      {
        PARTNERMOCK_JUST2TRADE_AUTH_URL: `${url}/just2trade/auth`,
        PARTNERMOCK_JUST2TRADE_API_URL: `${url}/just2trade/api`,
      },
    );
    expect(code, output).toBe(0);
    expect(output).toContain(`just2trade — mock at ${url}`);
    expect(output).not.toMatch(/b2copy —|keeta —| NO$/m);
    expect(existsSync(junit), output).toBe(true);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/<testsuites [^>]*failures="0"/);
    expect(xml.match(/<testcase /g)?.length).toBeGreaterThanOrEqual(5);
    expect(xml).toContain('[getProfile 200, getProfile 401] each use renews the 24 h token');
  }, 120_000);

  it('against a host that breaks the spec, fails naming the operation, status and field', async () => {
    const host = await startBrokenHost(await startInstalledMock());
    cleanups.push(host.close);
    const { code, output } = await partnermock(['contracts', '--provider', 'b2copy'], {
      PARTNERMOCK_B2COPY_URL: `${host.url}/b2copy`,
      PARTNERMOCK_B2COPY_EMAIL: 'username@example.com',
      PARTNERMOCK_B2COPY_PASSWORD: 'Secret123',
    });
    expect(code, output).toBe(1);
    expect(output).toContain(`b2copy — real host at ${host.url}`);
    expect(output).toContain(`signIn 200 (POST /b2copy/api/v2/signin) breaks the spec: ${BROKEN_FIELD}`);
  }, 120_000);

  it('refuses an unknown provider in one line, naming the known ones, with exit code 2', async () => {
    const { code, output } = await partnermock(['contracts', '--provider', 'b2copy,nope']);
    expect(code).toBe(2);
    expect(output.trim().split('\n')).toEqual([
      'Unknown provider nope; built-in providers: b2copy, just2trade, keeta. See partnermock contracts --help.',
    ]);
  }, 60_000);
});
