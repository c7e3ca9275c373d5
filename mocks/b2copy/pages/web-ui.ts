/**
 * `GET /b2copy/webui/{token}`: where the getAuthUrl URL leads. The token signs the client account in
 * once: it is consumed here and a Web UI session cookie is set. A used, unknown or expired token gets
 * an HTML page that says which. (Pages never answer HEAD, so a link scanner cannot use the token up.)
 * Which visit consumes it is decided by the store: the link's `usedAtMs` is a mark, and only the visit that
 * sets it (on whatever replica) opens a Web UI session; every other one hears "already used".
 *
 * The shared page layout brings the headers such a page needs (never framed, no Referer to leak the
 * token in the URL, nothing loaded); the core keeps it out of caches, as the plugin marks it `sensitive`.
 */
import { randomBytes } from 'node:crypto';
import { escapeHtml, pageAnswer, type MockResponse, type PageContext, type PageRoute } from '../../../src/index.ts';
import { MOUNT } from '../fixtures.ts';
import type { B2Copy } from '../index.ts';

const WEB_UI_PATH = '/webui';
const WEB_UI_COOKIE = 'b2copy_webui_session';

async function webUiLanding(ctx: PageContext<B2Copy>): Promise<MockResponse> {
  const token = String(ctx.request.params.token ?? '');
  const { state } = ctx;
  const now = ctx.clock.nowMs();

  const entry = /^[0-9a-f]{32}$/.test(token) ? await state.authUrlTokens.get(token) : undefined;
  if (!entry) return notFound();
  if (entry.usedAtMs !== undefined) return alreadyUsed(entry.usedAtMs);
  if (now >= entry.expiresAtMs) {
    return webUiPage(
      410,
      'Sign-in link expired',
      `This sign-in link expired at ${new Date(entry.expiresAtMs).toISOString()}. Ask the CRM for a new link.`,
    );
  }
  // The decision: of every visit with this link, on any replica, exactly one sets the mark.
  const spent = await state.authUrlTokens.mark(token, 'usedAtMs', now);
  if (!spent) return notFound(); // forgotten meanwhile (to make room, or a reset)
  if (!spent.won) return alreadyUsed(spent.value.usedAtMs ?? now);

  const sessionId = randomBytes(16).toString('hex');
  await state.webUiSessions.set(sessionId, {
    accountId: entry.accountId,
    investmentPlatformId: entry.investmentPlatformId,
    createdAtMs: now,
  });
  return webUiPage(
    200,
    `Signed in as account ${entry.accountId}`,
    `You are signed in to the B2COPY Web UI as account ${entry.accountId} on investment platform ${entry.investmentPlatformId}.`,
    { 'Set-Cookie': webUiCookie(ctx, sessionId) },
  );
}

const notFound = () =>
  webUiPage(
    404,
    'Sign-in link not found',
    'This sign-in link is not known. It may have been issued in another mock session (X-Mock-Session) or before the session was reset. Ask the CRM for a new link.',
  );

const alreadyUsed = (usedAtMs: number) =>
  webUiPage(
    409,
    'Sign-in link already used',
    `This sign-in link was already used at ${new Date(usedAtMs).toISOString()}. Each link signs in once; ask the CRM for a new link.`,
  );

/** A Web UI page in the shared layout; `heading` and `message` are text (escaped here), never markup. */
function webUiPage(status: number, heading: string, message: string, headers: Record<string, string> = {}) {
  return pageAnswer(
    status,
    {
      brand: 'B2COPY Web UI',
      title: `${heading} · B2COPY Web UI (partnermock)`,
      content: `<h1>${escapeHtml(heading)}</h1>\n<p>${escapeHtml(message)}</p>`,
      standsInFor: 'the B2COPY Web UI landing page',
    },
    headers,
  );
}

/** Scoped to the Web UI's path as the public URL has it (a prefix included), Secure behind https. */
function webUiCookie(ctx: PageContext<B2Copy>, sessionId: string): string {
  const url = new URL(ctx.urlFor(MOUNT, WEB_UI_PATH));
  return `${WEB_UI_COOKIE}=${sessionId}; Path=${url.pathname}; HttpOnly; SameSite=Lax${url.protocol === 'https:' ? '; Secure' : ''}`;
}

export const webUiLandingPage: PageRoute<B2Copy> = {
  name: 'webUiLanding',
  method: 'GET',
  mount: MOUNT,
  path: `${WEB_UI_PATH}/:token`,
  handler: webUiLanding,
};
