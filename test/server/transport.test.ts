/**
 * Hostile input at the transport, over a real socket (supertest cannot send these): bodies that
 * announce or grow past the limit are refused without being read, and requests that repeat a header
 * their meaning depends on are refused rather than answered for one copy.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type RunningMockServer } from '../../src/index.ts';
import { SINGLE_VALUED_HEADERS } from '../../src/http/request-parts.ts';
import { rawRequest } from '../support/raw-http.ts';

const LIMIT = 64 * 1024;
let mock: RunningMockServer;
beforeAll(async () => {
  mock = await startMockServer({ port: 0, bodyLimit: LIMIT });
});
afterAll(() => mock.close());

const SIGN_IN = '/b2copy/api/v2/signin';
const head = (path: string, headers: string[]) =>
  `POST ${path} HTTP/1.1\r\nHost: localhost\r\n${headers.map((header) => `${header}\r\n`).join('')}\r\n`;

describe('a body over the limit', () => {
  // Each case: where, and the error shape expected there.
  const places = [
    { path: SIGN_IN, shape: (body: any) => expect(body.errors[0].code).toBe('payload_too_large') },
    { path: '/keeta/oauth/authorization/url', shape: (body: any) => expect(body.title).toBeTruthy() },
    { path: '/just2trade/auth/connect/token', shape: (body: any) => expect(body.error).toBeTruthy() },
    { path: '/__mock/b2copy/users', shape: (body: any) => expect(body.error.code).toBe('payload_too_large') },
  ];

  it.each(places)(
    '$path: a declared 10 GB body is answered 413 at once, unread, and the socket closed',
    async ({ path, shape }) => {
      const answer = await rawRequest(mock.port, {
        head: head(path, ['Content-Type: application/json', 'Content-Length: 10737418240']),
        // Keep sending, as such a client would, for at most 2 s: the answer must not wait for it.
        body: async (write) => {
          const chunk = Buffer.alloc(16 * 1024, 'a');
          for (let i = 0; i < 200 && (await write(chunk)); i++) await new Promise((r) => setTimeout(r, 10));
        },
      });
      expect(answer.status).toBe(413);
      expect(answer.headers.connection).toBe('close');
      expect(answer.answeredAfterMs).toBeLessThan(1000);
      expect(answer.closedAfterMs).toBeDefined();
      expect(answer.closedAfterMs!).toBeLessThan(3000);
      shape(JSON.parse(answer.body));
      expect(answer.body).toMatch(/larger than the mock accepts \(64KB\)/);
    },
  );

  it('a chunked body is cut off as soon as it grows past the limit', async () => {
    const chunk = Buffer.alloc(8 * 1024, 'a');
    let chunksWritten = 0;
    const answer = await rawRequest(mock.port, {
      head: head(SIGN_IN, ['Content-Type: application/json', 'Transfer-Encoding: chunked']),
      body: async (write) => {
        // Up to 400 chunks (3.2 MB), one every 5 ms, stopping as soon as the answer is in.
        for (; chunksWritten < 400; chunksWritten++) {
          if (!(await write(`${chunk.length.toString(16)}\r\n${chunk.toString()}\r\n`))) break;
          await new Promise((r) => setTimeout(r, 5));
        }
      },
    });
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
    // The limit is 8 chunks; the answer comes long before the client would have finished.
    expect(chunksWritten).toBeLessThan(100);
    expect(answer.closedAfterMs).toBeDefined();
  });

  it('a small gzip body that inflates past the limit is refused', async () => {
    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024, ' '));
    expect(bomb.length).toBeLessThan(LIMIT);
    const response = await fetch(`http://127.0.0.1:${mock.port}${SIGN_IN}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
      body: bomb,
    });
    expect(response.status).toBe(413);
    expect((await response.json()).errors[0].code).toBe('payload_too_large');
  });

  it('a body within the limit still works, compressed or not', async () => {
    const body = JSON.stringify({ email: 'nobody@example.com', password: 'wrong' });
    for (const [encoding, bytes] of [
      ['identity', Buffer.from(body)],
      ['gzip', gzipSync(body)],
    ] as const) {
      const response = await fetch(`http://127.0.0.1:${mock.port}${SIGN_IN}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Encoding': encoding },
        body: bytes,
      });
      // Read and checked: a wrong password, not a transport error.
      expect(response.status).toBe(401);
    }
  });

  it('the limit is an option: the default accepts 1 MB and refuses more', async () => {
    const defaults = await startMockServer({ port: 0 });
    try {
      const send = (size: number) =>
        rawRequest(defaults.port, {
          head: head(SIGN_IN, ['Content-Type: application/json', `Content-Length: ${size}`, 'Connection: close']),
          body: async (write) => {
            await write(`{"email":"${'a'.repeat(size - 12)}"}`);
          },
        });
      expect((await send(1024 * 1024)).status).toBe(400);
      expect((await send(1024 * 1024 + 1)).status).toBe(413);
    } finally {
      await defaults.close();
    }
  });
});

describe('a security-relevant header sent twice', () => {
  // Why these: Authorization and Cookie say who the caller is; Content-Type and Content-Length say how
  // the body is read; X-Mock-Session says whose state it touches. Node keeps the first Authorization and
  // Content-Type, joins two Cookie or X-Mock-Session headers, and refuses two differing Content-Lengths
  // itself; a proxy in front may keep the other copy. So the mock answers for neither.
  expect(SINGLE_VALUED_HEADERS).toEqual([
    'authorization',
    'content-type',
    'content-length',
    'cookie',
    'x-mock-session',
  ]);

  const twice: Record<string, [string, string]> = {
    authorization: ['Authorization: Bearer first', 'Authorization: Bearer second'],
    'content-type': ['Content-Type: application/json', 'Content-Type: application/x-www-form-urlencoded'],
    'content-length': ['Content-Length: 2', 'Content-Length: 2'],
    cookie: ['Cookie: a=1', 'Cookie: b=2'],
    'x-mock-session': ['X-Mock-Session: one', 'X-Mock-Session: two'],
  };
  const routes = [
    { name: 'B2COPY sign-in', method: 'POST', path: SIGN_IN, shape: (body: any) => body.errors[0].code },
    { name: 'Just2Trade profile', method: 'GET', path: '/just2trade/api/auth', shape: (body: any) => body.error },
    {
      name: 'Just2Trade token',
      method: 'POST',
      path: '/just2trade/auth/connect/token',
      shape: (body: any) => body.error,
    },
    {
      name: 'Keeta URL',
      method: 'POST',
      path: '/keeta/oauth/authorization/url',
      shape: (body: any) => body.title && 'invalid_request',
    },
    { name: 'control API', method: 'POST', path: '/__mock/reset', shape: (body: any) => body.error.code },
  ];
  const cases = routes.flatMap((route) =>
    Object.entries(twice).map(([header, lines]) => ({ ...route, header, lines })),
  );

  it.each(cases)(
    '$name: $header twice → 400 invalid_request, answered for neither',
    async ({ method, path, header, lines, shape }) => {
      const hasLength = header === 'content-length';
      const answer = await rawRequest(mock.port, {
        head:
          `${method} ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n` +
          `${lines.join('\r\n')}\r\n${hasLength ? '' : 'Content-Length: 2\r\n'}` +
          `${header === 'content-type' ? '' : 'Content-Type: application/json\r\n'}\r\n{}`,
      });
      expect(answer.status).toBe(400);
      expect(shape(JSON.parse(answer.body))).toBe('invalid_request');
      // Node's parser refuses a repeated Content-Length itself; the mock still answers in the route's shape.
      expect(answer.body).toMatch(
        header === 'content-length' ? /Duplicate Content-Length/ : new RegExp(`${header} header 2 times`),
      );
      expect(answer.headers.connection).toBe('close');
    },
  );

  it('one of each is fine', async () => {
    const answer = await rawRequest(mock.port, {
      head: `GET /just2trade/api/auth HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAuthorization: Bearer nope\r\nCookie: a=1\r\nX-Mock-Session: one\r\n\r\n`,
    });
    // Read as one unknown token: the ordinary refusal, not an ambiguity.
    expect(answer.status).toBe(401);
  });
});
