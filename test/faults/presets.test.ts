/**
 * Latency and fault rules set up front (issue 16, items 2 and 4): the config file's `latency`, a provider's
 * `latency` and `faults` (rules every session starts with, restored by a reset), and `--latency`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, UsageError } from '../../src/cli.ts';
import { ConfigError } from '../../src/config/load-config.ts';
import type { RunningMockServer } from '../../src/index.ts';
import { b2copySignIn, closeServers, keetaUrl, newSession, startServer, timed } from './support.ts';

let server: RunningMockServer;
beforeAll(async () => {
  server = await startServer({
    config: {
      latency: '60-80',
      providers: { keeta: { latency: 0 } },
      faults: [{ provider: 'b2copy', operationId: 'signIn', status: 503, times: 1 }],
    },
  });
});
afterAll(closeServers);

describe('from the config file', () => {
  it('every session starts with the preset rules, and a reset restores them', async () => {
    const session = newSession(server);
    expect((await b2copySignIn(server, session)).status).toBe(503);
    expect((await b2copySignIn(server, session)).status).toBe(200);
    expect((await session.faults.list()).map((rule) => [rule.operationId, rule.hits])).toEqual([['signIn', 1]]);
    await session.reset();
    expect((await b2copySignIn(server, session)).status).toBe(503);
    // Another session has its own copy, unspent.
    expect((await b2copySignIn(server, newSession(server))).status).toBe(503);
  });

  it('the top-level latency delays B2COPY; keeta: { latency: 0 } exempts Keeta', async () => {
    const session = newSession(server);
    await session.faults.clear();
    const slow = await timed(() => b2copySignIn(server, session));
    expect(slow.ms).toBeGreaterThanOrEqual(59);
    const fast = await Promise.all([1, 2, 3].map(() => timed(() => keetaUrl(server, session))));
    expect(Math.min(...fast.map((call) => call.ms))).toBeLessThan(59);
  });

  it('a preset rule or a latency it cannot use stops the start, naming the key', async () => {
    const refusal = await startServer({
      config: { latency: '300-100', faults: [{ provider: 'keeta', operationId: 'signIn', status: 503 }] },
    }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ConfigError);
    expect((refusal as ConfigError).problems.map((problem) => problem.path.join('.'))).toEqual([
      'latency',
      'faults.0.operationId',
    ]);
    expect((refusal as ConfigError).message).toMatch(/operationIds: getAuthorizationUrl/);
  });
});

describe('--latency', () => {
  it('takes milliseconds or min-max, and refuses anything else in one line', async () => {
    const run = (latency: string) => cli(['--latency', latency, '--port', '0', '--quiet'], {}, () => {});
    const started = (await run('25-40')) as RunningMockServer;
    try {
      const { ms } = await timed(() => fetch(`${started.url}/keeta/oauth/authorization/url?clientId=keeta-demo`));
      expect(ms).toBeGreaterThanOrEqual(24);
    } finally {
      await started.close();
    }
    await expect(run('soon')).rejects.toThrow(UsageError);
    await expect(run('soon')).rejects.toThrow(/--latency must be milliseconds \(0 to 600000\) or a range min-max/);
    await expect(run('400-100')).rejects.toThrow(/--latency must be .*: A latency range's min \(400\) must not exceed/);
    await expect(run('1000-3000000')).rejects.toThrow(/--latency must be .*milliseconds \(0 to 600000\)/);
    // The variable is checked the same way, and named.
    const fromEnv = cli(['--port', '0', '--quiet'], { PARTNERMOCK_LATENCY: '100-50' }, () => {});
    await expect(fromEnv).rejects.toThrow(/PARTNERMOCK_LATENCY must be .*min \(100\) must not exceed its max \(50\)/);
  });
});
