/**
 * B2COPY: Back Office sign-in, external-CRM sign-in with an ES256 JWT, token refresh with rotation
 * and reuse detection, and the standalone seamless-login URL with its Web UI landing page (docs:
 * docs/provider-docs/b2copy-seamless-login.md, b2copy-signin.md, b2copy-external-crm.md).
 * Options and the walkthrough: README.md in this folder.
 */
import type { operations } from '../../src/generated/b2copy.ts';
import { configurePlugin, definePlugin, type ProviderTypes } from '../../src/index.ts';
import { controlRoutes } from './control-routes.ts';
import { b2copyControls, b2copyEvents } from './controls.ts';
import { inspectToken } from './inspect-token.ts';
import { inspectSession } from './inspect-session.ts';
import { devPublicKeyPem } from './dev-keys/dev-key.ts';
import { formatB2CopyError } from './errors.ts';
import { MOUNT, collections, defaultFixtures, describeFixtures, configExample } from './fixtures.ts';
import { authExternalCrm } from './handlers/auth-external-crm.ts';
import { getAuthUrl } from './handlers/get-auth-url.ts';
import { refreshToken } from './handlers/refresh-token.ts';
import { signIn } from './handlers/sign-in.ts';
import { createKeys, type B2CopyKeys } from './keys.ts';
import { DEFAULT_OPTIONS, optionsSchema, type B2CopyOptions } from './options.ts';
import { webUiLandingPage } from './pages/web-ui.ts';
import { createB2CopyState, sweepB2CopyState, type B2CopyState } from './state.ts';

export type { B2CopyOptions } from './options.ts';
export type {
  B2CopyControls,
  IssuedToken,
  B2CopyEvents,
  RevokeTokensTarget,
  RevokedTokens,
  SigningKeyIds,
} from './controls.ts';

/**
 * The development key of the default external-CRM integration (key id `dev-key`). TEST ONLY: its
 * private key is committed in `dev-keys/` so that tests can sign external-CRM tokens; never register it
 * with a real B2COPY installation.
 */
export { DEV_KEY_ID, devPrivateKeyPem } from './dev-keys/dev-key.ts';

/** The types the B2COPY handlers, pages and control routes are written against. */
export interface B2Copy extends ProviderTypes {
  operations: operations;
  state: B2CopyState;
  services: B2CopyKeys;
  options: B2CopyOptions;
}

export const b2copyPlugin = definePlugin<B2Copy>({
  name: 'b2copy',
  title: 'B2COPY',
  spec: new URL('../../openapi/b2copy.yaml', import.meta.url),
  mounts: [MOUNT],
  options: DEFAULT_OPTIONS,
  optionsSchema,
  collections,
  fixtures: defaultFixtures,
  createState: createB2CopyState,
  sweep: sweepB2CopyState,
  // The signing key and the imported CRM keys need no option; the default integration's key is preloaded.
  // The server's signing key is a deployment-wide shared value: the same on every replica, kept across
  // restarts with the Redis store (keys.ts).
  setup: (_options, ctx) => createKeys([devPublicKeyPem()], ctx),
  handlers: { signIn, getAuthUrl, authExternalCrm, refreshToken },
  pages: [webUiLandingPage],
  // Token pairs, the one-time seamless-login link, and the page that signs the browser in with it.
  sensitive: ['signIn', 'authExternalCrm', 'refreshToken', 'getAuthUrl', webUiLandingPage.name],
  controlRoutes,
  controls: b2copyControls,
  events: b2copyEvents,
  configExample,
  // The inspector's flow view: where an auth flow begins.
  flows: { starts: ['signIn', 'authExternalCrm', 'getAuthUrl'] },
  inspectToken,
  inspectSession,
  formatError: formatB2CopyError,
  describe: describeFixtures,
});

/** The B2COPY plugin with other options, e.g. `createB2CopyPlugin({ accessTokenTtlSeconds: 60 })`. */
export function createB2CopyPlugin(options: Partial<B2CopyOptions> = {}) {
  return configurePlugin(b2copyPlugin, options);
}

export default b2copyPlugin;
