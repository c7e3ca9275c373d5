/**
 * What the B2COPY mock builds once per server (`setup()`): the RS256 key pair its tokens are signed
 * with and the JWKS that publishes it, and a cache of the external CRMs' ES256 public keys so that each
 * registered PEM is imported once, not on every sign-in.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importSPKI, type CryptoKey, type JWK } from 'jose';
import type { ResolvedB2CopyOptions } from './options.ts';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** The public key as served at `/__mock/b2copy/jwks.json`. */
  publicJwk: JWK;
}

export interface B2CopyServices {
  options: ResolvedB2CopyOptions;
  signing: SigningKey;
  /** The ES256 public key of an external CRM integration, imported once per PEM. */
  externalKey(publicKeyPem: string): Promise<CryptoKey>;
}

/** Distinct PEMs kept imported; integrations added through the control API should never come near it. */
const MAX_CACHED_KEYS = 256;

export async function createServices(options: ResolvedB2CopyOptions, preloadPems: string[]): Promise<B2CopyServices> {
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
  // The default integration's key is imported at startup, so the first sign-in is as fast as the rest.
  await Promise.all(preloadPems.map(externalKey));
  return { options, signing, externalKey };
}
