/**
 * The operation pipeline: how one request to a spec operation becomes its answer. Each step is a named
 * call; a step that refuses the request throws a MockError, which the app's error handler renders in
 * the provider's shape. What the plugin's own code (precheck, handler) throws is caught here and sent
 * through the same serializer with `fromHandler`, so it is held to the spec like the plugin's answers.
 */
import type { Request, Response } from 'express';
import { parseBody, type ParsedBody } from '../http/parse-body.ts';
import { parsePrefer, type Preference } from '../http/prefer.ts';
import { requestHeaders, queryObject, rawQuery } from '../http/request-parts.ts';
import { MockError } from '../errors.ts';
import type { MockResponse, PluginContext } from '../plugin.ts';
import type { AppContext } from './app-context.ts';
import { sendAnswer, sendError, type AnswerSite } from './answer.ts';
import type { SessionMeta } from '../state/store/store.ts';
import { mockRequest, pluginContext, sessionOf } from './plugin-context.ts';
import type { CompiledOperation, ProviderRuntime } from './provider-runtime.ts';
import { notesOf } from './request-notes.ts';

export async function serveOperation(
  app: AppContext,
  runtime: ProviderRuntime,
  compiled: CompiledOperation,
  /** The request path below the mount. */
  path: string,
  req: Request,
  res: Response,
  /** What the request read of its session before the fault step. */
  meta: SessionMeta,
): Promise<void> {
  notesOf(res).operationId = compiled.operation.operationId;
  const sessionId = sessionOf(req, res);
  const query = rawQuery(req);
  const headers = requestHeaders(req);

  compiled.request.checkSecurity(headers, query);
  const parsed = parseRequestBody(compiled, req);
  const preference = parsePrefer(headers.prefer);
  // HEAD never runs the plugin's code: it must not use up a code or renew a token the client never sees;
  // nor does a request that asks for a specific spec answer (`Prefer`).
  const runsPlugin = compiled.handler !== undefined && !preference && req.method !== 'HEAD';
  const queryValues = queryObject(query);
  const site: AnswerSite = { runtime, operation: compiled, query: queryValues, fromHandler: runsPlugin };

  let response: MockResponse;
  try {
    const context = runsPlugin ? await pluginContext(runtime, app, sessionId, meta) : undefined;
    if (context && runtime.plugin.prechecks?.[compiled.operation.operationId]) {
      await pluginCode(() => precheck(context, runtime, compiled, path, req, headers, query, parsed));
    }
    const parameters = compiled.request.parameters({ path: req.params as Record<string, string>, query, headers });
    const body = compiled.request.body(parsed.mediaType, parsed.value);
    response = context
      ? await pluginCode(() =>
          compiled.handler!({
            ...context,
            operation: compiled.info,
            request: mockRequest(req, headers, {
              path,
              params: parameters.path,
              query: Object.assign(queryValues, parameters.query),
              body,
            }),
            fromSpec: (choice) => compiled.answers.answer(choice),
          }),
        )
      : specAnswer(compiled, preference);
  } catch (error) {
    // The plugin's refusals (MockErrors it threw) are held to the spec like its answers; the core's own
    // refusals need not be, nor a crash, which becomes the provider's generic 500.
    const thrown = error instanceof PluginThrew ? error.thrown : error;
    return sendError(app, res, thrown, {
      ...site,
      fromHandler: error instanceof PluginThrew && thrown instanceof MockError,
    });
  }
  sendAnswer(app, res, response, site);
}

/** Marks what the plugin's own code threw, as opposed to the core's checks around it. */
class PluginThrew {
  constructor(readonly thrown: unknown) {}
}

/** Runs the plugin's code; a synchronous answer is not wrapped in a promise (no extra turn). */
function pluginCode<T>(run: () => T | Promise<T>): T | Promise<T> {
  let result: T | Promise<T>;
  try {
    result = run();
  } catch (error) {
    throw new PluginThrew(error);
  }
  return result instanceof Promise
    ? result.catch((error: unknown) => {
        throw new PluginThrew(error);
      })
    : result;
}

/** The body, read as text by the transport, parsed by the operation's declared media types. */
function parseRequestBody(compiled: CompiledOperation, req: Request): ParsedBody {
  const validator = compiled.request;
  return parseBody(typeof req.body === 'string' ? req.body : undefined, req.headers['content-type'], {
    declared: validator.bodyMediaTypes,
    required: validator.bodyRequired,
    jsonWithAnyContentType: validator.jsonWithAnyContentType,
  });
}

/** The plugin's checks that come before the spec's (an OAuth server's client authentication). */
async function precheck(
  context: PluginContext,
  runtime: ProviderRuntime,
  compiled: CompiledOperation,
  path: string,
  req: Request,
  headers: Record<string, string | undefined>,
  query: URLSearchParams,
  parsed: ParsedBody,
): Promise<void> {
  const check = runtime.plugin.prechecks?.[compiled.operation.operationId];
  if (!check) return;
  await check({
    ...context,
    operation: compiled.info,
    request: mockRequest(req, headers, {
      path,
      params: { ...req.params },
      query: queryObject(query),
      body: parsed.value,
    }),
  });
}

/** The answer the spec alone gives: no handler, a HEAD, or the status or example `Prefer` asked for. */
function specAnswer(compiled: CompiledOperation, preference: Preference | undefined): MockResponse {
  return compiled.answers.answer({
    ...(preference?.code !== undefined ? { status: preference.code } : {}),
    ...(preference?.example !== undefined ? { example: preference.example } : {}),
    ...(preference?.dynamic ? { dynamic: true } : {}),
  });
}
