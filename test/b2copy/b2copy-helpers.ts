/** Shared pieces of the B2COPY tests: the paths, the default credentials, token helpers. */
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  importPKCS8,
  jwtVerify,
  SignJWT,
  type JWTPayload,
} from 'jose';
import type { Test } from 'supertest';
import { expect } from 'vitest';
import { devPublicKeyPem } from '../../mocks/b2copy/dev-keys/dev-key.ts';
import { devPrivateKeyPem } from '../../mocks/b2copy/index.ts';
import type { mockApp } from '../helpers.ts';

export type Http = Awaited<ReturnType<typeof mockApp>>['http'];

export const PATHS = {
  signIn: '/b2copy/api/v2/signin',
  getAuthUrl: '/b2copy/api/v1/standalone/auth/getAuthUrl',
  authExternalCrm: '/b2copy/api/admin/auth/v2/admin/adminservice/authexternalcrm',
  refreshToken: '/b2copy/api/admin/auth/v2/admin/adminservice/refreshtoken',
  jwks: '/__mock/b2copy/jwks.json',
  tokens: '/__mock/b2copy/tokens',
} as const;

export const USER = { email: 'username@example.com', password: 'Secret123' };
export const AUTH_URL_REQUEST = { account_id: '77632289', secret_key: 'Password1234!', investment_platform_id: '1' };
/** The mock's issuer when no public URL is configured (createMockApp's default). */
export const DEFAULT_ISSUER = 'http://localhost:4010/b2copy';

/** The public half of the mock's test-only development key (what the default integration registers). */
export const DEV_PUBLIC_KEY_PEM = devPublicKeyPem();
const devKey = importPKCS8(devPrivateKeyPem(), 'ES256');

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Claims of a good external token for the default integration, admin and address. */
export function externalClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const iat = nowSeconds();
  const claims: Record<string, unknown> = {
    admin_id: 1,
    device_ip: '127.0.0.1',
    key_id: 'dev-key',
    iat,
    exp: iat + 300,
    ...overrides,
  };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  return claims;
}

/** An ES256 token signed with `key` (default: the dev key) and the given header extras. */
export async function signExternal(
  claims: Record<string, unknown>,
  key?: CryptoKey | Uint8Array,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(claims as JWTPayload)
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', ...header } as never)
    .sign(key ?? (await devKey));
}

/** The B2COPY error envelope, returning its first error item. */
export function expectB2CopyError(response: Awaited<Test>, status: number, code: string, message?: RegExp) {
  expect(response.status, response.text).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(response.body).toMatchObject({ status, meta: { behaviours: [], status }, data: null, modules: [] });
  const [error] = response.body.errors;
  expect(error.code).toBe(code);
  if (message) expect(error.message).toMatch(message);
  return error as { code: string; message: string; field?: string };
}

/** Verifies a token of the mock with the JWKS it serves, as a client would. */
export async function verifyWithServedJwks(
  http: Http,
  token: string,
  options: { issuer?: string; currentDate?: Date } = {},
) {
  const jwks = (await http.get(PATHS.jwks).expect(200)).body;
  return jwtVerify(token, createLocalJWKSet(jwks), {
    algorithms: ['RS256'],
    issuer: options.issuer ?? DEFAULT_ISSUER,
    ...(options.currentDate ? { currentDate: options.currentDate } : {}),
  });
}

export const claimsOf = (token: string) => decodeJwt(token);
export const headerOf = (token: string) => decodeProtectedHeader(token);

/** `+00:00` ISO 8601 with whole seconds, as the docs write createdAt/expiresAt. */
export const DOCS_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/;
export const secondsOf = (timestamp: string) => Date.parse(timestamp) / 1000;

export async function advanceClock(http: Http, session: string, seconds: number) {
  await http.post('/__mock/clock').set('X-Mock-Session', session).send({ advanceSeconds: seconds }).expect(200);
}

/** The tokens the session has issued, from the mock's debugging route. */
export async function issuedTokens(
  http: Http,
  session: string,
): Promise<{ jti: string; use: string; status: string; sub: string; familyId: string }[]> {
  return (await http.get(PATHS.tokens).set('X-Mock-Session', session).expect(200)).body;
}
