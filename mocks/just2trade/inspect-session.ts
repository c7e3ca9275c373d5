/**
 * For the inspector (`GET /__mock/inspector/session`): what a Just2Trade session holds, newest first. Its
 * login forms waiting for credentials, authorization codes and access tokens, each named by its first
 * characters only (a code or token is a bearer secret; a form's id is half of what submits it), and the
 * session's auto-login when it is on. A code is `used` once redeemed, `spent` when a token request
 * burnt it without getting a token (a wrong PKCE verifier, a disabled user). An access token's expiry
 * slides with each use, so its time here is when it was last used, and it has no `issuedAt`.
 */
import { expiringItem, newestFirst, shortId, type PluginContext, type SessionItem } from '../../src/index.ts';
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
    // A submitted form is gone from the state: what is left waits, or waited too long.
    items.push(
      expiringItem(
        {
          kind: 'login form',
          id: shortId(pending.id),
          subject: `client ${pending.clientId}`,
          expiresAtMs: pending.expiresAtMs,
          lifetimeMs: options.loginTtlSeconds * 1000,
        },
        nowMs,
      ),
    );
  }
  for (const code of codes) {
    const ended = code.spentAtMs === undefined ? undefined : code.accessToken !== undefined ? 'used' : 'spent';
    items.push(
      expiringItem(
        {
          kind: 'authorization code',
          id: shortId(code.code),
          subject: code.login,
          expiresAtMs: code.expiresAtMs,
          lifetimeMs: options.codeTtlSeconds * 1000,
          ...(ended ? { ended } : {}),
        },
        nowMs,
      ),
    );
  }
  // A discarded token (its code replayed or forgotten) is as gone as a deleted one.
  for (const token of tokens.filter(known)) {
    items.push(
      expiringItem(
        {
          kind: 'access token',
          id: shortId(token.token),
          subject: token.login,
          expiresAtMs: token.expiresAtMs,
          // Sorted by its last use (or issue): its sliding expiry less one lifetime.
          lifetimeMs: options.accessTokenTtlSeconds * 1000,
          showIssuedAt: false,
          ...(token.revokedAtMs !== undefined ? { ended: 'revoked' } : {}),
        },
        nowMs,
      ),
    );
  }
  const sorted = newestFirst(items);
  if (autoLogin !== undefined) {
    // A setting rather than a thing issued: it comes first, while it is on.
    sorted.unshift({ kind: 'auto-login', id: autoLogin, status: 'active', subject: autoLogin });
  }
  return sorted;
}
