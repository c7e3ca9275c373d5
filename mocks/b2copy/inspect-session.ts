/**
 * For the inspector (`GET /__mock/inspector/session`): what a B2COPY session holds, newest first. Its
 * access and refresh tokens by `jti`, with the status `GET /__mock/b2copy/tokens` gives them (one function,
 * control-routes.ts), and its seamless-login links (getAuthUrl) by the first characters of their token:
 * the whole token would open the Web UI, so it never leaves the session.
 */
import { newestFirst, shortId, type PluginContext, type SessionItem } from '../../src/index.ts';
import { issuedTokenView } from './control-routes.ts';
import type { B2Copy } from './index.ts';

export function inspectSession({ state, clock, options }: PluginContext<B2Copy>): SessionItem[] {
  const nowSeconds = clock.nowSeconds();
  const nowMs = clock.nowMs();
  const items: { item: SessionItem; atMs: number }[] = [];
  // Each map keeps insertion order, oldest first; sorting by time below keeps that order among equals.
  for (const token of state.tokens.values()) {
    const view = issuedTokenView(state, token, nowSeconds);
    items.push({
      atMs: token.issuedAtSeconds * 1000,
      item: {
        kind: `${token.use} token`,
        id: view.jti,
        status: view.status,
        ...(view.sub !== undefined ? { subject: view.sub } : {}),
        issuedAt: view.issuedAt,
        expiresAt: view.expiresAt,
      },
    });
  }
  for (const [token, link] of state.authUrlTokens) {
    const issuedAtMs = link.expiresAtMs - options.authUrlTtlSeconds * 1000;
    items.push({
      atMs: issuedAtMs,
      item: {
        kind: 'seamless-login link',
        id: shortId(token),
        status: link.usedAtMs !== undefined ? 'used' : nowMs >= link.expiresAtMs ? 'expired' : 'active',
        subject: `account ${link.accountId} on investment platform ${link.investmentPlatformId}`,
        issuedAt: new Date(issuedAtMs).toISOString(),
        expiresAt: new Date(link.expiresAtMs).toISOString(),
      },
    });
  }
  return newestFirst(items);
}
