/**
 * The whole B2COPY flow probed from outside the process's express app: a real listening server
 * (`startMockServer({ port: 0 })`), real `fetch`, keys and admins registered through the control API,
 * tokens verified with `createRemoteJWKSet` against the served JWKS, and one-time things raced with
 * simultaneous requests on real sockets.
 */
import { createRemoteJWKSet, exportSPKI, generateKeyPair, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type RunningMockServer } from '../../src/index.ts';
import { newSession } from '../helpers.ts';
import { signDevExternalToken } from '../../mocks/b2copy/dev-keys/sign-dev-external-token.ts';
import { AUTH_URL_REQUEST, PATHS, USER, externalClaims, signExternal } from './b2copy-helpers.ts';

let server: RunningMockServer;
beforeAll(async () => {
  server = await startMockServer({ port: 0, providers: ['b2copy'], log: () => {} });
});
afterAll(() => server.close());

async function call(session: string, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'X-Mock-Session': session, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    redirect: 'manual',
  });
  const text = await response.text();
  const json = response.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : undefined;
  return { status: response.status, headers: response.headers, text, json };
}

describe('B2COPY over HTTP', () => {
  it('external CRM: register an admin and a key through the control API, sign in, verify with the remote JWKS, refresh, detect reuse', async () => {
    const session = newSession();
    const crm = await generateKeyPair('ES256', { extractable: true });
    expect((await call(session, 'POST', '/__mock/b2copy/admins', { id: 'crm-service' })).status).toBe(201);
    const integration = {
      keyId: 'acme-crm',
      publicKeyPem: await exportSPKI(crm.publicKey),
      allowedIps: ['127.0.0.1', '::1'],
    };
    expect((await call(session, 'POST', '/__mock/b2copy/integrations', integration)).status).toBe(201);

    const externalToken = await signExternal(
      externalClaims({ key_id: 'acme-crm', admin_id: 'crm-service' }),
      crm.privateKey,
    );
    const signedIn = await call(session, 'POST', PATHS.authExternalCrm, { external_token: externalToken });
    expect(signedIn.status, signedIn.text).toBe(200);

    const jwks = createRemoteJWKSet(new URL(`${server.url}${PATHS.jwks}`));
    const { payload } = await jwtVerify(signedIn.json.accessToken.token, jwks, {
      algorithms: ['RS256'],
      issuer: `${server.url}/b2copy`,
    });
    expect(payload).toMatchObject({ sub: 'crm-service', token_use: 'access', sub_type: 'service_admin' });

    const refreshed = await call(session, 'POST', PATHS.refreshToken, {
      refresh_token: signedIn.json.refreshToken.token,
    });
    expect(refreshed.status).toBe(200);
    await jwtVerify(refreshed.json.refreshToken.token, jwks, { algorithms: ['RS256'], issuer: `${server.url}/b2copy` });
    const reuse = await call(session, 'POST', PATHS.refreshToken, { refresh_token: signedIn.json.refreshToken.token });
    expect(reuse.status).toBe(401);
    expect(reuse.json.errors[0].code).toBe('refresh_token_reused');
    const revoked = await call(session, 'POST', PATHS.refreshToken, {
      refresh_token: refreshed.json.refreshToken.token,
    });
    expect(revoked.json.errors[0].code).toBe('refresh_token_revoked');
  });

  it('external CRM: refuses a source address the registered integration does not allow', async () => {
    const session = newSession();
    const crm = await generateKeyPair('ES256', { extractable: true });
    await call(session, 'POST', '/__mock/b2copy/integrations', {
      keyId: 'far-away',
      publicKeyPem: await exportSPKI(crm.publicKey),
      allowedIps: ['203.0.113.7'],
    });
    const token = await signExternal(externalClaims({ key_id: 'far-away', device_ip: '203.0.113.7' }), crm.privateKey);
    const response = await call(session, 'POST', PATHS.authExternalCrm, { external_token: token });
    expect(response.status).toBe(403);
    expect(response.json.errors[0]).toMatchObject({
      code: 'ip_not_allowed',
      message: expect.stringMatching(/^request source address (127\.0\.0\.1|::1) is not allowed for key_id far-away/),
    });
  });

  it('the dev-key helper signs a token the default integration accepts', async () => {
    const response = await call(newSession(), 'POST', PATHS.authExternalCrm, {
      external_token: await signDevExternalToken(),
    });
    expect(response.status, response.text).toBe(200);
  });

  it('ten simultaneous refreshes with one refresh token: exactly one 200', async () => {
    const session = newSession();
    const signedIn = await call(session, 'POST', PATHS.signIn, USER);
    const token = signedIn.json.refreshToken.token;
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => call(session, 'POST', PATHS.refreshToken, { refresh_token: token })),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 401)).toHaveLength(9);
    for (const response of responses.filter((r) => r.status === 401))
      expect(response.json.errors[0].code).toBe('refresh_token_reused');
  });

  it('seamless login: getAuthUrl, then the Web UI link works once (ten simultaneous visits: one sign-in)', async () => {
    const session = newSession();
    const linked = await call(session, 'POST', PATHS.getAuthUrl, AUTH_URL_REQUEST);
    expect(linked.status).toBe(200);
    const url: string = linked.json.data.url;
    expect(url.startsWith(`${server.url}/b2copy/webui/`)).toBe(true);
    const visits = await Promise.all(
      Array.from({ length: 10 }, () => fetch(url, { headers: { 'X-Mock-Session': session } })),
    );
    expect(visits.map((visit) => visit.status).sort()).toEqual([200, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    const winner = visits.find((visit) => visit.status === 200)!;
    expect(await winner.text()).toMatch(/Signed in as account 77632289/);
    expect(winner.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Lax/);
  });

  it('bad input over the socket is a 4xx in the B2COPY envelope, never a 5xx', async () => {
    const session = newSession();
    for (const [path, body] of [
      [PATHS.authExternalCrm, { external_token: 'a.b.c' }],
      [PATHS.refreshToken, { refresh_token: 'a.b.c' }],
      [PATHS.signIn, { email: 'username@example.com', password: 'x' }],
      [PATHS.getAuthUrl, { ...AUTH_URL_REQUEST, secret_key: 'x' }],
    ] as const) {
      const response = await call(session, 'POST', path, body);
      expect(response.status, `${path} ${response.text}`).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.json).toMatchObject({ status: response.status, data: null, modules: [] });
    }
  });
});
