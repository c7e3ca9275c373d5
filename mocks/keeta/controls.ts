/**
 * What a test suite gets as `mock.keeta` on `startMockServer()`'s and `connectMockServer()`'s handles:
 * typed calls to the control API in the handle's session.
 */
import type { ControlRequester } from '../../src/index.ts';
import type { AutoConsent } from './auto-consent.ts';
import type { KeetaAuthorization } from './fixtures.ts';

export function keetaControls(api: ControlRequester) {
  return {
    /** From now on, the merchant page in this session decides at once (for `merchantId`, or the first merchant). */
    async autoConsent(decision: AutoConsent['decision'], merchantId?: string): Promise<void> {
      await api.call('POST', '/keeta/auto-consent', { decision, ...(merchantId !== undefined ? { merchantId } : {}) });
    },
    /** The merchant page shows its form again. */
    async stopAutoConsent(): Promise<void> {
      await api.call('DELETE', '/keeta/auto-consent');
    },
  };
}

export type KeetaControls = ReturnType<typeof keetaControls>;

/** What a test suite gets as `mock.events.keeta`: the partner-side events, in the handle's session. */
export function keetaEvents(api: ControlRequester) {
  return {
    /**
     * The merchant revokes an authorization on Keeta's side: the recorded item gets `revokedAt`, returned.
     * Revoking it again returns it unchanged; a denied decision cannot be revoked (MockControlError 409).
     */
    async revokeAuthorization(authId: string): Promise<KeetaAuthorization> {
      return api.call<KeetaAuthorization>('POST', `/keeta/authorizations/${encodeURIComponent(authId)}/revoke`);
    },
  };
}

export type KeetaEvents = ReturnType<typeof keetaEvents>;
