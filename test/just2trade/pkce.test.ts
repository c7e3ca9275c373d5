/**
 * PKCE (RFC 7636) as an IdentityServer-style server does it: an authorize request's `code_challenge`
 * (S256, or plain) binds the code; the token request must carry the matching `code_verifier`, a
 * failure spends the code; a verifier for a code issued without a challenge is refused; malformed
 * PKCE values are `invalid_request` (on the redirect at the authorize endpoint).
 */
import { createHash } from 'node:crypto';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  REDIRECT_URI,
  S256_CHALLENGE,
  S256_PKCE,
  VERIFIER,
  expectErrorPage,
  expectOAuthError,
  just2tradeApp,
  type Flow,
} from './flow.ts';

let app: Awaited<ReturnType<typeof just2tradeApp>>;
let flow: Flow;
beforeAll(async () => {
  app = await just2tradeApp();
});
beforeEach(() => {
  flow = app.flow();
});

const s256 = (verifier: string) => createHash('sha256').update(verifier, 'ascii').digest('base64url');
const OTHER_VERIFIER = 'M25iVXpKU3puUjFaYWg3T1NDTDQtcW1ROUY5YXlwalNoc0hhakxifmZHag';

/** The redirect's query, for an authorize request the client is told about by redirect. */
async function redirectedWith(overrides: Record<string, string | undefined>): Promise<Record<string, string>> {
  const response = await flow.authorize(await flow.authorizeQuery({ state: 'st', ...overrides }));
  expect(response.status, response.text).toBe(302);
  const location = new URL(response.headers.location!);
  expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
  return Object.fromEntries(location.searchParams);
}

describe('the authorize request', () => {
  it('S256 (RFC 7636 Appendix B): the code is bound; only the verifier gets a token', async () => {
    expectOAuthError(
      await flow.redeem(await flow.code(S256_PKCE), { code_verifier: OTHER_VERIFIER }),
      400,
      'invalid_grant',
    );
    expect((await flow.redeem(await flow.code(S256_PKCE), { code_verifier: VERIFIER })).status).toBe(200);
  });

  it('plain: the verifier is the challenge itself', async () => {
    const plain = { code_challenge: VERIFIER, code_challenge_method: 'plain' };
    expectOAuthError(
      await flow.redeem(await flow.code(plain), { code_verifier: OTHER_VERIFIER }),
      400,
      'invalid_grant',
    );
    expect((await flow.redeem(await flow.code(plain), { code_verifier: VERIFIER })).status).toBe(200);
  });

  it('no code_challenge_method means plain (RFC 7636 §4.3): an S256 challenge is then compared as is', async () => {
    expectOAuthError(
      await flow.redeem(await flow.code({ code_challenge: S256_CHALLENGE }), { code_verifier: VERIFIER }),
      400,
      'invalid_grant',
    );
    expect(
      (await flow.redeem(await flow.code({ code_challenge: S256_CHALLENGE }), { code_verifier: S256_CHALLENGE }))
        .status,
    ).toBe(200);
  });

  it('takes challenges of 43 and of 128 characters of the unreserved set', async () => {
    for (const challenge of ['A'.repeat(43), `${'aZ09-._~'.repeat(16)}`]) {
      expect(challenge.length === 43 || challenge.length === 128).toBe(true);
      const pkce = { code_challenge: challenge, code_challenge_method: 'plain' };
      expectOAuthError(
        await flow.redeem(await flow.code(pkce), { code_verifier: 'B'.repeat(43) }),
        400,
        'invalid_grant',
      );
      expect((await flow.redeem(await flow.code(pkce), { code_verifier: challenge })).status).toBe(200);
    }
  });

  it.each([
    [
      'a method other than S256 and plain',
      { code_challenge: S256_CHALLENGE, code_challenge_method: 'S512' },
      /S256 or plain/,
    ],
    ['a method in the wrong case', { code_challenge: S256_CHALLENGE, code_challenge_method: 's256' }, /S256 or plain/],
    ['an empty method', { code_challenge: S256_CHALLENGE, code_challenge_method: '' }, /S256 or plain/],
    ['a method without a challenge', { code_challenge_method: 'S256' }, /without code_challenge/],
    [
      'a challenge of 42 characters',
      { code_challenge: S256_CHALLENGE.slice(1), code_challenge_method: 'S256' },
      /43 to 128/,
    ],
    ['a challenge of 129 characters', { code_challenge: 'a'.repeat(129), code_challenge_method: 'plain' }, /43 to 128/],
    [
      'a challenge in base64, not base64url',
      { code_challenge: `${'a'.repeat(42)}+/=`, code_challenge_method: 'plain' },
      /43 to 128/,
    ],
    ['an empty challenge', { code_challenge: '', code_challenge_method: 'S256' }, /43 to 128/],
  ])('%s: invalid_request on the redirect, with the state, and no login form', async (_title, pkce, description) => {
    const query = await redirectedWith(pkce);
    expect(query).toEqual({
      error: 'invalid_request',
      error_description: expect.stringMatching(description),
      state: 'st',
    });
  });

  it('comes after the client, the redirect URI and response_type', async () => {
    const badPkce = { code_challenge: S256_CHALLENGE, code_challenge_method: 'S512' };
    expectErrorPage(
      await flow.authorize(await flow.authorizeQuery({ client_secret: 'wrong', ...badPkce })),
      400,
      /invalid_client/,
    );
    expectErrorPage(
      await flow.authorize(await flow.authorizeQuery({ redirect_uri: 'https://evil.example/cb', ...badPkce })),
      400,
      /not registered/,
    );
    expect(await redirectedWith({ response_type: 'token', ...badPkce })).toMatchObject({
      error: 'unsupported_response_type',
    });
    expect(await redirectedWith(badPkce)).toMatchObject({ error: 'invalid_request' });
  });
});

describe('the token request', () => {
  it('a wrong verifier: invalid_grant, and the code is spent (the right one then fails too)', async () => {
    const code = await flow.code(S256_PKCE);
    const wrong = await flow.redeem(code, { code_verifier: OTHER_VERIFIER });
    expectOAuthError(wrong, 400, 'invalid_grant');
    expect(wrong.body.error_description).toMatch(/does not match/);
    expectOAuthError(await flow.redeem(code, { code_verifier: VERIFIER }), 400, 'invalid_grant');
  });

  it('the S256 challenge sent as the verifier: invalid_grant', async () => {
    expectOAuthError(
      await flow.redeem(await flow.code(S256_PKCE), { code_verifier: S256_CHALLENGE }),
      400,
      'invalid_grant',
    );
  });

  it('no verifier for a code bound to a challenge: invalid_grant, and the code is spent', async () => {
    const code = await flow.code(S256_PKCE);
    const missing = await flow.redeem(code);
    expectOAuthError(missing, 400, 'invalid_grant');
    expect(missing.body.error_description).toMatch(/code_verifier is missing/);
    expectOAuthError(await flow.redeem(code, { code_verifier: VERIFIER }), 400, 'invalid_grant');
  });

  it('a verifier for a code issued without a challenge: invalid_grant, and the code is spent', async () => {
    const code = await flow.code();
    const extra = await flow.redeem(code, { code_verifier: VERIFIER });
    expectOAuthError(extra, 400, 'invalid_grant');
    expect(extra.body.error_description).toMatch(/without a code_challenge/);
    expectOAuthError(await flow.redeem(code), 400, 'invalid_grant');
  });

  it.each([
    ['42 characters', VERIFIER.slice(1)],
    ['129 characters', 'a'.repeat(129)],
    ['a character outside the unreserved set', `${VERIFIER.slice(1)}+`],
    ['a space', `${VERIFIER.slice(1)} `],
    ['empty', ''],
  ])('a malformed verifier (%s): invalid_request, and the code is not spent', async (_title, verifier) => {
    const code = await flow.code(S256_PKCE);
    expectOAuthError(await flow.redeem(code, { code_verifier: verifier }), 400, 'invalid_request');
    expect((await flow.redeem(code, { code_verifier: VERIFIER })).status).toBe(200);
  });

  it('a malformed verifier is reported before an unknown code', async () => {
    expectOAuthError(await flow.redeem('SplxlOBeZQQYbYS6WxSbIA', { code_verifier: 'short' }), 400, 'invalid_request');
  });

  it("a wrong verifier spends only the client's own code: another client's try changes nothing", async () => {
    await flow.add('clients', { clientId: 'other', clientSecret: 'other-secret', redirectUris: [REDIRECT_URI] });
    const code = await flow.code(S256_PKCE);
    expectOAuthError(
      await flow.redeem(code, { client_id: 'other', code_verifier: OTHER_VERIFIER }),
      400,
      'invalid_grant',
    );
    expectOAuthError(await flow.redeem(code, { code_verifier: OTHER_VERIFIER }), 400, 'invalid_grant');
    expectOAuthError(await flow.redeem(code, { code_verifier: VERIFIER }), 400, 'invalid_grant');
    const untouched = await flow.code(S256_PKCE);
    expectOAuthError(
      await flow.redeem(untouched, { client_id: 'other', code_verifier: OTHER_VERIFIER }),
      400,
      'invalid_grant',
    );
    expect((await flow.redeem(untouched, { code_verifier: VERIFIER })).status).toBe(200);
  });

  it('a fresh random verifier and its S256 challenge, as clients make them', async () => {
    const verifier = createHash('sha256').update(String(Math.random())).digest('base64url');
    const code = await flow.code({ code_challenge: s256(verifier), code_challenge_method: 'S256' });
    expectOAuthError(
      await flow.redeem(await flow.code({ code_challenge: s256(verifier), code_challenge_method: 'S256' }), {
        code_verifier: VERIFIER,
      }),
      400,
      'invalid_grant',
    );
    expect((await flow.redeem(code, { code_verifier: verifier })).status).toBe(200);
  });
});
