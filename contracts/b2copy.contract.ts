/**
 * B2COPY contract: sign-in, external-CRM sign-in, refresh rotation and the seamless-login URL, through
 * the typed client. Against the mock by default; set PARTNERMOCK_B2COPY_URL (and the credentials
 * below) to run it against a B2COPY host.
 */
import { SignJWT, createLocalJWKSet, generateKeyPair, jwtVerify } from 'jose';
import { expect } from 'vitest';
import { type ProviderError, createB2CopyClient, type B2CopyTokenPair } from '../src/client/index.ts';
import { refusedWith } from './support/refusal.ts';
import { defineContract, type ScenarioContext } from './support/contract.ts';
import { openB2CopyWebUi } from '../testing/index.ts';
// The mock's test-only development key: the credentials of its default external-CRM integration.
import { DEV_KEY_ID, devPrivateKeyPem } from '../mocks/b2copy/index.ts';

type Credential =
  | 'email'
  | 'password'
  | 'keyId'
  | 'privateKey'
  | 'adminId'
  | 'deviceIp'
  | 'accountId'
  | 'secretKey'
  | 'investmentPlatformId';
type Context = ScenarioContext<Credential>;

const client = (t: Context) => createB2CopyClient({ baseUrl: t.urls['/b2copy']!, fetch: t.fetch });

/** The call must fail with this status, in B2COPY's error envelope. */
const refused = (call: Promise<unknown>, status: number) =>
  refusedWith(call, status, { status, data: null, errors: [expect.objectContaining({ message: expect.any(String) })] });

const signedIn = ['email', 'password'] as const;
const external = ['keyId', 'privateKey', 'adminId', 'deviceIp'] as const;
const sideAuth = ['accountId', 'secretKey', 'investmentPlatformId'] as const;

defineContract<Credential>(
  {
    provider: 'b2copy',
    spec: new URL('../openapi/b2copy.yaml', import.meta.url),
    urls: { '/b2copy': 'PARTNERMOCK_B2COPY_URL' },
    credentials: {
      email: { env: 'PARTNERMOCK_B2COPY_EMAIL', mock: 'username@example.com' },
      password: { env: 'PARTNERMOCK_B2COPY_PASSWORD', mock: 'Secret123' },
      keyId: { env: 'PARTNERMOCK_B2COPY_KEY_ID', mock: DEV_KEY_ID },
      privateKey: { env: 'PARTNERMOCK_B2COPY_PRIVATE_KEY', mock: devPrivateKeyPem() },
      adminId: { env: 'PARTNERMOCK_B2COPY_ADMIN_ID', mock: '1' },
      deviceIp: { env: 'PARTNERMOCK_B2COPY_DEVICE_IP', mock: '127.0.0.1' },
      accountId: { env: 'PARTNERMOCK_B2COPY_ACCOUNT_ID', mock: '77632289' },
      secretKey: { env: 'PARTNERMOCK_B2COPY_SECRET_KEY', mock: 'Password1234!' },
      investmentPlatformId: { env: 'PARTNERMOCK_B2COPY_INVESTMENT_PLATFORM_ID', mock: '1' },
    },
  },
  (scenario) => {
    scenario(
      'sign in, refresh, and a reused refresh token is refused',
      { covers: ['signIn 200', 'refreshToken 200', 'refreshToken 401'], credentials: [...signedIn] },
      async (t) => {
        const b2copy = client(t);
        const pair = await b2copy.signIn({ email: t.credentials.email, password: t.credentials.password });
        if (pair['2faRequired']) throw new Error('the contract user must not have 2FA');
        const next = await b2copy.refresh(pair.refreshToken.token);
        expect(next.refreshToken.token).not.toBe(pair.refreshToken.token);
        await refused(b2copy.refresh(pair.refreshToken.token), 401);
        // Reuse revokes the family: the pair the first refresh gave is dead too.
        await refused(b2copy.refresh(next.refreshToken.token), 401);
      },
    );

    scenario(
      'issued tokens verify against the JWKS and agree with createdAt/expiresAt',
      { covers: ['signIn 200'], mockOnly: 'the JWKS is the mock’s control route', credentials: [...signedIn] },
      async (t) => {
        const pair = await client(t).signIn({ email: t.credentials.email, password: t.credentials.password });
        if (pair['2faRequired']) throw new Error('the contract user must not have 2FA');
        const keys = createLocalJWKSet(await t.mock!.b2copy.jwks());
        const { payload, protectedHeader } = await jwtVerify(pair.accessToken.token, keys, { algorithms: ['RS256'] });
        expect(protectedHeader.alg).toBe('RS256');
        expect(payload.iat! * 1000).toBe(Date.parse(pair.accessToken.createdAt));
        expect(payload.exp! * 1000).toBe(Date.parse(pair.accessToken.expiresAt));
      },
    );

    scenario(
      'a two-factor user gets 2faRequired and no tokens',
      { covers: ['signIn 200'], mockOnly: 'registers a 2FA user' },
      async (t) => {
        await t.mock!.fixtures.add('b2copy', 'users', {
          email: 'two-factor@example.com',
          password: 'Secret123',
          twoFactor: true,
        });
        expect(await client(t).signIn({ email: 'two-factor@example.com', password: 'Secret123' })).toEqual({
          '2faRequired': true,
        });
      },
    );

    scenario('a wrong password is refused', { covers: ['signIn 401'], credentials: ['email'] }, async (t) => {
      await refused(client(t).signIn({ email: t.credentials.email, password: 'not-the-password' }), 401);
    });

    scenario(
      'a sign-in without a password is a bad request',
      { covers: ['signIn 400'], credentials: ['email'] },
      async (t) => {
        const { response } = await client(t).api.POST('/api/v2/signin', {
          body: { email: t.credentials.email } as never,
        });
        expect(response.status).toBe(400);
      },
    );

    scenario(
      'an expired refresh token is refused',
      { covers: ['signIn 200', 'refreshToken 401'], mockOnly: 'moves the mock clock', credentials: [...signedIn] },
      async (t) => {
        const b2copy = client(t);
        const pair = await b2copy.signIn({ email: t.credentials.email, password: t.credentials.password });
        if (pair['2faRequired']) throw new Error('the contract user must not have 2FA');
        await t.mock!.clock.advance(31 * 24 * 3600);
        await refused(b2copy.refresh(pair.refreshToken.token), 401);
      },
    );

    scenario(
      'ten simultaneous refreshes with one token: exactly one succeeds, and the reuse revokes its pair',
      { covers: ['refreshToken 200', 'refreshToken 401'], credentials: [...signedIn] },
      async (t) => {
        const b2copy = client(t);
        const pair = await b2copy.signIn({ email: t.credentials.email, password: t.credentials.password });
        if (pair['2faRequired']) throw new Error('the contract user must not have 2FA');
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, () => b2copy.refresh(pair.refreshToken.token)),
        );
        const won = results.filter(
          (result): result is PromiseFulfilledResult<B2CopyTokenPair> => result.status === 'fulfilled',
        );
        expect(won).toHaveLength(1);
        for (const result of results)
          if (result.status === 'rejected') expect((result.reason as ProviderError).status).toBe(401);
        // The losers presented a used token: reuse detection revoked the family, the winner's pair included.
        await refused(b2copy.refresh(won[0]!.value.refreshToken.token), 401);
      },
    );

    scenario('a refresh without refresh_token is a bad request', { covers: ['refreshToken 400'] }, async (t) => {
      const { response } = await client(t).api.POST('/api/admin/auth/v2/admin/adminservice/refreshtoken', {
        body: {} as never,
      });
      expect(response.status).toBe(400);
    });

    scenario(
      'an external CRM signs in with its ES256 key',
      { covers: ['authExternalCrm 200'], credentials: [...external] },
      async (t) => {
        const { keyId, privateKey, adminId, deviceIp } = t.credentials;
        const pair = await client(t).signInExternalCrm({ privateKeyPem: privateKey, keyId, adminId, deviceIp });
        expect(pair.accessToken.token.split('.')).toHaveLength(3);
      },
    );

    scenario(
      'a token signed by another key is refused',
      { covers: ['authExternalCrm 401'], credentials: ['keyId', 'adminId', 'deviceIp'] },
      async (t) => {
        const { privateKey } = await generateKeyPair('ES256');
        const token = await new SignJWT({
          admin_id: t.credentials.adminId,
          device_ip: t.credentials.deviceIp,
          key_id: t.credentials.keyId,
        })
          .setProtectedHeader({ alg: 'ES256' })
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(privateKey);
        const { response } = await client(t).api.POST('/api/admin/auth/v2/admin/adminservice/authexternalcrm', {
          body: { external_token: token },
        });
        expect(response.status).toBe(401);
      },
    );

    scenario(
      'a token for an admin that does not exist is forbidden',
      { covers: ['authExternalCrm 403'], credentials: ['keyId', 'privateKey', 'deviceIp'] },
      async (t) => {
        const { keyId, privateKey, deviceIp } = t.credentials;
        await refused(
          client(t).signInExternalCrm({ privateKeyPem: privateKey, keyId, adminId: 'no-such-admin-4242', deviceIp }),
          403,
        );
      },
    );

    scenario(
      'an external sign-in without external_token is a bad request',
      { covers: ['authExternalCrm 400'] },
      async (t) => {
        const { response } = await client(t).api.POST('/api/admin/auth/v2/admin/adminservice/authexternalcrm', {
          body: {} as never,
        });
        expect(response.status).toBe(400);
      },
    );

    scenario(
      'the seamless-login URL signs the account in once',
      { covers: ['getAuthUrl 200'], credentials: [...sideAuth] },
      async (t) => {
        const { url } = await client(t).getAuthUrl({
          accountId: t.credentials.accountId,
          secretKey: t.credentials.secretKey,
          investmentPlatformId: t.credentials.investmentPlatformId,
        });
        expect(url).toMatch(/\/[0-9a-f]{32}$/);
        if (!t.mock) return; // the real Web UI is not ours to probe
        const landing = await openB2CopyWebUi(url, { fetch: t.fetch });
        expect(landing).toMatchObject({ status: 200, cookie: expect.stringMatching(/=[0-9a-f]{32}$/) });
        expect(landing.message).toContain(t.credentials.accountId);
        expect((await openB2CopyWebUi(url, { fetch: t.fetch })).status).toBe(409);
      },
    );

    scenario(
      'a wrong secret key is refused',
      { covers: ['getAuthUrl 401'], credentials: ['accountId', 'investmentPlatformId'] },
      async (t) => {
        await refused(
          client(t).getAuthUrl({
            accountId: t.credentials.accountId,
            secretKey: 'not-the-secret',
            investmentPlatformId: t.credentials.investmentPlatformId,
          }),
          401,
        );
      },
    );

    scenario(
      'an account that is not on the platform is not found',
      { covers: ['getAuthUrl 404'], credentials: ['secretKey', 'investmentPlatformId'] },
      async (t) => {
        await refused(
          client(t).getAuthUrl({
            accountId: '999999999',
            secretKey: t.credentials.secretKey,
            investmentPlatformId: t.credentials.investmentPlatformId,
          }),
          404,
        );
      },
    );

    scenario(
      'a request without account_id is a bad request',
      { covers: ['getAuthUrl 400'], credentials: ['secretKey'] },
      async (t) => {
        const { response } = await client(t).api.POST('/api/v1/standalone/auth/getAuthUrl', {
          body: { secret_key: t.credentials.secretKey } as never,
        });
        expect(response.status).toBe(400);
      },
    );

    scenario(
      'an emptied Side Auth secret key refuses every call',
      { covers: ['getAuthUrl 403'], mockOnly: 'empties the secret key setting' },
      async (t) => {
        const [settings] = await t.mock!.fixtures.list<{ name: string; redirectUrl: string }>('b2copy', 'settings');
        await t.mock!.fixtures.remove('b2copy', 'settings', settings!.name);
        await t.mock!.fixtures.add('b2copy', 'settings', { ...settings, secretKey: '' });
        await refused(
          client(t).getAuthUrl({ accountId: '77632289', secretKey: 'Password1234!', investmentPlatformId: 1 }),
          403,
        );
      },
    );
  },
);
