/**
 * Who may call what, over real sockets: with a control token every control route but the health check,
 * and the inspector page, want it (401 with WWW-Authenticate otherwise, journaled without the token); the
 * inspector takes it once into a cookie; a non-loopback host needs a token or --control-open; CORS answers
 * the provider routes for every origin by default, and only named origins (with credentials) otherwise.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMockServer, startMockServer, type RunningMockServer } from '../../src/index.ts';
import { OpenControlError } from '../../src/server/start-server.ts';
import { spawnCli } from '../support/config-files.ts';

const TOKEN = 'test-control-token-0123456789';
const WRONG = 'not-the-token-but-long-enough';

let mock: RunningMockServer;
beforeAll(async () => {
  mock = await startMockServer({ port: 0, controlToken: TOKEN });
});
afterAll(() => mock?.close());

/** Every control route, as a request a client would send (a body where it takes one). */
const ROUTES: { method: string; path: string; body?: unknown }[] = [
  { method: 'GET', path: '/__mock/providers' },
  { method: 'GET', path: '/__mock/openapi/b2copy.json' },
  { method: 'POST', path: '/__mock/reset' },
  { method: 'GET', path: '/__mock/clock' },
  { method: 'POST', path: '/__mock/clock', body: { advanceSeconds: 1 } },
  { method: 'GET', path: '/__mock/journal' },
  { method: 'GET', path: '/__mock/journal/1' },
  { method: 'GET', path: '/__mock/inspector/session' },
  { method: 'GET', path: '/__mock/faults' },
  { method: 'POST', path: '/__mock/faults', body: { provider: 'keeta', status: 503, times: 1 } },
  { method: 'DELETE', path: '/__mock/faults' },
  { method: 'DELETE', path: '/__mock/faults/nope' },
  { method: 'GET', path: '/__mock/just2trade/clients' },
  { method: 'GET', path: '/__mock/just2trade/clients/crm-demo' },
  { method: 'POST', path: '/__mock/b2copy/users', body: { email: 'new@example.com', password: 'Secret-123' } },
  { method: 'PATCH', path: '/__mock/b2copy/users/username@example.com', body: { twoFactor: false } },
  { method: 'DELETE', path: '/__mock/b2copy/users/new@example.com' },
  { method: 'GET', path: '/__mock/b2copy/jwks.json' },
  { method: 'GET', path: '/__mock/b2copy/tokens' },
  { method: 'POST', path: '/__mock/just2trade/auto-login', body: { login: 'login' } },
  { method: 'DELETE', path: '/__mock/just2trade/auto-login' },
  { method: 'POST', path: '/__mock/keeta/auto-consent', body: { decision: 'authorize' } },
  { method: 'POST', path: '/__mock/b2copy/signing-keys/rotate' },
  { method: 'GET', path: '/__mock/nothing-here' },
];

function call(route: (typeof ROUTES)[number], headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${mock.url}${route.path}`, {
    method: route.method,
    headers: { 'X-Mock-Session': 'access', ...(route.body ? { 'Content-Type': 'application/json' } : {}), ...headers },
    ...(route.body ? { body: JSON.stringify(route.body) } : {}),
  });
}

describe('a control token', () => {
  it.each(ROUTES)('guards $method $path: 401 without it or with a wrong one, through with it', async (route) => {
    const none = await call(route);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="partnermock"');
    expect(await none.json()).toEqual({ error: { code: 'unauthorized', message: expect.stringMatching(/token/) } });

    const wrong = await call(route, { Authorization: `Bearer ${WRONG}` });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer realm="partnermock", error="invalid_token"');
    expect((await wrong.json()).error.code).toBe('unauthorized');

    const right = await call(route, { Authorization: `Bearer ${TOKEN}` });
    expect(right.status).not.toBe(401);
    expect(right.status).toBeLessThan(500);
  });

  it('guards the event stream, and lets it run with the token', async () => {
    expect((await fetch(`${mock.url}/__mock/events`)).status).toBe(401);
    const stream = new AbortController();
    const open = await fetch(`${mock.url}/__mock/events`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
      signal: stream.signal,
    });
    expect(open.status).toBe(200);
    expect(open.headers.get('content-type')).toMatch(/^text\/event-stream/);
    stream.abort();
  });

  it('leaves GET /__mock/health and the provider routes open', async () => {
    const health = await fetch(`${mock.url}/__mock/health`);
    expect(health.status).toBe(200);
    const signIn = await fetch(`${mock.url}/b2copy/api/v2/signin`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'username@example.com', password: 'Secret123' }),
    });
    expect(signIn.status).toBe(200);
  });

  it('journals a refusal without the token it was sent with', async () => {
    await call(
      { method: 'POST', path: '/__mock/reset' },
      { Authorization: `Bearer ${WRONG}`, 'X-Mock-Session': 'knock' },
    );
    const journal = await fetch(`${mock.url}/__mock/journal?session=knock`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    const entries = (await journal.json()) as { control?: string; status: number; path: string }[];
    expect(entries[0]).toMatchObject({ control: 'refused', status: 401, path: '/__mock/reset' });
    expect(JSON.stringify(entries)).not.toContain(WRONG);
  });

  it('is what the typed handle sends: the control calls work, the provider calls carry no token', async () => {
    await mock.reset();
    expect(await mock.clock.now()).toMatch(/^\d{4}-/);
    const remote = await connectMockServer(mock.url, { controlToken: TOKEN });
    expect((await remote.fixtures.list('just2trade', 'clients')).length).toBeGreaterThan(0);
    const anonymous = await connectMockServer(mock.url, { controlToken: WRONG });
    await expect(anonymous.reset()).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('is taken from PARTNERMOCK_CONTROL_TOKEN by connectMockServer (the contract runner’s remote target)', async () => {
    const before = process.env.PARTNERMOCK_CONTROL_TOKEN;
    process.env.PARTNERMOCK_CONTROL_TOKEN = TOKEN;
    try {
      const remote = await connectMockServer(mock.url);
      await expect(remote.reset()).resolves.toBeUndefined();
    } finally {
      if (before === undefined) delete process.env.PARTNERMOCK_CONTROL_TOKEN;
      else process.env.PARTNERMOCK_CONTROL_TOKEN = before;
    }
  });
});

describe('the inspector with a control token', () => {
  it('asks for the token once, keeps a cookie, and lets the page’s own requests through with it', async () => {
    const page = await fetch(`${mock.url}/`);
    expect(page.status).toBe(401);
    expect(await page.text()).toMatch(/<input id="token" name="token" type="password"/);

    const wrong = await fetch(`${mock.url}/`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: WRONG }),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();

    const right = await fetch(`${mock.url}/`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: TOKEN }),
    });
    expect(right.status).toBe(303);
    const cookie = right.headers.get('set-cookie')!;
    expect(cookie).toMatch(
      /^partnermock_control_[0-9a-f]{12}=\d+\.[\w-]+; Path=\/; Max-Age=43200; HttpOnly; SameSite=Strict$/,
    );
    // The cookie is derived from the token, not the token.
    expect(cookie).not.toContain(TOKEN);
    const jar = cookie.split(';')[0]!;

    expect((await fetch(`${mock.url}/`, { headers: { Cookie: jar } })).status).toBe(200);
    expect((await fetch(`${mock.url}/__mock/journal`, { headers: { Cookie: jar } })).status).toBe(200);
    // The same cookie sent from another origin of the same host (a same-site page on another port): refused.
    const crossOrigin = await fetch(`${mock.url}/__mock/reset`, {
      method: 'POST',
      headers: { Cookie: jar, Origin: 'http://localhost:3000' },
    });
    expect(crossOrigin.status).toBe(401);
    // A cookie whose time was pushed back (its signature no longer matches) lets nobody in.
    const [name, value] = jar.split('=') as [string, string];
    const [until, signed] = value.split('.') as [string, string];
    const forged = `${name}=${Number(until) + 3600}.${signed}`;
    expect((await fetch(`${mock.url}/__mock/journal`, { headers: { Cookie: forged } })).status).toBe(401);
    // A proxy's own Basic credentials beside the cookie do not count as a wrong token.
    const behindProxy = await fetch(`${mock.url}/__mock/journal`, {
      headers: { Cookie: jar, Authorization: 'Basic dXNlcjpwYXNz' },
    });
    expect(behindProxy.status).toBe(200);
  });

  it('keeps the health check open to GET and HEAD however express routes it, and nothing else', async () => {
    for (const path of ['/__mock/health', '/__mock/health/', '/__mock/HEALTH']) {
      expect((await fetch(`${mock.url}${path}`, { method: 'HEAD' })).status).toBe(200);
      expect((await fetch(`${mock.url}${path}`)).status).toBe(200);
    }
    for (const path of ['/__mock/%68ealth', '/__mock', '/__mock/', '/__mock/healthz']) {
      expect((await fetch(`${mock.url}${path}`)).status).toBe(401);
    }
    expect((await fetch(`${mock.url}/__mock/health`, { method: 'POST' })).status).toBe(401);
  });

  it('closes the connection after refusing a request with a body it did not read', async () => {
    const refused = await fetch(`${mock.url}/__mock/reset`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ big: 'x'.repeat(10_000) }),
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('connection')).toBe('close');
  });
});

describe('a control token given in code', () => {
  it('is refused when it is too short to be one, starting nothing', async () => {
    await expect(startMockServer({ port: 0, controlToken: '' })).rejects.toThrow(/at least 16 printable characters/);
    await expect(startMockServer({ port: 0, controlToken: 'short' })).rejects.toThrow(/at least 16/);
  });
});

describe('without a control token', () => {
  it('answers only requests that name this mock by one of its own hosts (no DNS rebinding)', async () => {
    const open = await startMockServer({ port: 0 });
    try {
      const as = (host: string) => rawGet(open.port, '/__mock/just2trade/clients', host);
      expect(await as('evil.example')).toBe(403);
      expect(await as(`evil.example:${open.port}`)).toBe(403);
      for (const host of [`localhost:${open.port}`, `127.0.0.1:${open.port}`, `[::1]:${open.port}`]) {
        expect(await as(host)).toBe(200);
      }
      // The provider routes emulate public APIs: any host.
      expect(await rawGet(open.port, '/keeta/oauth/authorization/url?clientId=keeta-demo', 'evil.example')).toBe(200);
    } finally {
      await open.close();
    }
  });

  it('answers any host when the control API is open on purpose', async () => {
    const open = await startMockServer({ port: 0, controlOpen: true });
    try {
      expect(await rawGet(open.port, '/__mock/just2trade/clients', 'mock.team.example')).toBe(200);
    } finally {
      await open.close();
    }
  });
});

/** A GET with the Host header as given (fetch would not let a test set it). */
function rawGet(port: number, path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, path, headers: { Host: host } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.once('error', reject);
    request.end();
  });
}

describe('listening beyond loopback', () => {
  it('refuses to start on 0.0.0.0 without a token, starting nothing (exit code 2)', async () => {
    const cli = spawnCli(['--host', '0.0.0.0', '--port', '0']);
    expect(await cli.exited()).toBe(2);
    expect(cli.stderr()).toMatch(
      /Refusing to listen on 0\.0\.0\.0 with the control API open.*--control-token.*--control-open/s,
    );
    expect(cli.stdout()).not.toMatch(/listening/);
    await expect(startMockServer({ host: '0.0.0.0', port: 0 })).rejects.toBeInstanceOf(OpenControlError);
  });

  it('starts with --control-open, saying loudly that the control API is open', async () => {
    const cli = spawnCli(['--host', '0.0.0.0', '--port', '0', '--control-open']);
    try {
      await cli.waitForOutput(/CONTROL API OPEN on 0\.0\.0\.0/);
    } finally {
      await cli.stop();
    }
  });

  it('starts on 0.0.0.0 with a token', async () => {
    const server = await startMockServer({ host: '0.0.0.0', port: 0, controlToken: TOKEN });
    try {
      expect((await fetch(`http://127.0.0.1:${server.port}/__mock/providers`)).status).toBe(401);
      await expect(server.reset()).resolves.toBeUndefined();
    } finally {
      await server.close();
    }
  });

  it('refuses a token too short to be one, naming the setting', async () => {
    const cli = spawnCli(['--control-token', 'short', '--port', '0']);
    expect(await cli.exited()).toBe(2);
    expect(cli.stderr()).toMatch(/--control-token must be at least 16 printable characters/);
  });
});

describe('CORS', () => {
  const preflight = (url: string, origin: string, method = 'POST', headers = 'content-type') =>
    fetch(url, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': headers },
    });
  const signIn = (url: string, origin: string) =>
    fetch(`${url}/b2copy/api/v2/signin`, {
      method: 'POST',
      headers: { Origin: origin, 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'username@example.com', password: 'Secret123' }),
    });

  it('answers every origin on the provider routes by default, without credentials, and none on the control API', async () => {
    const answer = await preflight(
      `${mock.url}/b2copy/api/v2/signin`,
      'http://localhost:3000',
      'POST',
      'content-type, x-mock-session',
    );
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(answer.headers.get('access-control-allow-methods')).toBe('POST');
    expect(answer.headers.get('access-control-allow-headers')).toBe('content-type, x-mock-session');
    expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
    expect(answer.headers.get('vary')).toMatch(/Origin/);

    const actual = await signIn(mock.url, 'http://localhost:3000');
    expect(actual.status).toBe(200);
    expect(actual.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(actual.headers.get('access-control-expose-headers')).toMatch(/Retry-After/);
    expect(actual.headers.get('access-control-allow-credentials')).toBeNull();

    const control = await preflight(`${mock.url}/__mock/reset`, 'http://localhost:3000');
    expect(control.headers.get('access-control-allow-origin')).toBeNull();
  });

  describe('with named origins', () => {
    let named: RunningMockServer;
    beforeAll(async () => {
      named = await startMockServer({ port: 0, cors: ['http://localhost:3000'], controlToken: TOKEN });
    });
    afterAll(() => named?.close());

    it('answers a named origin on the provider routes and the control API, with credentials', async () => {
      const provider = await preflight(`${named.url}/b2copy/api/v2/signin`, 'http://localhost:3000');
      expect(provider.status).toBe(204);
      expect(provider.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
      expect(provider.headers.get('access-control-allow-credentials')).toBe('true');

      const control = await preflight(`${named.url}/__mock/reset`, 'http://localhost:3000', 'POST', 'authorization');
      expect(control.status).toBe(204);
      expect(control.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
      expect(control.headers.get('access-control-allow-credentials')).toBe('true');
      const reset = await fetch(`${named.url}/__mock/reset`, {
        method: 'POST',
        headers: { Origin: 'http://localhost:3000', Authorization: `Bearer ${TOKEN}` },
      });
      expect(reset.status).toBe(200);
      expect(reset.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    });

    it('answers an unnamed origin nothing, on either', async () => {
      const provider = await preflight(`${named.url}/b2copy/api/v2/signin`, 'http://evil.example');
      expect(provider.headers.get('access-control-allow-origin')).toBeNull();
      const actual = await signIn(named.url, 'http://evil.example');
      expect(actual.headers.get('access-control-allow-origin')).toBeNull();
      const control = await preflight(`${named.url}/__mock/reset`, 'http://evil.example');
      expect(control.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  it('answers no origin at all with cors: false', async () => {
    const off = await startMockServer({ port: 0, cors: false });
    try {
      const answer = await preflight(`${off.url}/b2copy/api/v2/signin`, 'http://localhost:3000');
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
      expect((await signIn(off.url, 'http://localhost:3000')).headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await off.close();
    }
  });
});
