/**
 * Auto-consent (`/__mock/keeta/auto-consent`), over HTTP against a listening mock: a suite that wants no
 * HTML turns it on for its session, and the merchant page decides at once (for the first merchant, or
 * the one named), recording the decision like the form would. The link is checked as always; other
 * sessions, a DELETE and a reset see the form.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeetaClient, parseKeetaCallback } from '../../src/client/index.ts';
import { startMockServer, type RunningMockServer } from '../../src/index.ts';
import { pageMessage } from '../../src/testing/form-browser.ts';
import type { KeetaAuthorization, Merchant } from '../../mocks/keeta/fixtures.ts';
import { createKeetaPlugin } from '../../mocks/keeta/index.ts';
import { mockApp, newSession } from '../helpers.ts';
import { errorMessage, linkFor, openPage, requestTarget, SHOP_APP, submit } from './keeta-helpers.ts';

let mock: RunningMockServer;
beforeAll(async () => {
  mock = await startMockServer({ port: 0, providers: ['keeta'], log: () => {} });
});
afterAll(async () => {
  await mock?.close();
});

const CALLBACK = 'https://crm.example.com/keeta/callback';
const DEMO_APP_ID = '2123830428';

/** A call to the auto-consent control route in `session`: a JSON body, or a raw one when given as a string. */
function autoConsent(session: string, method: string, body?: unknown) {
  return fetch(`${mock.url}/__mock/keeta/auto-consent`, {
    method,
    headers: { 'X-Mock-Session': session, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}

async function autoConsentState(session: string): Promise<unknown> {
  const response = await autoConsent(session, 'GET');
  expect(response.status).toBe(200);
  return response.json();
}

/** The merchant authorization link the client gets in `session` (no redirectUri when null). */
async function linkIn(session: string, state: string, redirectUri: string | null = CALLBACK, clientId = 'keeta-demo') {
  const keeta = createKeetaClient({ baseUrl: `${mock.url}/keeta`, fetch: mock.session(session).fetch });
  const answer = await keeta.getAuthorizationUrl({ clientId, state, ...(redirectUri ? { redirectUri } : {}) });
  return answer.merchantAuthorizationUrl;
}

/** What a browser gets for the link in `session` (fetch leaves the fragment out), redirects not followed. */
function openLink(session: string, link: string) {
  return fetch(link, { redirect: 'manual', headers: { 'X-Mock-Session': session } });
}

const merchantsOf = (session: string) => mock.session(session).fixtures.list<Merchant>('keeta', 'merchants');
const authorizationsOf = (session: string) =>
  mock.session(session).fixtures.list<KeetaAuthorization>('keeta', 'authorizations');

/** The link in `session` shows the merchant page's form (200 HTML, no redirect) and records nothing. */
async function expectForm(session: string): Promise<void> {
  const before = (await authorizationsOf(session)).length;
  const response = await openLink(session, await linkIn(session, 'form?'));
  const html = await response.text();
  expect(response.status, html).toBe(200);
  expect(response.headers.get('location')).toBeNull();
  expect(html).toContain('name="csrfToken"');
  expect(await authorizationsOf(session)).toHaveLength(before);
}

/** A control refusal: JSON `{ error: { code, message } }`. */
async function expectControlError(response: Response, status: number, code: string, message: RegExp) {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = JSON.parse(text) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message).toMatch(message);
}

describe('auto-consent on', () => {
  it('authorize: a 302 to the redirectUri with authId, state, appId and timestamp, recorded for the first merchant', async () => {
    const session = newSession();
    const set = await autoConsent(session, 'POST', { decision: 'authorize' });
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ autoConsent: { decision: 'authorize' } });
    expect(await autoConsentState(session)).toEqual({ autoConsent: { decision: 'authorize' } });

    const response = await openLink(session, await linkIn(session, 'crm state&1'));
    expect(response.status, await response.text()).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(CALLBACK);
    expect([...location.searchParams.keys()]).toEqual(['authId', 'state', 'appId', 'timestamp']);
    const callback = parseKeetaCallback(location, 'crm state&1');
    expect(callback.appId).toBe(DEMO_APP_ID);
    expect(Math.abs(Number(callback.timestamp) - Date.now())).toBeLessThan(60_000);

    const [first] = await merchantsOf(session);
    const authorizations = await authorizationsOf(session);
    expect(authorizations).toEqual([
      expect.objectContaining({
        authId: callback.authId,
        decision: 'authorized',
        appId: DEMO_APP_ID,
        merchantId: first!.id,
        merchantName: first!.name,
        state: 'crm state&1',
        redirectUri: CALLBACK,
        timestamp: Number(callback.timestamp),
      }),
    ]);
  });

  it('with a merchantId: that merchant is recorded (and, for a shop-level app, sent back with a code)', async () => {
    const session = newSession();
    const third = (await merchantsOf(session))[2]!;
    await mock.session(session).fixtures.add('keeta', 'apps', SHOP_APP);
    const set = await autoConsent(session, 'POST', { decision: 'authorize', merchantId: third.id });
    expect(await set.json()).toEqual({ autoConsent: { decision: 'authorize', merchantId: third.id } });

    const response = await openLink(session, await linkIn(session, 'shop', CALLBACK, SHOP_APP.clientId));
    expect(response.status).toBe(302);
    const callback = parseKeetaCallback(response.headers.get('location')!, 'shop');
    expect(callback.keetaMerchantId).toBe(third.id);
    expect(callback.code).toMatch(/^[0-9a-f]{32}$/);
    const [authorization] = await authorizationsOf(session);
    expect(authorization).toMatchObject({
      authId: callback.authId,
      decision: 'authorized',
      merchantId: third.id,
      merchantName: third.name,
      code: callback.code,
    });
  });

  it('deny: a 302 with error=access_denied and the state, recorded as denied', async () => {
    const session = newSession();
    await mock.session(session).keeta.autoConsent('deny');
    expect(await autoConsentState(session)).toEqual({ autoConsent: { decision: 'deny' } });
    const response = await openLink(session, await linkIn(session, 'no thanks'));
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(CALLBACK);
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe('no thanks');
    expect(location.searchParams.has('authId')).toBe(false);
    expect(await authorizationsOf(session)).toEqual([
      expect.objectContaining({ decision: 'denied', state: 'no thanks' }),
    ]);
  });

  it('a link without redirectUri: the result page (200 HTML) with the authId', async () => {
    const session = newSession();
    await mock.session(session).keeta.autoConsent('authorize');
    const response = await openLink(session, await linkIn(session, 'page', null));
    const html = await response.text();
    expect(response.status, html).toBe(200);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const [authorization] = await authorizationsOf(session);
    expect(authorization).toMatchObject({ decision: 'authorized', state: 'page' });
    expect(authorization!.redirectUri).toBeUndefined();
    expect(html).toContain('Authorization complete');
    expect(html).toContain(authorization!.authId);
  });

  it('a bad link is refused as without auto-consent: 400 page, no redirect, nothing recorded', async () => {
    const session = newSession();
    await mock.session(session).keeta.autoConsent('authorize');
    const link = new URL(await linkIn(session, 's'));
    const altered: [string, string, RegExp][] = [
      ['appId', '999', /No Keeta application has appId 999/],
      ['redirectUri', 'javascript:alert(1)', /absolute http or https URL/],
      ['responseType', 'shop_level_authorization_code', /not this application's mode/],
    ];
    for (const [name, value, message] of altered) {
      const url = new URL(link);
      url.searchParams.set(name, value);
      const response = await openLink(session, url.href);
      const html = await response.text();
      expect(response.status, html).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(pageMessage({ url, status: 400, headers: response.headers, html })).toMatch(message);
    }
    expect(await authorizationsOf(session)).toEqual([]);
  });

  it('a merchant removed after auto-consent named it: the page refuses (400), nothing recorded', async () => {
    const session = newSession();
    const controls = mock.session(session);
    const first = (await merchantsOf(session))[0]!;
    await controls.keeta.autoConsent('authorize', first.id);
    await controls.fixtures.remove('keeta', 'merchants', first.id);
    const response = await openLink(session, await linkIn(session, 's'));
    const html = await response.text();
    expect(response.status, html).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(html).toContain(`no merchant with ID ${first.id}`);
    expect(await authorizationsOf(session)).toEqual([]);
  });

  it("takes no pending form's place, refused or decided: a page shown before stays submittable", async () => {
    // One pending form per session: a form auto-consent stored would push the page's form out.
    const { http } = await mockApp({
      providers: [],
      plugins: [createKeetaPlugin({ maxPendingForms: 1 })],
      log: () => {},
    });
    const session = newSession();
    const control = (method: 'post' | 'delete', path: string, body?: object) =>
      http[method](`/__mock/keeta${path}`).set('X-Mock-Session', session).send(body);
    const link = await linkFor(http, session, { clientId: 'keeta-demo', redirectUri: CALLBACK, state: 'shown' });
    const openWithAutoConsent = () => http.get(requestTarget(link)).set('X-Mock-Session', session);
    const submitShown = async (form: Awaited<ReturnType<typeof openPage>>['form']) => {
      expect((await control('delete', '/auto-consent')).status).toBe(200);
      const submitted = await submit(http, session, form, { decision: 'authorize' });
      expect(submitted.status, submitted.text).toBe(302);
      expect(new URL(submitted.headers.location!).searchParams.get('state')).toBe('shown');
    };

    // Refused by `decide` (the merchant auto-consent names is gone): no form is left behind.
    const merchants = (await http.get('/__mock/keeta/merchants').set('X-Mock-Session', session)).body as Merchant[];
    const named = merchants.at(-1)!.id;
    const first = (await openPage(http, session, link)).form;
    expect((await control('post', '/auto-consent', { decision: 'authorize', merchantId: named })).status).toBe(200);
    expect((await control('delete', `/merchants/${named}`)).status).toBe(204);
    for (let i = 0; i < 3; i += 1) {
      const refused = await openWithAutoConsent();
      expect(refused.status, refused.text).toBe(400);
      expect(errorMessage(refused.text)).toMatch(new RegExp(`no merchant with ID ${named}`));
    }
    await submitShown(first);

    // Decided at once: nor is one stored.
    const second = (await openPage(http, session, link)).form;
    expect((await control('post', '/auto-consent', { decision: 'deny' })).status).toBe(200);
    expect((await openWithAutoConsent()).status).toBe(302);
    await submitShown(second);
  });

  it('is for its session only: another session (and the default one) shows the form', async () => {
    const session = newSession();
    await mock.session(session).keeta.autoConsent('authorize');
    await expectForm(newSession());
    await expectForm('default');
    expect(await autoConsentState(newSession())).toEqual({ autoConsent: null });
  });
});

describe('turning it off', () => {
  it('DELETE answers { autoConsent: null } and the page shows its form again', async () => {
    const session = newSession();
    await mock.session(session).keeta.autoConsent('authorize');
    const off = await autoConsent(session, 'DELETE');
    expect(off.status).toBe(200);
    expect(await off.json()).toEqual({ autoConsent: null });
    expect(await autoConsentState(session)).toEqual({ autoConsent: null });
    await expectForm(session);
  });

  it("POST /__mock/reset with the session header turns it off (and leaves another session's on)", async () => {
    const session = newSession();
    const other = newSession();
    await mock.session(session).keeta.autoConsent('deny');
    await mock.session(other).keeta.autoConsent('deny');
    const reset = await fetch(`${mock.url}/__mock/reset`, { method: 'POST', headers: { 'X-Mock-Session': session } });
    expect(reset.status).toBe(200);
    expect(await autoConsentState(session)).toEqual({ autoConsent: null });
    await expectForm(session);
    expect(await autoConsentState(other)).toEqual({ autoConsent: { decision: 'deny' } });
  });

  it('the typed controls turn it on and off', async () => {
    const session = newSession();
    const controls = mock.session(session);
    const [first] = await merchantsOf(session);
    await controls.keeta.autoConsent('authorize', first!.id);
    expect(await autoConsentState(session)).toEqual({ autoConsent: { decision: 'authorize', merchantId: first!.id } });
    await controls.keeta.stopAutoConsent();
    expect(await autoConsentState(session)).toEqual({ autoConsent: null });
  });
});

describe('refusals', () => {
  it('a missing or other decision, or a merchantId that is not a string, is 400 and changes nothing', async () => {
    const session = newSession();
    await mock.session(session).keeta.autoConsent('deny');
    const oneOf = /\/body\/decision must be one of \["authorize","deny"\]/;
    const bodies: [unknown, RegExp][] = [
      [{}, /^Not a valid body: \/body\/decision is required\.$/],
      [{ decision: 'maybe' }, oneOf],
      [{ decision: 'Authorize' }, oneOf],
      [{ decision: ['authorize'] }, oneOf],
      [[], /\/body must be object/],
      [{ decision: 'authorize', merchantId: 42 }, /\/body\/merchantId must be string/],
      [{ decision: 'authorize', merchantId: null }, /\/body\/merchantId must be string/],
      [{ decision: 'authorize', merchantId: '' }, /\/body\/merchantId must NOT have fewer than 1 characters/],
    ];
    for (const [body, message] of bodies) {
      await expectControlError(await autoConsent(session, 'POST', body), 400, 'invalid_request', message);
    }
    await expectControlError(
      await autoConsent(session, 'POST'),
      400,
      'invalid_request',
      /\/body\/decision is required/,
    );
    await expectControlError(await autoConsent(session, 'POST', '{"decision":'), 400, 'malformed_body', /JSON/);
    expect(await autoConsentState(session)).toEqual({ autoConsent: { decision: 'deny' } });
  });

  it('a misspelt or unknown field is refused, named in details: not ignored (the first merchant)', async () => {
    const session = newSession();
    const [, second] = await merchantsOf(session);
    for (const [body, field] of [
      [{ decision: 'authorize', merchantID: second!.id }, 'merchantID'],
      [{ decision: 'deny', reason: 'test' }, 'reason'],
    ] as const) {
      const response = await autoConsent(session, 'POST', body);
      await expectControlError(
        response.clone(),
        400,
        'invalid_request',
        new RegExp(`must not have property '${field}'`),
      );
      const { error } = (await response.json()) as { error: { details: { location: string; message: string }[] } };
      expect(error.details).toMatchObject([{ location: '/body', message: `must not have property '${field}'` }]);
    }
    expect(await autoConsentState(session)).toEqual({ autoConsent: null });
    await expectForm(session);
  });

  it('an unknown merchantId is 404 naming the merchants, and changes nothing', async () => {
    const session = newSession();
    const merchants = await merchantsOf(session);
    const response = await autoConsent(session, 'POST', { decision: 'authorize', merchantId: 'm-unknown' });
    await expectControlError(response.clone(), 404, 'not_found', /"m-unknown"/);
    const { error } = (await response.json()) as { error: { message: string } };
    for (const merchant of merchants) expect(error.message).toContain(merchant.id);
    expect(await autoConsentState(session)).toEqual({ autoConsent: null });
    await expectForm(session);
  });

  it('another method is 405 with Allow', async () => {
    const session = newSession();
    const response = await autoConsent(session, 'PUT', { decision: 'authorize' });
    await expectControlError(response.clone(), 405, 'method_not_allowed', /PUT/);
    expect(response.headers.get('allow')!.split(/,\s*/).sort()).toEqual(['DELETE', 'GET', 'POST']);
    expect(await autoConsentState(session)).toEqual({ autoConsent: null });
  });
});

describe('the journal', () => {
  it("has the session's POST and DELETE with control 'auto-consent', method and status; not the GET", async () => {
    const session = newSession();
    await autoConsent(session, 'POST', { decision: 'authorize' });
    await autoConsentState(session);
    await autoConsent(session, 'DELETE');
    const journal = await mock.session(session).journal();
    const entries = journal.filter((entry) => entry.control === 'auto-consent');
    expect(entries).toEqual([
      expect.objectContaining({
        session,
        provider: 'keeta',
        method: 'DELETE',
        path: '/__mock/keeta/auto-consent',
        status: 200,
      }),
      expect.objectContaining({
        session,
        provider: 'keeta',
        method: 'POST',
        path: '/__mock/keeta/auto-consent',
        status: 200,
      }),
    ]);
    expect(journal.some((entry) => entry.method === 'GET' && entry.path.endsWith('/auto-consent'))).toBe(false);
    const other = await mock.session(newSession()).journal();
    expect(other.some((entry) => entry.control === 'auto-consent')).toBe(false);
  });
});
