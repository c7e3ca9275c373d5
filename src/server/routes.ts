/**
 * A provider's routes: for each of its mounts an express router that reads the body (within the limit),
 * finds the operation or page at the path and method, and hands it to its pipeline. Unknown paths are
 * 404 and known paths with another method 405, both in the provider's shape (the app's error handler).
 */
import express from 'express';
import { MockError } from '../errors.ts';
import { readBody } from '../http/read-body.ts';
import { expressPath } from '../http/request-parts.ts';
import type { PageRoute } from '../plugin.ts';
import type { AppContext } from './app-context.ts';
import { serveOperation } from './operation-pipeline.ts';
import { servePage } from './page-pipeline.ts';
import { normaliseMount, type ProviderRuntime } from './provider-runtime.ts';
import { notesOf } from './request-notes.ts';

interface Route {
  /** operationId by upper-case method. */
  operations: Map<string, string>;
  pages: Map<string, PageRoute>;
}

/** One router per mount of the provider, keyed by mount. */
export function providerRouters(app: AppContext, runtime: ProviderRuntime): Map<string, express.Router> {
  const sensitive = new Set(runtime.plugin.sensitive ?? []);
  const routers = new Map<string, express.Router>();
  for (const mount of runtime.mounts) {
    const router = express.Router({ strict: false, caseSensitive: true });
    router.use((_req, res, next) => {
      Object.assign(notesOf(res), { area: 'provider', provider: runtime.name });
      next();
    });
    router.use(readBody({ limit: app.bodyLimit, charsets: 'any' }));

    for (const [path, route] of routeTable(runtime, mount)) {
      router.all(path, async (req, res) => {
        // HEAD is answered as GET (express drops the body) for operations, from the spec. Pages have no
        // spec answer and may consume one-time things (a login link), which a link scanner's HEAD must
        // not do, so a page does not answer HEAD.
        const operationId = route.operations.get(req.method === 'HEAD' ? 'GET' : req.method);
        const page = req.method === 'HEAD' ? undefined : route.pages.get(req.method);
        // Noted first, so the answer carries no-store whatever it turns out to be, an error included.
        if (sensitive.has(operationId ?? page?.name ?? '')) notesOf(res).sensitive = true;
        if (operationId) {
          await runtime.ready();
          return serveOperation(app, runtime, runtime.compiled(operationId), req, res);
        }
        if (page) return servePage(app, runtime, page, req, res);
        // A wrong method is answered in the voice of what lives at this path, so a provider that
        // answers its pages' errors in HTML does so here too.
        const [firstOperation] = route.operations.values();
        const [firstPage] = route.pages.values();
        if (firstOperation) notesOf(res).operationId = firstOperation;
        else if (firstPage) notesOf(res).page = firstPage.name;
        const allowed = [...route.operations.keys(), ...route.pages.keys()].join(', ');
        throw new MockError(405, 'method_not_allowed', `${req.method} is not allowed here; use ${allowed}.`, {
          headers: { Allow: allowed },
        });
      });
    }
    router.use((req) => {
      throw new MockError(404, 'not_found', `${runtime.name} has no ${req.method} ${mount}${req.path}.`);
    });
    routers.set(mount, router);
  }
  return routers;
}

/** The operations and pages under one mount, by express path. */
function routeTable(runtime: ProviderRuntime, mount: string): Map<string, Route> {
  const routes = new Map<string, Route>();
  const routeFor = (path: string) => {
    let route = routes.get(path);
    if (!route) routes.set(path, (route = { operations: new Map(), pages: new Map() }));
    return route;
  };
  for (const operation of runtime.operations.values()) {
    if (operation.mount === mount)
      routeFor(expressPath(operation.path)).operations.set(operation.method, operation.operationId);
  }
  for (const page of runtime.plugin.pages ?? []) {
    if (normaliseMount(page.mount) === mount) routeFor(page.path).pages.set(page.method, page);
  }
  return routes;
}
