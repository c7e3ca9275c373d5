/**
 * The bare-stack bounds of `npm run bench`: one small express app with the three benchmarked
 * operations written by hand, doing the work partnermock's handlers do and nothing else — no spec
 * router, no sessions, no journal, no request log, no response validation. partnermock's throughput
 * is compared with this app's (target: ≥ 0.9×).
 *
 * Mirrors, per route (see the files named):
 *   POST /b2copy/api/v2/signin — mocks/b2copy/handlers/sign-in.ts and tokens.ts: the body read as JSON
 *     whatever its Content-Type (1 MB limit) and checked with a compiled ajv schema (the spec's
 *     SignInRequest, same ajv options as src/validation/ajv.ts); the user looked up by email in a Map and
 *     the password compared; a token family and two token records stored in Maps (as recordTokenPair
 *     does); two RS256 JWTs signed with jose in parallel, with the same header (alg, typ, kid) and
 *     claims (token_use, family_id, sub_type, sub, iss, iat, exp, jti); the documented pair answered
 *     with the same no-store headers.
 *   GET /keeta/oauth/authorization/url — mocks/keeta/handlers/get-authorization-url.ts: the query
 *     checked with a compiled ajv schema (the spec's three parameters, coerced like src/validation's
 *     paramAjv), the app looked up, the redirectUri rules of mocks/keeta/redirect-uri.ts, the merchant
 *     URL built in the docs' order (mocks/keeta/merchant-link.ts), answered as JSON.
 *   GET /just2trade/api/auth — mocks/just2trade/handlers/get-profile.ts: no token in the query, the
 *     Bearer token parsed with the same RFC 6750 pattern, looked up in a Map, its expiry checked, its
 *     user looked up, the sliding expiry moved on, the profile built as profileOf does, answered as JSON.
 *
 * Like partnermock's app: no `X-Powered-By`, no ETag (res.json would otherwise hash every body).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import express, { type Request, type Response } from 'express';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';

// ajv-formats is CommonJS; under NodeNext its default import is the module object (as in src/validation/ajv.ts).
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020) => Ajv2020;

function createAjv(coerceTypes: boolean): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true,
    coerceTypes,
    strictSchema: true,
    strictTypes: false,
    strictRequired: false,
    strictTuples: false,
    validateFormats: true,
  });
  addFormats(ajv);
  return ajv;
}

/** openapi/b2copy.yaml `SignInRequest`, without its annotations. */
const signInBody = createAjv(false).compile({
  type: 'object',
  additionalProperties: true,
  required: ['email', 'password'],
  properties: { email: { type: 'string', format: 'email', minLength: 1 }, password: { type: 'string', minLength: 1 } },
});

/**
 * openapi/keeta.yaml `getAuthorizationUrl` parameters. A repeated parameter arrives as an array and fails
 * `type: string`.
 */
const authorizationUrlQuery = createAjv(true).compile({
  type: 'object',
  required: ['clientId'],
  properties: {
    clientId: { type: 'string', minLength: 1 },
    redirectUri: { type: 'string', format: 'uri', pattern: '^https?://' },
    state: { type: 'string' },
  },
});

const ACCESS_TTL_SECONDS = 3600;
const REFRESH_TTL_SECONDS = 30 * 24 * 3600;
const JUST2TRADE_TOKEN_TTL_MS = 24 * 3600 * 1000;
const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
const YEAR_10000_SECONDS = Date.UTC(10000, 0, 1) / 1000;

interface TokenFamily {
  id: string;
  sub: string;
  subType: 'back_office_user';
}
interface IssuedToken {
  jti: string;
  use: 'access' | 'refresh';
  familyId: string;
  issuedAtSeconds: number;
  expiresAtSeconds: number;
}

export interface BoundApp {
  app: express.Express;
  /** A live Just2Trade access token of the default user, for the profile route. */
  just2tradeToken: string;
}

/** `publicUrl()` is read per request, as partnermock's is (the port is known only after listening). */
export async function createBoundApp(publicUrl: () => string): Promise<BoundApp> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = await calculateJwkThumbprint(await exportJWK(publicKey));

  const b2copyUsers = new Map([
    ['username@example.com', { email: 'username@example.com', password: 'Secret123', twoFactor: false }],
  ]);
  const families = new Map<string, TokenFamily>();
  const tokens = new Map<string, IssuedToken>();

  const keetaApps = new Map([
    [
      'keeta-demo',
      {
        clientId: 'keeta-demo',
        appId: '2123830428',
        mode: 'client_credentials',
        region: 'BR',
        cityId: '110200008',
        locale: 'en',
        redirectUris: undefined as string[] | undefined,
      },
    ],
  ]);

  const just2tradeUsers = new Map([
    [
      'login',
      {
        id: '8f1e7eba-0000-0000-0000-2b67c9af83a5',
        login: 'login',
        email: 'login@email.com',
        domestic: true,
        accounts: [
          { account_number: '12345678@vision', trade_platform: 'ETNA' },
          { account_number: '11111111@cor', trade_platform: 'ETNA' },
        ],
        applicationStatus: 'process',
      },
    ],
  ]);
  const just2tradeTokens = new Map<string, { login: string; expiresAtMs: number }>();
  const just2tradeToken = randomBytes(32).toString('base64url');
  just2tradeTokens.set(just2tradeToken, { login: 'login', expiresAtMs: Date.now() + JUST2TRADE_TOKEN_TTL_MS });

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.post(
    '/b2copy/api/v2/signin',
    express.json({ type: () => true, limit: '1mb' }),
    async (req: Request, res: Response) => {
      if (!signInBody(req.body)) return void res.status(400).json({ status: 400, errors: signInBody.errors });
      const { email, password } = req.body as { email: string; password: string };
      const user = b2copyUsers.get(email);
      if (!user || user.password !== password)
        return void res.status(401).json({ status: 401, errors: [{ code: 'invalid_credentials' }] });
      if (user.twoFactor) return void res.status(200).json({ '2faRequired': true });

      const iat = Math.floor(Date.now() / 1000);
      const family: TokenFamily = { id: randomUUID(), sub: user.email, subType: 'back_office_user' };
      families.set(family.id, family);
      const record = (use: IssuedToken['use'], exp: number): IssuedToken => {
        const issued: IssuedToken = {
          jti: randomUUID(),
          use,
          familyId: family.id,
          issuedAtSeconds: iat,
          expiresAtSeconds: exp,
        };
        tokens.set(issued.jti, issued);
        return issued;
      };
      const access = record('access', iat + ACCESS_TTL_SECONDS);
      const refresh = record('refresh', iat + REFRESH_TTL_SECONDS);
      const issuer = `${publicUrl()}/b2copy`;
      const sign = (issued: IssuedToken) =>
        new SignJWT({ token_use: issued.use, family_id: family.id, sub_type: family.subType })
          .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
          .setSubject(family.sub)
          .setIssuer(issuer)
          .setIssuedAt(issued.issuedAtSeconds)
          .setExpirationTime(issued.expiresAtSeconds)
          .setJti(issued.jti)
          .sign(privateKey);
      const [accessJwt, refreshJwt] = await Promise.all([sign(access), sign(refresh)]);
      res
        .status(200)
        .set(NO_STORE)
        .json({
          '2faRequired': false,
          accessToken: {
            token: accessJwt,
            createdAt: isoWithOffset(access.issuedAtSeconds),
            expiresAt: isoWithOffset(access.expiresAtSeconds),
          },
          refreshToken: {
            token: refreshJwt,
            createdAt: isoWithOffset(refresh.issuedAtSeconds),
            expiresAt: isoWithOffset(refresh.expiresAtSeconds),
          },
        });
    },
  );

  app.get('/keeta/oauth/authorization/url', (req: Request, res: Response) => {
    const query = { ...req.query };
    if (!authorizationUrlQuery(query))
      return void res.status(400).type('application/problem+json').json({ title: 'Bad Request', status: 400 });
    const {
      clientId,
      redirectUri = '',
      state = '',
    } = query as { clientId: string; redirectUri?: string; state?: string };
    const keetaApp = keetaApps.get(clientId);
    if (!keetaApp)
      return void res.status(401).type('application/problem+json').json({ title: 'Unauthorized', status: 401 });
    // mocks/keeta/redirect-uri.ts beyond the spec's pattern and format, which ajv checked.
    if (
      redirectUri !== '' &&
      (!URL.canParse(redirectUri) ||
        redirectUri.includes('#') ||
        (keetaApp.redirectUris && !keetaApp.redirectUris.includes(redirectUri)))
    ) {
      return void res.status(400).type('application/problem+json').json({ title: 'Bad Request', status: 400 });
    }
    const merchantQuery = new URLSearchParams([
      ['locale', keetaApp.locale],
      ['region', keetaApp.region],
      ['cityId', keetaApp.cityId],
      ['risk_cost_id', ''],
      ['responseType', keetaApp.mode],
      ['appId', keetaApp.appId],
      ['redirectUri', redirectUri],
      ['state', state],
    ]);
    res.status(200).json({
      merchantAuthorizationUrl: `${publicUrl()}/keeta/m/web/openapi/authorize?${merchantQuery.toString()}&scope=all/#/app-activation`,
    });
  });

  const BEARER = /^bearer[ ]+([A-Za-z0-9\-._~+/]+=*)\s*$/i;
  app.get('/just2trade/api/auth', (req: Request, res: Response) => {
    if (req.query.access_token !== undefined)
      return void res.status(400).set(NO_STORE).json({ error: 'invalid_request' });
    const token = BEARER.exec(req.headers.authorization ?? '')?.[1];
    const record = token === undefined ? undefined : just2tradeTokens.get(token);
    const nowMs = Date.now();
    const user = record && record.expiresAtMs > nowMs ? just2tradeUsers.get(record.login) : undefined;
    if (!record || !user)
      return void res
        .status(401)
        .set(NO_STORE)
        .set('WWW-Authenticate', 'Bearer error="invalid_token"')
        .json({ error: 'invalid_token' });
    record.expiresAtMs = nowMs + JUST2TRADE_TOKEN_TTL_MS;
    res.status(200).json({
      id: user.id,
      login: user.login,
      email: user.email,
      domestic: user.domestic,
      accounts: user.accounts.map(({ account_number, trade_platform }) => ({ account_number, trade_platform })),
      application: { status: user.applicationStatus },
    });
  });

  return { app, just2tradeToken };
}

/** As mocks/b2copy/tokens.ts: `2024-01-01T00:00:00+00:00`. */
function isoWithOffset(seconds: number): string {
  if (seconds >= YEAR_10000_SECONDS) throw new Error('clock out of range');
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}
