/**
 * POST /connect/token: form only, authorization_code only, codes one-time, short-lived and bound to
 * their client (and redirect URI); client authentication by form or HTTP Basic; RFC 6749 §5.2 errors.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createJust2TradePlugin } from '../../mocks/just2trade/index.ts';
import { CLIENT_ID, REDIRECT_URI, TOKEN, expectOAuthError, just2tradeApp, type Flow } from './flow.ts';

let app: Awaited<ReturnType<typeof just2tradeApp>>;
let flow: Flow;
beforeAll(async () => {
  app = await just2tradeApp();
});
beforeEach(() => {
  flow = app.flow();
});

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('a valid code', () => {
  it("gets exactly the documented token shape, not cached, for the docs' request as written", async () => {
    const code = await flow.code();
    const response = await flow.http
      .post(TOKEN)
      .set('X-Mock-Session', flow.session)
      .set('Accept', 'application/json')
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send(`grant_type=authorization_code&code=${code}&client_id=${CLIENT_ID}`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(Object.keys(response.body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(response.body).toEqual({
      scope: 'email profile',
      token_type: 'Bearer',
      access_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      expires_in: 86400,
    });
  });

  it('gets a different opaque token each time', async () => {
    expect(await flow.token()).not.toBe(await flow.token());
  });

  it('accepts what standard libraries add: client_secret and the matching redirect_uri (client_secret_post)', async () => {
    const response = await flow.redeem(await flow.code(), {
      client_secret: await flow.secret(),
      redirect_uri: REDIRECT_URI,
    });
    expect(response.status).toBe(200);
  });

  it('accepts HTTP Basic client authentication without client_id in the form (client_secret_basic)', async () => {
    const code = await flow.code();
    const response = await flow.http
      .post(TOKEN)
      .set('X-Mock-Session', flow.session)
      .set('Authorization', basic(CLIENT_ID, await flow.secret()))
      .type('form')
      .send({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
    expect(response.status, response.text).toBe(200);
  });

  it('decodes form-urlencoded Basic credentials (RFC 6749 §2.3.1)', async () => {
    await flow.add('clients', { clientId: 'crm one:1', clientSecret: 'p@ss word+/=:', redirectUris: [REDIRECT_URI] });
    const code = await flow.code({ client_id: 'crm one:1', client_secret: 'p@ss word+/=:' });
    const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
    const response = await flow.http
      .post(TOKEN)
      .set('X-Mock-Session', flow.session)
      .set('Authorization', basic(encode('crm one:1'), encode('p@ss word+/=:')))
      .type('form')
      .send({ grant_type: 'authorization_code', code });
    expect(response.status, response.text).toBe(200);
  });

  it('ignores unknown parameters (RFC 6749 §3.2)', async () => {
    expect((await flow.redeem(await flow.code(), { resource: 'x', audience: 'y' })).status).toBe(200);
  });
});

describe('malformed requests', () => {
  it('JSON instead of a form: 415, RFC 6749 shape', async () => {
    const response = await flow.http
      .post(TOKEN)
      .set('X-Mock-Session', flow.session)
      .send({ grant_type: 'authorization_code', code: 'c', client_id: CLIENT_ID });
    expectOAuthError(response, 415, 'invalid_request');
  });

  it('no code', async () => {
    const response = await flow.http
      .post(TOKEN)
      .set('X-Mock-Session', flow.session)
      .type('form')
      .send({ grant_type: 'authorization_code', client_id: CLIENT_ID });
    expectOAuthError(response, 400, 'invalid_request');
  });

  it('no client_id and no Basic credentials', async () => {
    const response = await flow.http
      .post(TOKEN)
      .set('X-Mock-Session', flow.session)
      .type('form')
      .send({ grant_type: 'authorization_code', code: await flow.code() });
    expectOAuthError(response, 400, 'invalid_request');
    expect(response.body.error_description).toMatch(/client_id/);
  });

  it.each(['client_credentials', 'refresh_token', 'password', 'AUTHORIZATION_CODE'])(
    'grant_type=%s: unsupported_grant_type',
    async (grantType) => {
      const code = await flow.code();
      expectOAuthError(await flow.redeem(code, { grant_type: grantType }), 400, 'unsupported_grant_type');
      expect((await flow.redeem(code)).status).toBe(200); // the refused request used nothing up
    },
  );
});

describe('client authentication', () => {
  it('an unknown client_id: 401 invalid_client', async () => {
    expectOAuthError(await flow.redeem(await flow.code(), { client_id: 'nobody' }), 401, 'invalid_client');
  });

  it('a wrong client_secret in the form: 401 invalid_client, and the code is still good', async () => {
    const code = await flow.code();
    const response = await flow.redeem(code, { client_secret: 'wrong' });
    expectOAuthError(response, 401, 'invalid_client');
    expect(response.headers['www-authenticate']).toBeUndefined();
    expect((await flow.redeem(code)).status).toBe(200);
  });

  it('a wrong secret over HTTP Basic: 401 invalid_client with WWW-Authenticate: Basic', async () => {
    const code = await flow.code();
    const response = await flow.http
      .post(TOKEN)
      .set('X-Mock-Session', flow.session)
      .set('Authorization', basic(CLIENT_ID, 'wrong'))
      .type('form')
      .send({ grant_type: 'authorization_code', code });
    expectOAuthError(response, 401, 'invalid_client');
    expect(response.headers['www-authenticate']).toBe('Basic realm="just2trade"');
  });

  it.each([
    ['not Basic', 'Bearer abc'],
    ['not base64', 'Basic %%%'],
    ['no colon', `Basic ${Buffer.from('crm-demo').toString('base64')}`],
    ['bad percent-encoding', `Basic ${Buffer.from('crm-demo:%zz').toString('base64')}`],
  ])('a malformed Authorization header (%s): 401 invalid_client with WWW-Authenticate', async (_title, header) => {
    const response = await flow.redeem(await flow.code(), {}, { Authorization: header });
    expectOAuthError(response, 401, 'invalid_client');
    expect(response.headers['www-authenticate']).toBe('Basic realm="just2trade"');
  });

  it('Basic and client_secret together: invalid_request (one method per request, RFC 6749 §2.3)', async () => {
    const secret = await flow.secret();
    const response = await flow.redeem(
      await flow.code(),
      { client_secret: secret },
      { Authorization: basic(CLIENT_ID, secret) },
    );
    expectOAuthError(response, 400, 'invalid_request');
  });

  it('Basic for one client, client_id of another: invalid_request', async () => {
    await flow.add('clients', { clientId: 'other', clientSecret: 'other-secret', redirectUris: [REDIRECT_URI] });
    const response = await flow.redeem(
      await flow.code(),
      { client_id: 'other' },
      { Authorization: basic(CLIENT_ID, await flow.secret()) },
    );
    expectOAuthError(response, 400, 'invalid_request');
  });
});

describe('the code', () => {
  it('unknown: invalid_grant', async () => {
    expectOAuthError(await flow.redeem('SplxlOBeZQQYbYS6WxSbIA'), 400, 'invalid_grant');
  });

  it('is one-time: the second redemption fails and revokes the token the first one got (RFC 6749 §4.1.2)', async () => {
    const code = await flow.code();
    const first = await flow.redeem(code);
    expect(first.status).toBe(200);
    expect((await flow.profile(first.body.access_token)).status).toBe(200);
    expectOAuthError(await flow.redeem(code), 400, 'invalid_grant');
    const profile = await flow.profile(first.body.access_token);
    expect(profile.status).toBe(401);
    expect(profile.body.error).toBe('invalid_token');
    expectOAuthError(await flow.redeem(code), 400, 'invalid_grant');
  });

  it('a replay does not touch tokens from other codes', async () => {
    const other = await flow.token();
    const code = await flow.code();
    await flow.redeem(code);
    await flow.redeem(code);
    expect((await flow.profile(other)).status).toBe(200);
  });

  it('expires after 60 seconds (mock clock): 61 s is too late, and nothing is issued', async () => {
    const code = await flow.code();
    await flow.advance(61);
    const response = await flow.redeem(code);
    expectOAuthError(response, 400, 'invalid_grant');
    expect(response.body.error_description).toMatch(/expired/);
  });

  it('is still good at 59 s', async () => {
    const code = await flow.code();
    await flow.advance(59);
    expect((await flow.redeem(code)).status).toBe(200);
  });

  it('is bound to its client: another client gets invalid_grant, and the code stays good for its own', async () => {
    await flow.add('clients', { clientId: 'other', clientSecret: 'other-secret', redirectUris: [REDIRECT_URI] });
    const code = await flow.code();
    expectOAuthError(
      await flow.redeem(code, { client_id: 'other', client_secret: 'other-secret' }),
      400,
      'invalid_grant',
    );
    expectOAuthError(await flow.redeem(code, { client_id: 'other' }), 400, 'invalid_grant');
    expect((await flow.redeem(code)).status).toBe(200);
  });

  it('is bound to its redirect_uri when the token request sends one; a mismatch uses nothing up', async () => {
    const code = await flow.code();
    for (const redirectUri of [
      'http://localhost:3000/callback/',
      'http://localhost:3000/other',
      'HTTP://localhost:3000/callback',
    ]) {
      expectOAuthError(await flow.redeem(code, { redirect_uri: redirectUri }), 400, 'invalid_grant');
    }
    expect((await flow.redeem(code, { redirect_uri: REDIRECT_URI })).status).toBe(200);
  });

  it('belongs to its session', async () => {
    const code = await flow.code();
    expectOAuthError(await app.flow().redeem(code), 400, 'invalid_grant');
    expect((await flow.redeem(code)).status).toBe(200);
  });
});

describe('configured lifetimes', () => {
  it('codeTtlSeconds and accessTokenTtlSeconds', async () => {
    const configured = await just2tradeApp(createJust2TradePlugin({ codeTtlSeconds: 5, accessTokenTtlSeconds: 3600 }));
    const custom = configured.flow();
    const late = await custom.code();
    await custom.advance(6);
    expectOAuthError(await custom.redeem(late), 400, 'invalid_grant');
    const response = await custom.redeem(await custom.code());
    expect(response.body.expires_in).toBe(3600);
  });

  it('refuses a lifetime that is not a positive whole number, at startup', () => {
    expect(() => createJust2TradePlugin({ codeTtlSeconds: 0 })).toThrow(/codeTtlSeconds must be an integer >= 1/);
    expect(() => createJust2TradePlugin({ loginTtlSeconds: 1.5 })).toThrow(/loginTtlSeconds/);
  });
});
