/** The registered OAuth clients (the `clients` fixtures) and the checks made against them. */
import { sameSecret, type FixtureStore } from '../../src/index.ts';
import type { OAuthClient } from './fixtures.ts';

export function findClient(fixtures: FixtureStore, clientId: string): OAuthClient | undefined {
  return fixtures.get<OAuthClient>('clients', clientId);
}

/** True when `secret` is the client's secret. */
export function secretMatches(client: OAuthClient, secret: string): boolean {
  return sameSecret(secret, client.clientSecret);
}

/**
 * True when `redirectUri` is one of the client's registered URIs, character for character: no
 * normalisation of case, trailing slashes, dot segments, percent-encoding or query (RFC 9700 §4.1.3),
 * so nothing but the exact registered string can receive a code.
 */
export function isRegisteredRedirectUri(client: OAuthClient, redirectUri: string): boolean {
  return client.redirectUris.some((registered) => registered === redirectUri);
}
