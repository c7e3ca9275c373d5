/** The spec as served at `/__mock/openapi/{provider}.json|.yaml`: the mock's server entries point at this running
 * mock. */
import type { OpenApiDocument, ServerObject } from './openapi-types.ts';
import { MOCK_SERVER_PREFIX } from './load-spec.ts';

export function specForClients(source: OpenApiDocument, publicUrl: string): OpenApiDocument {
  const copy = structuredClone(source);
  const base = publicUrl.replace(/\/+$/, '');
  const rewrite = (servers: unknown) => {
    for (const server of (Array.isArray(servers) ? servers : []) as ServerObject[]) {
      if (server.url.startsWith(MOCK_SERVER_PREFIX)) server.url = base + server.url.slice(MOCK_SERVER_PREFIX.length);
    }
  };
  rewrite(copy.servers);
  for (const pathItem of Object.values(copy.paths ?? {})) {
    rewrite(pathItem.servers);
    for (const operation of Object.values(pathItem)) {
      if (operation && typeof operation === 'object' && 'servers' in operation)
        rewrite((operation as { servers: unknown }).servers);
    }
  }
  return copy;
}
