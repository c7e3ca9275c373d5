/**
 * The keys the B2COPY mock holds for the life of a server, built once in `setup()`: the RS256 key pair
 * its tokens are signed with (and the JWKS that publishes it), and the external CRMs' ES256 public keys,
 * each registered PEM imported once rather than on every sign-in.
 */
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

async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, privateKey, publicKey, publicJwk: { ...jwk, kid, alg: 'RS256', use: 'sig' } };
}
