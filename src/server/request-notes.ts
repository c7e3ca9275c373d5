/**
 * What the app learns about a request as it goes: which provider, operation or page matched, which
 * session, what the spec refused. The request log, the journal and the error handler read it; it lives
 * on the response (`res.locals`), so it dies with the request.
 */
import type { Response } from 'express';
import type { ValidationIssue } from '../errors.ts';

export interface RequestNotes {
  /** `control` for the control API; the provider's name for its routes; unset elsewhere. */
  area?: 'control' | 'provider';
  provider?: string;
  operationId?: string;
  page?: string;
  session?: string;
  issues?: ValidationIssue[];
  /** The id of the fault rule that answered the request. */
  fault?: string;
  /** The plugin marks the operation or page sensitive: every answer is no-store. */
  sensitive?: boolean;
  /** `performance.now()` when the app took the request. */
  startedAt?: number;
  /** The request log is watching for this request's answer. */
  logged?: boolean;
}

export function notesOf(res: Response): RequestNotes {
  return ((res.locals as { mock?: RequestNotes }).mock ??= {});
}
