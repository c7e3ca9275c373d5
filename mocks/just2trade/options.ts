/**
 * The lifetimes a Just2Trade mock runs with: the plugin's defaults, overridden per server with
 * `createJust2TradePlugin(options)`. Handlers and pages read them as `ctx.options`.
 */
import { integerOptionsSchema } from '../../src/index.ts';

export interface Just2TradeOptions {
  /**
   * How long an authorization code may be redeemed, in seconds. Default 60: the docs only say the
   * lifetime "is short"; RFC 6749 §4.1.2 recommends at most 10 minutes, and short is what the docs ask for.
   */
  codeTtlSeconds: number;
  /**
   * An access token's lifetime in seconds, renewed to the full length on every successful use.
   * Default 86400 (documented: "issued for 24 hours and is renewed with every usage").
   */
  accessTokenTtlSeconds: number;
  /** How long the login form stays valid after the authorize request, in seconds. Default 600. */
  loginTtlSeconds: number;
  /** Login forms a session keeps waiting at most; the oldest make room. Default 200. */
  maxPendingLogins: number;
  /**
   * Authorization codes a session remembers at most; a spent code forgotten revokes the tokens it gave.
   * Default 1000.
   */
  maxCodes: number;
  /** Access tokens a session remembers at most; past it the oldest are forgotten (then refused). Default 1000. */
  maxTokens: number;
}

export const DEFAULT_OPTIONS: Just2TradeOptions = {
  codeTtlSeconds: 60,
  accessTokenTtlSeconds: 86400,
  loginTtlSeconds: 600,
  maxPendingLogins: 200,
  maxCodes: 1000,
  maxTokens: 1000,
};

/** Every lifetime and cap is a positive whole number; anything else is refused when the plugin is configured. */
export const OPTIONS_SCHEMA = integerOptionsSchema({
  codeTtlSeconds: 1,
  accessTokenTtlSeconds: 1,
  loginTtlSeconds: 1,
  maxPendingLogins: 1,
  maxCodes: 1,
  maxTokens: 1,
});
