/**
 * The keys the B2COPY mock holds for the life of a server, built once in `setup()`: the RS256 key pair
 * its tokens are signed with (and the JWKS that publishes it), and the external CRMs' ES256 public keys,
 * each registered PEM imported once rather than on every sign-in.
 *
 * A session signs with the server's key until it rotates its own (`POST /__mock/b2copy/signing-keys/rotate`,
 * a partner-side event): from then on the session's state holds its keys (`SessionSigningKeys`), the
 * newest signing and every published one verifying, until `.../signing-keys/retire` drops the old ones.
 * A session that never rotates holds nothing and reads the server's key, as before.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importSPKI, type CryptoKey, type JWK } from 'jose';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** The public key as served at `/__mock/b2copy/jwks.json`. */
  publicJwk: JWK;
}

/** What `setup()` builds: `ctx.services` in every handler, page and control route. */
export interface B2CopyKeys {
  /**
   * The RS256 signing key. Generated in the background from setup on (an RSA key takes tens of
   * milliseconds that the start need not wait for); the first sign-in awaits it if it is not ready yet.
   */
  signing(): Promise<SigningKey>;
  /** The ES256 public key of an external CRM integration, imported once per PEM. */
  externalKey(publicKeyPem: string): Promise<CryptoKey>;
}

/** Distinct PEMs kept imported; integrations added through the control API should never come near it. */
const MAX_CACHED_KEYS = 256;

/** The server's keys; `preloadPems` (the default integration's) are imported now, not on first use. */
export function createKeys(preloadPems: string[]): B2CopyKeys {
  // A fresh key per server: tokens of one mock server never verify on another, like two installations.
  const signing = generateSigningKey();
  // Never an unhandled rejection: a failure reaches whoever awaits the key.
  signing.catch(() => {});

  const imported = new Map<string, Promise<CryptoKey>>();
  const externalKey = (pem: string): Promise<CryptoKey> => {
    let key = imported.get(pem);
    if (!key) {
      // The promise is cached, so concurrent sign-ins with a new key share one import (and one failure).
      key = importSPKI(pem, 'ES256');
      key.catch(() => {}); // a bad PEM is reported to the caller that awaits it; never an unhandled rejection
      if (imported.size >= MAX_CACHED_KEYS) imported.delete(imported.keys().next().value!);
      imported.set(pem, key);
    }
    return key;
  };
  // Imported in the background now, so that the first sign-in is as fast as the rest.
  for (const pem of preloadPems) void externalKey(pem);
  return { signing: () => signing, externalKey };
}

/** A new RS256 key pair with its JWK thumbprint (RFC 7638) as `kid`; tens of milliseconds. */
export async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, privateKey, publicKey, publicJwk: { ...jwk, kid, alg: 'RS256', use: 'sig' } };
}

/** A session's signing keys once it has rotated; until then the session has none and uses the server's. */
export interface SessionSigningKeys {
  /** Signs the session's new tokens. */
  current: SigningKey;
  /** Served in the session's JWKS and accepted on refresh, oldest first; `current` is the last. */
  published: SigningKey[];
  /** Keys retired from the JWKS: kid → when (session clock, seconds), so a refusal can say why. */
  retired: Map<string, number>;
}

/** The keys a session publishes at once: past this, rotating is refused until the old ones are retired. */
export const MAX_PUBLISHED_KEYS = 10;
/** Retired kids a session remembers (for the refusal's message); the oldest are forgotten past it. */
const MAX_REMEMBERED_RETIRED = 100;

/** What the session's JWKS publishes: its own keys once it rotated, else the server's one key. */
export async function publishedKeys(keys: SessionSigningKeys | undefined, services: B2CopyKeys): Promise<SigningKey[]> {
  return keys ? keys.published : [await services.signing()];
}

/**
 * Adds `next` as the session's signing key, the keys published so far kept in its JWKS. Synchronous, so
 * two rotations at once both land (the caller generates `next` before, outside the state).
 */
export function addSigningKey(
  keys: SessionSigningKeys | undefined,
  server: SigningKey,
  next: SigningKey,
): SessionSigningKeys {
  const session = keys ?? { current: server, published: [server], retired: new Map<string, number>() };
  session.published.push(next);
  session.current = next;
  return session;
}

/** Drops every published key but the current one from the session's JWKS; the kids retired. */
export function retireOldKeys(keys: SessionSigningKeys | undefined, nowSeconds: number): string[] {
  if (!keys) return [];
  const retired = keys.published.filter((key) => key !== keys.current).map((key) => key.kid);
  keys.published = [keys.current];
  for (const kid of retired) {
    keys.retired.delete(kid);
    keys.retired.set(kid, nowSeconds);
  }
  while (keys.retired.size > MAX_REMEMBERED_RETIRED) keys.retired.delete(keys.retired.keys().next().value!);
  return retired;
}

/**
 * Why a PEM cannot be an integration's key, or undefined: it must be an EC public key on P-256, which is
 * what ES256 tokens are verified with. Checked when an integration is added (control API, config file),
 * so a wrong key is refused there rather than at the first sign-in.
 */
export function publicKeyProblem(pem: string): string | undefined {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) return 'is a private key: give the public key only';
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    return 'must be a PEM public key ("-----BEGIN PUBLIC KEY-----"), EC P-256';
  }
  if (key.asymmetricKeyType !== 'ec') return `must be an EC P-256 key, not ${key.asymmetricKeyType?.toUpperCase()}`;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve !== 'prime256v1') return `must be an EC key on P-256 (prime256v1) for ES256, not ${curve}`;
  return undefined;
}
