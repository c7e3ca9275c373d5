/**
 * Keeta's per-session state: the merchant page's pending forms. Every GET of the page that shows the
 * form creates one, and the first valid POST of that form consumes it (auto-consent, which shows none,
 * stores none).
 *
 * A pending form binds together
 * - a random id (hidden field `authorizationRequest`),
 * - a random CSRF token (hidden field `csrfToken`: the synchronizer-token pattern), and
 * - the browser that loaded it (the random value of an HttpOnly, SameSite=Lax cookie),
 * so a POST from another site (no cookie, no token) or a replayed form is refused. What the form
 * authorizes (app, redirectUri, state) was checked when it was created and is checked again on POST.
 */
import { ExpiringMap, randomId, type Clock, type FixtureContext, type FixtureStore } from '../../src/index.ts';
import type { AutoConsent } from './auto-consent.ts';
import type { Keeta } from './index.ts';
import type { KeetaOptions } from './options.ts';

export interface PendingForm {
  id: string;
  csrfToken: string;
  /** The cookie value of the browser that loaded the form. */
  browserId: string;
  clientId: string;
  appId: string;
  /** Undefined when the link had none: the page shows the result instead of redirecting. */
  redirectUri?: string;
  state: string;
  expiresAtMs: number;
  /** Set, synchronously, by the first valid POST; a second POST of the same form is refused. */
  used: boolean;
}

export interface KeetaState {
  /** Pending forms, at most `maxPendingForms`; the oldest make room. */
  pendingForms: ExpiringMap<string, PendingForm>;
  /** Reports decisions forgotten to make room in the `authorizations` collection (`maxAuthorizations`). */
  onEvict(name: string, count: number): void;
  /** The decision the merchant page takes at once, without showing its form (`/__mock/keeta/auto-consent`). */
  autoConsent?: AutoConsent;
}

/** How long a dead form is still recognised as expired before it is forgotten. */
const RETAIN_EXPIRED_MS = 24 * 3600 * 1000;

export function createState(_fixtures: FixtureStore, { options, onEvict }: FixtureContext<Keeta>): KeetaState {
  return {
    pendingForms: new ExpiringMap({
      name: 'pending merchant forms',
      capacity: options.maxPendingForms,
      expiresAtMs: (form) => form.expiresAtMs,
      // Kept a while after it dies, so that submitting it says "expired" rather than "unknown".
      retainMs: RETAIN_EXPIRED_MS,
      onEvict,
    }),
    onEvict,
  };
}

/** 32 random bytes, base64url: the form id, the CSRF token and the browser cookie. */
export const randomToken = (): string => randomId(32);

export function isToken(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value);
}

/**
 * A new form, not yet remembered: what the page shows once `createPendingForm` stores it, and what
 * auto-consent decides from at once (it shows no page, so nothing could ever submit a stored one).
 */
export function newPendingForm(
  clock: Clock,
  options: KeetaOptions,
  form: Pick<PendingForm, 'browserId' | 'clientId' | 'appId' | 'redirectUri' | 'state'>,
): PendingForm {
  return {
    ...form,
    id: randomToken(),
    csrfToken: randomToken(),
    expiresAtMs: clock.nowMs() + options.formLifetimeSeconds * 1000,
    used: false,
  };
}

/** Creates and remembers a form (the state's cap makes room, so reloading the page forever cannot grow memory). */
export function createPendingForm(
  state: KeetaState,
  clock: Clock,
  options: KeetaOptions,
  form: Pick<PendingForm, 'browserId' | 'clientId' | 'appId' | 'redirectUri' | 'state'>,
): PendingForm {
  const pending = newPendingForm(clock, options, form);
  state.pendingForms.set(pending.id, pending);
  return pending;
}
