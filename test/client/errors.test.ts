/**
 * Errors a CRM can switch on (issue 16, item 6): a provider's error answer is a ProviderError with a
 * normalized `code` and the `Retry-After` it carried; no usable answer (reset, timeout, abort, a body that is
 * not JSON, an empty 2xx, nobody listening) is a ProviderUnavailableError with a `reason`, from every client
 * and from the B2COPY session's refresh. Against the real mock and tiny servers on 127.0.0.1.
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ProviderError,
  ProviderUnavailableError,
  createB2CopyClient,
  createJust2TradeClient,
  createKeetaClient,
  type B2CopyTokenPair,
  type ProviderUnavailableReason,
} from '../../src/client/index.ts';
import { startMockServer, type RunningMockServer } from '../../src/index.ts';
import { newSession } from '../helpers.ts';

type Fetch = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

let mock: RunningMockServer;
beforeAll(async () => {
  mock = await startMockServer({ port: 0 });
});
afterAll(() => mock?.close());

/** Servers a test started; each is closed (and its sockets destroyed) after the test. */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

/** A fetch that puts the requests in their own mock session. */
function sessionFetch(): Fetch {
  const session = newSession();
  return (input, init) => {
    const request = new Request(input, init);
    request.headers.set('X-Mock-Session', session);
    return globalThis.fetch(request);
  };
}

/** The rejection of `call`, bounded: a call that neither resolves nor rejects in time fails the test. */
async function failureOf(call: Promise<unknown>, withinMs = 5_000): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the call did not settle within ${withinMs} ms`)), withinMs);
  });
  try {
    return await Promise.race([
      call.then(
        (value) => {
          throw new Error(`expected the call to fail, got ${JSON.stringify(value)}`);
        },
        (error: unknown) => error,
      ),
      bound,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function providerError(call: Promise<unknown>): Promise<ProviderError> {
  const error = await failureOf(call);
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

async function unavailable(call: Promise<unknown>, withinMs?: number): Promise<ProviderUnavailableError> {
  const error = await failureOf(call, withinMs);
  expect(error, String(error)).toBeInstanceOf(ProviderUnavailableError);
  return error as ProviderUnavailableError;
}

/** The three clients against one base URL (each provider's own paths under it). */
function clients(base: string, fetch?: Fetch) {
  const options = fetch ? { fetch } : {};
  return {
    b2copy: createB2CopyClient({ baseUrl: base, ...options }),
    keeta: createKeetaClient({ baseUrl: base, ...options }),
    just2trade: createJust2TradeClient({
      authBaseUrl: base,
      apiBaseUrl: base,
      clientId: 'crm-demo',
      clientSecret: 'secret',
      redirectUri: 'http://localhost:3000/callback',
      ...options,
    }),
  };
}

/** One call of each client, with the provider and operationId its failure must name. */
function everyClient(base: string, fetch?: Fetch) {
  const { b2copy, keeta, just2trade } = clients(base, fetch);
  return [
    {
      provider: 'b2copy',
      operationId: 'signIn',
      call: () => b2copy.signIn({ email: 'username@example.com', password: 'Secret123' }),
    },
    { provider: 'keeta', operationId: 'getAuthorizationUrl', call: () => keeta.getAuthorizationUrl({ clientId: 'x' }) },
    { provider: 'just2trade', operationId: 'requestToken', call: () => just2trade.exchangeCode('code') },
  ];
}

/** A raw TCP server on 127.0.0.1 that calls `onRequest` with the socket once a request's bytes arrive. */
async function rawServer(onRequest: (socket: Socket) => void): Promise<string> {
  const sockets = new Set<Socket>();
  const server: Server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.once('data', () => onRequest(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A raw HTTP/1.1 answer: status line, headers, the empty line, and `body` as given (however cut). */
function rawAnswer(headers: string[], body = ''): string {
  return ['HTTP/1.1 200 OK', ...headers, 'Connection: close', '', body].join('\r\n');
}

const CUT_JSON = '{"2faRequired":false,"accessToken":{"token":"eyJhbGciOi';

describe('ProviderError.code from the real mock', () => {
  it('B2COPY: errors[0].code of its envelope (a wrong password, a reused refresh token)', async () => {
    const b2copy = createB2CopyClient({ baseUrl: `${mock.url}/b2copy`, fetch: sessionFetch() });
    const wrong = await providerError(b2copy.signIn({ email: 'username@example.com', password: 'nope' }));
    expect(wrong).toMatchObject({ provider: 'b2copy', operationId: 'signIn', status: 401 });
    expect(wrong.code).toBe('invalid_credentials');
    expect(wrong.retryAfter).toBeUndefined();

    const pair = await b2copy.signIn({ email: 'username@example.com', password: 'Secret123' });
    if (pair['2faRequired']) throw new Error('unexpected 2FA');
    await b2copy.refresh(pair.refreshToken.token);
    const reused = await providerError(b2copy.refresh(pair.refreshToken.token));
    expect([reused.status, reused.code]).toEqual([401, 'refresh_token_reused']);
  });

  it('Keeta: the problem title when its type is about:blank (an unknown client, a bad redirect URI)', async () => {
    const keeta = createKeetaClient({ baseUrl: `${mock.url}/keeta`, fetch: sessionFetch() });
    const unknown = await providerError(keeta.getAuthorizationUrl({ clientId: 'no-such-client' }));
    expect(unknown).toMatchObject({ provider: 'keeta', operationId: 'getAuthorizationUrl', status: 401 });
    expect(unknown.body).toMatchObject({ type: 'about:blank', title: 'Unauthorized' });
    expect(unknown.code).toBe('Unauthorized');
    const invalid = await providerError(keeta.getAuthorizationUrl({ clientId: 'keeta-demo', redirectUri: 'ftp://x' }));
    expect([invalid.status, invalid.code]).toEqual([400, 'Bad Request']);
  });

  it('Just2Trade: the RFC 6749 error (a bad code, a wrong client secret, a bad token)', async () => {
    const registered = (await (await globalThis.fetch(`${mock.url}/__mock/just2trade/clients`)).json()) as {
      clientId: string;
      clientSecret: string;
    }[];
    const client = (clientSecret: string) =>
      createJust2TradeClient({
        authBaseUrl: `${mock.url}/just2trade/auth`,
        apiBaseUrl: `${mock.url}/just2trade/api`,
        clientId: 'crm-demo',
        clientSecret,
        redirectUri: 'http://localhost:3000/callback',
        fetch: sessionFetch(),
      });
    const just2trade = client(registered.find((entry) => entry.clientId === 'crm-demo')!.clientSecret);
    const badCode = await providerError(just2trade.exchangeCode('not-a-code'));
    expect(badCode).toMatchObject({ provider: 'just2trade', operationId: 'requestToken', status: 400 });
    expect(badCode.code).toBe('invalid_grant');
    const badSecret = await providerError(client('wrong-secret').exchangeCode('not-a-code'));
    expect([badSecret.status, badSecret.code]).toEqual([401, 'invalid_client']);
    const badToken = await providerError(just2trade.getProfile('not-a-token'));
    expect([badToken.operationId, badToken.status, badToken.code]).toEqual(['getProfile', 401, 'invalid_token']);
  });
});

describe('ProviderError.code when the answer is not the mock’s', () => {
  /** The next answer of the server: status, headers and body. */
  let answer: { status: number; headers: Record<string, string>; body: string };
  const server = createHttpServer((request, response) => {
    request.resume();
    response.writeHead(answer.status, answer.headers).end(answer.body);
  });
  let base: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
    answer = { status, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) };
  };

  it('Keeta: the last segment of a problem type URI, or of a URN', async () => {
    const { keeta } = clients(base);
    json(429, {
      type: 'https://open.keeta.example/problems/rate-limited?v=1',
      title: 'Too Many Requests',
      status: 429,
    });
    expect((await providerError(keeta.getAuthorizationUrl({ clientId: 'x' }))).code).toBe('rate-limited');
    json(409, { type: 'urn:keeta:problem:already-bound', title: 'Conflict', status: 409 });
    expect((await providerError(keeta.getAuthorizationUrl({ clientId: 'x' }))).code).toBe('already-bound');
    json(401, { title: 'Unexpected error', status: 500 });
    expect((await providerError(keeta.getAuthorizationUrl({ clientId: 'x' }))).code).toBe('Unexpected error');
  });

  it('Just2Trade: the WWW-Authenticate challenge’s error when the body has none', async () => {
    const { just2trade } = clients(base);
    answer = {
      status: 401,
      headers: { 'WWW-Authenticate': 'Bearer realm="just2trade", error="invalid_token", error_description="x"' },
      body: '',
    };
    const error = await providerError(just2trade.getProfile('t'));
    expect([error.status, error.code, error.body]).toEqual([401, 'invalid_token', '']);
  });

  it('http_<status> for a body that is not the provider’s shape, for each provider', async () => {
    answer = { status: 502, headers: { 'Content-Type': 'text/html' }, body: '<h1>Bad Gateway</h1>' };
    for (const { provider, operationId, call } of everyClient(base)) {
      const error = await providerError(call());
      expect([error.provider, error.operationId, error.status, error.code]).toEqual([
        provider,
        operationId,
        502,
        'http_502',
      ]);
      expect(error.body).toBe('<h1>Bad Gateway</h1>');
    }
    json(400, { errors: [{ message: 'no code' }], error: 42, title: '' });
    for (const { call } of everyClient(base)) expect((await providerError(call())).code).toBe('http_400');
  });

  it('retryAfter: Retry-After in seconds as sent, for a 429 and a 503', async () => {
    const { b2copy, keeta, just2trade } = clients(base);
    json(
      429,
      { status: 429, meta: { status: 429 }, data: null, errors: [{ code: 'rate_limited', message: 'Slow down.' }] },
      { 'Retry-After': '7' },
    );
    const limited = await providerError(b2copy.signIn({ email: 'a@b.example', password: 'p' }));
    expect([limited.status, limited.code, limited.retryAfter]).toEqual([429, 'rate_limited', 7]);

    json(503, { error: 'temporarily_unavailable' }, { 'Retry-After': '7' });
    const down = await providerError(just2trade.exchangeCode('c'));
    expect([down.status, down.code, down.retryAfter]).toEqual([503, 'temporarily_unavailable', 7]);

    json(503, { type: 'about:blank', title: 'Service Unavailable', status: 503 });
    expect((await providerError(keeta.getAuthorizationUrl({ clientId: 'x' }))).retryAfter).toBeUndefined();
  });

  it('retryAfter: an HTTP-date becomes the seconds until then, never negative', async () => {
    const { keeta } = clients(base);
    const problem = { type: 'about:blank', title: 'Service Unavailable', status: 503 };
    json(503, problem, { 'Retry-After': new Date(Date.now() + 30_000).toUTCString() });
    const soon = await providerError(keeta.getAuthorizationUrl({ clientId: 'x' }));
    expect(soon.retryAfter).toBeGreaterThanOrEqual(28);
    expect(soon.retryAfter).toBeLessThanOrEqual(30);
    expect(Number.isInteger(soon.retryAfter)).toBe(true);

    json(429, problem, { 'Retry-After': 'Wed, 21 Oct 2015 07:28:00 GMT' });
    expect((await providerError(keeta.getAuthorizationUrl({ clientId: 'x' }))).retryAfter).toBe(0);

    json(429, problem, { 'Retry-After': 'soon' });
    expect((await providerError(keeta.getAuthorizationUrl({ clientId: 'x' }))).retryAfter).toBeUndefined();
  });
});

describe('ProviderUnavailableError: no usable answer, from every client', () => {
  async function expectReason(
    base: string,
    reason: ProviderUnavailableReason,
    fetch?: Fetch,
    check?: (error: ProviderUnavailableError) => void,
  ) {
    for (const { provider, operationId, call } of everyClient(base, fetch)) {
      const error = await unavailable(call());
      expect({ provider: error.provider, operationId: error.operationId, reason: error.reason }).toEqual({
        provider,
        operationId,
        reason,
      });
      expect(error).not.toBeInstanceOf(ProviderError);
      expect(error.message).toContain(`${provider} ${operationId}`);
      check?.(error);
    }
  }

  it('reset: the server destroys the socket when the request arrives', async () => {
    const base = await rawServer((socket) => socket.destroy());
    await expectReason(base, 'reset', undefined, (error) => {
      expect(error.cause).toBeInstanceOf(TypeError);
      expect((error.cause as Error).cause).toMatchObject({ code: 'UND_ERR_SOCKET' });
    });
  });

  it('protocol: something answers, but not in HTTP (the request went out: not "network")', async () => {
    const base = await rawServer((socket) => socket.end('HTTP/1.1 2OO Garbled\r\n\r\n'));
    await expectReason(base, 'protocol', undefined, (error) => {
      expect((error.cause as Error).cause).toMatchObject({ code: expect.stringMatching(/^HPE_/) });
    });
  });

  it('reset: the server answers a TCP RST (ECONNRESET)', async () => {
    const base = await rawServer((socket) => socket.resetAndDestroy());
    await expectReason(base, 'reset', undefined, (error) => {
      expect((error.cause as Error).cause).toMatchObject({ code: 'ECONNRESET' });
    });
  });

  it('timeout: the server never answers and the fetch carries AbortSignal.timeout(200)', async () => {
    const base = await rawServer(() => {});
    const withTimeout: Fetch = (input, init) => globalThis.fetch(input, { ...init, signal: AbortSignal.timeout(200) });
    const started = Date.now();
    await expectReason(base, 'timeout', withTimeout, (error) => {
      expect(error.cause).toMatchObject({ name: 'TimeoutError' });
    });
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('aborted: the caller aborts the request', async () => {
    const base = await rawServer(() => {});
    const aborting: Fetch = (input, init) => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      return globalThis.fetch(input, { ...init, signal: controller.signal });
    };
    await expectReason(base, 'aborted', aborting, (error) => {
      expect(error.cause).toMatchObject({ name: 'AbortError' });
    });
  });

  it('malformed: a 200 application/json whose body is cut in the middle of the JSON', async () => {
    const base = await rawServer((socket) =>
      socket.end(rawAnswer(['Content-Type: application/json', `Content-Length: ${CUT_JSON.length}`], CUT_JSON)),
    );
    await expectReason(base, 'malformed', undefined, (error) => expect(error.cause).toBeInstanceOf(SyntaxError));
  });

  it('malformed: a 200 whose connection closes before the announced Content-Length', async () => {
    const base = await rawServer((socket) =>
      socket.end(rawAnswer(['Content-Type: application/json', `Content-Length: ${CUT_JSON.length * 2}`], CUT_JSON)),
    );
    await expectReason(base, 'malformed');
  });

  it('malformed: a 200 that is an HTML page, and a 200 whose JSON is null', async () => {
    const html = await rawServer((socket) =>
      socket.end(rawAnswer(['Content-Type: text/html', 'Content-Length: 13'], '<h1>Hi!</h1>\n')),
    );
    await expectReason(html, 'malformed');
    const nullBody = await rawServer((socket) =>
      socket.end(rawAnswer(['Content-Type: application/json', 'Content-Length: 4'], 'null')),
    );
    await expectReason(nullBody, 'malformed');
  });

  it('empty: a 200 with no body, with Content-Length: 0 and without a length', async () => {
    const zero = await rawServer((socket) =>
      socket.end(rawAnswer(['Content-Type: application/json', 'Content-Length: 0'])),
    );
    await expectReason(zero, 'empty', undefined, (error) => expect(error.cause).toBeUndefined());
    const unlengthed = await rawServer((socket) => socket.end(rawAnswer(['Content-Type: application/json'])));
    await expectReason(unlengthed, 'empty');
  });

  it('network: nobody listens on the port', async () => {
    const base = await rawServer(() => {});
    await cleanups.pop()!(); // closed: the port refuses connections
    await expectReason(base, 'network', undefined, (error) => expect(error.cause).toBeInstanceOf(TypeError));
  });

  it('other errors are not wrapped: a base URL that does not parse', async () => {
    const error = await failureOf(createKeetaClient({ baseUrl: 'http://[' }).getAuthorizationUrl({ clientId: 'x' }));
    expect(error).toBeInstanceOf(TypeError);
    expect(error).not.toBeInstanceOf(ProviderUnavailableError);
  });
});

describe('the B2COPY session’s refresh', () => {
  const expiring = (): B2CopyTokenPair => {
    const now = Date.now();
    const token = (ttlMs: number) => ({
      token: 'a.b.c',
      createdAt: new Date(now - 60_000).toISOString(),
      expiresAt: new Date(now + ttlMs).toISOString(),
    });
    return { '2faRequired': false, accessToken: token(1_000), refreshToken: token(86_400_000) };
  };

  it('a reset during the refresh is a ProviderUnavailableError for every waiting caller; the pair is kept', async () => {
    const base = await rawServer((socket) => socket.destroy());
    const b2copy = createB2CopyClient({ baseUrl: base });
    const pair = expiring();
    const session = b2copy.session(pair);
    const [first, second] = await Promise.all([unavailable(session.accessToken()), unavailable(session.accessToken())]);
    expect(first).toBe(second);
    expect(first).toMatchObject({ provider: 'b2copy', operationId: 'refreshToken', reason: 'reset' });
    expect(session.tokens).toBe(pair);
  });

  it('a refresh that times out, and one answered with an empty 200', async () => {
    const hanging = await rawServer(() => {});
    const withTimeout: Fetch = (input, init) => globalThis.fetch(input, { ...init, signal: AbortSignal.timeout(200) });
    const slow = createB2CopyClient({ baseUrl: hanging, fetch: withTimeout }).session(expiring());
    expect(await unavailable(slow.refresh())).toMatchObject({ operationId: 'refreshToken', reason: 'timeout' });

    const empty = await rawServer((socket) => socket.end(rawAnswer(['Content-Length: 0'])));
    const blank = createB2CopyClient({ baseUrl: empty }).session(expiring());
    expect(await unavailable(blank.accessToken())).toMatchObject({ operationId: 'refreshToken', reason: 'empty' });
  });

  it('a refresh the mock refuses stays a ProviderError with its code', async () => {
    const b2copy = createB2CopyClient({ baseUrl: `${mock.url}/b2copy`, fetch: sessionFetch() });
    const session = b2copy.session(expiring());
    const error = await providerError(session.refresh());
    expect([error.operationId, error.status, error.code]).toEqual(['refreshToken', 401, expect.any(String)]);
    expect(error.code).not.toMatch(/^http_/);
  });
});
