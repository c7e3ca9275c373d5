/**
 * Mounts one provider: for each of its mounts an express router that serves the spec's operations
 * and the plugin's pages, answers unknown paths and methods in the provider's error shape, and
 * writes every error through the plugin's `formatError`.
 *
 * An operation request goes through these steps:
 *   session → security → parameters → body → handler (or the spec's answer) → response check → send
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { MockError, describeIssues, toMockError, type ValidationIssue } from '../errors.ts';
import type { ErrorContext, MockRequest, MockResponse, OperationInfo, PageRoute, PluginContext } from '../plugin.ts';
import { parseBody, parsePageBody } from '../http/parse-body.ts';
import { readBody } from '../http/read-body.ts';
import { parsePrefer } from '../http/prefer.ts';
import { NO_STORE, respond, sendMockResponse } from '../http/respond.ts';
import {
  expressPath,
  lowerCaseHeaders,
  parseCookies,
  queryObject,
  rawQuery,
  remoteAddress,
} from '../http/request-parts.ts';
import { logUnexposed, type Logger } from '../logger.ts';
import { SESSION_HEADER, SessionRegistry } from '../state/sessions.ts';
import type { CompiledOperation, ProviderRuntime } from './provider-runtime.ts';
import { normaliseMount, urlBuilder } from './provider-runtime.ts';

export interface RouterDependencies {
  sessions: SessionRegistry;
  publicUrl: () => string;
  bodyLimit: string | number;
  validateResponses: boolean;
  log: Logger;
}

/** What the request log and journal learn about a request once a route has matched it. */
export interface RequestNotes {
  provider?: string;
  operationId?: string;
  page?: string;
  session?: string;
  issues?: ValidationIssue[];
  /** The plugin marks the operation or page sensitive: every answer is no-store. */
  sensitive?: boolean;
}

export function notesOf(res: Response): RequestNotes {
  return ((res.locals as { mock?: RequestNotes }).mock ??= {});
}

/** Errors a handler threw: held to the spec like its answers (the core's own errors are not). */
const handlerErrors = new WeakSet<MockError>();

export function providerRouters(runtime: ProviderRuntime, deps: RouterDependencies): Map<string, express.Router> {
  const routers = new Map<string, express.Router>();
  const sensitive = new Set(runtime.plugin.sensitive ?? []);
  for (const mount of runtime.mounts) {
    const router = express.Router({ strict: false, caseSensitive: true });
    router.use((_req, res, next) => {
      notesOf(res).provider = runtime.name;
      next();
    });
    // Every body is read once as text, within the limit, and parsed by the operation's declared media type.
    router.use(readBody({ limit: deps.bodyLimit, charsets: 'any' }));

    const routes = new Map<string, { operations: Map<string, CompiledOperation>; pages: Map<string, PageRoute> }>();
    const routeFor = (path: string) => {
      let route = routes.get(path);
      if (!route) routes.set(path, (route = { operations: new Map(), pages: new Map() }));
      return route;
    };
    for (const compiled of runtime.operations.values()) {
      if (compiled.operation.mount === mount)
        routeFor(expressPath(compiled.operation.path)).operations.set(compiled.operation.method, compiled);
    }
    for (const page of runtime.plugin.pages ?? []) {
      if (normaliseMount(page.mount) === mount) routeFor(page.path).pages.set(page.method, page);
    }

    for (const [path, route] of routes) {
      router.all(path, async (req, res) => {
        // HEAD is answered as GET (express drops the body) for operations, from the spec. Pages have no
        // spec answer and may consume one-time things (a login link), which a link scanner's HEAD must
        // not do, so a page does not answer HEAD.
        const method = req.method === 'HEAD' ? 'GET' : req.method;
        const compiled = route.operations.get(method);
        const page = req.method === 'HEAD' ? undefined : route.pages.get(method as 'GET' | 'POST');
        // Noted first, so the answer carries no-store whatever it turns out to be, an error included.
        if (sensitive.has(compiled?.operation.operationId ?? page?.name ?? '')) notesOf(res).sensitive = true;
        if (compiled) return serveOperation(runtime, compiled, deps, req, res);
        if (page) return servePage(runtime, page, deps, req, res);
        // A wrong method is answered in the voice of what lives at this path, so a provider that
        // answers its pages' errors in HTML does so here too.
        const [firstOperation] = route.operations.values();
        const [firstPage] = route.pages.values();
        if (firstOperation) notesOf(res).operationId = firstOperation.operation.operationId;
        else if (firstPage) notesOf(res).page = firstPage.name;
        const allowed = [...route.operations.keys(), ...route.pages.keys()];
        throw new MockError(
          405,
          'method_not_allowed',
          `${req.method} is not allowed here; use ${allowed.join(', ')}.`,
          {
            headers: { Allow: allowed.join(', ') },
          },
        );
      });
    }
    router.use((req) => {
      throw new MockError(404, 'not_found', `${runtime.name} has no ${req.method} ${mount}${req.path}.`);
    });
    router.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
      const notes = notesOf(res);
      const compiled = notes.operationId ? runtime.operations.get(notes.operationId) : undefined;
      sendError(
        runtime,
        deps,
        res,
        toMockError(error),
        {
          ...(compiled ? { operation: operationInfo(runtime, compiled) } : {}),
          ...(notes.page ? { page: notes.page } : {}),
          query: queryObject(rawQuery(req)),
        },
        compiled,
      );
    });
    routers.set(mount, router);
  }
  return routers;
}

/** The session a request names, noted for the log and journal. */
function sessionOf(req: Request, res: Response): string {
  const sessionId = SessionRegistry.idFrom(req.headers[SESSION_HEADER]);
  notesOf(res).session = sessionId;
  return sessionId;
}

/** What a handler or page sees of the request. */
function mockRequest(
  req: Request,
  headers: Record<string, string | undefined>,
  parts: Pick<MockRequest, 'params' | 'query' | 'body'>,
): MockRequest {
  return {
    method: req.method,
    path: req.path,
    ...parts,
    headers,
    cookies: parseCookies(headers.cookie),
    remoteAddress: remoteAddress(req),
  };
}

async function serveOperation(
  runtime: ProviderRuntime,
  compiled: CompiledOperation,
  deps: RouterDependencies,
  req: Request,
  res: Response,
): Promise<void> {
  notesOf(res).operationId = compiled.operation.operationId;
  const sessionId = sessionOf(req, res);

  const query = rawQuery(req);
  const headers = lowerCaseHeaders(req);
  const validator = compiled.request;
  validator.checkSecurity(headers, query);
  const parsed = parseBody(typeof req.body === 'string' ? req.body : undefined, req.headers['content-type'], {
    declared: validator.bodyMediaTypes,
    required: validator.bodyRequired,
    jsonWithAnyContentType: validator.jsonWithAnyContentType,
  });
  const preference = parsePrefer(headers.prefer);
  // Like the handler, a precheck stands aside when the client asks for a spec answer (`Prefer`) or HEADs.
  const precheck = runtime.plugin.prechecks?.[compiled.operation.operationId];
  if (precheck && !preference && req.method !== 'HEAD') {
    try {
      await precheck({
        ...pluginContext(runtime, deps, sessionId),
        operation: operationInfo(runtime, compiled),
        request: mockRequest(req, headers, {
          params: { ...req.params },
          query: queryObject(query),
          body: parsed.value,
        }),
      });
    } catch (error) {
      if (error instanceof MockError) handlerErrors.add(error);
      throw error;
    }
  }
  const parameters = validator.parameters({ path: req.params as Record<string, string>, query, headers });
  const body = validator.body(parsed.mediaType, parsed.value);

  let response: MockResponse;
  // HEAD never runs a stateful handler: it must not use up a code or renew a token the client never sees.
  if (compiled.handler && !preference && req.method !== 'HEAD') {
    try {
      response = await compiled.handler({
        ...pluginContext(runtime, deps, sessionId),
        operation: operationInfo(runtime, compiled),
        request: mockRequest(req, headers, {
          params: parameters.path,
          query: { ...queryObject(query), ...parameters.query },
          body,
        }),
        fromSpec: (choice) => compiled.answers.answer(choice),
      });
    } catch (error) {
      if (error instanceof MockError) handlerErrors.add(error);
      throw error;
    }
  } else {
    // No stateful handler, a HEAD, or the client asked for a specific spec answer (`Prefer`): the
    // spec answers, and no state changes.
    response = compiled.answers.answer({
      ...(preference?.code !== undefined ? { status: preference.code } : {}),
      ...(preference?.example !== undefined ? { example: preference.example } : {}),
      ...(preference?.dynamic ? { dynamic: true } : {}),
    });
  }
  sendChecked(runtime, deps, res, compiled, response, { fromHandler: true });
}

async function servePage(
  runtime: ProviderRuntime,
  page: PageRoute,
  deps: RouterDependencies,
  req: Request,
  res: Response,
): Promise<void> {
  notesOf(res).page = page.name;
  const sessionId = sessionOf(req, res);
  const response = await page.handler({
    ...pluginContext(runtime, deps, sessionId),
    request: mockRequest(req, lowerCaseHeaders(req), {
      params: { ...req.params },
      query: queryObject(rawQuery(req)),
      body: parsePageBody(typeof req.body === 'string' ? req.body : undefined, req.headers['content-type']),
    }),
  });
  send(res, response);
}

export function pluginContext(runtime: ProviderRuntime, deps: RouterDependencies, sessionId: string): PluginContext {
  const scope = deps.sessions.provider(sessionId, runtime.name);
  const publicUrl = deps.publicUrl();
  return {
    provider: runtime.name,
    sessionId,
    state: scope.state,
    fixtures: scope.fixtures,
    clock: scope.clock,
    services: runtime.services,
    publicUrl,
    urlFor: urlBuilder(publicUrl),
    respond,
  };
}

function operationInfo(runtime: ProviderRuntime, compiled: CompiledOperation): OperationInfo {
  const { operationId, method, path, mount } = compiled.operation;
  return { provider: runtime.name, operationId, method, path, mount };
}

/** The headers the core adds to a plugin's answer: no-store for what the plugin marks sensitive. */
function withCoreHeaders(res: Response, response: MockResponse): MockResponse {
  return notesOf(res).sensitive ? { ...response, headers: { ...NO_STORE, ...response.headers } } : response;
}

function send(res: Response, response: MockResponse): void {
  sendMockResponse(res, withCoreHeaders(res, response));
}

/**
 * Sends an operation's answer after holding it to the spec. A violation is the mock's own bug:
 * it becomes a loud 500 naming the schema path, logged and journaled, so drift cannot hide.
 */
function sendChecked(
  runtime: ProviderRuntime,
  deps: RouterDependencies,
  res: Response,
  compiled: CompiledOperation,
  response: MockResponse,
  origin: { fromHandler: boolean },
): void {
  response = withCoreHeaders(res, response);
  if (deps.validateResponses) {
    const declared = compiled.response.isDeclared(response.status);
    // The core's own errors (413, 415, ...) need not be in every spec; everything else must be.
    if (origin.fromHandler || declared) {
      const issues = compiled.response.check({ ...response, headers: response.headers ?? {} });
      if (issues.length) {
        const { operationId } = compiled.operation;
        const message = `The mock's ${operationId} ${response.status} response breaks the spec: ${describeIssues(issues)}`;
        deps.log('error', 'mock response violates the spec', {
          provider: runtime.name,
          operationId,
          status: response.status,
          issues,
        });
        notesOf(res).issues = issues;
        // Exposed on purpose: the developer must see which schema path the mock broke.
        const error = new MockError(500, 'mock_response_invalid', message, { details: issues, expose: true });
        send(res, safeFormat(runtime, error, { operation: operationInfo(runtime, compiled), query: {} }));
        return;
      }
    }
  }
  send(res, response);
}

function sendError(
  runtime: ProviderRuntime,
  deps: RouterDependencies,
  res: Response,
  error: MockError,
  context: ErrorContext,
  compiled: CompiledOperation | undefined,
): void {
  logUnexposed(deps.log, error, { provider: runtime.name });
  if (error.details.length) notesOf(res).issues = error.details;
  const response = safeFormat(runtime, error, context);
  response.headers = { ...error.headers, ...response.headers };
  if (compiled) sendChecked(runtime, deps, res, compiled, response, { fromHandler: handlerErrors.has(error) });
  else send(res, response);
}

/** The plugin's error shape; if its formatter itself fails, a plain JSON error rather than nothing. */
export function safeFormat(runtime: ProviderRuntime, error: MockError, context: ErrorContext): MockResponse {
  const exposed = error.expose
    ? error
    : new MockError(500, 'internal_error', 'The mock server hit an unexpected error.');
  try {
    return runtime.plugin.formatError(exposed, context);
  } catch {
    return {
      status: exposed.status,
      contentType: 'application/json',
      body: { error: exposed.code, message: exposed.message },
    };
  }
}
