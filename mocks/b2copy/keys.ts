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
  signing: SigningKey;
  /** The ES256 public key of an external CRM integration, imported once per PEM. */
  externalKey(publicKeyPem: string): Promise<CryptoKey>;
}

/** Distinct PEMs kept imported; integrations added through the control API should never come near it. */
const MAX_CACHED_KEYS = 256;

/** The server's keys; `preloadPems` (the default integration's) are imported now, not on first use. */
export async function createKeys(preloadPems: string[]): Promise<B2CopyKeys> {
  // A fresh key per server: tokens of one mock server never verify on another, like two installations.
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  const signing: SigningKey = { kid, privateKey, publicKey, publicJwk: { ...jwk, kid, alg: 'RS256', use: 'sig' } };

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
  // So that the first sign-in is as fast as the rest.
  await Promise.all(preloadPems.map(externalKey));
  return { signing, externalKey };
}
