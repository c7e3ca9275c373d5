/** One structured log line per request, and a journal entry for each provider request. */
import type { NextFunction, Request, Response } from 'express';
import { silentLogger, type Logger } from '../logger.ts';
import type { Journal } from '../state/journal.ts';
import { DEFAULT_SESSION } from '../state/sessions.ts';
import { notesOf } from './request-notes.ts';

export function requestLog(log: Logger, journal: Journal) {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const notes = notesOf(res);
      const path = req.originalUrl.split('?')[0] ?? req.originalUrl;
      if (log !== silentLogger)
        log('info', 'request', {
          method: req.method,
          path,
          status: res.statusCode,
          ms: Math.round(durationMs * 10) / 10,
          ...(notes.provider ? { provider: notes.provider } : {}),
          ...(notes.operationId ? { operationId: notes.operationId } : {}),
          ...(notes.page ? { page: notes.page } : {}),
          ...(notes.session ? { session: notes.session } : {}),
        });
      if (!notes.provider) return;
      journal.record({
        time: new Date().toISOString(),
        session: notes.session ?? DEFAULT_SESSION,
        provider: notes.provider,
        ...(notes.operationId ? { operationId: notes.operationId } : {}),
        ...(notes.page ? { page: notes.page } : {}),
        method: req.method,
        path,
        status: res.statusCode,
        durationMs: Math.round(durationMs * 100) / 100,
        ...(notes.issues?.length ? { validationErrors: notes.issues } : {}),
      });
    });
    next();
  };
}
