/**
 * What the app remembers of a request: a journal entry for each provider request (for
 * `GET /__mock/journal` and the inspector), written as its answer goes out, and one structured log line
 * per request when logging is on. Nothing here runs per request when there is nothing to do: the journal
 * is written from the one place provider answers leave (answer.ts), and the log middleware is installed
 * only with a logger.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger.ts';
import type { MockResponse } from '../plugin.ts';
import type { RequestJournal } from '../state/journal.ts';
import { DEFAULT_SESSION } from '../state/sessions.ts';
import { notesOf } from './request-notes.ts';

/** Marks when the app took the request (once), for the journal's and the log's durations. */
export function markStart(res: Response): void {
  notesOf(res).startedAt ??= performance.now();
}

/**
 * The journal entry of a provider request whose answer is being sent, with its exchange: references to what
 * the request path already holds (its headers, its body text, the answer), nothing copied or formatted.
 */
export function journalAnswer(
  journal: RequestJournal,
  req: Request,
  res: Response,
  status: number,
  answer?: MockResponse,
): void {
  const notes = notesOf(res);
  if (!notes.provider) return;
  journal.record({
    exchange: {
      request: {
        method: req.method,
        url: req.originalUrl,
        headers: req.headers,
        ...(typeof req.body === 'string' && req.body !== '' ? { body: keptBody(req.body) } : {}),
      },
      ...(answer
        ? {
            response: {
              status: answer.status,
              headers: answer.headers ?? {},
              ...(answer.contentType ? { contentType: answer.contentType } : {}),
              ...(answer.body !== undefined ? { body: answer.body } : {}),
            },
          }
        : {}),
    },
    atMs: Date.now(),
    session: notes.session ?? DEFAULT_SESSION,
    provider: notes.provider,
    ...(notes.operationId ? { operationId: notes.operationId } : {}),
    ...(notes.page ? { page: notes.page } : {}),
    method: req.method,
    path: pathOf(req),
    status,
    durationMs: elapsedMs(res, 100),
    ...(notes.issues?.length ? { validationErrors: notes.issues } : {}),
    ...(notes.fault ? { fault: notes.fault } : {}),
  });
}

/** The journal keeps this much of a request body: what the inspector shows, however large the body. */
export const KEPT_BODY_CHARS = 64 * 1024;

/**
 * A body as the journal keeps it: whole up to KEPT_BODY_CHARS, else its beginning copied out (a slice would
 * keep the whole string alive), so 500 entries of large bodies cannot hold hundreds of megabytes.
 */
function keptBody(body: string): string {
  return body.length <= KEPT_BODY_CHARS ? body : `${Buffer.from(body.slice(0, KEPT_BODY_CHARS)).toString()}…`;
}

/** One log line per request, once its answer has gone out. */
export function requestLog(log: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    // Once per request, though a request the server's handler passes on to the express app meets it twice.
    if (notesOf(res).logged) return next();
    notesOf(res).logged = true;
    markStart(res);
    // On close, not finish: a request a fault rule reset or held never finishes, and is logged with status 0.
    res.on('close', () => {
      const notes = notesOf(res);
      log('info', 'request', {
        method: req.method,
        path: pathOf(req),
        status: res.writableFinished ? res.statusCode : 0,
        ms: elapsedMs(res, 10),
        ...(notes.provider ? { provider: notes.provider } : {}),
        ...(notes.operationId ? { operationId: notes.operationId } : {}),
        ...(notes.page ? { page: notes.page } : {}),
        ...(notes.session ? { session: notes.session } : {}),
        ...(notes.fault ? { fault: notes.fault } : {}),
      });
    });
    next();
  };
}

function pathOf(req: Request): string {
  const index = req.originalUrl.indexOf('?');
  return index === -1 ? req.originalUrl : req.originalUrl.slice(0, index);
}

/** Milliseconds since the request was taken, rounded to 1/`precision`. */
function elapsedMs(res: Response, precision: number): number {
  const started = notesOf(res).startedAt;
  return started === undefined ? 0 : Math.round((performance.now() - started) * precision) / precision;
}
