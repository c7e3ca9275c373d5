/**
 * Keeta: the merchant authorization URL, the merchant page and the redirect back (docs: shared/seeds 003).
 *
 *   GET  /keeta/oauth/authorization/url          → { merchantAuthorizationUrl } (handlers/getAuthorizationUrl.ts)
 *   GET  /keeta/m/web/openapi/authorize?...      → the merchant page: app, merchants, Authorize / Deny
 *   POST /keeta/m/web/openapi/authorize          → 302 to redirectUri?authId=…&state=…&appId=…&timestamp=…
 *   GET  /__mock/keeta/authorizations            → every decision made on the page
 */
import { definePlugin, resolveOptions } from '../../src/index.ts';
import { formatKeetaError } from './errors.ts';
import { DEFAULT_CLIENT_ID, MOUNT, collections, defaultFixtures, type KeetaApp } from './fixtures.ts';
import { getAuthorizationUrl } from './handlers/getAuthorizationUrl.ts';
import { MERCHANT_PAGE_PATH } from './merchant-url.ts';
import { createKeetaState, type KeetaState } from './pending-forms.ts';
import { showAuthorizationForm } from './pages/show-authorization-form.ts';
import { submitAuthorization } from './pages/submit-authorization.ts';

export interface KeetaPluginOptions {
  /** How long a merchant page's form stays submittable, in seconds of the session clock. Default 600. */
  formLifetimeSeconds?: number;
  /** Pending (not yet submitted) forms kept per session; beyond it the oldest are forgotten. Default 1000. */
  maxPendingForms?: number;
}

export function createKeetaPlugin(options: KeetaPluginOptions = {}) {
  const { formLifetimeSeconds, maxPendingForms } = resolveOptions(
    'createKeetaPlugin',
    { formLifetimeSeconds: 600, maxPendingForms: 1000 },
    options,
  );
  const limits = { lifetimeSeconds: formLifetimeSeconds, maxPending: maxPendingForms };

  return definePlugin<KeetaState>({
    name: 'keeta',
    title: 'Keeta',
    spec: new URL('../../openapi/keeta.yaml', import.meta.url),
    mounts: [MOUNT],
    collections,
    fixtures: defaultFixtures,
    createState: createKeetaState,
    handlers: { getAuthorizationUrl },
    // The page carries a one-time form; its submission answers with the authorization's code.
    sensitive: ['merchant-authorization', 'merchant-authorization-submit'],
    pages: [
      {
        name: 'merchant-authorization',
        method: 'GET',
        mount: MOUNT,
        path: MERCHANT_PAGE_PATH,
        handler: showAuthorizationForm(limits),
      },
      {
        name: 'merchant-authorization-submit',
        method: 'POST',
        mount: MOUNT,
        path: MERCHANT_PAGE_PATH,
        handler: submitAuthorization,
      },
    ],
    formatError: formatKeetaError,
    describe(fixtures) {
      const app = fixtures.get<KeetaApp>('apps', DEFAULT_CLIENT_ID);
      return app
        ? [
            `app                    clientId ${app.clientId}, appId ${app.appId} (${app.region}, city ${app.cityId}, locale ${app.locale}), ${app.mode}`,
          ]
        : [];
    },
  });
}

export default createKeetaPlugin();
