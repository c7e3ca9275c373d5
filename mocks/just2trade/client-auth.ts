/**
 * Client authentication at the token endpoint. The docs' request names the client with `client_id`
 * in the form and sends no secret; standard libraries add `client_secret` to the form
 * (client_secret_post) or send HTTP Basic (client_secret_basic, RFC 6749 §2.3.1). All three are
 * accepted; a secret, when sent, must be right; one method per request (RFC 6749 §2.3).
 */
import { MockError, type FixtureStore } from '../../src/index.ts';
import { findClient, secretMatches } from './clients.ts';
import { REALM } from './errors.ts';
import type { OAuthClient } from './fixtures.ts';

interface BasicCredentials {
  clientId: string;
  clientSecret: string;
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

/** The HTTP Basic credentials of an `Authorization` header; undefined without the header. */
function basicCredentials(header: string | undefined): BasicCredentials | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const match = /^basic[ ]+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header.trim());
  if (!match) throw invalidClient('Only HTTP Basic client authentication is accepted in the Authorization header.', true);
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const clientId = colon > 0 ? formDecode(decoded.slice(0, colon)) : undefined;
  const clientSecret = colon > 0 ? formDecode(decoded.slice(colon + 1)) : undefined;
  if (!clientId || clientSecret === undefined) {
    throw invalidClient('The Basic credentials must be client_id:client_secret, each form-urlencoded.', true);
  }
  return { clientId, clientSecret };
}

/** The client a token request authenticates as, or the RFC 6749 §5.2 error. */
export function authenticateClient(
  fixtures: FixtureStore,
  authorization: string | undefined,
  form: { client_id?: unknown; client_secret?: unknown },
): OAuthClient {
  const basic = basicCredentials(authorization);
  const formId = typeof form.client_id === 'string' ? form.client_id : undefined;
  const formSecret = typeof form.client_secret === 'string' ? form.client_secret : undefined;
  if (basic && formSecret !== undefined) {
    throw new MockError(400, 'invalid_request', 'The client authenticated twice (HTTP Basic and client_secret); use one method.');
  }
  if (basic && formId !== undefined && formId !== basic.clientId) {
    throw new MockError(400, 'invalid_request', 'client_id differs from the client in the Authorization header.');
  }
  const clientId = basic?.clientId ?? formId;
  if (clientId === undefined) {
    throw new MockError(400, 'invalid_request', 'The required parameter client_id is missing (send it in the form, or authenticate with HTTP Basic).');
  }
  const client = findClient(fixtures, clientId);
  const secret = basic?.clientSecret ?? formSecret;
  if (!client || (secret !== undefined && !secretMatches(client, secret))) {
    throw invalidClient('Client authentication failed: unknown client_id or wrong client_secret.', basic !== undefined);
  }
  return client;
}
