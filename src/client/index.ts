/**
 * `partnermock/client`: what CRM code imports. Typed clients for B2COPY, Keeta and Just2Trade, built on
 * openapi-fetch and the types generated from the specs. Needs only `fetch` and WebCrypto (through jose):
 * no server code, so it runs in Node 20 and in a browser bundle. Switch between the mock and the real
 * provider by base URL alone.
 */
export { createB2CopyClient } from './b2copy.ts';
export type {
  AuthUrlInput,
  B2CopyClient,
  B2CopyClientOptions,
  B2CopyErrorBody,
  B2CopyPaths,
  B2CopySignInResult,
  B2CopyToken,
  B2CopyTokenPair,
  ExternalCrmSignIn,
  ExternalTokenClaims,
} from './b2copy.ts';
export type { B2CopySession, B2CopySessionOptions } from './b2copy-session.ts';
export { createKeetaClient, parseKeetaCallback } from './keeta.ts';
export type {
  KeetaAuthorizationUrl,
  KeetaCallback,
  KeetaClient,
  KeetaClientOptions,
  KeetaPaths,
  KeetaProblem,
} from './keeta.ts';
export { createJust2TradeClient } from './just2trade.ts';
export type {
  Just2TradeAuthorization,
  Just2TradeClient,
  Just2TradeClientOptions,
  Just2TradeOAuthError,
  Just2TradePaths,
  Just2TradeProfile,
  Just2TradeToken,
} from './just2trade.ts';
export { ProviderError } from './provider-error.ts';
export type { ProviderErrorDetails } from './provider-error.ts';
export { ProviderUnavailableError } from './provider-unavailable-error.ts';
export type { ProviderUnavailableReason } from './provider-unavailable-error.ts';
export { CallbackError } from './callback-error.ts';
