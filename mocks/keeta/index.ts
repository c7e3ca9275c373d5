/** Keeta: the merchant authorization URL and the redirect back (docs: shared/seeds 003). */
import { definePlugin } from '../../src/index.ts';
import { formatKeetaProblem } from './errors.ts';
import { DEFAULT_CLIENT_ID, MOUNT, collections, defaultFixtures, type KeetaApp } from './fixtures.ts';

export default definePlugin({
  name: 'keeta',
  title: 'Keeta',
  spec: new URL('../../openapi/keeta.yaml', import.meta.url),
  mounts: [MOUNT],
  collections,
  fixtures: defaultFixtures,
  formatError: formatKeetaProblem,
  describe(fixtures) {
    const app = fixtures.get<KeetaApp>('apps', DEFAULT_CLIENT_ID);
    return app ? [`app                    clientId ${app.clientId}, appId ${app.appId} (${app.region}, city ${app.cityId}, locale ${app.locale}), ${app.mode}`] : [];
  },
});
