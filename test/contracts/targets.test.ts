/**
 * `npm run contracts` (`partnermock contracts` run from source) against servers outside the test process:
 * the mock started by the CLI (every scenario runs, full coverage), and a "real host" that breaks the spec
 * (the run fails naming the operation, status and field; mock-only and credential-less scenarios are
 * skipped with the reason). test/client/package.test.ts runs the same from an install.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startMockServer } from '../../src/index.ts';
import { BROKEN_FIELD, startBrokenHost } from '../support/broken-host.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Runs `npm run contracts` (its script, directly) with `env`; resolves with exit code and output. */
function runContracts(env: Record<string, string>, args: string[] = []): Promise<{ code: number; output: string }> {
  // Contract variables of the outer environment must not leak into the child.
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PARTNERMOCK_')));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'contracts', ...args],
      { cwd: root, env: { ...base, CI: '', ...env }, maxBuffer: 32 * 1024 * 1024, timeout: 150_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` });
      },
    );
  });
}

async function startCli(extra: string[] = []): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', '--port', '0', '--quiet', ...extra], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanups.push(
    () =>
      new Promise((resolve) =>
        child.exitCode === null ? (child.once('exit', resolve), child.kill('SIGTERM')) : resolve(undefined),
      ),
  );
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /http:\/\/(?:localhost|127\.0\.0\.1):\d+/.exec(seen);
      if (match) resolve(match[0]);
    });
    child.once('exit', (code) => reject(new Error(`the CLI exited with ${code}: ${seen}`)));
  });
  return { url, child };
}

describe('npm run contracts against servers in other processes', () => {
  it('uses the controls of a mock with a control token, given PARTNERMOCK_CONTROL_TOKEN', async () => {
    const token = 'contracts-control-token-0123456789';
    const { url } = await startCli(['--control-token', token, '--provider', 'just2trade']);
    const targets = {
      PARTNERMOCK_JUST2TRADE_AUTH_URL: `${url}/just2trade/auth`,
      PARTNERMOCK_JUST2TRADE_API_URL: `${url}/just2trade/api`,
    };
    const withToken = await runContracts({ ...targets, PARTNERMOCK_CONTROL_TOKEN: token }, [
      '--provider',
      'just2trade',
    ]);
    expect(withToken.output).toContain(`just2trade — mock at ${url}`);
    expect(withToken.code, withToken.output).toBe(0);
    // Without it, the scenarios that set the mock up through its controls are refused by it.
    const without = await runContracts(targets, ['--provider', 'just2trade']);
    expect(without.code).toBe(1);
    expect(without.output).toMatch(/401|unauthorized|control token/);
  });

  it('passes against the CLI-started mock with every operation exercised, writing JUnit for CI', async () => {
    const { url } = await startCli();
    const reports = mkdtempSync(join(tmpdir(), 'partnermock-junit-'));
    cleanups.push(() => rmSync(reports, { recursive: true, force: true }));
    const { code, output } = await runContracts(
      {
        PARTNERMOCK_B2COPY_URL: `${url}/b2copy`,
        PARTNERMOCK_KEETA_URL: `${url}/keeta`,
        PARTNERMOCK_JUST2TRADE_AUTH_URL: `${url}/just2trade/auth`,
        PARTNERMOCK_JUST2TRADE_API_URL: `${url}/just2trade/api`,
      },
      ['--reporter', 'junit', '--output-file', join(reports, 'contracts.xml')],
    );
    const junit = readFileSync(join(reports, 'contracts.xml'), 'utf8');
    expect(junit).toMatch(/<testsuites [^>]*tests="\d+" failures="0"/);
    expect(junit).toContain('[getProfile 200, getProfile 401] each use renews the 24 h token');
    expect(output).toContain(`b2copy — mock at ${url}`);
    expect(output).toContain(`keeta — mock at ${url}`);
    expect(output).toContain(`just2trade — mock at ${url}`);
    expect(output).not.toMatch(/ NO$/m);
    expect(output).not.toContain('skipped:');
    expect(code, output).toBe(0);
  }, 180_000);

  it('fails against a host whose answer breaks the spec, naming operation, status and field', async () => {
    const mock = await startMockServer({ port: 0, providers: ['b2copy'] });
    cleanups.push(() => mock.close());
    const { url: host, close } = await startBrokenHost(mock.url);
    cleanups.push(close);
    const { code, output } = await runContracts(
      {
        PARTNERMOCK_B2COPY_URL: `${host}/b2copy`,
        PARTNERMOCK_B2COPY_EMAIL: 'username@example.com',
        PARTNERMOCK_B2COPY_PASSWORD: 'Secret123',
      },
      ['--provider', 'b2copy'],
    );
    expect(code).toBe(1);
    expect(output).toContain(`b2copy — real host at ${host}`);
    expect(output).toContain(`signIn 200 (POST /b2copy/api/v2/signin) breaks the spec: ${BROKEN_FIELD}`);
    // Only the provider asked for ran.
    expect(output).not.toMatch(/keeta —|just2trade —/);
    // What a real host cannot offer is skipped, with the reason.
    expect(output).toMatch(/skipped: .*two-factor user.* — mock only: registers a 2FA user/);
    expect(output).toMatch(/skipped: .*external CRM signs in.* — needs PARTNERMOCK_B2COPY_KEY_ID/);
  }, 180_000);
});
