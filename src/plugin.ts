/**
 * The shape of a provider plugin: everything a provider folder under `mocks/` (or any file given
 * with `--plugin`) declares. The core mounts it, validates requests and responses against its spec,
 * keeps its state per session and writes its errors through its `formatError`.
 */
import type { Faker } from '@faker-js/faker';
import type { ControlRequester } from './control/mock-controls.ts';
import type { MockError } from './errors.ts';
import type { JsonSchema } from './spec/openapi-types.ts';
import type { Clock } from './state/clock.ts';
import type { DefaultFixtures, FixtureStore } from './state/fixture-store.ts';
import type { StoreTable, StoreValue, TableOptions } from './state/store/store.ts';
import type {
  OperationBody,
  OperationParameters,
  OperationStatus,
  StatusWithBody,
  BodyOfStatus,
} from './plugin-types.ts';

/** What a handler, page or error formatter answers. */
export interface MockResponse {
  status: number;
  headers?: Record<string, string>;
  /** Media type of the body, e.g. `application/json`, `text/html`. Defaults to JSON when there is a body. */
  contentType?: string;
  /** A JSON value, or a string for text media types. Omit for no body (302, 204). */
  body?: unknown;
}

/**
 * The types one provider is written against, bundled so every context names them once:
 * `HandlerContext<B2Copy, 'signIn'>`. `operations` is openapi-typescript's `operations` interface
 * generated from the provider's spec (`src/generated/<provider>.ts`).
 */
export interface ProviderTypes {
  operations: object;
  state: unknown;
  services: unknown;
  options: object;
}

/** A plugin written without generated types (a JavaScript plugin, a quick test double). */
export interface UntypedProvider extends ProviderTypes {
  operations: Record<string, unknown>;
  state: any;
  services: any;
  options: any;
}

/** The parts of a request a page or precheck sees: parsed but not validated. */
export interface MockRequest {
  method: string;
  /** The request path below the mount, e.g. `/connect/token`. */
  path: string;
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  /** Parsed body (JSON or form), `undefined` when there is none. */
  body: unknown;
  cookies: Record<string, string>;
  /** The TCP peer's address, IPv4-mapped IPv6 (`::ffff:127.0.0.1`) normalised to IPv4. Never taken from headers. */
  remoteAddress: string;
}

/**
 * What a handler sees of its request, validated against the spec and typed from it: `params`, `query`
 * and `body` have the operation's declared types (the query also keeps undeclared parameters as sent).
 */
export interface OperationRequest<Op> extends Omit<MockRequest, 'params' | 'query' | 'body'> {
  params: OperationParameters<Op, 'path'>;
  query: OperationParameters<Op, 'query'> & Record<string, unknown>;
  body: OperationBody<Op>;
}

export interface OperationInfo {
  provider: string;
  operationId: string;
  method: string;
  /** The spec's path template, e.g. `/api/v2/signin`. */
  path: string;
  mount: string;
}

/**
 * Builders for the common answers, so handlers read as what they mean. Given an operation's types, a
 * status the operation does not declare, or a body that is not the declared one, is a compile error.
 */
export interface Respond<Op = unknown> {
  json<S extends StatusWithBody<Op, 'json'>>(
    status: S,
    body: BodyOfStatus<Op, S, 'json'>,
    headers?: Record<string, string>,
  ): MockResponse;
  html<S extends StatusWithBody<Op, 'html'>>(status: S, html: string, headers?: Record<string, string>): MockResponse;
  /** `302 Found` (or the given 3xx) to `location`, no body. */
  redirect(location: string, status?: OperationStatus<Op>, headers?: Record<string, string>): MockResponse;
  empty(status: OperationStatus<Op>, headers?: Record<string, string>): MockResponse;
}

/** What every handler, page and control route of a plugin is given. */
export interface PluginContext<T extends ProviderTypes = UntypedProvider> {
  provider: string;
  sessionId: string;
  state: T['state'];
  fixtures: FixtureStore;
  /** This session's clock. Every expiry must read it, so `POST /__mock/clock` can move time. */
  clock: Clock;
  /** The plugin's options: its defaults, overridden by `configurePlugin` (factories, the config file). */
  options: T['options'];
  /** What the plugin's `setup()` returned: built once per server (imported keys and the like). */
  services: T['services'];
  /** The mock's public base URL without a trailing slash, e.g. `http://localhost:4010`. */
  publicUrl: string;
  /** An absolute URL on this mock: `urlFor('/b2copy', '/webui/abc')`. */
  urlFor(mount: string, path?: string): string;
  respond: Respond;
}

type OperationOf<T extends ProviderTypes, Id> = Id extends keyof T['operations'] ? T['operations'][Id] : unknown;

export interface HandlerContext<
  T extends ProviderTypes = UntypedProvider,
  Id extends keyof T['operations'] = keyof T['operations'],
> extends Omit<PluginContext<T>, 'respond'> {
  operation: OperationInfo;
  request: OperationRequest<OperationOf<T, Id>>;
  respond: Respond<OperationOf<T, Id>>;
  /** The answer the spec alone would give (named example or generated), e.g. to fall back on. */
  fromSpec(choice?: { status?: number; example?: string }): MockResponse;
}

/**
 * What a precheck sees: the request before the spec has validated its parameters and body (`body` is
 * parsed by its content type but unchecked, `query` is the raw query as an object).
 */
export interface PrecheckContext<T extends ProviderTypes = UntypedProvider> extends PluginContext<T> {
  operation: OperationInfo;
  request: MockRequest;
}

/**
 * Runs before the spec's parameter and body checks, for errors the provider reports first. An OAuth
 * token endpoint, for one, names a bad client (`invalid_client`) or grant type (`unsupported_grant_type`)
 * before it complains about a missing `code` (RFC 6749 §5.2). Throws a MockError to refuse.
 */
export type OperationPrecheck<T extends ProviderTypes = UntypedProvider> = (
  ctx: PrecheckContext<T>,
) => void | Promise<void>;

export type OperationHandler<
  T extends ProviderTypes = UntypedProvider,
  Id extends keyof T['operations'] = keyof T['operations'],
> = (ctx: HandlerContext<T, Id>) => MockResponse | Promise<MockResponse>;

export interface PageContext<T extends ProviderTypes = UntypedProvider> extends PluginContext<T> {
  /** The page request; `body` is a parsed form or JSON body, not validated (pages are not in the spec). */
  request: MockRequest;
}

/** An HTML route that belongs to a flow but not to the API (login form, consent page, Web UI). */
export interface PageRoute<T extends ProviderTypes = UntypedProvider> {
  name: string;
  method: 'GET' | 'POST';
  /** Which of the plugin's mounts the page lives under. */
  mount: string;
  /** Express path below the mount, e.g. `/webui/:token`. */
  path: string;
  handler(ctx: PageContext<T>): MockResponse | Promise<MockResponse>;
}

/** What a plugin's control route sees: the plugin context of the caller's session, and the JSON body sent. */
export interface ControlContext<T extends ProviderTypes = UntypedProvider> extends PluginContext<T> {
  /** `params`: the route path's `:name` segments, decoded (`/clients/:clientId/rotate-secret`). */
  request: { method: string; params: Record<string, string>; body: unknown };
}

/**
 * An extra control route at `/__mock/{provider}{path}`: a JWKS to read, a switch to set. JSON in and out;
 * a refusal is a MockError, answered in the control API's error shape. A POST or DELETE is journaled
 * (`control` names the route), since it changes how the session answers.
 */
export interface ControlRoute<T extends ProviderTypes = UntypedProvider> {
  method: 'GET' | 'POST' | 'DELETE';
  /** Below `/__mock/{provider}`, e.g. `/jwks.json`; a `:name` segment is a parameter. */
  path: string;
  /**
   * JSON Schema (2020-12) the body must meet (no body reads as `{}`): checked by the core before the
   * handler, a refusal being the control API's 400 naming each field (`/body/login`), as for fixtures.
   */
  body?: JsonSchema;
  handler(ctx: ControlContext<T>): MockResponse | Promise<MockResponse>;
}

/** A fixture collection the control API may list and (unless read-only) add to and delete from. */
export interface CollectionDefinition {
  description?: string;
  /** The item field that identifies it; compared as a string. */
  idField: string;
  /** JSON Schema (2020-12) an added item must satisfy; compiled once at startup. */
  schema: Record<string, unknown>;
  /** Listed by the control API but filled only by the plugin itself (e.g. completed authorizations). */
  readOnly?: boolean;
  /**
   * What the schema cannot say about an item (a public key that is not an EC P-256 key): the problem, with the
   * path of the field inside the item, or undefined. Run after the schema, for the control API and the config
   * file alike.
   */
  check?(item: Record<string, unknown>): { path: (string | number)[]; message: string } | undefined;
  /**
   * At most this many items per session, given the plugin's options (a collection the plugin fills as
   * flows complete); adding one more drops the oldest, logged like any eviction. Default: no limit.
   */
  maxItems?(options: any): number;
}

export interface FixtureContext<T extends ProviderTypes = UntypedProvider> {
  /** The plugin's options (see ProviderPlugin.options). */
  options: T['options'];
  /** The server's seed; the same seed gives the same fixtures. */
  seed: number;
  /** A faker (English locale) seeded for this plugin, for this call: use it before returning. */
  faker: Faker;
  publicUrl: string;
  urlFor(mount: string, path?: string): string;
  /** Reports entries evicted to make room, which the core logs at most once per session per minute. */
  onEvict(name: string, count: number): void;
}

/**
 * What `createState` is given: the session's fixtures, and the state store, in which it asks for the tables
 * and values its state is made of. Every one is the session's own (per `X-Mock-Session`) and shared by
 * every replica using the same store; nothing a handler remembers may live anywhere else.
 */
export interface StateContext<T extends ProviderTypes = UntypedProvider> extends FixtureContext<T> {
  fixtures: FixtureStore;
  /** A table of records (`tokens`, `codes`): bounded by its capacity; its evictions are logged for you. */
  table<V>(name: string, options: Omit<TableOptions<V>, 'onEvict'>): StoreTable<V>;
  /** One named value (`autoLogin`). */
  value<V>(name: string): StoreValue<V>;
}

/** What `setup` is given besides the options. */
export interface SetupContext {
  /**
   * A value shared by every replica and kept across restarts (with the Redis store): the stored one, or
   * what `create` makes — JSON only — stored for the rest. The B2COPY mock keeps its signing key here.
   */
  shared<V>(name: string, create: () => Promise<V>): Promise<V>;
}

/** One thing a session holds, as the inspector lists it. */
export interface SessionItem {
  /** What it is, e.g. `access token`, `authorization code`, `sign-in link`. */
  kind: string;
  /** How to tell it apart: a jti, the first characters of a code. */
  id: string;
  status: 'active' | 'used' | 'revoked' | 'expired' | (string & {});
  /** Whom it is for: a user, an admin, a client. */
  subject?: string;
  issuedAt?: string;
  expiresAt?: string;
}

/** What a plugin's `formatError` is told about the failed request. */
export interface ErrorContext {
  /** The operation, when the request matched one. */
  operation?: OperationInfo;
  /** The page, when the request matched a page route. */
  page?: string;
  /** The raw query, for formatters that must echo something back (e.g. OAuth `state`). */
  query: Record<string, unknown>;
}

export interface ProviderPlugin<T extends ProviderTypes = UntypedProvider> {
  /** URL-safe name: the control API's `/__mock/{name}/...` and the spec's `/__mock/openapi/{name}.json`. */
  name: string;
  title?: string;
  /** Path (or file URL) of the OpenAPI 3.1 document this plugin implements. */
  spec: string | URL;
  /**
   * One mount per server of the spec, e.g. `['/just2trade/auth', '/just2trade/api']`. Each must be the
   * path of a `http://localhost:4010/...` server entry in the spec; the core checks this at startup.
   */
  mounts: string[];
  /**
   * One handler per operationId, typed from the spec: a key that is no operationId, or a handler
   * written for another operation, is a compile error (and the core checks the keys at startup).
   * Operations without one answer from the spec's examples and schemas.
   */
  handlers?: { [Id in keyof T['operations']]?: OperationHandler<T, Id> };
  /**
   * Operations (by operationId) and pages (by name) whose answers carry a token, a code, a secret, a
   * one-time link or a one-time form. The core sends every answer of theirs, errors included, with
   * `Cache-Control: no-store` and `Pragma: no-cache` (RFC 6749 §5.1, RFC 9700), so no cache keeps one.
   */
  sensitive?: string[];
  /** Per operationId, checks that run before the spec validates the request (see OperationPrecheck). */
  prechecks?: { [Id in keyof T['operations']]?: OperationPrecheck<T> };
  /**
   * Operations answered from the spec's examples on purpose (no state to emulate). Naming them keeps the
   * drift guard honest: every operation has a handler or is listed here.
   */
  staticOperations?: string[];
  pages?: PageRoute<T>[];
  controlRoutes?: ControlRoute<T>[];
  /**
   * Typed helpers a test suite gets under the plugin's name on `startMockServer()`'s handle and
   * `connectMockServer()`'s (e.g. `mock.just2trade.clientSecret(id)`): built from the control API of one
   * session, they call it over HTTP, so they work in-process and against a mock elsewhere alike.
   */
  controls?(api: ControlRequester): object;
  /**
   * Typed triggers for the partner-side events the plugin emulates (a key rotated, a token revoked on the
   * partner's side), under `mock.events.<name>` on the same handles; like `controls`, each calls one of the
   * plugin's control routes in the handle's session.
   */
  events?(api: ControlRequester): object;
  collections?: Record<string, CollectionDefinition>;
  /** The default fixtures, per collection. Must be deterministic for a given seed. */
  fixtures?(ctx: FixtureContext<T>): Record<string, Record<string, unknown>[]>;
  /**
   * The provider's state for one session (codes, tokens, pending forms): tables and values of the state
   * store (`ctx.table`, `ctx.value`), bounded whatever the traffic and shared by replicas. Called once per
   * session in each process; it only makes handles, the data is in the store.
   */
  createState?(ctx: StateContext<T>): T['state'];
  /**
   * Frees what has died in a session's state by `nowMs` on its clock; the core calls it as the clock moves
   * (at most once a minute of session time). Default: `sweep(nowMs)` on every table in the state.
   */
  sweep?(state: T['state'], nowMs: number): Promise<void>;
  /**
   * The options a handler reads as `ctx.options`: the defaults here, overridden per server with
   * `configurePlugin(plugin, overrides)` (what the `createXPlugin(options)` factories do).
   */
  options?: T['options'];
  /** JSON Schema (2020-12) an override must satisfy; `configurePlugin` refuses anything else. */
  optionsSchema?: JsonSchema;
  /** Built once per server before it listens, from the options: import keys, precompute; never per request. */
  setup?(options: T['options'], ctx: SetupContext): T['services'] | Promise<T['services']>;
  /** Writes any error in the provider's own shape. */
  formatError(error: MockError, ctx: ErrorContext): MockResponse;
  /**
   * For the inspector (`GET /__mock/journal/{id}`): whether a JWT found in one of the provider's exchanges
   * verifies against the keys the provider signs or trusts in that session, and why; undefined when the token
   * is not one the provider could check.
   */
  inspectToken?(token: string, ctx: PluginContext<T>): Promise<{ verified: boolean; detail: string } | undefined>;
  /**
   * For the inspector's flow view (served in `/__mock/providers`): the operationIds an auth flow begins with
   * (`starts`), and those the user's browser sends rather than the CRM (`browser`, e.g. an authorize URL).
   */
  flows?: { starts: string[]; browser?: string[] };
  /**
   * For the inspector: the one-time and expiring things the session holds (tokens, codes, links, forms), each
   * with its state on the session's clock, newest first. Secrets stay out; tokens may be shortened.
   */
  inspectSession?(ctx: PluginContext<T>): Promise<SessionItem[]>;
  /**
   * What `partnermock init` writes, commented out, under this provider's `fixtures:` in a new config file:
   * YAML lines (relative to `fixtures:`) a team would adapt, and notes shown above them.
   */
  configExample?: { fixtures: string[]; notes?: string[] };
  /** Lines for the startup banner and the inspector: default credentials and the like. */
  describe?(fixtures: DefaultFixtures, ctx: FixtureContext<T>): string[];
}

/**
 * Identity helper that gives a plugin object literal its types: `definePlugin<B2Copy>({ ... })`, where
 * `B2Copy` bundles the spec's generated `operations` with the plugin's state, services and options.
 */
export function definePlugin<T extends ProviderTypes = UntypedProvider>(plugin: ProviderPlugin<T>): ProviderPlugin<T> {
  return plugin;
}

/** What a plugin module may default-export: the plugin, or a factory returning it. */
export type PluginModuleExport = AnyPlugin | (() => AnyPlugin | Promise<AnyPlugin>);

/** A plugin whatever its types: what the core holds. */
export type AnyPlugin = ProviderPlugin<any>;
