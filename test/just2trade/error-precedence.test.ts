/**
 * The token endpoint's errors come in RFC 6749 §5.2 order, as IdentityServer reports them: client
 * authentication, then the grant type, then the request's shape, then the grant. Over a real socket,
 * every pair of faults goes into one token request, and the answer must be the error of the fault
 * that comes first in that order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type RunningMockServer } from '../../src/index.ts';
import { newSession } from '../helpers.ts';
import { CLIENT_ID, REDIRECT_URI, S256_PKCE, ServerFlow, VERIFIER } from './flow.ts';

let server: RunningMockServer;
beforeAll(async () => {
  server = await startMockServer({ port: 0, providers: ['just2trade'], log: () => {} });
});
afterAll(() => server.close());

/** A token request being put together: the form, its headers, and how far to move the clock first. */
interface TokenRequest {
  /** A field with several values is sent once per value. */
  form: Record<string, string | string[]>;
  headers: Record<string, string>;
  advanceSeconds: number;
}

interface Fault {
  name: string;
  /** What the fault alone gets: `status error`. */
  answer: string;
  apply(request: TokenRequest): void;
}

/**
 * Highest precedence first. A request is built by applying its faults lowest first, so where two
 * faults touch the same field the higher one has the last word.
 */
const FAULTS: Fault[] = [
  // 1. Client authentication.
  {
    name: 'malformed Basic header',
    answer: '401 invalid_client',
    apply: (r) => void (r.headers.Authorization = 'Basic %%%'),
  },
  { name: 'no client_id', answer: '400 invalid_request', apply: (r) => void delete r.form.client_id },
  {
    name: 'client_id sent twice',
    answer: '400 invalid_request',
    apply: (r) => void (r.form.client_id = [r.form.client_id as string, r.form.client_id as string]),
  },
  { name: 'empty client_secret', answer: '400 invalid_request', apply: (r) => void (r.form.client_secret = '') },
  { name: 'unknown client', answer: '401 invalid_client', apply: (r) => void (r.form.client_id = 'nobody') },
  { name: 'bad client secret', answer: '401 invalid_client', apply: (r) => void (r.form.client_secret = 'wrong') },
  // 2. The grant type.
  { name: 'no grant_type', answer: '400 invalid_request', apply: (r) => void delete r.form.grant_type },
  {
    name: 'grant_type sent twice',
    answer: '400 invalid_request',
    apply: (r) => void (r.form.grant_type = [r.form.grant_type as string, r.form.grant_type as string]),
  },
  {
    name: 'unsupported grant_type',
    answer: '400 unsupported_grant_type',
    apply: (r) => void (r.form.grant_type = 'password'),
  },
  // 3. The request's shape (the spec's checks).
  { name: 'missing code', answer: '400 invalid_request', apply: (r) => void delete r.form.code },
  {
    name: 'malformed code_verifier',
    answer: '400 invalid_request',
    apply: (r) => void (r.form.code_verifier = 'too-short'),
  },
  // 4. The grant.
  { name: 'unknown code', answer: '400 invalid_grant', apply: (r) => void (r.form.code = 'SplxlOBeZQQYbYS6WxSbIA') },
  { name: 'expired code', answer: '400 invalid_grant', apply: (r) => void (r.advanceSeconds = 61) },
  {
    name: 'redirect_uri mismatch',
    answer: '400 invalid_grant',
    apply: (r) => void (r.form.redirect_uri = 'http://localhost:3000/other'),
  },
  {
    name: 'wrong code_verifier',
    answer: '400 invalid_grant',
    apply: (r) => void (r.form.code_verifier = 'x'.repeat(43)),
  },
];

/**
 * In a session of its own: sign in (with an S256 challenge), then send the faulty token request;
 * `status error` of the answer.
 */
async function answerTo(faults: Fault[]): Promise<string> {
  const flow = new ServerFlow(server.url, newSession());
  const code = await flow.code(S256_PKCE);

  const request: TokenRequest = {
    form: {
      grant_type: 'authorization_code',
      code,
      client_id: CLIENT_ID,
      client_secret: await flow.secret(),
      redirect_uri: REDIRECT_URI,
      code_verifier: VERIFIER,
    },
    headers: {},
    advanceSeconds: 0,
  };
  for (const fault of [...faults].sort((a, b) => FAULTS.indexOf(b) - FAULTS.indexOf(a))) fault.apply(request);
  if (request.advanceSeconds) await flow.advance(request.advanceSeconds);
  const response = await flow.tokenRequest(request.form, request.headers);
  const body = (await response.json()) as { error?: string };
  return `${response.status} ${body.error ?? ''}`.trim();
}

const pairs = FAULTS.flatMap((first, index) => FAULTS.slice(index + 1).map((second) => [first, second] as const));

describe('token endpoint error precedence (RFC 6749 §5.2, IdentityServer order)', () => {
  it('the request without faults gets a token, and each fault alone gets its own error', async () => {
    expect(await answerTo([])).toBe('200');
    const answers = Object.fromEntries(
      await Promise.all(FAULTS.map(async (fault) => [fault.name, await answerTo([fault])] as const)),
    );
    expect(answers).toEqual(Object.fromEntries(FAULTS.map((fault) => [fault.name, fault.answer])));
  });

  it(`every pair of faults (${pairs.length}) gets the error of the fault that comes first`, async () => {
    const name = ([first, second]: readonly [Fault, Fault]) => `${first.name} + ${second.name}`;
    const answers = Object.fromEntries(
      await Promise.all(pairs.map(async (pair) => [name(pair), await answerTo([...pair])] as const)),
    );
    // One table, so a failure shows every pair that answers out of order.
    expect(answers).toEqual(Object.fromEntries(pairs.map((pair) => [name(pair), pair[0].answer])));
  });
});
