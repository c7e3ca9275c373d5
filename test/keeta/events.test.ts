/**
 * Keeta's partner-side events over a real socket (issue 16): an authorization revoked on Keeta's side, and
 * an app disabled (a fixture update) and enabled again, seen through the typed client and the merchant
 * page as a browser opens it, in one session while a parallel session goes on unaffected; each event is
 * journaled, and a bad body is a 400 naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeetaClient, parseKeetaCallback, ProviderError } from '../../src/client/index.ts';
import { MockControlError, startMockServer, type RunningMockServer } from '../../src/index.ts';
import { PageError } from '../../src/testing/form-browser.ts';
import type { KeetaApp, KeetaAuthorization } from '../../mocks/keeta/fixtures.ts';
import { decideKeetaAuthorization } from '../../testing/index.ts';
import { newSession } from '../helpers.ts';
import { parseForm } from './keeta-helpers.ts';

let mock: RunningMockServer;
beforeAll(async () => {
  mock = await startMockServer({ port: 0, providers: ['keeta'], log: () => {} });
});
afterAll(async () => {
  await mock?.close();
});

const CALLBACK = 'https://crm.example.com/keeta/callback';
const DEMO = { clientId: 'keeta-demo', appId: '2123830428' };

/** Bounded: every call to the mock gives up after 10 s rather than hang the suite. */
const bounded = (init: RequestInit = {}): RequestInit => ({ ...init, signal: AbortSignal.timeout(10_000) });

function keetaIn(session: string) {
  const sessionFetch = mock.session(session).fetch;
  const boundedFetch: typeof fetch = (input, init) => sessionFetch(input, bounded(init));
  return createKeetaClient({ baseUrl: `${mock.url}/keeta`, fetch: boundedFetch });
}

/** The merchant authorization link of the demo app in `session`. */
async function linkIn(session: string, state: string): Promise<string> {
  return (await keetaIn(session).getAuthorizationUrl({ clientId: DEMO.clientId, redirectUri: CALLBACK, state }))
    .merchantAuthorizationUrl;
}

/** A merchant decision in `session`, by the browser step: its authId. */
async function decided(session: string, decision: 'authorize' | 'deny' = 'authorize'): Promise<string> {
  const answer = await decideKeetaAuthorization(await linkIn(session, 'st'), { decision, session });
  expect(answer).toBeInstanceOf(URL);
  const url = answer as URL;
  if (decision === 'deny') {
    expect(url.searchParams.get('error')).toBe('access_denied');
    const list = await mock.session(session).fixtures.list<KeetaAuthorization>('keeta', 'authorizations');
    return list.at(-1)!.authId;
  }
  return parseKeetaCallback(url, 'st').authId;
}

const authorizationIn = (session: string, authId: string) =>
  mock.session(session).fixtures.get<KeetaAuthorization>('keeta', 'authorizations', authId);

/** A control call over plain fetch in `session`, with a raw JSON text as its body when given. */
function control(session: string, path: string, body?: string) {
  return fetch(
    `${mock.url}/__mock/keeta${path}`,
    bounded({
      method: 'POST',
      headers: { 'X-Mock-Session': session, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body }),
    }),
  );
}

/** A control refusal: the control API's JSON error with `code`, a message matching, and `location` named. */
async function expectControlError(
  response: Response,
  status: number,
  code: string,
  message: RegExp,
  location?: string,
): Promise<void> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  const body = JSON.parse(text) as { error: { code: string; message: string; details?: { location: string }[] } };
  expect(body.error.code).toBe(code);
  expect(body.error.message).toMatch(message);
  if (location !== undefined) expect(body.error.details?.map((detail) => detail.location)).toEqual([location]);
}

const disable = (session: string, disabled: boolean) =>
  mock.session(session).fixtures.update<KeetaApp>('keeta', 'apps', DEMO.clientId, { disabled });

describe('POST /__mock/keeta/authorizations/:authId/revoke', () => {
  it('marks the recorded authorization revokedAt (session clock) and answers it; again, it is unchanged', async () => {
    const session = newSession();
    const authId = await decided(session);
    const other = await decided(session);
    const before = (await authorizationIn(session, authId))!;
    expect(before.revokedAt).toBeUndefined();

    // The session's clock, an hour on: revokedAt is read from it (it runs on in real time meanwhile).
    const from = Date.parse(await mock.session(session).clock.advance(3600));
    const revoked = await mock.session(session).events.keeta.revokeAuthorization(authId);
    const to = Date.parse(await mock.session(session).clock.now());
    expect(revoked).toEqual({ ...before, revokedAt: expect.any(String) });
    expect(Date.parse(revoked.revokedAt!)).toBeGreaterThanOrEqual(from);
    expect(Date.parse(revoked.revokedAt!)).toBeLessThanOrEqual(to);
    expect(Date.parse(revoked.revokedAt!) - Date.parse(before.createdAt)).toBeGreaterThanOrEqual(3600_000);
    expect(await authorizationIn(session, authId)).toEqual(revoked);
    expect((await authorizationIn(session, other))!.revokedAt).toBeUndefined();
    // Still in its place in the collection's order.
    const ids = (await mock.session(session).fixtures.list<KeetaAuthorization>('keeta', 'authorizations')).map(
      (item) => item.authId,
    );
    expect(ids).toEqual([authId, other]);

    // Idempotent: the first revocation's time stands.
    await mock.session(session).clock.advance(60);
    expect(await mock.session(session).events.keeta.revokeAuthorization(authId)).toEqual(revoked);
    const raw = await control(session, `/authorizations/${authId}/revoke`);
    expect(raw.status).toBe(200);
    expect(await raw.json()).toEqual(revoked);
  });

  it('an unknown authId is 404 naming it; a denied decision is 409 and stays as it is', async () => {
    const session = newSession();
    await expectControlError(
      await control(session, '/authorizations/not-an-auth/revoke'),
      404,
      'not_found',
      /No authorization "not-an-auth" in this session/,
      '/path/authId',
    );
    const refused = await mock
      .session(session)
      .events.keeta.revokeAuthorization('not-an-auth')
      .catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(MockControlError);
    expect(refused).toMatchObject({ status: 404 });

    const denied = await decided(session, 'deny');
    const stored = await authorizationIn(session, denied);
    expect(stored?.decision).toBe('denied');
    await expectControlError(
      await control(session, `/authorizations/${denied}/revoke`),
      409,
      'conflict',
      /was denied by the merchant: it granted nothing/,
    );
    expect(await authorizationIn(session, denied)).toEqual(stored);
  });

  it.each([
    ['a field', '{"reason":"fraud"}', '/body', /^Not a valid body: \/body must not have property 'reason'\.$/],
    ['an array', '[]', '/body', /^Not a valid body: \/body must be object\.$/],
    ['a number', '1', '/body', /^Not a valid body: \/body must be object\.$/],
  ])('a body with %s is 400 naming it, and revokes nothing', async (_title, body, location, message) => {
    const session = newSession();
    const authId = await decided(session);
    await expectControlError(
      await control(session, `/authorizations/${authId}/revoke`, body),
      400,
      'invalid_request',
      message,
      location,
    );
    expect((await authorizationIn(session, authId))!.revokedAt).toBeUndefined();
    // An empty object is no body at all.
    expect((await control(session, `/authorizations/${authId}/revoke`, '{}')).status).toBe(200);
  });
});

describe('a disabled app (PATCH apps/{clientId} {"disabled": true})', () => {
  it('gets no link: 401 problem+json through the typed client, in the style of an unknown clientId', async () => {
    const session = newSession();
    expect(await disable(session, true)).toMatchObject({ ...DEMO, disabled: true });
    const error = await keetaIn(session)
      .getAuthorizationUrl({ clientId: DEMO.clientId, redirectUri: CALLBACK, state: 's' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({
      provider: 'keeta',
      status: 401,
      body: {
        type: 'about:blank',
        title: 'Unauthorized',
        status: 401,
        detail: `Disabled clientId: the Keeta application ${DEMO.appId} is disabled.`,
      },
    });
    const raw = await fetch(
      `${mock.url}/keeta/oauth/authorization/url?clientId=${DEMO.clientId}`,
      bounded({ headers: { 'X-Mock-Session': session } }),
    );
    expect(raw.status).toBe(401);
    expect(raw.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    await raw.body?.cancel();

    // Enabled again, the link comes.
    await disable(session, false);
    expect(await linkIn(session, 'back')).toContain(`appId=${DEMO.appId}`);
  });

  it('its page is a 403 Keeta error page; a form shown before is refused, and works once enabled', async () => {
    const session = newSession();
    const link = await linkIn(session, 'p');
    const headers = { 'X-Mock-Session': session };
    // A merchant opened the page before the app was disabled.
    const page = await fetch(link, bounded({ headers }));
    expect(page.status).toBe(200);
    const form = parseForm(await page.text(), page.headers.getSetCookie());
    await disable(session, true);

    const refused = await decideKeetaAuthorization(link, { decision: 'authorize', session }).catch(
      (caught: unknown) => caught,
    );
    expect(refused).toBeInstanceOf(PageError);
    expect(refused).toMatchObject({
      status: 403,
      message: expect.stringMatching(`Keeta application ${DEMO.appId} is disabled`),
    });
    const opened = await fetch(link, bounded({ headers, redirect: 'manual' }));
    expect(opened.status).toBe(403);
    expect(opened.headers.get('content-type')).toMatch(/^text\/html/);
    expect(opened.headers.get('location')).toBeNull();
    expect(await opened.text()).toMatch(/<title>Keeta: Forbidden<\/title>[\s\S]*<p id="error">Keeta application/);

    const submit = () =>
      fetch(
        new URL(form.action, page.url),
        bounded({
          method: 'POST',
          redirect: 'manual',
          headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded', Cookie: form.cookie },
          body: new URLSearchParams({ ...form.hidden, merchantId: form.merchants[0]!.value, decision: 'authorize' }),
        }),
      );
    const late = await submit();
    expect(late.status).toBe(403);
    expect(late.headers.get('location')).toBeNull();
    await late.body?.cancel();
    // Auto-consent decides nothing for it either.
    await mock.session(session).keeta.autoConsent('authorize');
    expect((await fetch(link, bounded({ headers, redirect: 'manual' }))).status).toBe(403);
    await mock.session(session).keeta.stopAutoConsent();
    expect(await mock.session(session).fixtures.list('keeta', 'authorizations')).toEqual([]);

    // Enabled again: the refused form was not used up, and the link works.
    await disable(session, false);
    const accepted = await submit();
    expect(accepted.status).toBe(302);
    expect(accepted.headers.get('location')).toMatch(/^https:\/\/crm\.example\.com\/keeta\/callback\?authId=/);
    expect(await decideKeetaAuthorization(link, { decision: 'authorize', session })).toBeInstanceOf(URL);
    expect(await mock.session(session).fixtures.list('keeta', 'authorizations')).toHaveLength(2);
  });

  it('disabled must be a boolean: 400 naming /body/disabled, the app unchanged', async () => {
    const session = newSession();
    const response = await fetch(
      `${mock.url}/__mock/keeta/apps/${DEMO.clientId}`,
      bounded({
        method: 'PATCH',
        headers: { 'X-Mock-Session': session, 'Content-Type': 'application/json' },
        body: JSON.stringify({ disabled: 'no' }),
      }),
    );
    const body = (await response.json()) as { error: { details: { location: string }[] } };
    expect(response.status).toBe(400);
    expect(body.error.details.map((detail) => detail.location)).toEqual(['/body/disabled']);
    expect(await mock.session(session).fixtures.get('keeta', 'apps', DEMO.clientId)).toMatchObject({
      disabled: false,
    });
  });
});

describe('sessions and the journal', () => {
  it('events in one session leave a parallel session alone', async () => {
    const [a, b] = [newSession(), newSession()];
    const [authA, authB] = await Promise.all([decided(a), decided(b)]);
    await Promise.all([mock.session(a).events.keeta.revokeAuthorization(authA), disable(a, true), decided(b)]);

    expect((await authorizationIn(a, authA))!.revokedAt).toEqual(expect.any(String));
    expect((await authorizationIn(b, authB))!.revokedAt).toBeUndefined();
    expect(await linkIn(b, 'still')).toContain(`appId=${DEMO.appId}`);
    await expect(keetaIn(a).getAuthorizationUrl({ clientId: DEMO.clientId })).rejects.toMatchObject({ status: 401 });
    // a's authorization is unknown in b.
    await expect(mock.session(b).events.keeta.revokeAuthorization(authA)).rejects.toMatchObject({ status: 404 });
  });

  it('a revocation is in its session’s journal with its control route', async () => {
    const [session, other] = [newSession(), newSession()];
    const authId = await decided(session);
    await mock.session(session).events.keeta.revokeAuthorization(authId);

    const journal = await mock.session(session).journal({ provider: 'keeta' });
    expect(journal.filter((entry) => entry.control !== undefined)).toEqual([
      expect.objectContaining({
        session,
        provider: 'keeta',
        control: 'authorizations/:authId/revoke',
        method: 'POST',
        path: `/__mock/keeta/authorizations/${authId}/revoke`,
        status: 200,
      }),
    ]);
    expect((await mock.session(other).journal({ provider: 'keeta' })).filter((entry) => entry.control)).toEqual([]);
  });
});
