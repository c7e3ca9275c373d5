/** partnermock's public API: start the mock from a test suite, or write a provider plugin. */
export { startMockServer, type RunningMockServer, type StartOptions } from './server/start-server.ts';
export { connectMockServer, type ConnectOptions } from './control/connect.ts';
export { createMockApp, type MockApp, type MockServerOptions } from './server/create-app.ts';
export { cli } from './cli.ts';
export { definePlugin } from './plugin.ts';
export type {
  AnyPlugin,
  CollectionDefinition,
  ControlContext,
  SessionItem,
  ControlRoute,
  ErrorContext,
  FixtureContext,
  HandlerContext,
  MockRequest,
  MockResponse,
  OperationHandler,
  OperationPrecheck,
  PrecheckContext,
  OperationInfo,
  PageContext,
  PageRoute,
  OperationRequest,
  PluginContext,
  ProviderPlugin,
  SetupContext,
  StateContext,
  ProviderTypes,
  Respond,
  UntypedProvider,
} from './plugin.ts';
export {
  MockControlError,
  type ControlRequester,
  type CoreControls,
  type JournalQuery,
  type MockControls,
  type SessionControls,
} from './control/mock-controls.ts';
export type { JournalEntry } from './state/journal.ts';
export type { Delay, FaultAction, FaultRule, FaultRuleInput } from './faults/fault-rules.ts';
export type { FaultHandle } from './control/mock-controls.ts';
export { MockError, type CoreErrorCode, type ValidationIssue } from './errors.ts';
export type { Clock } from './state/clock.ts';
export type { DefaultFixtures, FixtureStore } from './state/fixture-store.ts';
export type { StateStore, StoreTable, StoreValue, TableOptions } from './state/store/store.ts';
export { jsonLineLogger, silentLogger, type Logger } from './logger.ts';
// Small helpers plugins share: their pages, escaping, comparing secrets, redirecting back, options.
export { escapeHtml } from './plugin-kit/html.ts';
export { randomId, sameSecret } from './plugin-kit/secrets.ts';
export { withQueryParameters } from './plugin-kit/redirect.ts';
export { configurePlugin, integerOptionsSchema } from './plugin-kit/options.ts';
export { pageAnswer, pageHeaders, renderPage, type PageOptions } from './plugin-kit/page.ts';
export { expiringItem, isoTime, newestFirst, shortId, type ExpiringThing } from './plugin-kit/session-items.ts';
