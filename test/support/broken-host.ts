/**
 * A stand-in for a real provider host that breaks the spec, for the contract runner's failing runs: it
 * forwards every request to a partnermock server, hides its control API (so the runner takes it for a
 * real host), and answers B2COPY's signIn with `accessToken.token` as a number instead of a string.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BrokenHost {
  /** `http://127.0.0.1:<port>`; the mounts are the upstream's (`<url>/b2copy`). */
  url: string;
  close(): Promise<void>;
}

/** The field it breaks, as the contract runner names it. */
export const BROKEN_FIELD = '/accessToken/token must be string';

const HOP_BY_HOP = ['content-length', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive'];

export async function startBrokenHost(upstream: string): Promise<BrokenHost> {
  const server = createServer(async (request, response) => {
    try {
      if (request.url?.startsWith('/__mock')) {
        response.writeHead(404).end();
        return;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const headers = Object.fromEntries(
        Object.entries(request.headers).filter(([name]) => name !== 'host' && !HOP_BY_HOP.includes(name)),
      ) as Record<string, string>;
      const answer = await fetch(`${upstream}${request.url}`, {
        method: request.method!,
        headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(10_000),
        ...(chunks.length ? { body: Buffer.concat(chunks) } : {}),
      });
      let body = await answer.text();
      if (request.url === '/b2copy/api/v2/signin' && answer.status === 200) {
        const pair = JSON.parse(body) as { accessToken?: { token: unknown } };
        if (pair.accessToken) pair.accessToken.token = 12345;
        body = JSON.stringify(pair);
      }
      const out: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        if (!HOP_BY_HOP.includes(name)) out[name] = value;
      });
      response.writeHead(answer.status, out).end(body);
    } catch (error) {
      response.writeHead(502).end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
