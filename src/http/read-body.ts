/**
 * Reads a request body as text, within a size limit, before any route sees it, after refusing a
 * request that repeats a header its meaning depends on (see SINGLE_VALUED_HEADERS).
 *
 * Why not body-parser: when a body is too large it still reads the whole of it off the socket before
 * answering 413 ("read off entire request"), so a client that announces 10 GB keeps a socket and the
 * server busy until it has sent all of it. Here a declared `Content-Length` over the limit is refused
 * at once, unread; a chunked or compressed body is cut off as soon as it grows past the limit. Either
 * way the answer carries `Connection: close` and node closes the socket after it, so nothing more is
 * read.
 *
 * Every failure is the client's and becomes a 4xx MockError in the caller's error shape.
 */
import type { Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import bytes from 'bytes';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { MockError } from '../errors.ts';
import { repeatedHeader } from './request-parts.ts';

export interface ReadBodyOptions {
  /** Largest body, in bytes or as `1mb`; counted on the wire and again after decompression. */
  limit: string | number;
  /**
   * Charsets the body may declare. `any`: whatever the platform's TextDecoder knows (provider routes,
   * which emulate servers that take what they are sent); `utf-8`: only UTF-8 (the control API).
   */
  charsets: 'any' | 'utf-8';
}

/** Sent with every refusal that leaves a body unread: the socket cannot be reused after it. */
const CLOSE = { Connection: 'close' };

export function readBody(options: ReadBodyOptions): RequestHandler {
  const limit = typeof options.limit === 'number' ? options.limit : bytes.parse(options.limit);
  if (limit === null || !Number.isFinite(limit) || limit < 0)
    throw new Error(`bodyLimit ${String(options.limit)} is not a size.`);
  return (req: Request, _res: Response, next: NextFunction) => {
    const repeated = repeatedHeader(req.rawHeaders);
    if (repeated) {
      // Checked here, before the body, because Content-Length and Content-Type decide how it is read.
      return next(
        new MockError(
          400,
          'invalid_request',
          `The request carries the ${repeated.name} header ${repeated.count} times; send it once.`,
          {
            headers: CLOSE,
          },
        ),
      );
    }
    // Most requests (every GET) have no body: no promise, no listeners.
    if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
      req.body = undefined;
      return next();
    }
    read(req, limit, options.charsets).then(
      (text) => {
        req.body = text;
        next();
      },
      (error: unknown) => next(error),
    );
  };
}

function tooLarge(limit: number): MockError {
  return new MockError(
    413,
    'payload_too_large',
    `The request body is larger than the mock accepts (${bytes.format(limit)}).`,
    {
      headers: CLOSE,
    },
  );
}

async function read(req: Request, limit: number, charsets: ReadBodyOptions['charsets']): Promise<string | undefined> {
  const declaredLength = req.headers['content-length'];
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if (declaredLength === undefined && !chunked) return undefined;
  // Node has already refused a Content-Length that is not a number, or two that differ.
  if (declaredLength !== undefined && Number(declaredLength) > limit) throw tooLarge(limit);

  const decoder = textDecoder(req.headers['content-type'], charsets);
  // An empty body has nothing to inflate (`Content-Length: 0` with `Content-Encoding: gzip`).
  const inflater = declaredLength === '0' ? undefined : decompressor(req.headers['content-encoding']);
  if (inflater) req.pipe(inflater);
  const body = await collect(req, inflater, limit);
  return decoder.decode(body);
}

/**
 * The body's bytes, counted on the wire (a chunked body declares no length) and after decompression
 * (a small gzip body can inflate to gigabytes). Events rather than `for await`: ending an async
 * iteration early destroys the request, and with it the socket the 413 must still go out on.
 */
function collect(req: Request, inflater: Transform | undefined, limit: number): Promise<Buffer> {
  const source: Readable = inflater ?? req;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let wireBytes = 0;
    let bodyBytes = 0;
    let done = false;
    const finish = (error?: MockError) => {
      if (done) return;
      done = true;
      req.off('data', onWire).off('aborted', cutOff).off('error', cutOff);
      inflater?.off('error', undecodable);
      source.off('data', onBody).off('end', onEnd);
      if (inflater) {
        req.unpipe(inflater);
        inflater.destroy();
      }
      // Stop reading: the refusal says `Connection: close`, and node closes the socket after it.
      req.pause();
      if (error) reject(error);
      else resolve(Buffer.concat(chunks));
    };
    const onWire = (chunk: Buffer) => {
      wireBytes += chunk.length;
      if (wireBytes > limit) finish(tooLarge(limit));
    };
    const onBody = (chunk: Buffer) => {
      bodyBytes += chunk.length;
      if (bodyBytes > limit) return finish(tooLarge(limit));
      chunks.push(chunk);
    };
    const onEnd = () => finish();
    const cutOff = (cause?: unknown) =>
      finish(new MockError(400, 'malformed_body', 'The request body was cut off.', { headers: CLOSE, cause }));
    const undecodable = (cause: unknown) =>
      finish(
        new MockError(
          400,
          'invalid_request',
          'The request body could not be decoded (does its Content-Encoding match it?).',
          {
            headers: CLOSE,
            cause,
          },
        ),
      );
    req.on('data', onWire).on('aborted', cutOff).on('error', cutOff);
    inflater?.on('error', undecodable);
    source.on('data', onBody).on('end', onEnd);
  });
}

/** The stream that undoes the body's Content-Encoding; undefined for none. */
function decompressor(contentEncoding: string | undefined): Transform | undefined {
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity') return undefined;
  if (encoding === 'gzip' || encoding === 'x-gzip') return createGunzip();
  if (encoding === 'deflate') return createInflate();
  if (encoding === 'br') return createBrotliDecompress();
  throw new MockError(
    415,
    'unsupported_media_type',
    `The request body uses Content-Encoding ${encoding}, which the mock does not read (send identity, gzip, deflate or br).`,
    { headers: CLOSE },
  );
}

function textDecoder(contentType: string | undefined, charsets: ReadBodyOptions['charsets']): TextDecoder {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '')?.[1]?.toLowerCase() ?? 'utf-8';
  const refuse = () =>
    new MockError(
      415,
      'unsupported_media_type',
      `The request body uses charset ${charset}, which the mock does not read (send UTF-8).`,
      {
        headers: CLOSE,
      },
    );
  if (charsets === 'utf-8' && charset !== 'utf-8' && charset !== 'utf8') throw refuse();
  try {
    // Not fatal: bytes that are not valid in the charset become U+FFFD, as most servers read them. A
    // byte-order mark is dropped, as body-parser dropped it (JSON may not start with one).
    return new TextDecoder(charset);
  } catch {
    throw refuse();
  }
}
