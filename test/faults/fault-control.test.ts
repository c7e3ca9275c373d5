/**
 * The fault rules' control API over a real socket: adding, listing with hits, removing one or all, a
 * reset; what the journal says of a faulted request; sessions that never see each other's rules; and a
 * bad rule refused with a 400 naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockControlError, type FaultRule, type JournalEntry, type RunningMockServer } from '../../src/index.ts';
import { SESSION_HEADER } from '../../src/state/sessions.ts';
import {
  b2copySignIn,
  closeServers,
  keetaStatuses,
  keetaUrl,
  newSession,
  rejectionOf,
  startServer,
  type Session,
} from './support.ts';

let server: RunningMockServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(closeServers);

/** A raw call to `/__mock/faults...` in the session: status, headers and the JSON answer. */
async function control(session: Session | undefined, method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = session ? { [SESSION_HEADER]: session.sessionId } : {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${server.url}/__mock${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
}

/** The session's journal entry for the newest request to `path`, waiting (bounded) until it is there. */
async function journalFor(session: Session, path: string): Promise<JournalEntry> {
  let found: JournalEntry | undefined;
  await expect
    .poll(async () => (found = (await session.journal()).find((entry) => entry.path.startsWith(path))), {
      timeout: 2000,
    })
    .toBeDefined();
  return found!;
}

const KEETA_503 = { provider: 'keeta', operationId: 'getAuthorizationUrl', status: 503 } as const;

describe('adding, listing, removing', () => {
  it('POST answers 201 with the rule and its id; GET lists the rules in order with their hits', async () => {
    const session = newSession(server);
    const added = await control(session, 'POST', '/faults', { ...KEETA_503, times: 1 });
    expect(added.status).toBe(201);
    expect(added.body).toEqual({ ...KEETA_503, times: 1, id: expect.any(String), hits: 0, seen: 0 });
    const second = await session.faults.add({ provider: 'b2copy', operationId: 'signIn', status: 500 });
    expect(second.rule).toMatchObject({ provider: 'b2copy', hits: 0 });

    expect(await keetaStatuses(server, session, 2)).toEqual([503, 200]);
    const listed = await control(session, 'GET', '/faults');
    expect(listed.status).toBe(200);
    expect((listed.body as FaultRule[]).map((rule) => [rule.id, rule.hits])).toEqual([
      [(added.body as FaultRule).id, 1],
      [second.id, 0],
    ]);
    expect(await second.hits()).toBe(0);
    expect(await session.faults.list()).toEqual(listed.body);
  });

  it('DELETE /__mock/faults/{id} removes that rule only; a second DELETE is a 404', async () => {
    const session = newSession(server);
    const keeta = await session.faults.add(KEETA_503);
    const b2copy = await session.faults.add({ provider: 'b2copy', operationId: 'signIn', status: 500 });
    expect((await control(session, 'DELETE', `/faults/${keeta.id}`)).status).toBe(204);
    expect((await session.faults.list()).map((rule) => rule.id)).toEqual([b2copy.id]);
    expect(await keetaStatuses(server, session, 1)).toEqual([200]);
    expect((await b2copySignIn(server, session)).status).toBe(500);

    const again = await control(session, 'DELETE', `/faults/${keeta.id}`);
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ error: { code: 'not_found' } });
    await expect(keeta.remove()).rejects.toMatchObject({ status: 404 });
    await expect(keeta.hits()).rejects.toBeInstanceOf(MockControlError);
  });

  it('DELETE /__mock/faults removes them all', async () => {
    const session = newSession(server);
    await session.faults.add(KEETA_503);
    await session.faults.add({ provider: 'b2copy', status: 500 });
    expect((await control(session, 'DELETE', '/faults')).status).toBe(204);
    expect((await control(session, 'GET', '/faults')).body).toEqual([]);
    expect(await keetaStatuses(server, session, 1)).toEqual([200]);
    expect((await b2copySignIn(server, session)).status).toBe(200);
  });

  it('POST /__mock/reset clears the session’s rules (typed and raw)', async () => {
    const session = newSession(server);
    await session.faults.add(KEETA_503);
    await session.reset();
    expect(await session.faults.list()).toEqual([]);
    expect(await keetaStatuses(server, session, 1)).toEqual([200]);

    await session.faults.add(KEETA_503);
    expect((await control(session, 'POST', '/reset')).status).toBe(200);
    expect(await session.faults.list()).toEqual([]);
    expect(await keetaStatuses(server, session, 1)).toEqual([200]);
  });
});

describe('the journal names the rule', () => {
  it('an answered fault: its status and the rule id; a request no rule touched has no fault', async () => {
    const session = newSession(server);
    const rule = await session.faults.add({ ...KEETA_503, times: 1 });
    await keetaStatuses(server, session, 2);
    const [plain, faulted] = await session.journal({ provider: 'keeta' });
    expect(faulted).toMatchObject({
      provider: 'keeta',
      operationId: 'getAuthorizationUrl',
      path: '/keeta/oauth/authorization/url',
      status: 503,
    });
    expect(faulted?.fault).toBe(rule.id);
    expect(plain).toMatchObject({ operationId: 'getAuthorizationUrl', status: 200 });
    expect(plain).not.toHaveProperty('fault');
  });

  it('reset and hang: status 0, no answer sent', async () => {
    const session = newSession(server);
    const reset = await session.faults.add({ provider: 'keeta', operationId: 'getAuthorizationUrl', action: 'reset' });
    const hang = await session.faults.add({ provider: 'b2copy', operationId: 'signIn', action: 'hang' });
    await rejectionOf(keetaUrl(server, session));
    // Given up by the test once the journal has been read, and in any case after 5 s.
    const giveUp = new AbortController();
    const signal = AbortSignal.any([giveUp.signal, AbortSignal.timeout(5000)]);
    const hung = rejectionOf(b2copySignIn(server, session, { signal }));
    try {
      expect(await journalFor(session, '/keeta/')).toMatchObject({ status: 0, fault: reset.id });
      expect(await journalFor(session, '/b2copy/')).toMatchObject({ status: 0, fault: hang.id });
    } finally {
      giveUp.abort();
      await hung;
    }
  });

  it('a delayMs rule is named too, beside the real status', async () => {
    const session = newSession(server);
    const rule = await session.faults.add({ provider: 'b2copy', operationId: 'signIn', delayMs: 20 });
    expect((await b2copySignIn(server, session)).status).toBe(200);
    expect(await journalFor(session, '/b2copy/')).toMatchObject({ status: 200, fault: rule.id });
  });
});

describe('sessions', () => {
  it('parallel sessions with different rules never see each other’s faults', async () => {
    const plans = [
      { rule: { ...KEETA_503 }, expected: 503 },
      { rule: { ...KEETA_503, status: 429, headers: { 'Retry-After': '9' } }, expected: 429 },
      { rule: { ...KEETA_503, status: 500 }, expected: 500 },
      { rule: undefined, expected: 200 },
    ];
    const results = await Promise.all(
      plans.map(async ({ rule }) => {
        const session = newSession(server);
        const handle = rule ? await session.faults.add(rule) : undefined;
        const responses = await Promise.all(Array.from({ length: 6 }, () => keetaUrl(server, session)));
        await Promise.all(responses.map((response) => response.body?.cancel()));
        return {
          statuses: responses.map((response) => response.status),
          retryAfter: responses.map((response) => response.headers.get('retry-after')),
          rules: (await session.faults.list()).map((each) => each.id),
          hits: handle ? await handle.hits() : 0,
          handle,
        };
      }),
    );
    results.forEach((result, index) => {
      const { expected } = plans[index]!;
      expect(result.statuses).toEqual(Array(6).fill(expected));
      expect(result.retryAfter).toEqual(Array(6).fill(expected === 429 ? '9' : null));
      expect(result.rules).toEqual(result.handle ? [result.handle.id] : []);
      expect(result.hits).toBe(result.handle ? 6 : 0);
    });
  });

  it('a session’s rules are its own: another session lists none and cannot remove them', async () => {
    const owner = newSession(server);
    const other = newSession(server);
    const rule = await owner.faults.add(KEETA_503);
    expect(await other.faults.list()).toEqual([]);
    expect((await control(other, 'DELETE', `/faults/${rule.id}`)).status).toBe(404);
    expect((await control(other, 'DELETE', '/faults')).status).toBe(204);
    expect(await owner.faults.list()).toHaveLength(1);
    expect(await keetaStatuses(server, owner, 1)).toEqual([503]);
  });
});

describe('a bad rule is a 400 naming the field', () => {
  const OK = { provider: 'keeta', status: 503 };
  it.each([
    [
      'an unknown provider, listing the providers',
      { ...OK, provider: 'nope' },
      '/body/provider',
      /b2copy, just2trade, keeta/,
    ],
    [
      'an unknown operationId, listing the provider’s',
      { ...OK, provider: 'b2copy', operationId: 'signOut' },
      '/body/operationId',
      /signIn, getAuthUrl, authExternalCrm, refreshToken/,
    ],
    ['an unknown page, listing the provider’s', { ...OK, page: 'nowhere' }, '/body/page', /merchant-authorization/],
    [
      'both operationId and page',
      { ...OK, operationId: 'getAuthorizationUrl', page: 'merchant-authorization' },
      '/body/page',
      /not both/,
    ],
    ['an action with a status', { ...OK, action: 'reset' }, '/body/action', /status/],
    ['an action with a body', { provider: 'keeta', action: 'hang', body: {} }, '/body/action', /body/],
    ['a rule that does nothing', { provider: 'keeta', times: 2 }, '/body', /must do something/],
    ['delay min > max', { provider: 'keeta', delayMs: { min: 50, max: 10 } }, '/body/delayMs', /min/],
    ['a probability > 1', { ...OK, probability: 1.5 }, '/body/probability', /<= 1/],
    ['an unknown key', { ...OK, statusCode: 500 }, '/body', /statusCode/],
    ['an unknown action', { provider: 'keeta', action: 'explode' }, '/body/action', /reset.*hang.*malformed.*empty/],
    ['a status that is not HTTP', { provider: 'keeta', status: 42 }, '/body/status', />= 200/],
    ['an informational status', { provider: 'keeta', status: 100 }, '/body/status', />= 200/],
    ['a header with a line break', { ...OK, headers: { 'Retry-After': '5\n' } }, '/body/headers/Retry-After', /line/],
    ['a header name with a space', { ...OK, headers: { 'Bad Name': 'x' } }, '/body/headers/Bad Name', /header/],
    ['a framing header', { ...OK, headers: { 'Content-Length': '3' } }, '/body/headers/Content-Length', /frames/],
    ['times 0', { ...OK, times: 0 }, '/body/times', />= 1/],
    ['no provider', { status: 503 }, '/body/provider', /provider/],
  ])('%s', async (_title, rule, location, message) => {
    const session = newSession(server);
    const answer = await control(session, 'POST', '/faults', rule);
    expect(answer.status).toBe(400);
    const error = (answer.body as { error: { code: string; message: string; details: { location: string }[] } }).error;
    expect(error.code).toBe('invalid_request');
    expect(error.message).toMatch(message);
    expect(error.details.map((issue) => issue.location)).toContain(location);
    expect(await session.faults.list()).toEqual([]);
  });

  it('the typed add rejects with a MockControlError carrying the details', async () => {
    const session = newSession(server);
    const error = await rejectionOf(session.faults.add({ provider: 'keeta', probability: 2, status: 503 }));
    expect(error).toBeInstanceOf(MockControlError);
    expect(error).toMatchObject({ status: 400, details: [{ location: '/body/probability' }] });
  });

  it('PUT /__mock/faults is a 405 with Allow', async () => {
    const answer = await control(newSession(server), 'PUT', '/faults', {});
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('GET, POST, DELETE');
    expect(answer.body).toMatchObject({ error: { code: 'method_not_allowed' } });
    const one = await control(newSession(server), 'PUT', '/faults/some-id', {});
    expect(one.status).toBe(405);
    expect(one.headers.get('allow')).toBe('DELETE');
  });
});
