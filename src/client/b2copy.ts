/**
 * B2COPY client: Back Office sign-in, external-CRM sign-in (signs the ES256 JWT the docs describe, then
 * exchanges it), token refresh, the seamless-login URL, and a session that refreshes before expiry.
 */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import { SignJWT, importPKCS8, type CryptoKey } from 'jose';
import type { components, paths } from '../generated/b2copy.ts';
import { expectData, trimSlash } from './call.ts';
import { createTokenSession, type B2CopySession, type B2CopySessionOptions } from './b2copy-session.ts';

export type B2CopyTokenPair = components['schemas']['TokenPair'];
export type B2CopyToken = components['schemas']['Token'];
/** A token pair, or `{ "2faRequired": true }` for a user with two-factor authentication. */
export type B2CopySignInResult = components['schemas']['SignInResponse'];
export type B2CopyErrorBody = components['schemas']['B2CopyError'];
export type B2CopyPaths = paths;

export interface B2CopyClientOptions {
  /** e.g. `http://localhost:4010/b2copy` for the mock, or the B2COPY host. */
  baseUrl: string;
  fetch?: ClientOptions['fetch'];
}

export interface ExternalTokenClaims {
  /** The service admin the token is issued for (`admin_id`). */
  adminId: string | number;
  /** The IP address the CRM calls from (`device_ip`). */
  deviceIp: string;
  /** The key identifier registered with B2COPY (`key_id`). */
  keyId: string;
  /** Lifetime of the signed token; short, since it is only exchanged once. Default 300. */
  expiresInSeconds?: number;
}

export interface ExternalCrmSignIn extends ExternalTokenClaims {
  /** The CRM's EC P-256 private key: PKCS#8 PEM (as `openssl genpkey` writes it) or an imported key. */
  privateKeyPem: string | CryptoKey;
}

export interface AuthUrlInput {
  accountId: string | number;
  secretKey: string;
  investmentPlatformId: string | number;
}

const PROVIDER = 'b2copy';

export function createB2CopyClient(options: B2CopyClientOptions) {
  const api: Client<paths> = createClient<paths>({
    baseUrl: trimSlash(options.baseUrl),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  // Importing a key is the expensive part of signing: once per PEM for the client's lifetime.
  const importedKeys = new Map<string, Promise<CryptoKey>>();
  const privateKey = (pem: string | CryptoKey): Promise<CryptoKey> => {
    if (typeof pem !== 'string') return Promise.resolve(pem);
    let key = importedKeys.get(pem);
    if (!key) {
      key = importPKCS8(pem, 'ES256');
      importedKeys.set(pem, key);
      key.catch(() => importedKeys.delete(pem));
    }
    return key;
  };

  async function refresh(refreshToken: string): Promise<B2CopyTokenPair> {
    return expectData(
      PROVIDER,
      'refreshToken',
      api.POST('/api/admin/auth/v2/admin/adminservice/refreshtoken', { body: { refresh_token: refreshToken } }),
    );
  }

  async function signExternalToken(input: ExternalCrmSignIn): Promise<string> {
    return new SignJWT({ admin_id: input.adminId, device_ip: input.deviceIp, key_id: input.keyId })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime(`${input.expiresInSeconds ?? 300}s`)
      .sign(await privateKey(input.privateKeyPem));
  }

  // Plain functions, not methods: `const { refresh } = client` must keep working.
  return {
    /** The underlying typed client for calls the helpers do not cover. */
    api,

    /** Back Office sign-in with email and password. */
    async signIn(credentials: { email: string; password: string }): Promise<B2CopySignInResult> {
      return expectData(PROVIDER, 'signIn', api.POST('/api/v2/signin', { body: credentials }));
    },

    /** Signs the external token (ES256, claims `admin_id`, `device_ip`, `key_id`) without sending it. */
    signExternalToken,

    /** External-CRM sign-in: signs the ES256 JWT and exchanges it for a token pair. */
    async signInExternalCrm(input: ExternalCrmSignIn): Promise<B2CopyTokenPair> {
      const externalToken = await signExternalToken(input);
      return expectData(
        PROVIDER,
        'authExternalCrm',
        api.POST('/api/admin/auth/v2/admin/adminservice/authexternalcrm', { body: { external_token: externalToken } }),
      );
    },

    /** A new token pair for a refresh token. The refresh token is one-time: keep the new one. */
    refresh,

    /** The one-time seamless-login URL into the B2COPY Web UI for a client account. */
    async getAuthUrl(input: AuthUrlInput): Promise<{ url: string }> {
      const envelope = await expectData(
        PROVIDER,
        'getAuthUrl',
        api.POST('/api/v1/standalone/auth/getAuthUrl', {
          body: {
            account_id: String(input.accountId),
            secret_key: input.secretKey,
            investment_platform_id: String(input.investmentPlatformId),
          },
        }),
      );
      return { url: envelope.data.url };
    },

    /** Holds a token pair and hands out an access token, refreshing it shortly before it expires. */
    session(tokens: B2CopyTokenPair, sessionOptions: B2CopySessionOptions = {}): B2CopySession {
      return createTokenSession(tokens, refresh, sessionOptions);
    },
  };
}

export type B2CopyClient = ReturnType<typeof createB2CopyClient>;
