/**
 * POST .../authexternalcrm: the external CRM's ES256 JWT, verified with the key registered under its
 * key_id claim, for a token pair of the service admin. Every check is probed with a forged or wrong
 * token, and a refused request issues nothing.
 */
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createB2CopyPlugin } from '../../mocks/b2copy/index.ts';
import { mockApp, newSession } from '../helpers.ts';
import {
  DEFAULT_ISSUER,
  DEV_PUBLIC_KEY_PEM,
  PATHS,
  advanceClock,
  expectB2CopyError,
  externalClaims,
  issuedTokens,
  nowSeconds,
  signExternal,
  verifyWithServedJwks,
  type Http,
} from './b2copy-helpers.ts';

let http: Http;
let otherEcKey: CryptoKey;
let otherEcPublicJwk: Record<string, unknown>;
let rsaKey: CryptoKey;
let rsaPublicPem: string;
beforeAll(async () => {
  ({ http } = await mockApp({ providers: ['b2copy'] }));
  const ec = await generateKeyPair('ES256', { extractable: true });
  otherEcKey = ec.privateKey;
  otherEcPublicJwk = { ...(await exportJWK(ec.publicKey)) };
  const rsa = await generateKeyPair('RS256', { extractable: true });
  rsaKey = rsa.privateKey;
  rsaPublicPem = await exportSPKI(rsa.publicKey);
});

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function exchange(token: string, session = newSession()) {
  return http.post(PATHS.authExternalCrm).set('X-Mock-Session', session).send({ external_token: token });
}

describe('authExternalCrm with a good token', () => {
  it('returns a token pair whose sub is the admin, verifiable with the served JWKS', async () => {
    const response = await exchange(await signExternal(externalClaims())).expect(200);
    expect(response.body['2faRequired']).toBe(false);
    const access = await verifyWithServedJwks(http, response.body.accessToken.token);
    const refresh = await verifyWithServedJwks(http, response.body.refreshToken.token);
    expect(access.payload).toMatchObject({
      sub: '1',
      iss: DEFAULT_ISSUER,
      token_use: 'access',
      sub_type: 'service_admin',
    });
    expect(refresh.payload).toMatchObject({ sub: '1', token_use: 'refresh', family_id: access.payload.family_id });
  });

  it('compares admin ids as strings: admin_id "1" finds the fixture { id: 1 }', async () => {
    const { body } = await exchange(await signExternal(externalClaims({ admin_id: '1' }))).expect(200);
    expect((await verifyWithServedJwks(http, body.accessToken.token)).payload.sub).toBe('1');
  });

  it('accepts an IPv4-mapped IPv6 device_ip for an allowed IPv4 address', async () => {
    await exchange(await signExternal(externalClaims({ device_ip: '::ffff:127.0.0.1' }))).expect(200);
    await exchange(await signExternal(externalClaims({ device_ip: '0:0:0:0:0:0:0:1' }))).expect(200);
  });

  it('accepts a token without iat or nbf (only exp is required)', async () => {
    await exchange(await signExternal(externalClaims({ iat: undefined }))).expect(200);
  });

  it('tolerates clock skew within 60 seconds for exp, nbf and iat', async () => {
    const now = nowSeconds();
    await exchange(await signExternal(externalClaims({ iat: now - 400, exp: now - 30 }))).expect(200);
    await exchange(await signExternal(externalClaims({ nbf: now + 30 }))).expect(200);
    await exchange(await signExternal(externalClaims({ iat: now + 30, exp: now + 300 }))).expect(200);
  });

  it('ignores a kid header (the key is chosen by the key_id claim)', async () => {
    await exchange(await signExternal(externalClaims(), undefined, { kid: 'something-else' })).expect(200);
  });
});

type Forgery = [title: string, make: () => Promise<string>, want: { status: number; code: string; message: RegExp }];

const forgeries: Forgery[] = [
  [
    'alg none',
    async () => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(externalClaims())}.AAAA`,
    { status: 401, code: 'invalid_external_token', message: /must be signed with ES256; its header says alg "none"/ },
  ],
  [
    'HS256 signed with the registered PEM as the secret',
    async () =>
      new SignJWT(externalClaims())
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode(DEV_PUBLIC_KEY_PEM)),
    { status: 401, code: 'invalid_external_token', message: /alg "HS256"/ },
  ],
  [
    'RS256',
    async () => new SignJWT(externalClaims()).setProtectedHeader({ alg: 'RS256' }).sign(rsaKey),
    { status: 401, code: 'invalid_external_token', message: /alg "RS256"/ },
  ],
  [
    'ES384 header',
    async () => `${b64url({ alg: 'ES384' })}.${b64url(externalClaims())}.AAAA`,
    { status: 401, code: 'invalid_external_token', message: /alg "ES384"/ },
  ],
  [
    'no alg',
    async () => `${b64url({ typ: 'JWT' })}.${b64url(externalClaims())}.AAAA`,
    { status: 401, code: 'invalid_external_token', message: /alg null/ },
  ],
  [
    'ES256 signed by a different key',
    async () => signExternal(externalClaims(), otherEcKey),
    { status: 401, code: 'invalid_external_token', message: /signature is invalid/ },
  ],
  [
    'ES256 by a different key that brings its own jwk header',
    async () => signExternal(externalClaims(), otherEcKey, { jwk: otherEcPublicJwk }),
    { status: 401, code: 'invalid_external_token', message: /carries its own key \(header jwk\)/ },
  ],
  [
    'a jku header pointing at a key set',
    async () => signExternal(externalClaims(), undefined, { jku: 'https://attacker.example/jwks.json' }),
    { status: 401, code: 'invalid_external_token', message: /header jku/ },
  ],
  [
    'an x5c header',
    async () => signExternal(externalClaims(), undefined, { x5c: ['MIIB'] }),
    { status: 401, code: 'invalid_external_token', message: /header x5c/ },
  ],
  [
    'a good token with its payload altered',
    async () => {
      const [header, , signature] = (await signExternal(externalClaims())).split('.');
      return `${header}.${b64url(externalClaims({ admin_id: 2 }))}.${signature}`;
    },
    { status: 401, code: 'invalid_external_token', message: /signature is invalid/ },
  ],
  [
    'a header that is not JSON',
    async () => `${Buffer.from('not json').toString('base64url')}.${b64url(externalClaims())}.AAAA`,
    { status: 401, code: 'invalid_external_token', message: /not a JWS/ },
  ],
  [
    'a payload that is not JSON',
    async () => `${b64url({ alg: 'ES256' })}.${Buffer.from('[1,').toString('base64url')}.AAAA`,
    { status: 401, code: 'invalid_external_token', message: /not a JWT/ },
  ],
  [
    'expired beyond the skew',
    async () => signExternal(externalClaims({ iat: nowSeconds() - 600, exp: nowSeconds() - 61 })),
    { status: 401, code: 'external_token_expired', message: /has expired \(exp .*mock clock .*skew 60 s\)/ },
  ],
  [
    'nbf in the future beyond the skew',
    async () => signExternal(externalClaims({ nbf: nowSeconds() + 120 })),
    { status: 401, code: 'external_token_not_yet_valid', message: /not valid yet \(nbf/ },
  ],
  [
    'iat in the future beyond the skew',
    async () => signExternal(externalClaims({ iat: nowSeconds() + 120, exp: nowSeconds() + 600 })),
    { status: 401, code: 'external_token_not_yet_valid', message: /issued in the future/ },
  ],
  [
    'exp missing',
    async () => signExternal(externalClaims({ exp: undefined })),
    { status: 401, code: 'missing_claim', message: /no exp claim/ },
  ],
  [
    'exp not a number',
    async () => signExternal(externalClaims({ exp: 'tomorrow' })),
    { status: 401, code: 'invalid_claim', message: /exp claim is invalid/ },
  ],
  [
    'admin_id missing',
    async () => signExternal(externalClaims({ admin_id: undefined })),
    { status: 401, code: 'missing_claim', message: /no admin_id claim/ },
  ],
  [
    'device_ip missing',
    async () => signExternal(externalClaims({ device_ip: undefined })),
    { status: 401, code: 'missing_claim', message: /no device_ip claim/ },
  ],
  [
    'key_id missing',
    async () => signExternal(externalClaims({ key_id: undefined })),
    { status: 401, code: 'missing_claim', message: /no key_id claim/ },
  ],
  [
    'admin_id an object',
    async () => signExternal(externalClaims({ admin_id: { id: 1 } })),
    { status: 401, code: 'invalid_claim', message: /admin_id claim must be/ },
  ],
  [
    'device_ip a number',
    async () => signExternal(externalClaims({ device_ip: 2130706433 })),
    { status: 401, code: 'invalid_claim', message: /device_ip claim must be a string/ },
  ],
  [
    'key_id a number',
    async () => signExternal(externalClaims({ key_id: 7 })),
    { status: 401, code: 'invalid_claim', message: /key_id claim must be a non-empty string/ },
  ],
  [
    'unknown key_id',
    async () => signExternal(externalClaims({ key_id: 'other-key' })),
    { status: 401, code: 'unknown_key_id', message: /key_id 'other-key' is not registered/ },
  ],
  [
    'unknown admin',
    async () => signExternal(externalClaims({ admin_id: 42 })),
    { status: 403, code: 'admin_not_found', message: /admin_id 42 is not a service admin/ },
  ],
  [
    'device_ip not allowed',
    async () => signExternal(externalClaims({ device_ip: '10.0.0.1' })),
    {
      status: 403,
      code: 'ip_not_allowed',
      message: /device_ip 10\.0\.0\.1 is not allowed for key_id dev-key \(allowed: 127\.0\.0\.1, ::1\)/,
    },
  ],
  [
    'device_ip not an IP address',
    async () => signExternal(externalClaims({ device_ip: 'localhost' })),
    { status: 403, code: 'ip_not_allowed', message: /device_ip localhost is not allowed/ },
  ],
];

describe('authExternalCrm refuses', () => {
  it.each(forgeries)('%s', async (_title, make, want) => {
    const session = newSession();
    const response = await exchange(await make(), session);
    const error = expectB2CopyError(response, want.status, want.code, want.message);
    expect(error.field).toBe('/external_token');
    expect(response.text).not.toMatch(/eyJ[A-Za-z0-9_-]+\.eyJ/); // no token in the answer
    expect(await issuedTokens(http, session)).toEqual([]); // and none issued
  });

  it('an unsigned token (alg none, empty signature) at the request check already', async () => {
    const response = await exchange(`${b64url({ alg: 'none' })}.${b64url(externalClaims())}.`);
    expectB2CopyError(response, 400, 'invalid_request', /external_token must match pattern/);
  });

  it('a token that expires as the session clock moves past exp + skew', async () => {
    const session = newSession();
    const token = await signExternal(externalClaims({ exp: nowSeconds() + 120 }));
    await exchange(token, session).expect(200);
    // exp 120 s ahead + 60 s skew: still good (10 s of margin for the real clock).
    await advanceClock(http, session, 170);
    await exchange(token, session).expect(200);
    await advanceClock(http, session, 20);
    expectB2CopyError(await exchange(token, session), 401, 'external_token_expired');
  });

  it('with a smaller configured skew (clockSkewSeconds)', async () => {
    const { http: strict } = await mockApp({ providers: [], plugins: [createB2CopyPlugin({ clockSkewSeconds: 0 })] });
    const token = await signExternal(externalClaims({ nbf: nowSeconds() + 30 }));
    const response = await strict.post(PATHS.authExternalCrm).send({ external_token: token });
    expectB2CopyError(response, 401, 'external_token_not_yet_valid', /skew 0 s/);
  });
});

describe('integrations and admins registered through the control API', () => {
  it("verifies with the key registered under the token's key_id, for a registered admin", async () => {
    const session = newSession();
    const control = (path: string, body: object) =>
      http.post(`/__mock/b2copy/${path}`).set('X-Mock-Session', session).send(body);
    await control('admins', { id: 'crm-bot' }).expect(201);
    await control('integrations', {
      keyId: 'acme',
      publicKeyPem: await exportSPKI((await generateKeyPair('ES256')).publicKey),
      allowedIps: ['127.0.0.1'],
    }).expect(201);
    // Signed with a key that is not the one registered for "acme": refused.
    expectB2CopyError(
      await exchange(await signExternal(externalClaims({ key_id: 'acme', admin_id: 'crm-bot' }), otherEcKey), session),
      401,
      'invalid_external_token',
      /signature is invalid/,
    );

    const acme = await generateKeyPair('ES256', { extractable: true });
    await control('integrations', {
      keyId: 'acme-2',
      publicKeyPem: await exportSPKI(acme.publicKey),
      allowedIps: ['::1', '127.0.0.1'],
    }).expect(201);
    const { body } = await exchange(
      await signExternal(externalClaims({ key_id: 'acme-2', admin_id: 'crm-bot' }), acme.privateKey),
      session,
    ).expect(200);
    expect((await verifyWithServedJwks(http, body.accessToken.token)).payload.sub).toBe('crm-bot');
    // The dev key is not registered as "acme-2"; and "acme-2" exists only in this session.
    expectB2CopyError(
      await exchange(await signExternal(externalClaims({ key_id: 'acme-2', admin_id: 'crm-bot' })), session),
      401,
      'invalid_external_token',
    );
    expectB2CopyError(
      await exchange(await signExternal(externalClaims({ key_id: 'acme-2', admin_id: 'crm-bot' }), acme.privateKey)),
      401,
      'unknown_key_id',
    );
  });

  it("refuses when the integration does not allow the request's source address, even if device_ip is allowed", async () => {
    const session = newSession();
    const pair = await generateKeyPair('ES256', { extractable: true });
    await http
      .post('/__mock/b2copy/integrations')
      .set('X-Mock-Session', session)
      .send({ keyId: 'remote', publicKeyPem: await exportSPKI(pair.publicKey), allowedIps: ['10.0.0.1'] })
      .expect(201);
    const response = await exchange(
      await signExternal(externalClaims({ key_id: 'remote', device_ip: '10.0.0.1' }), pair.privateKey),
      session,
    );
    expectB2CopyError(
      response,
      403,
      'ip_not_allowed',
      /request source address (127\.0\.0\.1|::1) is not allowed for key_id remote \(allowed: 10\.0\.0\.1\)/,
    );
    expect(await issuedTokens(http, session)).toEqual([]);
  });

  it('refuses, when it is registered, a key that is not an EC P-256 public key', async () => {
    const session = newSession();
    const add = (publicKeyPem: string) =>
      http
        .post('/__mock/b2copy/integrations')
        .set('X-Mock-Session', session)
        .send({ keyId: 'wrong-key', publicKeyPem, allowedIps: ['127.0.0.1'] });
    const rsa = await add(rsaPublicPem);
    expect(rsa.status).toBe(400);
    expect(rsa.body.error.message).toMatch(/\/body\/publicKeyPem must be an EC P-256 key, not RSA/);
    expect(rsa.body.error.details).toEqual([{ location: '/body/publicKeyPem', message: expect.any(String) }]);
    // Nothing was registered: a token under that key id is refused as unknown.
    await http.get('/__mock/b2copy/integrations/wrong-key').set('X-Mock-Session', session).expect(404);
  });

  it('refuses an admin deleted through the control API', async () => {
    const session = newSession();
    await http.delete('/__mock/b2copy/admins/1').set('X-Mock-Session', session).expect(204);
    expectB2CopyError(await exchange(await signExternal(externalClaims()), session), 403, 'admin_not_found');
  });

  it('refuses integrations whose PEM or IPs are malformed at registration', async () => {
    const add = (body: object) =>
      http.post('/__mock/b2copy/integrations').set('X-Mock-Session', newSession()).send(body);
    expect((await add({ keyId: 'x', publicKeyPem: 'not a pem', allowedIps: ['127.0.0.1'] })).status).toBe(400);
    expect((await add({ keyId: 'x', publicKeyPem: DEV_PUBLIC_KEY_PEM, allowedIps: ['localhost'] })).status).toBe(400);
    expect((await add({ keyId: 'x', publicKeyPem: DEV_PUBLIC_KEY_PEM, allowedIps: [] })).status).toBe(400);
  });
});
