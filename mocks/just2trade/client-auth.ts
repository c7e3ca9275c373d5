/**
 * The registered OAuth clients (the `clients` fixtures) and how a request proves it is one of them.
 *
 * At the authorization endpoint the docs put `client_id` and `client_secret` in the query, and the
 * `redirect_uri` must be one the client registered, character for character.
 *
 * At the token endpoint the docs' request names the client with `client_id` in the form and sends no
 * secret; standard libraries add `client_secret` to the form (client_secret_post) or send HTTP Basic
 * (client_secret_basic, RFC 6749 §2.3.1). All three are accepted; a secret, when sent, must be right;
 * one method per request (RFC 6749 §2.3). In order (the first failure answers):
 *   1. an `Authorization` header that is not well-formed HTTP Basic → 401 `invalid_client`;
 *   2. who the client is must be unambiguous: `client_id` or `client_secret` empty or repeated, Basic and
 *      `client_secret` together, a `client_id` other than the Basic one, or no `client_id` at all →
 *      400 `invalid_request` (RFC 6749 §2.3, §3.2, §5.2: these are malformed requests, and there is no
 *      one client whose credentials could be checked);
 *   3. an unknown client, or a secret that is sent and wrong → 401 `invalid_client`.
 * The token endpoint's precheck runs all of it (`authenticateClient`) before anything else of the
 * request is looked at; its handler then only reads the client back (`authenticatedClient`).
 */
import { MockError, sameSecret, type FixtureStore } from '../../src/index.ts';
import { REALM } from './errors.ts';
import type { OAuthClient } from './fixtures.ts';

export function findClient(fixtures: FixtureStore, clientId: string): Promise<OAuthClient | undefined> {
  return fixtures.get<OAuthClient>('clients', clientId);
}

/** True when `secret` is the client's secret, compared in constant time. */
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

interface ClientCredentials {
  clientId: string;
  /** Undefined when the client sent no secret (the docs' request). */
  clientSecret?: string;
  /** The credentials came in the `Authorization` header. */
  usedHeader: boolean;
}

/** `application/x-www-form-urlencoded` decoding, which RFC 6749 §2.3.1 applies to both halves. */
function formDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

const BASIC_CHALLENGE = { 'WWW-Authenticate': `Basic realm="${REALM}"` };

function invalidClient(message: string, usedHeader: boolean): MockError {
  return new MockError(401, 'invalid_client', message, usedHeader ? { headers: BASIC_CHALLENGE } : {});
}

const invalidRequest = (message: string) => new MockError(400, 'invalid_request', message);

/** The HTTP Basic credentials of an `Authorization` header; undefined without the header. */
function basicCredentials(header: string | undefined): { clientId: string; clientSecret: string } | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const match = /^basic[ ]+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header.trim());
  if (!match)
    throw invalidClient('Only HTTP Basic client authentication is accepted in the Authorization header.', true);
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const clientId = colon > 0 ? formDecode(decoded.slice(0, colon)) : undefined;
  const clientSecret = colon > 0 ? formDecode(decoded.slice(colon + 1)) : undefined;
  if (!clientId || clientSecret === undefined) {
    throw invalidClient('The Basic credentials must be client_id:client_secret, each form-urlencoded.', true);
  }
  return { clientId, clientSecret };
}

/**
 * A form field of the client's credentials: undefined when absent. The body is not validated yet
 * (this runs before the spec's checks), so a repeated or empty field is refused here.
 */
function credentialField(form: Record<string, unknown>, name: 'client_id' | 'client_secret'): string | undefined {
  const value = form[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidRequest(`${name} was sent more than once (RFC 6749 §3.2).`);
  if (value === '') throw invalidRequest(`${name} is empty.`);
  return value;
}

/**
 * Steps 1 and 2: who the request says the client is, and the secret it offers; nothing is checked
 * against the clients yet.
 */
function clientCredentials(authorization: string | undefined, form: Record<string, unknown>): ClientCredentials {
  const basic = basicCredentials(authorization);
  const formId = credentialField(form, 'client_id');
  const formSecret = credentialField(form, 'client_secret');
  if (basic && formSecret !== undefined) {
    throw invalidRequest('The client authenticated twice (HTTP Basic and client_secret); use one method.');
  }
  if (basic && formId !== undefined && formId !== basic.clientId) {
    throw invalidRequest('client_id differs from the client in the Authorization header.');
  }
  if (basic) return { ...basic, usedHeader: true };
  if (formId === undefined) {
    throw invalidRequest(
      'The required parameter client_id is missing (send it in the form, or authenticate with HTTP Basic).',
    );
  }
  return { clientId: formId, ...(formSecret !== undefined ? { clientSecret: formSecret } : {}), usedHeader: false };
}

/**
 * The client a token request authenticates as, or the RFC 6749 §5.2 error (steps 1–3 above). The
 * handler reads back the client its precheck already authenticated with `{ checkSecret: false }`: still
 * `invalid_client` if the client was removed in between.
 */
export async function authenticateClient(
  fixtures: FixtureStore,
  authorization: string | undefined,
  form: Record<string, unknown>,
  { checkSecret = true }: { checkSecret?: boolean } = {},
): Promise<OAuthClient> {
  const credentials = clientCredentials(authorization, form);
  const client = await findClient(fixtures, credentials.clientId);
  const wrongSecret =
    checkSecret && credentials.clientSecret !== undefined && client && !secretMatches(client, credentials.clientSecret);
  if (!client || wrongSecret) {
    throw invalidClient(
      'Client authentication failed: unknown client_id or wrong client_secret.',
      credentials.usedHeader,
    );
  }
  return client;
}
