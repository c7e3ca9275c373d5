/**
 * Verifying the external CRM's JWT (docs: b2copy-external-crm.md): signed ES256 with the CRM's private key, claims
 * `admin_id`, `device_ip`, `key_id`. The public key is the one registered for the token's `key_id`
 * claim, so the claim is read (unverified) to pick the key, and everything else is decided only after
 * the signature verifies with it. Each check that fails says which one, in B2COPY's error envelope.
 */
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { B2CopyError } from './errors.ts';
import type { Integration } from './fixtures.ts';
import type { B2CopyContext } from './tokens.ts';

const FIELD = '/external_token';

export interface VerifiedExternalToken {
  adminId: string;
  deviceIp: string;
  integration: Integration;
}

/** Header members that carry or point at a key: the key must come from the registered integration only. */
const KEY_HEADERS = ['jwk', 'jku', 'x5c', 'x5u'] as const;

function unauthorized(code: string, message: string): B2CopyError {
  return new B2CopyError(401, code, message, FIELD);
}

export async function verifyExternalToken(token: string, ctx: B2CopyContext): Promise<VerifiedExternalToken> {
  const header = readHeader(token);
  if (header.alg !== 'ES256') {
    throw unauthorized(
      'invalid_external_token',
      `external_token must be signed with ES256; its header says alg ${JSON.stringify(header.alg ?? null)}.`,
    );
  }
  const embedded = KEY_HEADERS.filter((name) => name in header);
  if (embedded.length) {
    throw unauthorized(
      'invalid_external_token',
      `external_token carries its own key (header ${embedded.join(', ')}); only the public key registered for its key_id is used, so the token is refused.`,
    );
  }

  const unverified = readPayload(token);
  const keyId = unverified.key_id;
  if (keyId === undefined) throw unauthorized('missing_claim', 'external_token has no key_id claim.');
  if (typeof keyId !== 'string' || keyId === '')
    throw unauthorized('invalid_claim', 'external_token key_id claim must be a non-empty string.');
  const integration = await ctx.fixtures.get<Integration>('integrations', keyId);
  if (!integration)
    throw unauthorized('unknown_key_id', `key_id '${keyId}' is not registered (no integration with this keyId).`);

  let key;
  try {
    key = await ctx.services.externalKey(integration.publicKeyPem);
  } catch {
    throw unauthorized(
      'invalid_integration_key',
      `The public key registered for key_id '${keyId}' is not an EC P-256 public key in SPKI PEM form, so no token can be verified with it.`,
    );
  }

  const now = ctx.clock.now();
  const skew = ctx.options.clockSkewSeconds;
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: ['ES256'],
      currentDate: now,
      clockTolerance: skew,
      requiredClaims: ['exp'],
    }));
  } catch (error) {
    throw verificationError(error, now, skew);
  }

  // jose checks `iat` only against a maximum age; a token issued in the future is refused here.
  if (typeof payload.iat === 'number' && payload.iat > Math.floor(now.getTime() / 1000) + skew) {
    throw unauthorized(
      'external_token_not_yet_valid',
      `external_token was issued in the future (iat ${iso(payload.iat)}; mock clock ${now.toISOString()}, skew ${skew} s).`,
    );
  }
  const adminId = payload.admin_id;
  if (adminId === undefined) throw unauthorized('missing_claim', 'external_token has no admin_id claim.');
  if (
    !(typeof adminId === 'string' && adminId !== '') &&
    !(typeof adminId === 'number' && Number.isSafeInteger(adminId))
  ) {
    throw unauthorized('invalid_claim', 'external_token admin_id claim must be a non-empty string or an integer.');
  }
  const deviceIp = payload.device_ip;
  if (deviceIp === undefined) throw unauthorized('missing_claim', 'external_token has no device_ip claim.');
  if (typeof deviceIp !== 'string')
    throw unauthorized('invalid_claim', 'external_token device_ip claim must be a string (an IP address).');
  return { adminId: String(adminId), deviceIp, integration };
}

function readHeader(token: string) {
  try {
    return decodeProtectedHeader(token);
  } catch {
    throw unauthorized(
      'invalid_external_token',
      'external_token is not a JWS: its header is not base64url-encoded JSON.',
    );
  }
}

function readPayload(token: string): JWTPayload {
  try {
    return decodeJwt(token);
  } catch {
    throw unauthorized(
      'invalid_external_token',
      'external_token is not a JWT: its payload is not a base64url-encoded JSON object.',
    );
  }
}

/** jose's verdict as B2COPY's answer, naming the check that failed. */
function verificationError(error: unknown, now: Date, skew: number): B2CopyError {
  const clock = `mock clock ${now.toISOString()}, skew ${skew} s`;
  if (error instanceof errors.JWTExpired) {
    const exp = error.payload.exp;
    return unauthorized(
      'external_token_expired',
      `external_token has expired (exp ${typeof exp === 'number' ? iso(exp) : '?'}; ${clock}).`,
    );
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf' && error.reason === 'check_failed') {
      return unauthorized(
        'external_token_not_yet_valid',
        `external_token is not valid yet (nbf ${iso(Number(error.payload.nbf))}; ${clock}).`,
      );
    }
    if (error.reason === 'missing') return unauthorized('missing_claim', `external_token has no ${error.claim} claim.`);
    return unauthorized('invalid_claim', `external_token ${error.claim} claim is invalid: ${error.message}.`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return unauthorized(
      'invalid_external_token',
      'external_token signature is invalid: it does not verify with the public key registered for its key_id.',
    );
  }
  return unauthorized(
    'invalid_external_token',
    `external_token is not a valid JWS: ${(error as Error)?.message ?? 'unreadable'}.`,
  );
}

function iso(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? String(seconds) : date.toISOString();
}
