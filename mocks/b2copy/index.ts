/**
 * B2COPY: Back Office sign-in, external-CRM sign-in with an ES256 JWT, token refresh, and the
 * standalone seamless-login URL (docs: shared/seeds 000, 001, 002).
 */
import { fileURLToPath } from 'node:url';
import { definePlugin } from '../../src/index.ts';
import { formatB2CopyError } from './errors.ts';
import { DEV_KEY_ID, DEV_PRIVATE_KEY_PATH, MOUNT, collections, defaultFixtures, type SideAuthSettings } from './fixtures.ts';

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
    const sideAuth = fixtures.get<SideAuthSettings>('settings', 'sideAuth');
    return [
      'Back Office sign-in    username@example.com / Secret123',
      `Side Auth secret key   ${sideAuth?.secretKey ?? '(none)'}  (account 77632289, investment platform 1)`,
      `external CRM           key id ${DEV_KEY_ID}, admin 1, test-only private key ${fileURLToPath(DEV_PRIVATE_KEY_PATH)}`,
    ];
  },
});
