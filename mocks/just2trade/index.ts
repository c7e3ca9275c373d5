/**
 * Just2Trade: the OAuth 2.0 authorization code flow on the auth host and the profile on the API host
 * (docs: docs/provider-docs/just2trade-oauth.md). `createJust2TradePlugin(options)` sets the
 * lifetimes (see options.ts and README.md); the default export is the plugin with the defaults.
 */
import { configurePlugin, definePlugin, type ProviderTypes } from '../../src/index.ts';
import type { operations } from '../../src/generated/just2trade.ts';
import { controlRoutes } from './control-routes.ts';
import { just2tradeControls, just2tradeEvents } from './controls.ts';
import { formatError } from './errors.ts';
import { API_MOUNT, AUTH_MOUNT, collections, defaultFixtures, describeFixtures, configExample } from './fixtures.ts';
import { authorize } from './handlers/authorize.ts';
import { getProfile } from './handlers/get-profile.ts';
import { requestToken, requestTokenPrecheck } from './handlers/request-token.ts';
import { DEFAULT_OPTIONS, OPTIONS_SCHEMA, type Just2TradeOptions } from './options.ts';
import { loginPages } from './pages/login.ts';
import { inspectSession } from './inspect-session.ts';
import { createState, sweepJust2TradeState, type Just2TradeState } from './state.ts';

export type { Just2TradeOptions } from './options.ts';
export type { Just2TradeControls, Just2TradeEvents, Just2TradeRevocation } from './controls.ts';

/** The types the Just2Trade plugin is written against. Nothing is built at startup, so no services. */
export interface Just2Trade extends ProviderTypes {
  operations: operations;
  state: Just2TradeState;
  services: undefined;
  options: Just2TradeOptions;
}

export const just2tradePlugin = definePlugin<Just2Trade>({
  name: 'just2trade',
  title: 'Just2Trade',
  spec: new URL('../../openapi/just2trade.yaml', import.meta.url),
  mounts: [AUTH_MOUNT, API_MOUNT],
  options: DEFAULT_OPTIONS,
  optionsSchema: OPTIONS_SCHEMA,
  collections,
  fixtures: defaultFixtures,
  createState,
  sweep: sweepJust2TradeState,
  handlers: { authorize, requestToken, getProfile },
  // Client authentication and the grant type answer before the spec's checks (RFC 6749 §5.2 order).
  prechecks: { requestToken: requestTokenPrecheck },
  pages: loginPages,
  controlRoutes,
  controls: just2tradeControls,
  events: just2tradeEvents,
  // The login form (one-time, CSRF-bound), the code it redirects with, and the token answer.
  sensitive: ['authorize', 'requestToken', ...loginPages.map((page) => page.name)],
  configExample,
  // The inspector's flow view: where an auth flow begins, and what the browser sends.
  flows: { starts: ['authorize'], browser: ['authorize'] },
  inspectSession,
  formatError,
  describe: describeFixtures,
});

/** The plugin with other lifetimes; a lifetime that is not a positive whole number is refused here. */
export function createJust2TradePlugin(options: Partial<Just2TradeOptions> = {}) {
  return configurePlugin(just2tradePlugin, options);
}

export default just2tradePlugin;
