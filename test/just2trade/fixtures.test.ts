/**
 * The `clients` and `users` fixtures: the defaults the README lists, the client secret shown where a
 * developer looks for it (startup banner, control API), and items added per session that the flow
 * can use safely (no redirect URI with a fragment, no profile the spec would refuse).
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { just2tradeApp, type Flow } from './flow.ts';

let app: Awaited<ReturnType<typeof just2tradeApp>>;
let flow: Flow;
beforeAll(async () => {
  app = await just2tradeApp();
});
beforeEach(() => {
  flow = app.flow();
});

describe('defaults', () => {
  it('client crm-demo with a generated secret and http://localhost:3000/callback; user login / password', async () => {
    const clients = (await app.http.get('/__mock/just2trade/clients').expect(200)).body;
    expect(clients).toEqual([
      {
        clientId: 'crm-demo',
        clientSecret: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
        redirectUris: ['http://localhost:3000/callback'],
      },
    ]);
    const users = (await app.http.get('/__mock/just2trade/users').expect(200)).body;
    expect(users).toEqual([
      {
        id: '8f1e7eba-0000-0000-0000-2b67c9af83a5',
        login: 'login',
        password: 'password',
        email: 'login@email.com',
        domestic: true,
        accounts: [
          { account_number: '12345678@vision', trade_platform: 'ETNA' },
          { account_number: '11111111@cor', trade_platform: 'ETNA' },
        ],
        applicationStatus: 'process',
        disabled: false,
      },
    ]);
  });

  it('the startup banner shows the client secret, the redirect URI and the user', async () => {
    const secret = await flow.secret();
    const lines = app.mock.describe().find((provider) => provider.name === 'just2trade')!.credentials;
    expect(lines.join('\n')).toContain(`crm-demo / ${secret}  redirect URI http://localhost:3000/callback`);
    expect(lines.join('\n')).toContain('login / password');
  });

  it('each session has its own fixtures: a client added in one is unknown in another', async () => {
    await flow.add('clients', {
      clientId: 'mine',
      clientSecret: 'mine-secret',
      redirectUris: ['http://localhost:3000/callback'],
    });
    const other = app.flow();
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: 'mine',
      client_secret: 'mine-secret',
      redirect_uri: 'http://localhost:3000/callback',
    });
    expect((await flow.authorize(query.toString())).status).toBe(200);
    expect((await other.authorize(query.toString())).status).toBe(400);
  });
});

describe('added items are checked', () => {
  it.each([
    [
      'a redirect URI with a fragment (RFC 6749 §3.1.2)',
      { clientId: 'c', clientSecret: 's', redirectUris: ['https://crm.example/cb#x'] },
    ],
    ['a relative redirect URI', { clientId: 'c', clientSecret: 's', redirectUris: ['/cb'] }],
    ['no redirect URI', { clientId: 'c', clientSecret: 's', redirectUris: [] }],
  ])('clients: %s is refused', async (_title, item) => {
    const response = await app.http.post('/__mock/just2trade/clients').set('X-Mock-Session', flow.session).send(item);
    expect(response.status).toBe(400);
  });

  it.each([
    [
      'an empty account number',
      { login: 'u', password: 'p', email: 'u@example.com', accounts: [{ account_number: '', trade_platform: 'ETNA' }] },
    ],
    ['an empty application status', { login: 'u', password: 'p', email: 'u@example.com', applicationStatus: '' }],
    ['an email that is not one', { login: 'u', password: 'p', email: 'nope' }],
  ])('users: %s is refused (its profile would break the spec)', async (_title, item) => {
    const response = await app.http.post('/__mock/just2trade/users').set('X-Mock-Session', flow.session).send(item);
    expect(response.status).toBe(400);
  });
});
