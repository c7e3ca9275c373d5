/**
 * Keeta's partner-side events under `/__mock/keeta` (README, "Partner-side events"), each a POST the core
 * journals:
 * - `authorizations/:authId/revoke`: the merchant (or Keeta) revokes an authorization. The item in the
 *   session's read-only `authorizations` gets `revokedAt` (ISO 8601, session clock); the answer is the item.
 *   Idempotent: revoking a revoked authorization answers it as it is, `revokedAt` unchanged (the first
 *   revocation is when access ended; a retried call must not move it, as RFC 7009 §2.2 treats a revoked
 *   token). A denied decision granted nothing, so there is nothing to revoke: 409.
 *
 * Disabling an app is no route of its own: it is a fixture update (`PATCH /__mock/keeta/apps/{clientId}
 * {"disabled": true}`), which the URL endpoint and the merchant page read on every request.
 */
import { MockError, type ControlRoute } from '../../src/index.ts';
import type { KeetaAuthorization } from './fixtures.ts';
import type { Keeta } from './index.ts';

type Route = ControlRoute<Keeta>;

const revokeAuthorization: Route = {
  method: 'POST',
  path: '/authorizations/:authId/revoke',
  // No body, or `{}`: the authorization is named in the path. A field sent is refused by the core, named
  // (a test that meant another event).
  body: { type: 'object', additionalProperties: false },
  async handler(ctx) {
    const authId = ctx.request.params.authId!;
    // A plugin writes its read-only collections directly (as the merchant page records decisions).
    const authorization = await ctx.fixtures.get<KeetaAuthorization>('authorizations', authId);
    if (!authorization) {
      throw new MockError(
        404,
        'not_found',
        `No authorization ${JSON.stringify(authId)} in this session (GET /__mock/keeta/authorizations lists them).`,
        { details: [{ location: '/path/authId', message: 'names no authorization of this session' }] },
      );
    }
    if (authorization.decision === 'denied') {
      throw new MockError(
        409,
        'conflict',
        `Authorization ${authId} was denied by the merchant: it granted nothing, so there is nothing to revoke.`,
      );
    }
    if (authorization.revokedAt !== undefined) return ctx.respond.json(200, authorization);
    const revoked: KeetaAuthorization = { ...authorization, revokedAt: new Date(ctx.clock.nowMs()).toISOString() };
    // A new object, written whole by its authId: records read from the store are never changed in place.
    // `put` makes it the most recently written item (listed last, the last to make room under
    // `maxAuthorizations`): the store keeps no place for a replaced item. Idempotence is read-then-write:
    // two first revocations at the same instant may each answer their own time, the later write standing.
    await ctx.fixtures.put('authorizations', revoked);
    return ctx.respond.json(200, revoked);
  },
};

export const eventRoutes: Route[] = [revokeAuthorization];
