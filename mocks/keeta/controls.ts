/**
 * What a test suite gets as `mock.keeta` on `startMockServer()`'s and `connectMockServer()`'s handles:
 * typed calls to the control API in the handle's session.
 */
import type { ControlRequester } from '../../src/index.ts';
import type { AutoConsent } from './auto-consent.ts';

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
  void api;
  return {};
}

export type KeetaEvents = ReturnType<typeof keetaEvents>;
