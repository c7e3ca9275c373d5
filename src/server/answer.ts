/**
 * Every answer of the app leaves through here. There is one error middleware (`errorHandler`) and one
 * serializer (`renderError`): whatever threw, wherever, the error comes out in the shape of where it
 * happened — the provider's own (its `formatError`) on a provider's routes, the control API's
 * `{ "error": { code, message, details? } }` everywhere else — and never with a stack trace.
 *
 * An operation's answers, and the errors its handler or precheck throws, are held to the spec before
 * they are sent; the core's own errors (413, 415, a 404) need not be in every spec.
 */
import type { NextFunction, Request, Response } from 'express';
import { MockError, describeIssues, toMockError } from '../errors.ts';
import { queryObject, rawQuery } from '../http/request-parts.ts';
import { NO_STORE, sendMockResponse } from '../http/respond.ts';
import { logUnexposed } from '../logger.ts';
import type { MockResponse } from '../plugin.ts';
import type { AppContext } from './app-context.ts';
import type { CompiledOperation, ProviderRuntime } from './provider-runtime.ts';
import { notesOf } from './request-notes.ts';
import { journalAnswer } from './request-log.ts';

/** Where an answer or error comes from, which decides its shape and whether the spec checks it. */
export interface AnswerSite {
  /** The provider whose route it is; none for the control API and the app's own routes. */
  runtime?: ProviderRuntime;
  operation?: CompiledOperation;
  page?: string;
  /** The raw query, for formatters that echo something back (an OAuth `state`). */
  query?: Record<string, unknown>;
  /** The plugin's own answer or error (handler or precheck), held to the spec; not the core's. */
  fromHandler: boolean;
  /** A fault rule's answer: off the spec on purpose, so never checked against it. */
  fault?: boolean;
}

const INTERNAL_MESSAGE = 'The mock server hit an unexpected error.';

/** The one error middleware, for everything thrown outside an operation's handler. */
export function errorHandler(app: AppContext) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const notes = notesOf(res);
    const runtime = notes.provider ? app.runtimes.find((candidate) => candidate.name === notes.provider) : undefined;
    sendError(app, res, error, {
      ...(runtime ? { runtime } : {}),
      ...(runtime && notes.operationId ? { operation: compiledOrNone(runtime, notes.operationId) } : {}),
      ...(notes.page ? { page: notes.page } : {}),
      query: queryObject(rawQuery(req)),
      fromHandler: false,
    });
  };
}

/**
 * The operation an error belongs to, for its shape and its response check. If the operation itself
 * cannot compile (its spec has a schema ajv refuses), the error is still answered, in the plugin's shape.
 */
function compiledOrNone(runtime: ProviderRuntime, operationId: string): CompiledOperation | undefined {
  try {
    return runtime.compiled(operationId);
  } catch {
    return undefined;
  }
}

/** Renders and sends an error; the operation pipeline calls it directly for what its handler throws. */
export function sendError(app: AppContext, res: Response, thrown: unknown, site: AnswerSite): void {
  const error = toMockError(thrown);
  logUnexposed(app.log, error, site.runtime ? { provider: site.runtime.name } : { area: 'control API' });
  if (error.details.length) notesOf(res).issues = error.details;
  sendAnswer(app, res, renderError(app, error, site), site);
}

/** The serializer: a MockError in the shape of where it happened. */
export function renderError(app: AppContext, error: MockError, site: AnswerSite): MockResponse {
  const exposed = error.expose ? error : new MockError(500, 'internal_error', INTERNAL_MESSAGE);
  if (!site.runtime) return controlErrorAnswer(exposed);
  const answer = formatWithPlugin(app, site.runtime, exposed, site);
  return { ...answer, headers: { ...exposed.headers, ...answer.headers } };
}

/**
 * The plugin's error shape. If its formatter itself throws, that is logged with its stack and the
 * client gets the plugin's own 500 (or, should that throw too, a plain JSON 500): never the crash.
 */
function formatWithPlugin(app: AppContext, runtime: ProviderRuntime, error: MockError, site: AnswerSite): MockResponse {
  const context = {
    ...(site.operation ? { operation: site.operation.info } : {}),
    ...(site.page ? { page: site.page } : {}),
    query: site.query ?? {},
  };
  try {
    return runtime.plugin.formatError(error, context);
  } catch (crash) {
    app.log('error', 'formatError threw', {
      provider: runtime.name,
      code: error.code,
      error: String((crash as Error)?.stack ?? crash),
    });
    const internal = new MockError(500, 'internal_error', INTERNAL_MESSAGE);
    try {
      return runtime.plugin.formatError(internal, context);
    } catch {
      return {
        status: 500,
        contentType: 'application/json',
        body: { error: internal.code, message: internal.message },
      };
    }
  }
}

/** The control API's error shape (also the app's, off every provider's routes). */
export function controlErrorAnswer(error: MockError): MockResponse {
  return {
    status: error.status,
    headers: error.headers,
    contentType: 'application/json',
    body: {
      error: {
        code: error.code,
        message: error.expose ? error.message : INTERNAL_MESSAGE,
        ...(error.details.length ? { details: error.details } : {}),
      },
    },
  };
}

/**
 * Sends an answer with the core's headers (no-store for what the plugin marks sensitive) and, for an
 * operation, after holding it to the spec. A violation is the mock's own bug: a loud 500 naming the
 * schema path, logged and journaled, so drift cannot hide.
 */
export function sendAnswer(app: AppContext, res: Response, response: MockResponse, site: AnswerSite): void {
  if (!site.runtime) return sendMockResponse(res, response);
  const answer = notesOf(res).sensitive ? { ...response, headers: { ...NO_STORE, ...response.headers } } : response;
  const { runtime, operation } = site;
  if (
    runtime &&
    operation &&
    app.validateResponses &&
    !site.fault &&
    (site.fromHandler || operation.response.isDeclared(answer.status))
  ) {
    const issues = operation.response.check({ ...answer, headers: answer.headers ?? {} });
    if (issues.length) {
      const { operationId } = operation.operation;
      app.log('error', 'mock response violates the spec', {
        provider: runtime.name,
        operationId,
        status: answer.status,
        issues,
      });
      notesOf(res).issues = issues;
      // Exposed on purpose: the developer must see which schema path the mock broke.
      const violation = new MockError(
        500,
        'mock_response_invalid',
        `The mock's ${operationId} ${answer.status} response breaks the spec: ${describeIssues(issues)}`,
        { details: issues, expose: true },
      );
      sendAnswer(app, res, renderError(app, violation, site), { ...site, fromHandler: false, operation: undefined });
      return;
    }
  }
  journalAnswer(app.journal, res.req, res, answer.status, answer);
  sendMockResponse(res, answer);
}
