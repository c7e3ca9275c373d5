/** Random identifiers and secret comparison, from node:crypto (no hand-rolled crypto). */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** An unguessable URL-safe string of `bytes` random bytes (base64url, no padding). */
export function randomId(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Compares a presented secret with the expected one in constant time. Both are hashed first, so
 * neither their contents nor their lengths leak through timing.
 */
export function sameSecret(presented: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

