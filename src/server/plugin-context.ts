/** What handlers, prechecks, pages and control routes are given: the session's scope and the request. */
import type { Request, Response } from 'express';
import { parseCookies, remoteAddress } from '../http/request-parts.ts';
import { respond } from '../http/respond.ts';
import type { MockRequest, PluginContext } from '../plugin.ts';
import { SESSION_HEADER, SessionRegistry } from '../state/sessions.ts';
import type { SessionMeta } from '../state/store/store.ts';
import type { AppContext } from './app-context.ts';
import type { ProviderRuntime } from './provider-runtime.ts';
import { notesOf } from './request-notes.ts';

/** The session a request names (checked), noted for the log and journal. */
export function sessionOf(req: Request, res: Response): string {
  const sessionId = SessionRegistry.idFrom(req.headers[SESSION_HEADER]);
  notesOf(res).session = sessionId;
  return sessionId;
}

export async function pluginContext(
  runtime: ProviderRuntime,
  app: AppContext,
  sessionId: string,
  /** What the request already read of the session (a provider route reads it before the fault step). */
  meta?: SessionMeta,
): Promise<PluginContext> {
  const scope = await app.sessions.provider(sessionId, runtime.name, meta);
  // Not awaited: freeing dead records need not delay this answer; a failure only postpones it.
  runtime.sweepIfDue(scope.state, scope.clock.nowMs())?.catch((error: unknown) => {
    app.log('warn', 'sweeping session state failed', {
      session: sessionId,
      provider: runtime.name,
      error: String(error),
    });
  });
  const publicUrl = app.publicUrl();
  return {
    provider: runtime.name,
    sessionId,
    state: scope.state,
    fixtures: scope.fixtures,
    clock: scope.clock,
    options: scope.options,
    services: scope.services,
    publicUrl,
    urlFor: app.urlFor,
    respond,
  };
}

/** What a handler or page sees of the request. */
export function mockRequest(
  req: Request,
  headers: Record<string, string | undefined>,
  parts: Pick<MockRequest, 'path' | 'params' | 'query' | 'body'>,
): MockRequest {
  return {
    method: req.method,
    ...parts,
    headers,
    cookies: parseCookies(headers.cookie),
    remoteAddress: remoteAddress(req),
  };
}
