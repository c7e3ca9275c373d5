/**
 * Keeta's per-session state, in the state store (memory, or Redis shared by replicas): the merchant page's
 * pending forms, and the auto-consent switch. Every GET of the page that shows the form creates one, and
 * the first valid POST of that form consumes it (auto-consent, which shows none, stores none).
 *
 * A pending form binds together
 * - a random id (hidden field `authorizationRequest`),
 * - a random CSRF token (hidden field `csrfToken`: the synchronizer-token pattern), and
 * - the browser that loaded it (the random value of an HttpOnly, SameSite=Lax cookie),
 * so a POST from another site (no cookie, no token) or a replayed form is refused. What the form
 * authorizes (app, redirectUri, state) was checked when it was created and is checked again on POST.
 *
 * Which POST consumes a form is decided by the store, not by the handler: `usedAtMs` is a mark, set once
 * by `pendingForms.mark`, which tells exactly one of any number of concurrent submissions (on any replica)
 * that it won. Reading the form and checking it first only spares the store a write for a form that is
 * plainly used, unknown or expired; it never decides.
 */
import { randomId, type Clock, type StateContext, type StoreTable, type StoreValue } from '../../src/index.ts';
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
  /**
   * When the form was submitted (session clock): a mark, set only by the one valid POST that wins
   * `pendingForms.mark`; a later or concurrent POST of the same form is refused. Absent while unused.
   */
  usedAtMs?: number;
}

/** What a form is made from: the link the page checked, and the browser that loaded it. */
export type FormRequest = Pick<PendingForm, 'browserId' | 'clientId' | 'appId' | 'redirectUri' | 'state'>;

export interface KeetaState {
  /** Pending forms, at most `maxPendingForms`; the oldest make room. */
  pendingForms: StoreTable<PendingForm>;
  /** The decision the merchant page takes at once, without showing its form (`/__mock/keeta/auto-consent`). */
  autoConsent: StoreValue<AutoConsent>;
}

/** How long a dead form is still recognised as expired before it is forgotten. */
const RETAIN_EXPIRED_MS = 24 * 3600 * 1000;

export function createState(ctx: StateContext<Keeta>): KeetaState {
  return {
    pendingForms: ctx.table<PendingForm>('pendingForms', {
      name: 'pending merchant forms',
      capacity: ctx.options.maxPendingForms,
      expiresAtMs: (form) => form.expiresAtMs,
      // Kept a while after it dies, so that submitting it says "expired" rather than "unknown".
      retainMs: RETAIN_EXPIRED_MS,
      // Set once, by the submission that consumes the form (see the header).
      marks: ['usedAtMs'],
    }),
    autoConsent: ctx.value<AutoConsent>('autoConsent'),
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
export function newPendingForm(clock: Clock, options: KeetaOptions, form: FormRequest): PendingForm {
  return {
    ...form,
    id: randomToken(),
    csrfToken: randomToken(),
    expiresAtMs: clock.nowMs() + options.formLifetimeSeconds * 1000,
  };
}

/** Creates and remembers a form (the table's cap makes room, so reloading the page forever cannot grow the state). */
export async function createPendingForm(
  state: KeetaState,
  clock: Clock,
  options: KeetaOptions,
  form: FormRequest,
): Promise<PendingForm> {
  const pending = newPendingForm(clock, options, form);
  await state.pendingForms.set(pending.id, pending);
  return pending;
}
