/**
 * Fault rules and latency around the server's life: a stopping server ends every wait at once, looking for
 * rules makes no session, a config reload changes rules and latency for new sessions, rules read a body as
 * the operation does, and an answer cut in half keeps the operation's no-store and the rule's headers.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { PATHS, B2COPY_USER, closeServers, keetaUrl, newSession, startServer, timed } from './support.ts';

afterAll(closeServers);

describe('a stopping server', () => {
  it('closes at once, though requests wait on a rule delay and on latency', async () => {
    for (const options of [{}, { latency: 20_000 }]) {
      const server = await startServer(options);
      const session = newSession(server);
      await session.faults.add({ provider: 'keeta', delayMs: 20_000, status: 503 });
      const waiting = keetaUrl(server, session).catch((error: unknown) => error);
      // Let the request reach its wait.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const { ms } = await timed(() => server.close());
      expect(ms).toBeLessThan(2000);
      // Closed unanswered, not answered late.
      expect(await waiting).toBeInstanceOf(Error);
    }
  });
});

describe('looking for rules', () => {
  it('makes no session: requests in many sessions do not push out one that exists', async () => {
    const server = await startServer({ maxSessions: 2 });
    const kept = newSession(server, 'kept');
    await kept.clock.advance(3600);
    for (const id of ['b', 'c', 'd']) {
      const answer = await fetch(`${server.url}${PATHS.keetaUrl}?clientId=keeta-demo`, {
        method: 'HEAD',
        headers: { 'X-Mock-Session': id },
      });
      expect(answer.status).toBe(200);
    }
    expect(Date.parse(await kept.clock.now()) - Date.now()).toBeGreaterThan(3500_000);
  });
});

describe('a config reload', () => {
  it('gives new and reset sessions the new preset rules and latency', async () => {
    const server = await startServer({ config: {} });
    const before = newSession(server);
    expect((await keetaUrl(server, before)).status).toBe(200);
    const { restartNeeded } = await server.mock.reconfigure({
      providers: { keeta: { latency: 150 } },
      faults: [{ provider: 'keeta', operationId: 'getAuthorizationUrl', status: 503 }],
    });
    expect(restartNeeded).toEqual([]);
    const after = newSession(server);
    const { value, ms } = await timed(() => keetaUrl(server, after));
    expect(value.status).toBe(503);
    expect(ms).toBeGreaterThanOrEqual(149);
    // The session under way keeps what it began with (no rules), though latency applies to every answer.
    expect((await keetaUrl(server, before)).status).toBe(200);
    await before.reset();
    expect((await keetaUrl(server, before)).status).toBe(503);
  });
});

describe('a rule', () => {
  it('matches a body as the operation reads it: B2COPY JSON under a form Content-Type', async () => {
    const server = await startServer();
    const session = newSession(server);
    await session.faults.add({
      provider: 'b2copy',
      operationId: 'signIn',
      match: { body: { email: B2COPY_USER.email } },
      status: 503,
    });
    // As the docs' curl --data-raw sends it.
    const answer = await session.fetch(`${server.url}${PATHS.b2copySignIn}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: JSON.stringify(B2COPY_USER),
    });
    expect(answer.status).toBe(503);
  });

  it("cuts an answer in half with the operation's no-store and the rule's headers", async () => {
    const server = await startServer();
    const session = newSession(server);
    await session.faults.add({
      provider: 'b2copy',
      operationId: 'signIn',
      action: 'malformed',
      headers: { 'Retry-After': '3' },
    });
    const answer = await session.fetch(`${server.url}${PATHS.b2copySignIn}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(B2COPY_USER),
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.headers.get('retry-after')).toBe('3');
    await expect(answer.json()).rejects.toThrow();
  });
});
