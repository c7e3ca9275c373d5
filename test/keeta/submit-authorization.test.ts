/**
 * `POST /keeta/m/web/openapi/authorize`: Authorize or Deny, the redirect back in both modes, the
 * completion page without a redirectUri, and everything a form submission may get wrong.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { MockApp } from '../../src/index.ts';
import { mockApp, newSession } from '../helpers.ts';
import {
  LOCKED_APP,
  PAGE_PATH,
  SHOP_APP,
  addApp,
  callbackParameters,
  errorMessage,
  expectSpecCallback,
  linkFor,
  openPage,
  submit,
  type Http,
} from './keeta-helpers.ts';

let http: Http;
let mock: MockApp;
beforeAll(async () => {
  ({ http, mock } = await mockApp({ providers: ['keeta'], log: () => {} }));
});

/** A fresh session with the test apps, and a form opened from a link for `query`. */
async function formFor(query: Record<string, string>, session = newSession()) {
  await addApp(http, session, SHOP_APP);
  await addApp(http, session, LOCKED_APP);
  const link = await linkFor(http, session, query);
  const { form } = await openPage(http, session, link);
  return { session, form };
}

const authorizations = async (session: string) =>
  (await http.get('/__mock/keeta/authorizations').set('X-Mock-Session', session)).body as Record<string, unknown>[];
const clockMs = async (session: string) => {
  const clock = (await http.get('/__mock/clock').set('X-Mock-Session', session)).body as { now: string };
  return Date.parse(clock.now);
};

describe('Authorize', () => {
  it('client_credentials: 302 to redirectUri with authId, state, appId, timestamp (and nothing else)', async () => {
    const session = newSession();
    await http.post('/__mock/clock').set('X-Mock-Session', session).send({ advanceSeconds: 86_400 });
    const { form } = await formFor(
      { clientId: 'keeta-demo', redirectUri: 'https://crm.example.com/keeta/cb', state: 'st-1' },
      session,
    );
    const response = await submit(http, session, form);
    expect(response.status).toBe(302);
    expect(response.headers['cache-control']).toBe('no-store');
    const location = response.headers.location as string;
    expect(location.startsWith('https://crm.example.com/keeta/cb?authId=')).toBe(true);
    const parameters = callbackParameters(location);
    expect(Object.keys(parameters)).toEqual(['authId', 'state', 'appId', 'timestamp']);
    expect(parameters).toMatchObject({ state: 'st-1', appId: '2123830428' });
    expect(parameters.authId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // epoch milliseconds from the session clock, which was moved a day ahead
    const timestamp = Number(parameters.timestamp);
    expect(timestamp).toBeGreaterThan(Date.now() + 86_000_000);
    expect(timestamp).toBeLessThanOrEqual(await clockMs(session));
    expectSpecCallback(mock, parameters);
  });

  it('shop_level_authorization_code: also keetaMerchantId (the merchant picked) and a code', async () => {
    const { session, form } = await formFor({
      clientId: SHOP_APP.clientId,
      redirectUri: 'http://127.0.0.1:9/cb',
      state: 'st-2',
    });
    const picked = form.merchants[2]!.value;
    const response = await submit(http, session, form, { merchantId: picked });
    expect(response.status).toBe(302);
    const parameters = callbackParameters(response.headers.location as string);
    expect(Object.keys(parameters)).toEqual(['authId', 'state', 'appId', 'timestamp', 'keetaMerchantId', 'code']);
    expect(parameters).toMatchObject({ state: 'st-2', appId: SHOP_APP.appId, keetaMerchantId: picked });
    expect(parameters.code).toMatch(/^[0-9a-f]{32}$/);
    expectSpecCallback(mock, parameters);
    const [stored] = await authorizations(session);
    expect(stored).toMatchObject({
      authId: parameters.authId,
      decision: 'authorized',
      mode: 'shop_level_authorization_code',
      merchantId: picked,
      code: parameters.code,
    });
  });

  it.each([
    ['plain text', 'abc'],
    ['characters that need encoding', 'a b&c=d/é'],
    ['plus, percent and hash', '1+1=2%#x'],
    ['empty (none given)', ''],
  ])('round-trips a state with %s', async (_title, state) => {
    const query: Record<string, string> = { clientId: SHOP_APP.clientId, redirectUri: 'https://crm.example.com/cb' };
    if (state) query.state = state;
    const { session, form } = await formFor(query);
    const response = await submit(http, session, form);
    expect(callbackParameters(response.headers.location as string).state).toBe(state);
  });

  it("keeps the redirectUri's own query as it is and appends to it", async () => {
    const registered = LOCKED_APP.redirectUris[1]!; // http://127.0.0.1:8080/cb?tenant=a%20b
    const { session, form } = await formFor({ clientId: LOCKED_APP.clientId, redirectUri: registered, state: 's' });
    const location = (await submit(http, session, form)).headers.location as string;
    expect(location.startsWith(`${registered}&authId=`)).toBe(true);
    expect(new URL(location).searchParams.get('tenant')).toBe('a b');
  });

  it('gives every authorization a fresh authId and code, and lists each', async () => {
    const session = newSession();
    await addApp(http, session, SHOP_APP);
    const link = await linkFor(http, session, {
      clientId: SHOP_APP.clientId,
      redirectUri: 'https://crm.example.com/cb',
    });
    const seen = [];
    for (let i = 0; i < 3; i += 1) {
      const { form } = await openPage(http, session, link); // the link is reusable; each load is a new form
      seen.push(callbackParameters((await submit(http, session, form)).headers.location as string));
    }
    expect(new Set(seen.map((p) => p.authId)).size).toBe(3);
    expect(new Set(seen.map((p) => p.code)).size).toBe(3);
    expect((await authorizations(session)).map((a) => a.authId)).toEqual(seen.map((p) => p.authId));
  });
});

describe('the authorizations listing', () => {
  it('records appId, merchant, state, code, decision and time, and is read-only', async () => {
    const { session, form } = await formFor({
      clientId: SHOP_APP.clientId,
      redirectUri: 'https://crm.example.com/cb',
      state: 'listed',
    });
    const parameters = callbackParameters((await submit(http, session, form)).headers.location as string);
    const list = await authorizations(session);
    expect(list).toEqual([
      {
        authId: parameters.authId,
        decision: 'authorized',
        clientId: SHOP_APP.clientId,
        appId: SHOP_APP.appId,
        mode: 'shop_level_authorization_code',
        merchantId: form.merchants[0]!.value,
        merchantName: expect.any(String),
        state: 'listed',
        redirectUri: 'https://crm.example.com/cb',
        code: parameters.code,
        timestamp: Number(parameters.timestamp),
        createdAt: new Date(Number(parameters.timestamp)).toISOString(),
      },
    ]);
    expect(
      (await http.get(`/__mock/keeta/authorizations/${parameters.authId}`).set('X-Mock-Session', session)).body.authId,
    ).toBe(parameters.authId);
    expect(
      (await http.post('/__mock/keeta/authorizations').set('X-Mock-Session', session).send({ authId: 'x' })).status,
    ).toBe(405);
  });

  it('is per session, and reset empties it', async () => {
    const { session, form } = await formFor({ clientId: 'keeta-demo' });
    expect((await submit(http, session, form)).status).toBe(200);
    expect(await authorizations(session)).toHaveLength(1);
    expect(await authorizations(newSession())).toEqual([]);
    await http.post('/__mock/reset').set('X-Mock-Session', session);
    expect(await authorizations(session)).toEqual([]);
  });
});

describe('Deny', () => {
  it('redirects with error=access_denied, a description and the state (no authId, no code)', async () => {
    const { session, form } = await formFor({
      clientId: SHOP_APP.clientId,
      redirectUri: 'https://crm.example.com/cb?x=1',
      state: 'a b&c',
    });
    const response = await submit(http, session, form, { decision: 'deny' });
    expect(response.status).toBe(302);
    const location = response.headers.location as string;
    expect(location.startsWith('https://crm.example.com/cb?x=1&error=access_denied&')).toBe(true);
    const parameters = callbackParameters(location);
    expect(parameters).toEqual({
      x: '1',
      error: 'access_denied',
      error_description: 'The merchant denied the authorization request.',
      state: 'a b&c',
    });
    const [stored] = await authorizations(session);
    expect(stored).toMatchObject({ decision: 'denied', appId: SHOP_APP.appId, state: 'a b&c' });
    expect(stored).not.toHaveProperty('code');
  });

  it("needs no merchant (the Deny button skips the form's validation)", async () => {
    const { session, form } = await formFor({ clientId: 'keeta-demo', redirectUri: 'https://crm.example.com/cb' });
    const response = await submit(http, session, form, { decision: 'deny', merchantId: undefined });
    expect(response.status).toBe(302);
    expect(callbackParameters(response.headers.location as string).error).toBe('access_denied');
    expect((await authorizations(session))[0]).not.toHaveProperty('merchantId');
  });

  it('without a redirectUri shows the denial on the page', async () => {
    const { session, form } = await formFor({ clientId: 'keeta-demo', state: 'd' });
    const response = await submit(http, session, form, { decision: 'deny' });
    expect(response.status).toBe(200);
    expect(response.headers.location).toBeUndefined();
    expect(response.text).toContain('<h1>Authorization denied</h1>');
    expect(response.text).toContain(`<dd id="authId">${(await authorizations(session))[0]!.authId}</dd>`);
  });
});

describe('without a redirectUri the page shows the completed authorization', () => {
  it('client_credentials: authId, appId, state and timestamp', async () => {
    const { session, form } = await formFor({ clientId: 'keeta-demo', state: '<s>' });
    const response = await submit(http, session, form);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers.location).toBeUndefined();
    const [stored] = await authorizations(session);
    expect(stored).not.toHaveProperty('redirectUri');
    expect(response.text).toContain('<h1>Authorization complete</h1>');
    expect(response.text).toContain(`<dd id="authId">${stored!.authId}</dd>`);
    expect(response.text).toContain('<dd id="state">&#60;s&#62;</dd>');
    expect(response.text).not.toContain('id="code"');
  });

  it('shop_level_authorization_code: also the merchant and the code', async () => {
    const { session, form } = await formFor({ clientId: SHOP_APP.clientId });
    const response = await submit(http, session, form);
    expect(response.status).toBe(200);
    const [stored] = await authorizations(session);
    expect(response.text).toContain(`<dd id="code">${stored!.code}</dd>`);
    expect(response.text).toContain(`<dd id="keetaMerchantId">${form.merchants[0]!.value}</dd>`);
  });
});

describe('one form, one decision', () => {
  it('a second submission of the same form is 409 and changes nothing', async () => {
    const { session, form } = await formFor({ clientId: SHOP_APP.clientId, redirectUri: 'https://crm.example.com/cb' });
    expect((await submit(http, session, form)).status).toBe(302);
    const again = await submit(http, session, form);
    expect(again.status).toBe(409);
    expect(again.headers.location).toBeUndefined();
    expect(errorMessage(again.text)).toMatch(/already submitted/);
    const denyAfter = await submit(http, session, form, { decision: 'deny' });
    expect(denyAfter.status).toBe(409);
    expect(await authorizations(session)).toHaveLength(1);
  });

  it('two simultaneous submissions give one decision', async () => {
    const { session, form } = await formFor({ clientId: SHOP_APP.clientId, redirectUri: 'https://crm.example.com/cb' });
    const answers = await Promise.all(Array.from({ length: 5 }, () => submit(http, session, form)));
    expect(answers.map((answer) => answer.status).sort()).toEqual([302, 409, 409, 409, 409]);
    expect(await authorizations(session)).toHaveLength(1);
  });

  it('a form expires (session clock) and an expired one decides nothing', async () => {
    const { session, form } = await formFor({ clientId: 'keeta-demo', redirectUri: 'https://crm.example.com/cb' });
    await http.post('/__mock/clock').set('X-Mock-Session', session).send({ advanceSeconds: 601 });
    const response = await submit(http, session, form);
    expect(response.status).toBe(400);
    expect(errorMessage(response.text)).toMatch(/expired/);
    expect(await authorizations(session)).toEqual([]);
  });

  it('a form is still good just before it expires', async () => {
    const { session, form } = await formFor({ clientId: 'keeta-demo', redirectUri: 'https://crm.example.com/cb' });
    await http.post('/__mock/clock').set('X-Mock-Session', session).send({ advanceSeconds: 599 });
    expect((await submit(http, session, form)).status).toBe(302);
  });

  it('a form from another session is unknown here', async () => {
    const { session, form } = await formFor({ clientId: 'keeta-demo', redirectUri: 'https://crm.example.com/cb' });
    const elsewhere = await submit(http, newSession(), form);
    expect(elsewhere.status).toBe(400);
    expect(errorMessage(elsewhere.text)).toMatch(/unknown/);
    expect((await submit(http, session, form)).status).toBe(302); // and still good in its own
  });
});

describe('refused submissions are HTML errors that change nothing (the form stays usable)', () => {
  const cases: [
    string,
    {
      change: (form: Awaited<ReturnType<typeof formFor>>['form']) => {
        fields?: Record<string, string | undefined>;
        cookie?: string;
      };
      status: number;
      message: RegExp;
    },
  ][] = [
    [
      'no CSRF token',
      { change: () => ({ fields: { csrfToken: undefined } }), status: 403, message: /no form id or CSRF token/ },
    ],
    [
      'a wrong CSRF token',
      {
        change: () => ({ fields: { csrfToken: 'A'.repeat(43) } }),
        status: 403,
        message: /CSRF token or this browser's cookie/,
      },
    ],
    [
      'the token of another form',
      {
        change: (form) => ({ fields: { csrfToken: form.hidden.authorizationRequest } }),
        status: 403,
        message: /does not match/,
      },
    ],
    ['no cookie (a cross-site POST)', { change: () => ({ cookie: '' }), status: 403, message: /does not match/ }],
    [
      "another browser's cookie",
      { change: () => ({ cookie: `keeta_browser=${'B'.repeat(43)}` }), status: 403, message: /does not match/ },
    ],
    [
      'no form id',
      { change: () => ({ fields: { authorizationRequest: undefined } }), status: 403, message: /no form id/ },
    ],
    [
      'an unknown form id',
      { change: () => ({ fields: { authorizationRequest: 'C'.repeat(43) } }), status: 400, message: /unknown/ },
    ],
    [
      'an unknown merchant',
      { change: () => ({ fields: { merchantId: '000' } }), status: 400, message: /no merchant with ID 000/ },
    ],
    [
      'no merchant on Authorize',
      { change: () => ({ fields: { merchantId: undefined } }), status: 400, message: /Choose a merchant/ },
    ],
    [
      'no decision',
      {
        change: () => ({ fields: { decision: undefined } }),
        status: 400,
        message: /Authorize \(decision=authorize\) or Deny/,
      },
    ],
    [
      'an unknown decision',
      { change: () => ({ fields: { decision: 'maybe' } }), status: 400, message: /decision=authorize/ },
    ],
  ];
  it.each(cases)('%s', async (_title, { change, status, message }) => {
    const { session, form } = await formFor({ clientId: SHOP_APP.clientId, redirectUri: 'https://crm.example.com/cb' });
    const { fields = {}, cookie } = change(form);
    const response = await submit(http, session, form, fields, cookie);
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.headers.location).toBeUndefined();
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(errorMessage(response.text)).toMatch(message);
    expect(await authorizations(session)).toEqual([]);
    expect((await submit(http, session, form)).status).toBe(302);
  });

  it('a field sent twice', async () => {
    const { session, form } = await formFor({ clientId: 'keeta-demo', redirectUri: 'https://crm.example.com/cb' });
    const body = new URLSearchParams({ ...form.hidden, merchantId: form.merchants[0]!.value });
    body.append('decision', 'deny');
    body.append('decision', 'authorize');
    const response = await http
      .post(PAGE_PATH)
      .set('X-Mock-Session', session)
      .set('Cookie', form.cookie)
      .type('form')
      .send(body.toString());
    expect(response.status).toBe(400);
    expect(errorMessage(response.text)).toMatch(/decision must be sent once/);
  });

  it.each([
    ['no body', undefined, ''],
    ['a text/plain body', 'text/plain', 'authorizationRequest=x&csrfToken=y'],
  ])('%s is not a form: 403', async (_title, type, body) => {
    const { session, form } = await formFor({ clientId: 'keeta-demo', redirectUri: 'https://crm.example.com/cb' });
    const request = http.post(PAGE_PATH).set('X-Mock-Session', session).set('Cookie', form.cookie);
    if (type) request.set('Content-Type', type);
    const response = await request.send(body);
    expect(response.status).toBe(403);
    expect(errorMessage(response.text)).toMatch(/not from the authorization form/);
  });

  it('an app removed after the form was shown: 400, nothing recorded', async () => {
    const { session, form } = await formFor({ clientId: SHOP_APP.clientId, redirectUri: 'https://crm.example.com/cb' });
    expect((await http.delete(`/__mock/keeta/apps/${SHOP_APP.clientId}`).set('X-Mock-Session', session)).status).toBe(
      204,
    );
    const response = await submit(http, session, form);
    expect(response.status).toBe(400);
    expect(errorMessage(response.text)).toMatch(/no longer registered/);
    expect(await authorizations(session)).toEqual([]);
  });

  it('a redirectUri no longer registered when the form is submitted: 400, no redirect', async () => {
    const { session, form } = await formFor({
      clientId: LOCKED_APP.clientId,
      redirectUri: LOCKED_APP.redirectUris[0]!,
    });
    await http.delete(`/__mock/keeta/apps/${LOCKED_APP.clientId}`).set('X-Mock-Session', session);
    await addApp(http, session, { ...LOCKED_APP, redirectUris: ['https://crm.example.com/other'] });
    const response = await submit(http, session, form);
    expect(response.status).toBe(400);
    expect(response.headers.location).toBeUndefined();
    expect(errorMessage(response.text)).toMatch(/not registered/);
  });
});
