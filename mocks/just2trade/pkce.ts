/**
 * PKCE (RFC 7636), as an IdentityServer-style authorization server does it (inferred: the docs do not
 * mention PKCE; Just2Trade's auth host is IdentityServer, which supports it):
 * - an authorize request with `code_challenge` binds the code to it; `code_challenge_method` is `S256`
 *   or `plain`, `plain` when absent (§4.3); anything else, a method without a challenge, or a challenge
 *   that is not 43–128 characters of `[A-Za-z0-9-._~]` is `invalid_request` on the redirect (§4.4.1);
 * - the token request for such a code must carry the matching `code_verifier` (§4.5, §4.6), and a
 *   `code_verifier` for a code issued without a challenge is refused too: `invalid_grant` either way,
 *   and the code is spent;
 * - a `code_verifier` that is not 43–128 characters of `[A-Za-z0-9-._~]` (§4.1) is `invalid_request`.
 */
import { createHash } from 'node:crypto';
import { sameSecret } from '../../src/index.ts';

/** RFC 7636 §4.1 and §4.2: 43 to 128 unreserved characters (RFC 3986 §2.3). */
export const PKCE_VALUE = /^[A-Za-z0-9\-._~]{43,128}$/;

export const CHALLENGE_METHODS = ['S256', 'plain'] as const;
export type ChallengeMethod = (typeof CHALLENGE_METHODS)[number];

/** What an authorization code is bound to. */
export interface CodeChallenge {
  challenge: string;
  method: ChallengeMethod;
}

const isMethod = (value: string): value is ChallengeMethod => CHALLENGE_METHODS.some((method) => method === value);

/** The authorize request's PKCE parameters, as the spec has typed them (single strings, or absent). */
export interface ChallengeParameters {
  code_challenge?: string;
  code_challenge_method?: string;
}

/**
 * The authorize request's PKCE parameters: `{ challenge }` (undefined without PKCE) or, for a request
 * the client must be told about on the redirect, `{ problem }` (the `invalid_request` description).
 */
export function readCodeChallenge(
  query: ChallengeParameters,
): { challenge?: CodeChallenge; problem?: undefined } | { problem: string } {
  const { code_challenge: challenge, code_challenge_method: method } = query;
  if (challenge === undefined) {
    return method === undefined
      ? {}
      : { problem: 'code_challenge_method was sent without code_challenge (RFC 7636 §4.3).' };
  }
  if (!PKCE_VALUE.test(challenge)) {
    return {
      problem: 'code_challenge must be 43 to 128 characters of A-Z, a-z, 0-9, "-", ".", "_" and "~" (RFC 7636 §4.2).',
    };
  }
  if (method === undefined) return { challenge: { challenge, method: 'plain' } };
  if (!isMethod(method)) return { problem: 'code_challenge_method must be S256 or plain (RFC 7636 §4.3).' };
  return { challenge: { challenge, method } };
}

/** True when `verifier` is the secret `challenge` was derived from (RFC 7636 §4.6), compared in constant time. */
export function verifierMatches(challenge: CodeChallenge, verifier: string): boolean {
  const derived =
    challenge.method === 'S256' ? createHash('sha256').update(verifier, 'ascii').digest('base64url') : verifier;
  return sameSecret(derived, challenge.challenge);
}

/**
 * Why a token request's `code_verifier` fails the code's binding (the `invalid_grant` description), or
 * undefined when it passes: with a challenge, the verifier must be there and match; without one, there
 * must be no verifier.
 */
export function verifierProblem(
  challenge: CodeChallenge | undefined,
  verifier: string | undefined,
): string | undefined {
  if (challenge === undefined) {
    return verifier === undefined
      ? undefined
      : 'code_verifier was sent for an authorization code issued without a code_challenge.';
  }
  if (verifier === undefined)
    return 'The authorization code is bound to a code_challenge; the code_verifier is missing.';
  return verifierMatches(challenge, verifier) ? undefined : 'code_verifier does not match the code_challenge.';
}
