/** Listens on a port with the mock app; the API other projects' test suites use. */
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { createMockApp, DEFAULT_PORT, type MockApp, type MockServerOptions } from './create-app.ts';

export interface StartOptions extends MockServerOptions {
  /** Default 4010; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1: a laptop mock with well-known credentials should not listen on the network. */
  host?: string;
}

export interface RunningMockServer {
  /** e.g. `http://localhost:4010` (the public URL). */
  url: string;
  port: number;
  /** Stops accepting connections and resolves when in-flight requests have finished. */
  close(): Promise<void>;
  /** Back to the fixtures: one session, or all. */
  reset(session?: string): void;
  mock: MockApp;
  server: Server;
}

export async function startMockServer(options: StartOptions = {}): Promise<RunningMockServer> {
  const mock = await createMockApp(options);
  const server = createServer(mock.app);
  // While closing, every answer says `Connection: close`, so keep-alive clients let go as soon as their
  // in-flight request is answered instead of holding close() open until the keep-alive timeout.
  let stopping = false;
  const inFlight = new Set<ServerResponse>();
  server.on('request', (_req, res: ServerResponse) => {
    if (stopping) res.setHeader('Connection', 'close');
    inFlight.add(res);
    res.on('close', () => inFlight.delete(res));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  if (!options.publicUrl) mock.setPublicUrl(`http://localhost:${port}`);
  let closing: Promise<void> | undefined;
  return {
    url: mock.publicUrl(),
    port,
    mock,
    server,
    reset: (session) => mock.reset(session),
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        stopping = true;
        for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive connections with no request in flight would hold close() open.
        server.closeIdleConnections();
      })),
  };
}
