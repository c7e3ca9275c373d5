/**
 * The spec as served at `/__mock/openapi/{provider}.json|.yaml`: its server entries at the plugin's
 * mounts point at this running mock; the real hosts' entries stay as written.
 */
import { serverPath } from './load-spec.ts';
import type { OpenApiDocument, ServerObject } from './openapi-types.ts';

export function specForClients(source: OpenApiDocument, publicUrl: string, mounts: string[]): OpenApiDocument {
  const copy = structuredClone(source);
  const base = publicUrl.replace(/\/+$/, '');
  const rewrite = (servers: unknown) => {
    for (const server of (Array.isArray(servers) ? servers : []) as ServerObject[]) {
      const path = serverPath(server.url);
      if (mounts.includes(path)) server.url = path === '/' ? base : base + path;
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
