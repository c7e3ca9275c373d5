/** Listens on a port with the mock app; the API other projects' test suites use. */
import { BlockList, isIP, type AddressInfo } from 'node:net';
import { createServer, STATUS_CODES, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { BuiltinControls } from '../../mocks/index.ts';
import { controlsFor } from '../control/connect.ts';
import type { MockControls } from '../control/mock-controls.ts';
import { MockError } from '../errors.ts';
import { DEFAULT_SESSION } from '../state/sessions.ts';
import { builtinPlugins } from './resolve-plugins.ts';
import { createMockApp, DEFAULT_PORT, type MockApp, type MockServerOptions } from './create-app.ts';

export interface StartOptions extends MockServerOptions {
  /** Default 4010; 0 picks a free port. */
  port?: number;
  /**
   * Default 127.0.0.1: a laptop mock with well-known credentials should not listen on the network. Any
   * other address needs a `controlToken`, or `controlOpen` to say the control API is open on purpose.
   */
  host?: string;
}

/** Whether `host` is reachable from this machine only: localhost, 127.0.0.0/8, ::1 (or IPv4-mapped 127/8). */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  const family = isIP(host);
  if (family === 0) return false;
  // Made per call (once per start): nothing at module level.
  const loopback = new BlockList();
  loopback.addSubnet('127.0.0.0', 8, 'ipv4');
  loopback.addAddress('::1', 'ipv6');
  loopback.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');
  return loopback.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

/** The refusal to listen on the network with the control API open by accident. */
export class OpenControlError extends Error {
  constructor(readonly host: string) {
    super(
      `Refusing to listen on ${host} with the control API open: anyone who reaches it could reset sessions, ` +
        'read client secrets and watch every exchange. Set a control token (--control-token, ' +
        'PARTNERMOCK_CONTROL_TOKEN or controlToken: in the config file), or pass --control-open ' +
        '(controlOpen: true) to leave it open on purpose.',
    );
    this.name = 'OpenControlError';
  }
}

/**
 * A listening mock and its typed control API (src/control/mock-controls.ts): `clock`, `fixtures`,
 * `journal()`, `reset()` and each provider's helpers on the `default` session, `session(id)` for another.
 */
export interface RunningMockServer extends MockControls<BuiltinControls> {
  /** e.g. `http://localhost:4010` (the public URL). */
  url: string;
  port: number;
  /** The address it listens on. */
  host: string;
  /** Stops accepting connections and resolves when in-flight requests have finished. */
  close(): Promise<void>;
  mock: MockApp;
  server: Server;
}

export async function startMockServer(options: StartOptions = {}): Promise<RunningMockServer> {
  const mock = await createMockApp(options);
  const settings = mock.config?.settings;
  const host = options.host ?? (settings?.host as string | undefined) ?? '127.0.0.1';
  const controlToken = options.controlToken ?? (settings?.controlToken as string | undefined);
  const controlOpen = options.controlOpen ?? (settings?.controlOpen as boolean | undefined) ?? false;
  if (!isLoopbackHost(host) && controlToken === undefined && !controlOpen) {
    // Nothing half-started: the store's connection goes with the refusal.
    await mock.close();
    throw new OpenControlError(host);
  }
  // While closing, every answer says `Connection: close`, so keep-alive clients let go as soon as their
  // in-flight request is answered instead of holding close() open until the keep-alive timeout. Set
  // before the app sees the request: the app may answer it synchronously.
  let stopping = false;
  const inFlight = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    if (stopping) res.setHeader('Connection', 'close');
    inFlight.add(res);
    res.on('close', () => inFlight.delete(res));
    mock.handle(req, res);
  });
  server.on('clientError', (error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket) =>
    answerUnparsable(mock, error, socket),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? (settings?.port as number | undefined) ?? DEFAULT_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch(async (error: unknown) => {
    // Not listening (the port is taken): nothing may stay open, the store's connection included.
    await mock.close();
    throw error;
  });
  const { port } = server.address() as AddressInfo;
  if (!options.publicUrl && !settings?.publicUrl) mock.setPublicUrl(`http://localhost:${port}`);
  // Listening now: prepare in the background what the first request would otherwise wait for (the schema
  // generator for spec answers, the default session's fixtures), so that request is as fast as the rest.
  setImmediate(() => {
    for (const runtime of mock.providers) {
      runtime.ready().catch(() => {});
      mock.sessions.provider(DEFAULT_SESSION, runtime.name).catch(() => {});
    }
  });
  // The handle calls the control API where the server listens, which the public URL may not be.
  const served = mock.providers.map((runtime) => runtime.plugin);
  const plugins = [
    ...(await builtinPlugins()).filter((plugin) => !served.some((s) => s.name === plugin.name)),
    ...served,
  ];
  // The handle calls the control API with the token, if the server has one.
  const controls = controlsFor(`http://${loopbackFor(host)}:${port}`, plugins, globalThis.fetch, controlToken);
  let closing: Promise<void> | undefined;
  return Object.assign(controls, {
    url: mock.publicUrl(),
    port,
    host,
    mock,
    server,
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        stopping = true;
        for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
        mock.releaseHeld();
        server.close((error) => {
          // The store last: the requests that were in flight may still have needed it.
          const closed = mock.close();
          if (error) {
            closed.catch(() => {});
            reject(error);
          } else closed.then(resolve, reject);
        });
        // Keep-alive connections with no request in flight would hold close() open.
        server.closeIdleConnections();
      })),
  });
}

/** How this process reaches a server listening on `host`: a wildcard address by loopback. */
function loopbackFor(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * A request node's parser refused before express saw it (two Content-Length headers, a malformed
 * header line, a head too large): answered in the error shape of the provider whose path the request
 * line names, instead of node's bare `400 Bad Request`, and the connection closed.
 */
function answerUnparsable(
  mock: MockApp,
  error: NodeJS.ErrnoException & { rawPacket?: Buffer; reason?: string },
  socket: Duplex & { bytesWritten?: number },
): void {
  // As node's own handler: nothing to say on a socket that is gone or on which an answer has begun.
  if (!socket.writable || error.code === 'ECONNRESET' || (socket.bytesWritten ?? 0) > 0) {
    socket.destroy();
    return;
  }
  const requestLine = error.rawPacket?.toString('latin1').split('\r\n', 1)[0] ?? '';
  const path = /^[A-Z]+ (\/[^ ?#]*)/.exec(requestLine)?.[1] ?? '/';
  const [status, message] = PARSER_FAULTS[error.code ?? ''] ?? [
    400,
    `The request is not valid HTTP/1.1: ${error.reason ?? error.message}.`,
  ];
  const answer = mock.errorAnswer(
    path,
    new MockError(status, status === 400 ? 'invalid_request' : 'request_refused', message),
  );
  const body =
    answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  const headers = {
    ...answer.headers,
    'Content-Type': answer.contentType ?? 'application/json',
    'Content-Length': String(Buffer.byteLength(body)),
    Connection: 'close',
  };
  const head = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  // Written and then destroyed, as node does: the client gets the answer, and a client that never
  // closes its end cannot hold the socket half-open.
  socket.write(`HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ''}\r\n${head}\r\n${body}`);
  socket.destroy();
}

/** The statuses node's own client-error handler gives these parser faults, with our words. */
const PARSER_FAULTS: Readonly<Record<string, [number, string]>> = {
  HPE_HEADER_OVERFLOW: [431, 'The request headers are larger than the mock accepts.'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, "The request's chunk extensions are larger than the mock accepts."],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'The request was not received in time.'],
};
