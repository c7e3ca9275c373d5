/**
 * The development key pair of the default external-CRM integration — TEST ONLY (see README.md here).
 * Its private key is committed on purpose, so that tests and a CRM developer can sign an external-CRM
 * token for the local mock in one line. It must never be registered with a real B2COPY installation.
 */
import { readFileSync } from 'node:fs';

/** The key id (`key_id` claim) the default integration is registered under. */
export const DEV_KEY_ID = 'dev-key';

export const DEV_PRIVATE_KEY_URL = new URL('./external-crm-dev-key.private.pem', import.meta.url);
const DEV_PUBLIC_KEY_URL = new URL('./external-crm-dev-key.public.pem', import.meta.url);

let privatePem: string | undefined;
let publicPem: string | undefined;

/** The development private key (PKCS#8 PEM, ES256), read once. For tests and local signing only. */
export function devPrivateKeyPem(): string {
  return (privatePem ??= readFileSync(DEV_PRIVATE_KEY_URL, 'utf8'));
}

/** The development public key (SPKI PEM): what the default integration has registered. */
export function devPublicKeyPem(): string {
  return (publicPem ??= readFileSync(DEV_PUBLIC_KEY_URL, 'utf8'));
}
