/**
 * Signs an external-CRM token with the TEST-ONLY development key (key id `dev-key`), the way a CRM
 * signs one with its own key (docs: b2copy-external-crm.md: ES256, claims `admin_id`, `device_ip`, `key_id`).
 *
 *   import { signDevExternalToken } from './mocks/b2copy/dev-keys/sign-dev-external-token.ts';
 *   const externalToken = await signDevExternalToken({ adminId: 1, deviceIp: '127.0.0.1' });
 *
 * or from a shell (prints the token):
 *
 *   npx tsx mocks/b2copy/dev-keys/sign-dev-external-token.ts [adminId] [deviceIp]
 */
import { pathToFileURL } from 'node:url';
import { importPKCS8, SignJWT, type CryptoKey } from 'jose';
import { DEV_KEY_ID, devPrivateKeyPem } from './dev-key.ts';

export interface DevExternalTokenOptions {
  /** The `admin_id` claim. Default 1, the default service admin. */
  adminId?: string | number;
  /** The `device_ip` claim. Default `127.0.0.1`. */
  deviceIp?: string;
  /** The `key_id` claim. Default `dev-key`, the default integration. */
  keyId?: string;
  /** `exp` - `iat`. Default 300. */
  expiresInSeconds?: number;
  /**
   * `iat`. Default: the real time. Pass the mock's clock (`GET /__mock/clock` → `now`) after advancing it,
   * or the mock will find the token expired or issued in the future.
   */
  now?: Date;
}

let privateKey: Promise<CryptoKey> | undefined;

export async function signDevExternalToken(options: DevExternalTokenOptions = {}): Promise<string> {
  const { adminId = 1, deviceIp = '127.0.0.1', keyId = DEV_KEY_ID, expiresInSeconds = 300, now = new Date() } = options;
  privateKey ??= importPKCS8(devPrivateKeyPem(), 'ES256');
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({ admin_id: adminId, device_ip: deviceIp, key_id: keyId })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
    .setIssuedAt(iat)
    .setExpirationTime(iat + expiresInSeconds)
    .sign(await privateKey);
}

// Run directly: print a token for the admin and device IP given on the command line.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [adminId, deviceIp] = process.argv.slice(2);
  void signDevExternalToken({ ...(adminId ? { adminId } : {}), ...(deviceIp ? { deviceIp } : {}) }).then((token) =>
    console.log(token),
  );
}
