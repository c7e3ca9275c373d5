/**
 * For the inspector (`GET /__mock/inspector/session`): what a Just2Trade session holds, newest first. Its
 * login forms waiting for credentials, authorization codes and access tokens, each named by its first
 * characters only (a code or token is a bearer secret; a form's id is half of what submits it), and the
 * session's auto-login when it is on. A code is `used` once redeemed, `spent` when a token request
 * burnt it without getting a token (a wrong PKCE verifier, a disabled user). An access token's expiry
 * slides with each use, so its time here is when it was last used, and it has no `issuedAt`.
 */
import { isoTime, newestFirst, shortId, type PluginContext, type SessionItem } from '../../src/index.ts';
import type { Just2Trade } from './index.ts';
import { known } from './state.ts';

export async function inspectSession({ state, clock, options }: PluginContext<Just2Trade>): Promise<SessionItem[]> {
  const nowMs = clock.nowMs();
  const [forms, codes, tokens, autoLogin] = await Promise.all([
    state.pending.values(),
    state.codes.values(),
    state.tokens.values(),
    state.autoLogin.get(),
  ]);
  const items: { item: SessionItem; atMs: number }[] = [];
  for (const pending of forms) {
    const issuedAtMs = pending.expiresAtMs - options.loginTtlSeconds * 1000;
    items.push({
      atMs: issuedAtMs,
      item: {
        kind: 'login form',
        id: shortId(pending.id),
        // A submitted form is gone from the state: what is left waits, or waited too long.
        status: nowMs >= pending.expiresAtMs ? 'expired' : 'active',
        subject: `client ${pending.clientId}`,
        issuedAt: isoTime(issuedAtMs),
        expiresAt: isoTime(pending.expiresAtMs),
      },
    });
  }
  for (const code of codes) {
    const issuedAtMs = code.expiresAtMs - options.codeTtlSeconds * 1000;
    items.push({
      atMs: issuedAtMs,
      item: {
        kind: 'authorization code',
        id: shortId(code.code),
        status:
          code.spentAtMs !== undefined
            ? code.accessToken !== undefined
              ? 'used'
              : 'spent'
            : nowMs >= code.expiresAtMs
              ? 'expired'
              : 'active',
        subject: code.login,
        issuedAt: isoTime(issuedAtMs),
        expiresAt: isoTime(code.expiresAtMs),
      },
    });
  }
  // A discarded token (its code replayed or forgotten) is as gone as a deleted one.
  for (const token of tokens.filter(known)) {
    items.push({
      // Last used (or issued): its sliding expiry less one lifetime.
      atMs: token.expiresAtMs - options.accessTokenTtlSeconds * 1000,
      item: {
        kind: 'access token',
        id: shortId(token.token),
        status: token.revokedAtMs !== undefined ? 'revoked' : nowMs >= token.expiresAtMs ? 'expired' : 'active',
        subject: token.login,
        expiresAt: isoTime(token.expiresAtMs),
      },
    });
  }
  const sorted = newestFirst(items);
  if (autoLogin !== undefined) {
    // A setting rather than a thing issued: it comes first, while it is on.
    sorted.unshift({ kind: 'auto-login', id: autoLogin, status: 'active', subject: autoLogin });
  }
  return sorted;
}
