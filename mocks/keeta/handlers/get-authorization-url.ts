/**
 * `GET /oauth/authorization/url`: the merchant authorization link for an app
 * (docs/provider-docs/keeta-authorization-url.md).
 *
 * The core has already checked the query against the spec (clientId present, redirectUri shaped like
 * an http(s) URL, no parameter repeated). Here: the app must exist and not be disabled (else the docs'
 * 401), the redirectUri must meet the app's rules (else 400), and the link carries everything the
 * merchant page needs in its query, in the docs' form.
 */
import { MockError, type HandlerContext, type MockResponse } from '../../../src/index.ts';
import type { KeetaApp } from '../fixtures.ts';
import type { Keeta } from '../index.ts';
import { merchantAuthorizationUrl } from '../merchant-link.ts';
import { redirectUriProblem } from '../redirect-uri.ts';

export async function getAuthorizationUrl(ctx: HandlerContext<Keeta, 'getAuthorizationUrl'>): Promise<MockResponse> {
  const { clientId, redirectUri = '', state = '' } = ctx.request.query;

  const app = await ctx.fixtures.get<KeetaApp>('apps', clientId);
  // The docs' 401 body is {title, status}; formatError adds the optional RFC 9457 members.
  if (!app) throw new MockError(401, 'unknown_client', 'Unknown clientId: no Keeta application is registered with it.');
  // Disabled on Keeta's side: refused like an unknown app (401, the spec's only refusal of a client), with
  // the reason in the detail.
  if (app.disabled === true) {
    throw new MockError(401, 'app_disabled', `Disabled clientId: the Keeta application ${app.appId} is disabled.`);
  }

  // An empty redirectUri is what the docs' example URL carries when there is none.
  if (redirectUri !== '') {
    const problem = redirectUriProblem(app, redirectUri);
    if (problem) {
      throw new MockError(400, 'invalid_redirect_uri', problem, {
        details: [{ location: '/query/redirectUri', message: problem }],
      });
    }
  }

  return ctx.respond.json(200, { merchantAuthorizationUrl: merchantAuthorizationUrl(ctx, app, redirectUri, state) });
}
