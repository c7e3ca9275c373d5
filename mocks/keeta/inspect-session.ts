/**
 * For the inspector (`GET /__mock/inspector/session`): what a Keeta session holds, newest first. The
 * merchant page's forms (named by the first characters of their id, which half-submits one; `used` once
 * submitted, i.e. once its `usedAtMs` is marked) and the decisions recorded in `authorizations` by
 * `authId`: `authorized`, `denied`, or `revoked` once Keeta revoked it. A decision's one-time `code`
 * stays out.
 */
import { expiringItem, newestFirst, shortId, type PluginContext, type SessionItem } from '../../src/index.ts';
import type { KeetaAuthorization } from './fixtures.ts';
import type { Keeta } from './index.ts';

export async function inspectSession({
  state,
  fixtures,
  clock,
  options,
}: PluginContext<Keeta>): Promise<SessionItem[]> {
  const nowMs = clock.nowMs();
  const [forms, authorizations] = await Promise.all([
    state.pendingForms.values(),
    fixtures.list<KeetaAuthorization>('authorizations'),
  ]);
  const items: { item: SessionItem; atMs: number }[] = [];
  for (const form of forms) {
    items.push(
      expiringItem(
        {
          kind: 'merchant form',
          id: shortId(form.id),
          subject: `app ${form.appId} (client ${form.clientId})`,
          expiresAtMs: form.expiresAtMs,
          lifetimeMs: options.formLifetimeSeconds * 1000,
          ...(form.usedAtMs !== undefined ? { ended: 'used' } : {}),
        },
        nowMs,
      ),
    );
  }
  for (const authorization of authorizations) {
    const merchant = authorization.merchantId === undefined ? '' : `merchant ${authorization.merchantId} of `;
    items.push({
      atMs: authorization.timestamp,
      item: {
        kind: 'authorization',
        id: authorization.authId,
        status: authorization.revokedAt !== undefined ? 'revoked' : authorization.decision,
        subject: `${merchant}app ${authorization.appId}`,
        issuedAt: authorization.createdAt,
      },
    });
  }
  return newestFirst(items);
}
