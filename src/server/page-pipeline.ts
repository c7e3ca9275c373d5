/**
 * A page (login form, consent page, Web UI): HTML that belongs to a flow but not to the API, so it is
 * not in the spec and nothing validates it. Its errors go to the app's error handler, in the provider's
 * shape for pages (`ErrorContext.page`).
 */
import type { Request, Response } from 'express';
import { parsePageBody } from '../http/parse-body.ts';
import { requestHeaders, queryObject, rawQuery } from '../http/request-parts.ts';
import type { PageRoute } from '../plugin.ts';
import type { AppContext } from './app-context.ts';
import { sendAnswer } from './answer.ts';
import type { SessionMeta } from '../state/store/store.ts';
import { mockRequest, pluginContext, sessionOf } from './plugin-context.ts';
import type { ProviderRuntime } from './provider-runtime.ts';
import { notesOf } from './request-notes.ts';

export async function servePage(
  app: AppContext,
  runtime: ProviderRuntime,
  page: PageRoute,
  /** The request path below the mount. */
  path: string,
  req: Request,
  res: Response,
  /** What the request read of its session before the fault step. */
  meta: SessionMeta,
): Promise<void> {
  notesOf(res).page = page.name;
  const response = await page.handler({
    ...(await pluginContext(runtime, app, sessionOf(req, res), meta)),
    request: mockRequest(req, requestHeaders(req), {
      path,
      params: { ...req.params },
      query: queryObject(rawQuery(req)),
      body: parsePageBody(typeof req.body === 'string' ? req.body : undefined, req.headers['content-type']),
    }),
  });
  sendAnswer(app, res, response, { runtime, page: page.name, fromHandler: true });
}
