/** Unguessable identifiers and secret comparison for plugins, from node:crypto (no hand-rolled crypto). */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** An unguessable URL-safe string of `bytes` random bytes (base64url, no padding). */
export function randomId(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Whether a presented secret (a form field, a cookie, a header: anything) equals the expected one, in
 * constant time. Both are hashed first, so neither their contents nor their lengths leak through timing.
 */
export function sameSecret(presented: unknown, expected: string): boolean {
  if (typeof presented !== 'string') return false;
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
