/**
 * Just2Trade: the OAuth 2.0 authorization code flow on the auth host and the profile on the API host
 * (docs: shared/seeds 004). `createJust2TradePlugin(options)` sets the lifetimes (see options.ts and
 * README.md); the default export is the plugin with the defaults.
 */
import { definePlugin } from '../../src/index.ts';
import { formatJust2TradeError } from './errors.ts';
import {
  API_MOUNT,
  AUTH_MOUNT,
  DEFAULT_CLIENT_ID,
  collections,
  defaultFixtures,
  type Just2TradeUser,
  type OAuthClient,
} from './fixtures.ts';
import { authorize } from './handlers/authorize.ts';
import { getProfile } from './handlers/getProfile.ts';
import { requestToken, requestTokenPrecheck } from './handlers/requestToken.ts';
import { resolveJust2TradeOptions, type Just2TradeOptions, type Just2TradeSettings } from './options.ts';
import { loginPages } from './pages/login.ts';
import { createState, type Just2TradeState } from './state.ts';

export type { Just2TradeOptions } from './options.ts';

export function createJust2TradePlugin(options: Just2TradeOptions = {}) {
  // Checked now, so a bad option fails at startup rather than on the first request.
  const settings = resolveJust2TradeOptions(options);
  return definePlugin<Just2TradeState, Just2TradeSettings>({
    name: 'just2trade',
    title: 'Just2Trade',
    spec: new URL('../../openapi/just2trade.yaml', import.meta.url),
    mounts: [AUTH_MOUNT, API_MOUNT],
    collections,
    fixtures: defaultFixtures,
    createState,
    setup: () => settings,
    handlers: { authorize, requestToken, getProfile },
    // Client authentication and the grant type answer before the spec's checks (RFC 6749 §5.2 order).
    prechecks: { requestToken: requestTokenPrecheck },
    pages: loginPages,
    // The login form (one-time, CSRF-bound), the code it redirects with, and the token answer.
    sensitive: ['authorize', 'requestToken', ...loginPages.map((page) => page.name)],
    formatError: formatJust2TradeError,
    describe(fixtures) {
      const client = fixtures.get<OAuthClient>('clients', DEFAULT_CLIENT_ID);
      const [user] = fixtures.list<Just2TradeUser>('users');
      return [
        ...(client
          ? [
              `OAuth client           ${client.clientId} / ${client.clientSecret}  redirect URI ${client.redirectUris.join(', ')}`,
            ]
          : []),
        ...(user ? [`user                   ${user.login} / ${user.password}`] : []),
      ];
    },
  });
}

export default createJust2TradePlugin();
