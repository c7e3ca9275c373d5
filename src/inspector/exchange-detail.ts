/**
 * One journal entry's whole exchange, as `GET /__mock/journal/{id}` and the inspector show it: the request
 * and the answer, with secrets masked and every JWT in them decoded and, where its provider can tell,
 * verified. Secrets are passwords, client and other secrets, private keys, cookies and Basic credentials;
 * tokens stay visible, since they are what a developer debugs. Done when asked, never on the request path.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { AppContext } from '../server/app-context.ts';
import { pluginContext } from '../server/plugin-context.ts';
import type { JournalEntry } from '../state/journal.ts';
import type { SessionMeta } from '../state/store/store.ts';
import { MASKED, maskedRequest, maskedResponse, type MaskedRequest, type MaskedResponse } from './mask-exchange.ts';

export { MASKED };

const JWT = /^[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*$/;

export interface DecodedToken {
  /** Where it was found, e.g. `response.body.accessToken.token`, `request.headers.authorization`. */
  where: string;
  token: string;
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  /** `true`/`false` when the provider could check it (with the keys it signs or trusts), else undefined. */
  verified?: boolean;
  verification: string;
  /** `iat`, `nbf` and `exp` as ISO times, and the seconds left until `exp` on the session's clock. */
  times: { issuedAt?: string; notBefore?: string; expiresAt?: string; expiresInSeconds?: number };
}

export interface ExchangeDetail {
  entry: JournalEntry;
  request?: MaskedRequest;
  response?: MaskedResponse;
  tokens: DecodedToken[];
  /** The session's clock when this was read, for the token times. */
  sessionNow: string;
}

export async function exchangeDetail(app: AppContext, id: string): Promise<ExchangeDetail | undefined> {
  const found = await app.journal.get(id);
  if (!found) return undefined;
  const { entry, exchange } = found;
  // The session as the store holds it (it may have been used on another replica only): looking makes none.
  const meta = await app.sessions.meta(entry.session);
  const nowMs = app.sessions.clockAt(meta.clockOffsetMs).nowMs();
  const detail: ExchangeDetail = {
    entry,
    tokens: [],
    sessionNow: new Date(nowMs).toISOString(),
  };
  if (exchange) {
    // An exchange the Redis journal kept was masked before it was stored.
    if ('masked' in exchange) {
      detail.request = exchange.request;
      if (exchange.response) detail.response = exchange.response;
    } else {
      detail.request = maskedRequest(exchange.request);
      if (exchange.response) detail.response = maskedResponse(exchange.response);
    }
    detail.tokens = await decodedTokens(app, entry, detail, nowMs, meta);
  }
  return detail;
}

/** Every JWT in the (masked) exchange, decoded, verified by the entry's provider when it can. */
async function decodedTokens(
  app: AppContext,
  entry: JournalEntry,
  detail: ExchangeDetail,
  nowMs: number,
  meta: SessionMeta,
): Promise<DecodedToken[]> {
  const found: { where: string; token: string }[] = [];
  const visit = (value: unknown, where: string, depth = 0) => {
    if (depth > 20) return;
    if (typeof value === 'string') {
      const token = value.replace(/^bearer\s+/i, '');
      if (JWT.test(token)) found.push({ where, token });
    } else if (Array.isArray(value)) value.forEach((item, index) => visit(item, `${where}[${index}]`, depth + 1));
    else if (value && typeof value === 'object') {
      for (const [name, item] of Object.entries(value)) visit(item, `${where}.${name}`, depth + 1);
    }
  };
  visit(detail.request?.headers, 'request.headers');
  visit(Object.fromEntries(new URL(detail.request?.url ?? '/', 'http://mock.invalid').searchParams), 'request.query');
  visit(detail.request?.body, 'request.body');
  visit(detail.response?.body, 'response.body');

  const runtime = app.runtimes.find((candidate) => candidate.name === entry.provider);
  const tokens: DecodedToken[] = [];
  for (const { where, token } of found) {
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      header = decodeProtectedHeader(token) as Record<string, unknown>;
      claims = decodeJwt(token) as Record<string, unknown>;
    } catch {
      continue; // three dotted parts, but not a JWT
    }
    let verified: boolean | undefined;
    // Checked with the session's keys as they are now; a session since reset or dropped has none to ask.
    const scoped = meta.seeded.has(runtime?.name ?? '');
    let verification = !runtime?.plugin.inspectToken
      ? 'not checked: the provider has no way to verify it'
      : 'not checked: the session was reset or dropped since, and its keys with it';
    if (runtime?.plugin.inspectToken && scoped) {
      try {
        const context = await pluginContext(runtime, app, entry.session, meta);
        const result = await runtime.plugin.inspectToken(token, context);
        if (result) ({ verified, verification } = { verified: result.verified, verification: result.detail });
      } catch (error) {
        verification = `not checked: ${(error as Error).message}`;
      }
    }
    tokens.push({
      where,
      token,
      header,
      claims,
      ...(verified !== undefined ? { verified } : {}),
      verification,
      times: timesOf(claims, nowMs),
    });
  }
  return tokens;
}

function timesOf(claims: Record<string, unknown>, nowMs: number): DecodedToken['times'] {
  // A claim far outside what a date can hold (a crafted exp of 1e300) is shown raw in the claims, not here.
  const iso = (seconds: unknown) =>
    typeof seconds === 'number' && Math.abs(seconds) <= 8.64e12 ? new Date(seconds * 1000).toISOString() : undefined;
  const times: DecodedToken['times'] = {};
  const issuedAt = iso(claims.iat);
  const notBefore = iso(claims.nbf);
  const expiresAt = iso(claims.exp);
  if (issuedAt) times.issuedAt = issuedAt;
  if (notBefore) times.notBefore = notBefore;
  if (expiresAt !== undefined) {
    times.expiresAt = expiresAt;
    times.expiresInSeconds = Math.round((claims.exp as number) - nowMs / 1000);
  }
  return times;
}
