/**
 * The pieces the authorize handler and the login page share: where the form posts, and the CSRF
 * cookie that binds a form to the browser it was shown in (double submit: the token is in the form
 * and in an HttpOnly cookie, and both must equal the one stored with the pending authorization).
 */
import type { PluginContext } from '../../src/index.ts';
import { AUTH_MOUNT } from './fixtures.ts';

/** The login form's POST target, below the auth mount. */
export const LOGIN_PATH = '/connect/authorize/login';

/** Pending-authorization ids are 16 random bytes in base64url. */
export const PENDING_ID = /^[A-Za-z0-9_-]{22}$/;

/** The absolute path of the login POST on this mock (the public URL may carry a path prefix). */
export function loginAction(ctx: Pick<PluginContext, 'urlFor'>): string {
  return new URL(ctx.urlFor(AUTH_MOUNT, LOGIN_PATH)).pathname;
}

/**
 * One cookie per pending authorization, so two sign-ins open in two tabs do not overwrite each
 * other's token. Scoped to the login path, so it goes nowhere else.
 */
export function csrfCookieName(pendingId: string): string {
  return `j2t_csrf_${pendingId}`;
}

export function csrfCookie(
  ctx: Pick<PluginContext, 'urlFor' | 'publicUrl'>,
  pendingId: string,
  value: string,
  maxAgeSeconds: number,
): string {
  const secure = ctx.publicUrl.startsWith('https:') ? '; Secure' : '';
  return `${csrfCookieName(pendingId)}=${value}; Path=${loginAction(ctx)}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure}`;
}
