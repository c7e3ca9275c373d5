/**
 * For the inspector (`GET /__mock/inspector/session`): what a B2COPY session holds, newest first. Its
 * access and refresh tokens by `jti`, with the status `GET /__mock/b2copy/tokens` gives them (one function,
 * control-routes.ts), and its seamless-login links (getAuthUrl) by the first characters of their token:
 * the whole token would open the Web UI, so it never leaves the session.
 */
import { expiringItem, newestFirst, shortId, type PluginContext, type SessionItem } from '../../src/index.ts';
import { familiesById, issuedTokenView } from './control-routes.ts';
import type { B2Copy } from './index.ts';

export async function inspectSession({ state, clock, options }: PluginContext<B2Copy>): Promise<SessionItem[]> {
  const nowSeconds = clock.nowSeconds();
  const nowMs = clock.nowMs();
  const [tokens, families, links] = await Promise.all([
    state.tokens.values(),
    familiesById(state),
    state.authUrlTokens.values(),
  ]);
  const items: { item: SessionItem; atMs: number }[] = [];
  // Each table lists its records oldest (written) first; sorting by time below keeps that order among equals.
  for (const token of tokens) {
    const view = issuedTokenView(families.get(token.familyId), token, nowSeconds);
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
  for (const link of links) {
    items.push(
      expiringItem(
        {
          kind: 'seamless-login link',
          id: shortId(link.token),
          subject: `account ${link.accountId} on investment platform ${link.investmentPlatformId}`,
          expiresAtMs: link.expiresAtMs,
          lifetimeMs: options.authUrlTtlSeconds * 1000,
          ...(link.usedAtMs !== undefined ? { ended: 'used' } : {}),
        },
        nowMs,
      ),
    );
  }
  return newestFirst(items);
}
