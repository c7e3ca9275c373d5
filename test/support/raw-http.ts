/**
 * HTTP/1.1 over a bare TCP socket, for what fetch and supertest will not send: a header twice, a
 * Content-Length the body never reaches, a body dribbled in chunks while the answer is watched for.
 */
import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  status: number;
  /** Header names in lower case; a repeated header's values joined with `, `. */
  headers: Record<string, string>;
  body: string;
  /** Milliseconds from connecting to the answer's first byte. */
  answeredAfterMs: number;
  /** Milliseconds from connecting until the server closed the socket (undefined: still open). */
  closedAfterMs?: number;
  /** Request bytes written before the answer arrived. */
  bytesSentBeforeAnswer: number;
}

export interface RawRequestOptions {
  /** The request head and any start of the body, as sent. */
  head: string;
  /**
   * Called after the head is written, with a `write` that resolves false once the answer is in or the
   * socket is gone; for bodies sent in pieces. Must stop by itself (bounded loops only).
   */
  body?: (write: (chunk: string | Buffer) => Promise<boolean>) => Promise<void>;
  /** Give up waiting for the answer and the close after this long. Default 5 s. */
  timeoutMs?: number;
}

export function rawRequest(port: number, options: RawRequestOptions): Promise<RawAnswer> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let answeredAfterMs: number | undefined;
    let bytesSentBeforeAnswer = 0;
    let sent = 0;
    let closedAfterMs: number | undefined;
    const timer = setTimeout(() => finish(), options.timeoutMs ?? 5000);

    function finish() {
      clearTimeout(timer);
      socket.destroy();
      const text = received.toString('latin1');
      const headEnd = text.indexOf('\r\n\r\n');
      if (answeredAfterMs === undefined || headEnd === -1) {
        reject(
          new Error(`no answer within ${options.timeoutMs ?? 5000} ms (got ${JSON.stringify(text.slice(0, 200))})`),
        );
        return;
      }
      const [statusLine, ...lines] = text.slice(0, headEnd).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
      }
      resolve({
        status: Number(statusLine?.split(' ')[1]),
        headers,
        body: received.subarray(Buffer.byteLength(text.slice(0, headEnd + 4), 'latin1')).toString('utf8'),
        answeredAfterMs,
        bytesSentBeforeAnswer,
        ...(closedAfterMs !== undefined ? { closedAfterMs } : {}),
      });
    }

    socket.on('data', (chunk: Buffer) => {
      if (answeredAfterMs === undefined) {
        answeredAfterMs = elapsed();
        bytesSentBeforeAnswer = sent;
      }
      received = Buffer.concat([received, chunk]);
    });
    socket.on('error', () => {
      // A reset after the answer is how a server refuses the rest of a body; the close records it.
    });
    socket.on('close', () => {
      closedAfterMs = elapsed();
      finish();
    });

    const write = (chunk: string | Buffer) =>
      new Promise<boolean>((done) => {
        if (answeredAfterMs !== undefined || socket.destroyed || closedAfterMs !== undefined) return done(false);
        sent += Buffer.byteLength(chunk);
        socket.write(chunk, (error) => done(!error && answeredAfterMs === undefined));
      });
    socket.on('connect', async () => {
      await write(options.head);
      await options.body?.(write);
    });
  });
}
