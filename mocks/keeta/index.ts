/** Keeta: the merchant authorization URL and the redirect back (docs: shared/seeds 003). */
import { definePlugin } from '../../src/index.ts';
import { formatKeetaProblem } from './errors.ts';
import { DEFAULT_CLIENT_ID, MOUNT, collections, defaultFixtures } from './fixtures.ts';

export default definePlugin({
  name: 'keeta',
  title: 'Keeta',
  spec: new URL('../../openapi/keeta.yaml', import.meta.url),
  mounts: [MOUNT],
  collections,
  fixtures: defaultFixtures,
  formatError: formatKeetaProblem,
  describe: () => [`app                    clientId ${DEFAULT_CLIENT_ID}, appId 2123830428 (BR, city 110200008, locale en)`],
});
