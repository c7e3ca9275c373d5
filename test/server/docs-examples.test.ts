/**
 * The docs' request examples, sent as the docs send them (host swapped), against the default mock:
 * each must succeed and get an answer that holds to the spec (the mock checks its own answers and
 * would answer 500 otherwise).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mockApp } from '../helpers.ts';

let http: Awaited<ReturnType<typeof mockApp>>['http'];
beforeAll(async () => {
  ({ http } = await mockApp());
});

describe('the docs request examples work verbatim against the default mock', () => {
  it('B2COPY getAuthUrl (curl --data-raw sends JSON as form content)', async () => {
    const response = await http
      .post('/b2copy/api/v1/standalone/auth/getAuthUrl')
      .set('Content-Type', 'application/x-www-form-urlencoded') // what curl --data-raw sends
      .send('{\n  "account_id": "77632289",\n  "secret_key": "Password1234!",\n  "investment_platform_id": "1"\n}');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 200, meta: { behaviours: [], status: 200 }, modules: [] });
    expect(response.body.data.url).toMatch(/^https?:\/\/.+\/[0-9a-f]{32}$/);
  });

  it('B2COPY getAuthUrl with the table spelling secrete_key', async () => {
    const response = await http
      .post('/b2copy/api/v1/standalone/auth/getAuthUrl')
      .send({ account_id: '77632289', secrete_key: 'Password1234!', investment_platform_id: '1' });
    expect(response.status).toBe(200);
  });

  it('B2COPY signIn', async () => {
    const response = await http
      .post('/b2copy/api/v2/signin')
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send('{\n  "email": "username@example.com",\n  "password": "Secret123"\n}');
    expect(response.status).toBe(200);
    expect(response.body['2faRequired']).toBe(false);
    expect(response.body.accessToken.token.split('.')).toHaveLength(3);
  });

  it('B2COPY signIn with no Content-Type at all', async () => {
    const response = await http
      .post('/b2copy/api/v2/signin')
      .set('Content-Type', '')
      .send(Buffer.from('{"email":"username@example.com","password":"Secret123"}'));
    expect(response.status).toBe(200);
  });

  // Just2Trade's three examples need real values from a stateful flow (the listed client secret, the
  // code the login form gives, the token the code gives): test/just2trade/docs-examples.test.ts.

  it('Keeta getAuthorizationUrl', async () => {
    const response = await http.get('/keeta/oauth/authorization/url').query({ clientId: 'keeta-demo' });
    expect(response.status).toBe(200);
    expect(response.body.merchantAuthorizationUrl).toContain('appId=2123830428');
  });
});
