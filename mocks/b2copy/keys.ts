/**
 * The keys the B2COPY mock signs and verifies with. `setup()` builds `B2CopyKeys` once per server: the
 * RS256 key pair its tokens are signed with (and the JWKS that publishes it), the external CRMs' ES256
 * public keys, each registered PEM imported once rather than on every sign-in, and the sessions' rotated
 * keys, each imported once per process.
 *
 * Keys live in the state store as JWK JSON (`StoredSigningKey`); a process imports each into a CryptoKey
 * once, by its kid, and never per request. The server's key is a deployment-wide shared value
 * (`ctx.shared('signing-key')`): every replica signs with the same key, and with the Redis store a restart
 * keeps it, so a token issued before the restart or by another replica still verifies.
 *
 * A session signs with the server's key until it rotates its own (`POST /__mock/b2copy/signing-keys/rotate`,
 * a partner-side event): from then on the session's state holds its keys (`SessionSigningKeys`), the
 * newest signing and every published one verifying, until `.../signing-keys/retire` drops the old ones.
 * A session that never rotates holds nothing and reads the server's key, as before.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  importSPKI,
  type CryptoKey,
  type JWK,
} from 'jose';
import type { SetupContext } from '../../src/index.ts';

/** A signing key as the store keeps it: JSON only, so every replica reads the same key. */
export interface StoredSigningKey {
  kid: string;
  privateJwk: JWK;
  /** The public key as served at `/__mock/b2copy/jwks.json` (with `kid`, `alg` and `use`). */
  publicJwk: JWK;
}

/** A stored key imported in this process, ready to sign and verify with. */
export interface SigningKey extends StoredSigningKey {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

/** What `setup()` builds: `ctx.services` in every handler, page and control route. */
export interface B2CopyKeys {
  /**
   * The server's RS256 signing key, the same on every replica. Read from the store (or, the very first
   * time, generated and stored) in the background from setup on: the start need not wait for it, and the
   * first sign-in awaits it if it is not ready yet. Imported once per process.
   */
  signing(): Promise<SigningKey>;
  /** A session's stored key, imported once per process (cached by kid), never per request. */
  signingKey(stored: StoredSigningKey): Promise<SigningKey>;
  /** Keeps a key this process generated as imported (a rotation's), so its first use imports nothing. */
  remember(key: SigningKey): void;
  /** The ES256 public key of an external CRM integration, imported once per PEM. */
  externalKey(publicKeyPem: string): Promise<CryptoKey>;
}

/** Distinct PEMs kept imported; integrations added through the control API should never come near it. */
const MAX_CACHED_KEYS = 256;
/** Sessions' signing keys kept imported, by kid; past it the oldest is dropped (and imported again if used). */
const MAX_CACHED_SIGNING_KEYS = 256;

/** The name of the server's signing key among the deployment-wide shared values. */
const SERVER_KEY = 'signing-key';

/**
 * The server's keys; `preloadPems` (the default integration's) are imported now, not on first use.
 * `shared` is the setup context's: where the server's signing key is kept for every replica.
 */
export function createKeys(preloadPems: string[], { shared }: SetupContext): B2CopyKeys {
  let server: Promise<SigningKey> | undefined;
  /** The server's key once imported: a rotated session publishing it needs no import of its own. */
  let serverKey: SigningKey | undefined;
  const signing = (): Promise<SigningKey> => {
    if (!server) {
      // The stored key when there is one: a restarted server, or another replica, signs with the same key.
      // Only the very first start of a deployment generates it (tens of milliseconds).
      const loading = shared<StoredSigningKey>(SERVER_KEY, async () => storedOf(await generateSigningKey())).then(
        importSigningKey,
      );
      server = loading;
      loading.then(
        (key) => {
          serverKey = key;
        },
        // A store that was unreachable is asked again by the next caller, rather than failing every
        // sign-in until a restart; the failure reaches whoever awaits this attempt (never an unhandled
        // rejection).
        () => {
          if (server === loading) server = undefined;
        },
      );
    }
    return server;
  };
  // Started now, not awaited: the server listens while the key is read (or generated).
  signing().catch(() => {});

  const importedSigning = new Map<string, Promise<SigningKey>>();
  const cacheSigning = (kid: string, key: Promise<SigningKey>): void => {
    importedSigning.delete(kid);
    if (importedSigning.size >= MAX_CACHED_SIGNING_KEYS) importedSigning.delete(importedSigning.keys().next().value!);
    importedSigning.set(kid, key);
  };
  const signingKey = (stored: StoredSigningKey): Promise<SigningKey> => {
    if (stored.kid === serverKey?.kid) return Promise.resolve(serverKey);
    let key = importedSigning.get(stored.kid);
    if (!key) {
      // The kid is the key's JWK thumbprint (RFC 7638): one kid, one key. The promise is cached, so
      // concurrent requests share one import; a failed one is not kept.
      const importing = importSigningKey(stored);
      importing.catch(() => {
        if (importedSigning.get(stored.kid) === importing) importedSigning.delete(stored.kid);
      });
      cacheSigning(stored.kid, (key = importing));
    }
    return key;
  };
  const remember = (key: SigningKey): void => cacheSigning(key.kid, Promise.resolve(key));

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
  return { signing, signingKey, remember, externalKey };
}

/** A new RS256 key pair with its JWK thumbprint (RFC 7638) as `kid`; tens of milliseconds. */
export async function generateSigningKey(): Promise<SigningKey> {
  // Extractable: the private key is stored as a JWK, for the other replicas and the next start.
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const [privateJwk, jwk] = await Promise.all([exportJWK(privateKey), exportJWK(publicKey)]);
  const kid = await calculateJwkThumbprint(jwk);
  return {
    kid,
    privateKey,
    publicKey,
    privateJwk: { ...privateJwk, kid, alg: 'RS256' },
    publicJwk: { ...jwk, kid, alg: 'RS256', use: 'sig' },
  };
}

/** The JSON of a key, as the store keeps it (never the CryptoKeys, which JSON would write as `{}`). */
export function storedOf({ kid, privateJwk, publicJwk }: StoredSigningKey): StoredSigningKey {
  return { kid, privateJwk, publicJwk };
}

async function importSigningKey(stored: StoredSigningKey): Promise<SigningKey> {
  const [privateKey, publicKey] = await Promise.all([
    importJWK(stored.privateJwk, 'RS256'),
    importJWK(stored.publicJwk, 'RS256'),
  ]);
  return { ...storedOf(stored), privateKey: privateKey as CryptoKey, publicKey: publicKey as CryptoKey };
}

/**
 * A session's signing keys once it has rotated; until then the session has none and uses the server's.
 * Stored as one JSON value of the session's state.
 */
export interface SessionSigningKeys {
  /**
   * Served in the session's JWKS and accepted on refresh, oldest first. The last one signs the session's
   * new tokens (see `currentKey`).
   */
  published: StoredSigningKey[];
  /** Keys retired from the JWKS, oldest retirement first, with when (session clock), so a refusal can say why. */
  retired: RetiredKey[];
}

export interface RetiredKey {
  kid: string;
  atSeconds: number;
}

/** The keys a session publishes at once: past this, rotating is refused until the old ones are retired. */
export const MAX_PUBLISHED_KEYS = 10;
/** Retired kids a session remembers (for the refusal's message); the oldest are forgotten past it. */
const MAX_REMEMBERED_RETIRED = 100;

/** The key that signs a rotated session's new tokens: the newest published one. */
export function currentKey(keys: SessionSigningKeys): StoredSigningKey {
  return keys.published[keys.published.length - 1]!;
}

/** When the session retired the key `kid` (session clock, seconds), or undefined. */
export function retiredAt(keys: SessionSigningKeys | undefined, kid: string | undefined): number | undefined {
  return kid === undefined ? undefined : keys?.retired.find((retired) => retired.kid === kid)?.atSeconds;
}

/** What the session's JWKS publishes: its own keys once it rotated, else the server's one key. */
export async function publishedKeys(
  keys: SessionSigningKeys | undefined,
  services: B2CopyKeys,
): Promise<StoredSigningKey[]> {
  return keys ? keys.published : [await services.signing()];
}

/**
 * The session's keys with `next` as its signing key, the keys published so far kept in its JWKS (the
 * server's, on the first rotation). A new value: the caller writes it back.
 */
export function addSigningKey(
  keys: SessionSigningKeys | undefined,
  server: StoredSigningKey,
  next: StoredSigningKey,
): SessionSigningKeys {
  return {
    published: [...(keys?.published ?? [storedOf(server)]), storedOf(next)],
    retired: keys?.retired ?? [],
  };
}

/**
 * The session's keys with every published key but the current one dropped from its JWKS, and the kids
 * retired. A new value (undefined for a session that never rotated): the caller writes it back.
 */
export function retireOldKeys(
  keys: SessionSigningKeys | undefined,
  nowSeconds: number,
): { keys: SessionSigningKeys | undefined; retired: string[] } {
  if (!keys) return { keys, retired: [] };
  const current = currentKey(keys);
  const retired = keys.published.filter((key) => key.kid !== current.kid).map((key) => key.kid);
  const remembered = [
    ...keys.retired.filter((key) => !retired.includes(key.kid)),
    ...retired.map((kid) => ({ kid, atSeconds: nowSeconds })),
  ].slice(-MAX_REMEMBERED_RETIRED);
  return { keys: { published: [current], retired: remembered }, retired };
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
