/**
 * `partnermock/testing`: what a test suite needs beyond the client. The browser steps of each provider's
 * flow (sign in, consent, open a link) as one call each, the typed control API of a mock
 * (`startMockServer`, `connectMockServer`), and the form browser they are built on, for pages of your own.
 */
export { openB2CopyWebUi, type WebUiVisit } from '../mocks/b2copy/testing.ts';
export { completeJust2TradeLogin, type Just2TradeLoginOptions } from '../mocks/just2trade/testing.ts';
export { decideKeetaAuthorization, type KeetaDecisionOptions } from '../mocks/keeta/testing.ts';
export {
  FormBrowser,
  PageError,
  formsOf,
  isRedirect,
  pageMessage,
  pageText,
  type BrowserStepOptions,
  type HtmlForm,
  type Page,
} from '../src/testing/form-browser.ts';
export { connectMockServer, startMockServer, MockControlError } from '../src/index.ts';
export type { MockControls, SessionControls, RunningMockServer, JournalEntry } from '../src/index.ts';
export { DEV_KEY_ID, devPrivateKeyPem } from '../mocks/b2copy/index.ts';
