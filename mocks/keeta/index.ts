/**
 * Keeta: the merchant authorization URL, the merchant page and the redirect back
 * (docs/provider-docs/keeta-authorization-url.md).
 *
 *   GET  /keeta/oauth/authorization/url      → { merchantAuthorizationUrl } (handlers/get-authorization-url.ts)
 *   GET  /keeta/m/web/openapi/authorize?...  → the merchant page: app, merchants, Authorize / Deny
 *                                              (pages/merchant-authorization.ts)
 *   POST /keeta/m/web/openapi/authorize      → 302 to redirectUri?authId=…&state=…&appId=…&timestamp=…
 *                                              (pages/merchant-authorization-submit.ts)
 *   GET  /__mock/keeta/authorizations        → every decision made on the page
 *   POST /__mock/keeta/auto-consent           → the page decides at once, without HTML (auto-consent.ts)
 *   POST /__mock/keeta/authorizations/{authId}/revoke → a partner-side revocation (partner-events.ts)
 */
import { configurePlugin, definePlugin, type ProviderTypes } from '../../src/index.ts';
import type { operations } from '../../src/generated/keeta.ts';
import { controlRoutes, merchantAuthorizationOrConsent } from './auto-consent.ts';
import { keetaControls, keetaEvents } from './controls.ts';
import { formatError } from './errors.ts';
import { collections, defaultFixtures, describeFixtures, configExample } from './fixtures.ts';
import { getAuthorizationUrl } from './handlers/get-authorization-url.ts';
import { MERCHANT_PAGE_PATH, MOUNT } from './merchant-link.ts';
import { DEFAULT_OPTIONS, optionsSchema, type KeetaOptions } from './options.ts';
import { eventRoutes } from './partner-events.ts';
import { merchantAuthorizationSubmit } from './pages/merchant-authorization-submit.ts';
import { inspectSession } from './inspect-session.ts';
import { createState, type KeetaState } from './state.ts';

export type { KeetaControls, KeetaEvents } from './controls.ts';

/** The types Keeta's handlers and pages are written against. */
export interface Keeta extends ProviderTypes {
  operations: operations;
  state: KeetaState;
  services: undefined;
  options: KeetaOptions;
}

const keetaPlugin = definePlugin<Keeta>({
  name: 'keeta',
  title: 'Keeta',
  spec: new URL('../../openapi/keeta.yaml', import.meta.url),
  mounts: [MOUNT],
  options: DEFAULT_OPTIONS,
  optionsSchema,
  collections,
  fixtures: defaultFixtures,
  createState,
  handlers: { getAuthorizationUrl },
  // The page carries a one-time form; its submission answers with the authorization's code.
  sensitive: ['merchant-authorization', 'merchant-authorization-submit'],
  pages: [
    {
      name: 'merchant-authorization',
      method: 'GET',
      mount: MOUNT,
      path: MERCHANT_PAGE_PATH,
      handler: merchantAuthorizationOrConsent,
    },
    {
      name: 'merchant-authorization-submit',
      method: 'POST',
      mount: MOUNT,
      path: MERCHANT_PAGE_PATH,
      handler: merchantAuthorizationSubmit,
    },
  ],
  controlRoutes: [...controlRoutes, ...eventRoutes],
  controls: keetaControls,
  events: keetaEvents,
  configExample,
  // The inspector's flow view: where an auth flow begins.
  flows: { starts: ['getAuthorizationUrl'] },
  inspectSession,
  formatError,
  describe: describeFixtures,
});

/** Keeta with other options, e.g. `createKeetaPlugin({ formLifetimeSeconds: 60 })`. */
export function createKeetaPlugin(options: Partial<KeetaOptions> = {}) {
  return configurePlugin(keetaPlugin, options);
}

export default keetaPlugin;
