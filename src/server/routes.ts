/**
 * The providers' routes: one middleware finds the provider whose mount a request path is under, reads
 * the body (within the limit), finds the operation or page at the path and method, and hands it to its
 * pipeline. Unknown paths are 404 and known paths with another method 405, both in the provider's shape
 * (the app's error handler).
 *
 * One table lookup rather than an express router per mount and a route per path: on the hot path, the
 * routing is what a bare server does (a map lookup), not a walk through layers of middleware.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { MockError } from '../errors.ts';
import { applyFaults, hasFaultWork } from '../faults/apply-faults.ts';
import { readBody } from '../http/read-body.ts';
import type { PageRoute } from '../plugin.ts';
import type { AppContext } from './app-context.ts';
import { serveOperation } from './operation-pipeline.ts';
import { servePage } from './page-pipeline.ts';
import { normaliseMount, type ProviderRuntime } from './provider-runtime.ts';
import { notesOf } from './request-notes.ts';
import { markStart } from './request-log.ts';
import { SESSION_HEADER } from '../state/sessions.ts';
import { sessionOf } from './plugin-context.ts';

interface Route {
  /** operationId by upper-case method. */
  operations: Map<string, string>;
  pages: Map<string, PageRoute>;
}

interface TemplateRoute extends Route {
  pattern: RegExp;
  names: string[];
}

/** One mount's routes: static paths by exact string, templated ones (`/webui/{token}`) by pattern. */
interface MountTable {
  mount: string;
  /** `mount` with a trailing slash: what a path below it starts with. */
  prefix: string;
  runtime: ProviderRuntime;
  sensitive: ReadonlySet<string>;
  exact: Map<string, Route>;
  templated: TemplateRoute[];
}

export function providerRoutes(app: AppContext): RequestHandler {
  // Longest mount first, so `/a/b` is not swallowed by a provider mounted at `/a`.
  const tables = app.runtimes
    .flatMap((runtime) => runtime.mounts.map((mount) => routeTable(runtime, mount)))
    .sort((a, b) => b.mount.length - a.mount.length);
  const body = readBody({ limit: app.bodyLimit, charsets: 'any' });

  return (req: Request, res: Response, next: NextFunction) => {
    const path = pathOf(req);
    const table = tables.find(({ mount, prefix }) => path === mount || path.startsWith(prefix));
    if (!table) return next();
    // CORS first: a preflight is answered here, before anything reads the request.
    if (app.cors.provider(req, res)) return;
    const notes = notesOf(res);
    notes.area = 'provider';
    notes.provider = table.runtime.name;
    markStart(res);
    // Noted now, so that a refusal before the pipelines (404, 405, 413, a repeated header) is journaled
    // under the session it was sent in; the pipelines check the id (a malformed one is refused there).
    const session = req.headers[SESSION_HEADER];
    if (typeof session === 'string' && session !== '') notes.session = session;
    body(req, res, (error?: unknown) => {
      if (error) return next(error);
      dispatch(app, table, path.slice(table.mount.length) || '/', req, res).catch(next);
    });
  };
}

async function dispatch(app: AppContext, table: MountTable, path: string, req: Request, res: Response): Promise<void> {
  const { runtime, mount } = table;
  const found = match(table, path);
  if (!found) throw new MockError(404, 'not_found', `${runtime.name} has no ${req.method} ${mount}${path}.`);
  const { route, params } = found;
  req.params = params;
  // HEAD is answered as GET (express drops the body) for operations, from the spec. Pages have no spec
  // answer and may consume one-time things (a login link), which a link scanner's HEAD must not do, so a
  // page does not answer HEAD.
  const operationId = route.operations.get(req.method === 'HEAD' ? 'GET' : req.method);
  const page = req.method === 'HEAD' ? undefined : route.pages.get(req.method);
  // Noted first, so the answer carries no-store whatever it turns out to be, an error included.
  if (table.sensitive.has(operationId ?? page?.name ?? '')) notesOf(res).sensitive = true;
  // Noted before the fault step, so a request a fault rule answers is journaled under its operation or page.
  if (operationId) notesOf(res).operationId = operationId;
  else if (page) notesOf(res).page = page.name;
  if (operationId || page) {
    if (operationId && !runtime.isReady) await runtime.ready();
    // What the store holds of the session, read once: its fault-rule count now, its clock for the plugin.
    const meta = await app.sessions.meta(sessionOf(req, res));
    const target = operationId ? { operationId } : { page: page!.name };
    if (hasFaultWork(app, runtime, meta) && (await applyFaults(app, runtime, target, meta, req, res))) return;
    if (operationId) return serveOperation(app, runtime, runtime.compiled(operationId), path, req, res, meta);
    return servePage(app, runtime, page!, path, req, res, meta);
  }
  // A wrong method is answered in the voice of what lives at this path, so a provider that answers its
  // pages' errors in HTML does so here too.
  const [firstOperation] = route.operations.values();
  const [firstPage] = route.pages.values();
  if (firstOperation) notesOf(res).operationId = firstOperation;
  else if (firstPage) notesOf(res).page = firstPage.name;
  const allowed = [...route.operations.keys(), ...route.pages.keys()].join(', ');
  throw new MockError(405, 'method_not_allowed', `${req.method} is not allowed here; use ${allowed}.`, {
    headers: { Allow: allowed },
  });
}

/** The route at a path below the mount (a trailing slash is ignored), with its decoded path parameters. */
function match(table: MountTable, path: string): { route: Route; params: Record<string, string> } | undefined {
  const key = path.length > 1 && path.endsWith('/') ? path.replace(/\/+$/, '') : path;
  const exact = table.exact.get(key);
  if (exact) return { route: exact, params: {} };
  for (const route of table.templated) {
    const values = route.pattern.exec(key);
    if (!values) continue;
    const params: Record<string, string> = {};
    route.names.forEach((name, index) => {
      try {
        params[name] = decodeURIComponent(values[index + 1]!);
      } catch {
        throw new MockError(400, 'invalid_request', `The path parameter ${name} is not valid percent-encoding.`);
      }
    });
    return { route, params };
  }
  return undefined;
}

/** The operations (from the spec, `{name}` templates) and pages (`:name` paths) under one mount. */
function routeTable(runtime: ProviderRuntime, mount: string): MountTable {
  const exact = new Map<string, Route>();
  const templated = new Map<string, TemplateRoute>();
  const routeFor = (template: string): Route => {
    const path = template.length > 1 ? template.replace(/\/+$/, '') : template;
    const names: string[] = [];
    const source = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}|:([A-Za-z0-9_]+)/g, (_, a, b) => {
      names.push((a ?? b) as string);
      return '([^/]+)';
    });
    if (!names.length) {
      let route = exact.get(path);
      if (!route) exact.set(path, (route = { operations: new Map(), pages: new Map() }));
      return route;
    }
    let route = templated.get(source);
    if (!route) {
      route = { operations: new Map(), pages: new Map(), pattern: new RegExp(`^${source}$`), names };
      templated.set(source, route);
    }
    return route;
  };
  for (const operation of runtime.operations.values()) {
    if (operation.mount === mount) routeFor(operation.path).operations.set(operation.method, operation.operationId);
  }
  for (const page of runtime.plugin.pages ?? []) {
    if (normaliseMount(page.mount) === mount) routeFor(page.path).pages.set(page.method, page);
  }
  return {
    mount,
    prefix: `${mount}/`,
    runtime,
    sensitive: new Set(runtime.plugin.sensitive ?? []),
    exact,
    templated: [...templated.values()],
  };
}

/** The request path, without the query (as express's `req.path`, which a request outside express lacks). */
function pathOf(req: Request): string {
  const url = req.originalUrl ?? req.url;
  const index = url.indexOf('?');
  return index === -1 ? url : url.slice(0, index);
}
