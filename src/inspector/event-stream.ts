/**
 * `GET /__mock/events`: the journal live, as Server-Sent Events. Each entry recorded from now on that
 * passes the filter is one `exchange` event (`id:` the entry's id, `data:` the entry as JSON); a comment
 * line every few seconds keeps proxies from closing an idle stream. A reader that falls behind is
 * dropped, not buffered for: once what waits to be sent to it passes MAX_PENDING_BYTES, its stream is
 * closed, so a slow or stalled reader never grows the server's memory. Nothing runs per request when
 * nobody listens (the journal calls listeners only when it has some).
 */
import type { Request, Response } from 'express';
import type { AppContext } from '../server/app-context.ts';

/** What may wait to be sent to one reader before it is dropped. */
export const MAX_PENDING_BYTES = 256 * 1024;

const HEARTBEAT_MS = 15_000;

export function streamJournal(
  app: AppContext,
  req: Request,
  res: Response,
  filter: { session?: string; provider?: string },
): void {
  // A test may ask for a quicker heartbeat (at least 50 ms).
  // A stream opened while the server stops would hold close() open: refused, and the connection closed.
  if (app.stopping.aborted) {
    res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
    res.end('The mock is stopping.');
    return;
  }
  const asked = Number(req.query.heartbeatMs);
  const heartbeatMs = Number.isInteger(asked) && asked >= 50 ? asked : HEARTBEAT_MS;
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    // Not buffered by a proxy in front (nginx): events must arrive as they happen.
    'X-Accel-Buffering': 'no',
  });
  res.write(`retry: 2000\n: partnermock journal${filter.session ? ` of session ${filter.session}` : ''}\n\n`);
  const send = (text: string) => {
    if (res.writableLength > MAX_PENDING_BYTES) {
      stop();
      res.destroy();
      return;
    }
    res.write(text);
  };
  const unsubscribe = app.journal.subscribe((entry, json) => {
    if (filter.session !== undefined && entry.session !== filter.session) return;
    if (filter.provider !== undefined && entry.provider !== filter.provider) return;
    send(`id: ${entry.id}\nevent: exchange\ndata: ${json}\n\n`);
  });
  const heartbeat = setInterval(() => send(': heartbeat\n\n'), heartbeatMs);
  heartbeat.unref();
  const stop = () => {
    unsubscribe();
    clearInterval(heartbeat);
  };
  res.once('close', stop);
  // A stopping server ends the stream, or it would hold `close()` open forever.
  app.stopping.addEventListener('abort', () => res.end(), { once: true, signal: closedSignal(res) });
}

/** Aborted when the response closes, so the stopping listener goes with it. */
function closedSignal(res: Response): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => controller.abort());
  return controller.signal;
}
