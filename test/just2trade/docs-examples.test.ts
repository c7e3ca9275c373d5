/**
 * The docs' three requests, sent as the docs write them (host swapped, `{{placeholders}}` filled in with
 * the default mock's real values), against the default mock and its default session: each succeeds and
 * gets the documented answer. A stateful flow needs real values: the client secret the mock lists, the
 * code the login form gives, the token the code gives.
 */
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMockApp } from '../../src/index.ts';
import { DEFAULT_SESSION } from '../../src/state/sessions.ts';
import { Flow, readForm } from './flow.ts';

let http: ReturnType<typeof request>;
beforeAll(async () => {
  http = request((await createMockApp()).app);
});

describe('the Just2Trade docs examples work verbatim against the default mock', () => {
  it('authorize → 302 Found with the code → token → profile', async () => {
    const [client] = (await http.get('/__mock/just2trade/clients')).body as {
      clientId: string;
      clientSecret: string;
      redirectUris: string[];
    }[];

    // curl -X GET 'https://auth.just2trade.com/connect/authorize?response_type=code&client_id={{your_client_id}}&client_secret={{your_client_secret}}&redirect_uri={{your_redirect_uri}}'
    const page = await http.get(
      `/just2trade/auth/connect/authorize?response_type=code&client_id=${client!.clientId}&client_secret=${client!.clientSecret}&redirect_uri=${client!.redirectUris[0]}`,
    );
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<form method="post"/);

    // "After successful authentication the user is redirected to redirect_uri with HTTP code 302 and the
    // authorization code". The user's part (not a docs request): the browser submits the login form, in
    // the default session the docs' requests use.
    const login = await new Flow(http, DEFAULT_SESSION).submitLogin(readForm(page));
    expect(login.status).toBe(302);
    expect(login.headers.location).toMatch(/^http:\/\/localhost:3000\/callback\?code=[^&]+$/);
    const code = new URL(login.headers.location!).searchParams.get('code')!;

    // curl -X POST --header 'Accept: application/json' --header 'Content-Type: application/x-www-form-urlencoded' -d 'grant_type=authorization_code&code={{code}}&client_id={{client_id}}' 'https://auth.just2trade.com/connect/token'
    const token = await http
      .post('/just2trade/auth/connect/token')
      .set('Accept', 'application/json')
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send(`grant_type=authorization_code&code=${code}&client_id=${client!.clientId}`);
    expect(token.status).toBe(200);
    expect(token.body).toEqual({
      scope: 'email profile',
      token_type: 'Bearer',
      access_token: expect.any(String),
      expires_in: 86400,
    });

    // curl -X GET 'https://api.just2trade.com/auth' — with the token "put to the Authorization header of every web request"
    const profile = await http.get('/just2trade/api/auth').set('Authorization', `Bearer ${token.body.access_token}`);
    expect(profile.status).toBe(200);
    expect(profile.body).toEqual({
      id: '8f1e7eba-0000-0000-0000-2b67c9af83a5',
      login: 'login',
      email: 'login@email.com',
      domestic: true,
      accounts: [
        { account_number: '12345678@vision', trade_platform: 'ETNA' },
        { account_number: '11111111@cor', trade_platform: 'ETNA' },
      ],
      application: { status: 'process' },
    });
  });
});
