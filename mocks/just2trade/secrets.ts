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

/**
 * A stable UUID-shaped id derived from a login, for users added through the control API without an
 * `id`: the profile always has one, and it is the same on every call.
 */
export function idForLogin(login: string): string {
  const hex = createHash('sha256').update(`just2trade-user:${login}`, 'utf8').digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
