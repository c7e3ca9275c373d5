/**
 * The lifetimes a Just2Trade mock runs with. `createJust2TradePlugin(options)` takes them; `setup()`
 * hands the resolved values to every handler and page as `services`, so they are fixed per server.
 */
import { resolveOptions } from '../../src/index.ts';

export interface Just2TradeOptions {
  /**
   * How long an authorization code may be redeemed, in seconds. Default 60: the docs only say the
   * lifetime "is short"; RFC 6749 §4.1.2 recommends at most 10 minutes, and short is what the docs ask for.
   */
  codeTtlSeconds?: number;
  /**
   * An access token's lifetime in seconds, renewed to the full length on every successful use.
   * Default 86400 (documented: "issued for 24 hours and is renewed with every usage").
   */
  accessTokenTtlSeconds?: number;
  /** How long the login form stays valid after the authorize request, in seconds. Default 600. */
  loginTtlSeconds?: number;
}

export type Just2TradeSettings = Required<Just2TradeOptions>;

export const DEFAULT_OPTIONS: Just2TradeSettings = {
  codeTtlSeconds: 60,
  accessTokenTtlSeconds: 86400,
  loginTtlSeconds: 600,
};

/** The options with defaults filled in; refuses (at startup) a lifetime that is not a positive integer. */
export function resolveJust2TradeOptions(options: Just2TradeOptions = {}): Just2TradeSettings {
  return resolveOptions('createJust2TradePlugin', DEFAULT_OPTIONS, options);
}
