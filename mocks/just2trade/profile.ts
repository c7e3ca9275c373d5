/** The documented profile (`GET /auth`), built from a `users` fixture. */
import { createHash } from 'node:crypto';
import type { Just2TradeUser } from './fixtures.ts';

/**
 * A stable UUID-shaped id derived from a login, for users added through the control API without an
 * `id`: the profile always has one, and it is the same on every call and in every session.
 */
export function idForLogin(login: string): string {
  const hex = createHash('sha256').update(`just2trade-user:${login}`, 'utf8').digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function profileOf(user: Just2TradeUser) {
  return {
    id: user.id ?? idForLogin(user.login),
    login: user.login,
    email: user.email,
    domestic: user.domestic,
    accounts: user.accounts.map(({ account_number, trade_platform }) => ({ account_number, trade_platform })),
    application: { status: user.applicationStatus },
  };
}
