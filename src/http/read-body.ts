/** Wraps a body-parser middleware so that any failure to read the body is reported as the client's 4xx. */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { toBodyReadError } from '../errors.ts';

export function readBody(parser: RequestHandler): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    parser(req, res, (error?: unknown) => next(error === undefined ? undefined : toBodyReadError(error)));
  };
}
