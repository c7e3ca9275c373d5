/**
 * B2COPY: Back Office sign-in, external-CRM sign-in with an ES256 JWT, token refresh, and the
 * standalone seamless-login URL (docs: shared/seeds 000, 001, 002).
 */
import { fileURLToPath } from 'node:url';
import { definePlugin } from '../../src/index.ts';
import { formatB2CopyError } from './errors.ts';
import {
  DEV_KEY_ID,
  DEV_PRIVATE_KEY_PATH,
  MOUNT,
  collections,
  defaultFixtures,
  type Account,
  type BackOfficeUser,
  type ServiceAdmin,
  type SideAuthSettings,
} from './fixtures.ts';

export default definePlugin({
  name: 'b2copy',
  title: 'B2COPY',
  spec: new URL('../../openapi/b2copy.yaml', import.meta.url),
  mounts: [MOUNT],
  // The docs' own examples (`curl --data-raw '{...}'`) send JSON as form content; B2COPY reads it as JSON.
  jsonBodyWithAnyContentType: true,
  collections,
  fixtures: defaultFixtures,
  formatError: formatB2CopyError,
  describe(fixtures) {
    const [user] = fixtures.list<BackOfficeUser>('users');
    const [account] = fixtures.list<Account>('accounts');
    const [admin] = fixtures.list<ServiceAdmin>('admins');
    const sideAuth = fixtures.get<SideAuthSettings>('settings', 'sideAuth');
    return [
      `Back Office sign-in    ${user ? `${user.email} / ${user.password}` : '(no user)'}`,
      `Side Auth secret key   ${sideAuth?.secretKey || '(empty)'}  (account ${account?.accountId ?? '-'}, investment platform ${account?.investmentPlatformId ?? '-'})`,
      `external CRM           key id ${DEV_KEY_ID}, admin ${admin?.id ?? '-'}, test-only private key ${fileURLToPath(DEV_PRIVATE_KEY_PATH)}`,
    ];
  },
});
