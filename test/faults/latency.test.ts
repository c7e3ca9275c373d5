/**
 * Latency everywhere (issue 16, item 2): `latency` delays every provider answer (operations, pages and
 * errors alike), `providerLatency` one provider's; the control API is never delayed. Upper bounds are
 * read off the fastest of a few calls, so a busy machine cannot fail them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningMockServer } from '../../src/index.ts';
import {
  PATHS,
  b2copySignIn,
  closeServers,
  keetaUrl,
  newSession,
  startServer,
  timed,
  type Session,
} from './support.ts';

let everywhere: RunningMockServer;
let keetaOnly: RunningMockServer;
beforeAll(async () => {
  [everywhere, keetaOnly] = await Promise.all([
    startServer({ latency: 150 }),
    startServer({ providerLatency: { keeta: { min: 50, max: 80 } } }),
  ]);
});
afterAll(closeServers);

/** The milliseconds of each of `count` calls, one after another; each answer's status checked. */
async function durations(count: number, call: () => Promise<Response>, status: number): Promise<number[]> {
  const all: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const { value: response, ms } = await timed(call);
    await response.body?.cancel();
    expect(response.status).toBe(status);
    all.push(ms);
  }
  return all;
}

const health = (server: RunningMockServer, session: Session) => () => session.fetch(`${server.url}/__mock/health`);

describe('latency: 150', () => {
  it('delays every provider answer by at least 150 ms: operations, pages, errors', async () => {
    const session = newSession(everywhere);
    const calls: [string, () => Promise<Response>, number][] = [
      ['B2COPY sign-in', () => b2copySignIn(everywhere, session), 200],
      ['Keeta URL', () => keetaUrl(everywhere, session), 200],
      [
        'a Keeta merchant page refusing a bad link',
        () => session.fetch(`${everywhere.url}${PATHS.keetaMerchantPage}?clientId=keeta-demo`),
        400,
      ],
      [
        'a Just2Trade token error',
        () => session.fetch(`${everywhere.url}${PATHS.just2tradeToken}`, { method: 'POST' }),
        400,
      ],
    ];
    for (const [what, call, status] of calls) {
      for (const ms of await durations(2, call, status)) expect(ms, what).toBeGreaterThanOrEqual(148);
    }
  });

  it('does not delay the control API', async () => {
    const session = newSession(everywhere);
    expect(Math.min(...(await durations(3, health(everywhere, session), 200)))).toBeLessThan(150);
    const { ms } = await timed(() => session.faults.list());
    expect(ms).toBeLessThan(150 * 3); // even a slow one is far from a delayed call's worth
  });

  it('adds to a fault rule’s own delay', async () => {
    const session = newSession(everywhere);
    await session.faults.add({ provider: 'keeta', operationId: 'getAuthorizationUrl', status: 503, delayMs: 100 });
    const [ms] = await durations(1, () => keetaUrl(everywhere, session), 503);
    expect(ms).toBeGreaterThanOrEqual(248);
  });
});

describe('providerLatency: { keeta: { min: 50, max: 80 } }', () => {
  it('delays Keeta’s answers within the bounds', async () => {
    const session = newSession(keetaOnly);
    const all = await durations(4, () => keetaUrl(keetaOnly, session), 200);
    for (const ms of all) expect(ms).toBeGreaterThanOrEqual(48);
    expect(Math.min(...all)).toBeLessThan(80 + 100);
  });

  it('leaves the other providers and the control API alone', async () => {
    const session = newSession(keetaOnly);
    await b2copySignIn(keetaOnly, session); // warm: the first sign-in builds the session
    expect(Math.min(...(await durations(3, () => b2copySignIn(keetaOnly, session), 200)))).toBeLessThan(50);
    expect(Math.min(...(await durations(3, health(keetaOnly, session), 200)))).toBeLessThan(50);
  });
});
