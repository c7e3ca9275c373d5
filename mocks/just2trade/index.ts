/**
 * Just2Trade: the OAuth 2.0 authorization code flow on the auth host and the profile on the API host
 * (docs: shared/seeds 004).
 */
import { definePlugin } from '../../src/index.ts';
import { formatJust2TradeError } from './errors.ts';
import { API_MOUNT, AUTH_MOUNT, DEFAULT_CLIENT_ID, collections, defaultFixtures, type Just2TradeUser, type OAuthClient } from './fixtures.ts';

export default definePlugin({
  name: 'just2trade',
  title: 'Just2Trade',
  spec: new URL('../../openapi/just2trade.yaml', import.meta.url),
  mounts: [AUTH_MOUNT, API_MOUNT],
  collections,
  fixtures: defaultFixtures,
  formatError: formatJust2TradeError,
  describe(fixtures) {
    const client = fixtures.get<OAuthClient>('clients', DEFAULT_CLIENT_ID);
    const [user] = fixtures.list<Just2TradeUser>('users');
    return [
      ...(client ? [`OAuth client           ${client.clientId} / ${client.clientSecret}  redirect URI ${client.redirectUris.join(', ')}`] : []),
      ...(user ? [`user                   ${user.login} / ${user.password}`] : []),
    ];
  },
});
