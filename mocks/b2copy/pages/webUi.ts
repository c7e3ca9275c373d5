/**
 * `GET /b2copy/webui/{token}`: where the getAuthUrl URL leads. The token signs the client account in
 * once: it is consumed here and a Web UI session cookie is set. A used, unknown or expired token gets
 * an HTML page that says which. (Pages never answer HEAD, so a link scanner cannot use the token up.)
 */
import { randomBytes } from 'node:crypto';
import type { PageContext, PageRoute } from '../../../src/index.ts';
import { MOUNT } from '../fixtures.ts';
import type { B2CopyServices } from '../services.ts';
import type { B2CopyState } from '../state.ts';
import { page } from './html.ts';

export const WEB_UI_PATH = '/webui';
export const WEB_UI_COOKIE = 'b2copy_webui_session';

/**
 * The token sits in a URL: keep it out of caches (the plugin marks the page `sensitive`) and Referer headers. The
 * page signs an account in:
 * never framed (clickjacking), no scripts or styles from anywhere.
 */
const PRIVATE = {
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
};

function webUiLanding(ctx: PageContext<B2CopyState, B2CopyServices>) {
  const token = String(ctx.request.params.token ?? '');
  const { state, respond } = ctx;
  const now = ctx.clock.nowMs();

  // No `await` in this handler: checking "unused" and marking "used" are one step.
  const entry = /^[0-9a-f]{32}$/.test(token) ? state.authUrlTokens.get(token) : undefined;
  if (!entry) {
    return respond.html(
      404,
      page(
        'Sign-in link not found',
        'This sign-in link is not known. It may have been issued in another mock session (X-Mock-Session) or before the session was reset. Ask the CRM for a new link.',
      ),
      PRIVATE,
    );
  }
  if (entry.usedAtMs !== undefined) {
    return respond.html(
      409,
      page(
        'Sign-in link already used',
        `This sign-in link was already used at ${new Date(entry.usedAtMs).toISOString()}. Each link signs in once; ask the CRM for a new link.`,
      ),
      PRIVATE,
    );
  }
  if (now >= entry.expiresAtMs) {
    return respond.html(
      410,
      page(
        'Sign-in link expired',
        `This sign-in link expired at ${new Date(entry.expiresAtMs).toISOString()}. Ask the CRM for a new link.`,
      ),
      PRIVATE,
    );
  }
  entry.usedAtMs = now;

  const sessionId = randomBytes(16).toString('hex');
  state.webUiSessions.set(sessionId, {
    accountId: entry.accountId,
    investmentPlatformId: entry.investmentPlatformId,
    createdAtMs: now,
  });
  return respond.html(
    200,
    page(
      `Signed in as account ${entry.accountId}`,
      `You are signed in to the B2COPY Web UI as account ${entry.accountId} on investment platform ${entry.investmentPlatformId}.`,
    ),
    {
      ...PRIVATE,
      'Set-Cookie': webUiCookie(ctx, sessionId),
    },
  );
}

/** Scoped to the Web UI's path as the public URL has it (a prefix included), Secure behind https. */
function webUiCookie(ctx: PageContext<B2CopyState, B2CopyServices>, sessionId: string): string {
  const url = new URL(ctx.urlFor(MOUNT, WEB_UI_PATH));
  return `${WEB_UI_COOKIE}=${sessionId}; Path=${url.pathname}; HttpOnly; SameSite=Lax${url.protocol === 'https:' ? '; Secure' : ''}`;
}

export const webUiPage: PageRoute<B2CopyState, B2CopyServices> = {
  name: 'webUiLanding',
  method: 'GET',
  mount: MOUNT,
  path: `${WEB_UI_PATH}/:token`,
  handler: webUiLanding,
};
