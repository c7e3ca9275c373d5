/**
 * The cookie that ties a pending form to the browser that loaded it. HttpOnly (no script reads it),
 * SameSite=Lax (another site's form POST does not carry it), scoped to the merchant page's path, and
 * Secure when the mock's public URL is https. One value per browser, reused across page loads, so
 * two tabs with two forms both work.
 */
import type { PluginContext } from '../../../src/index.ts';
import { MOUNT } from '../fixtures.ts';
import { MERCHANT_PAGE_PATH } from '../merchant-url.ts';
import { isToken, randomToken } from '../pending-forms.ts';

export const BROWSER_COOKIE = 'keeta_browser';

/** This browser's id: the one its cookie carries, or a new one. */
export function browserIdOf(cookies: Record<string, string>): string {
  const value = cookies[BROWSER_COOKIE];
  return isToken(value) ? value : randomToken();
}

export function browserCookie(ctx: Pick<PluginContext, 'urlFor'>, browserId: string): string {
  const page = new URL(ctx.urlFor(MOUNT, MERCHANT_PAGE_PATH));
  const secure = page.protocol === 'https:' ? '; Secure' : '';
  return `${BROWSER_COOKIE}=${browserId}; Path=${page.pathname}; HttpOnly; SameSite=Lax${secure}`;
}
