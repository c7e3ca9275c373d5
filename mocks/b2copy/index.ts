/**
 * B2COPY: Back Office sign-in, external-CRM sign-in with an ES256 JWT, token refresh with rotation
 * and reuse detection, and the standalone seamless-login URL with its Web UI landing page (docs:
 * shared/seeds 000, 001, 002). Options and the walkthrough: README.md in this folder.
 */
import { fileURLToPath } from 'node:url';
import { definePlugin } from '../../src/index.ts';
import { controlRoutes } from './control-routes.ts';
import { formatB2CopyError } from './errors.ts';
import {
  DEV_KEY_ID,
  DEV_PRIVATE_KEY_PATH,
  DEV_PUBLIC_KEY_PEM,
  MOUNT,
  collections,
  defaultFixtures,
  type Account,
  type BackOfficeUser,
  type ServiceAdmin,
  type SideAuthSettings,
} from './fixtures.ts';
import { authExternalCrm } from './handlers/authExternalCrm.ts';
import { getAuthUrl } from './handlers/getAuthUrl.ts';
import { refreshToken } from './handlers/refreshToken.ts';
import { signIn } from './handlers/signIn.ts';
import { resolveB2CopyOptions, type B2CopyOptions } from './options.ts';
import { webUiPage } from './pages/webUi.ts';
import { createServices, type B2CopyServices } from './services.ts';
import { createB2CopyState, type B2CopyState } from './state.ts';

export type { B2CopyOptions } from './options.ts';

export function createB2CopyPlugin(options: B2CopyOptions = {}) {
  const resolved = resolveB2CopyOptions(options);
  return definePlugin<B2CopyState, B2CopyServices>({
    name: 'b2copy',
    title: 'B2COPY',
    spec: new URL('../../openapi/b2copy.yaml', import.meta.url),
    mounts: [MOUNT],
    collections,
    fixtures: defaultFixtures,
    createState: createB2CopyState,
    setup: () => createServices(resolved, [DEV_PUBLIC_KEY_PEM]),
    handlers: { signIn, getAuthUrl, authExternalCrm, refreshToken },
    pages: [webUiPage],
    // Token pairs, the one-time seamless-login link, and the page that signs the browser in with it.
    sensitive: ['signIn', 'authExternalCrm', 'refreshToken', 'getAuthUrl', webUiPage.name],
    controlRoutes,
    formatError: formatB2CopyError,
    describe(fixtures, { publicUrl }) {
      const [user] = fixtures.list<BackOfficeUser>('users');
      const [account] = fixtures.list<Account>('accounts');
      const [admin] = fixtures.list<ServiceAdmin>('admins');
      const sideAuth = fixtures.get<SideAuthSettings>('settings', 'sideAuth');
      return [
        `Back Office sign-in    ${user ? `${user.email} / ${user.password}` : '(no user)'}`,
        `Side Auth secret key   ${sideAuth?.secretKey || '(empty)'}  (account ${account?.accountId ?? '-'}, investment platform ${account?.investmentPlatformId ?? '-'})`,
        `external CRM           key id ${DEV_KEY_ID}, admin ${admin?.id ?? '-'}, test-only private key ${fileURLToPath(DEV_PRIVATE_KEY_PATH)}`,
        `token JWKS             ${publicUrl}/__mock/b2copy/jwks.json`,
      ];
    },
  });
}

export default createB2CopyPlugin();
