/**
 * One provider plugin, made ready to serve: its spec loaded and checked against its mounts, its handlers,
 * prechecks and pages checked against the spec, its services set up. An operation's request validator,
 * response validator and spec answers are compiled on its first request and kept: nothing is compiled
 * per request, and nothing is compiled for operations nobody calls.
 */
// One locale's entry point: the package's main entry loads every locale (~150 ms of every start).
import { faker } from '@faker-js/faker/locale/en';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import type { AnyPlugin, FixtureContext, OperationHandler, OperationInfo, SetupContext } from '../plugin.ts';
import { loadSpec, type LoadedSpec, type SpecOperation } from '../spec/load-spec.ts';
import { SpecAnswers, loadSchemaGenerator, type SchemaGenerator } from '../spec/spec-answers.ts';
import { DefaultFixtures, FixtureStore, collectionTableOptions } from '../state/fixture-store.ts';
import type { ProviderScopeFactory } from '../state/sessions.ts';
import type { StateStore, StoreTable } from '../state/store/store.ts';
import { compile, type SchemaCompilers } from '../validation/ajv.ts';
import { RequestValidator } from '../validation/request-validator.ts';
import { ResponseValidator } from '../validation/response-validator.ts';

export interface CompiledOperation {
  operation: SpecOperation;
  /** What handlers and formatters are told of it (made once). */
  info: OperationInfo;
  request: RequestValidator;
  response: ResponseValidator;
  answers: SpecAnswers;
  handler?: OperationHandler;
}

/** How much of a session's time passes between sweeps of its state. */
const SWEEP_EVERY_MS = 60_000;

/**
 * Names a provider cannot take: the control API's routes it would shadow at `/__mock/{name}/...`, and the
 * members of a test's mock handle its typed helpers would overwrite (`mock.<name>`).
 */
const RESERVED_NAMES: ReadonlySet<string> = new Set([
  'health',
  'providers',
  'openapi',
  'reset',
  'clock',
  'journal',
  'faults',
  'fixtures',
  'events',
  'inspector',
  'session',
  'fetch',
  'url',
  'port',
  'close',
  'mock',
  'server',
]);

export class ProviderRuntime {
  /** The spec's operations by operationId, as loaded (not compiled). */
  readonly operations: ReadonlyMap<string, SpecOperation>;
  readonly #compiled = new Map<string, CompiledOperation>();
  readonly #collectionValidators = new Map<string, ValidateFunction>();
  #generator?: SchemaGenerator;
  /** When each session's state was last swept (keyed by the state, so a dropped session frees its entry). */
  readonly #sweptAtMs = new WeakMap<object, number>();

  #plugin: AnyPlugin;
  #services: unknown;
  /** The plugin's default fixtures, made on first use for the current configuration. */
  #defaults?: DefaultFixtures;

  private constructor(
    plugin: AnyPlugin,
    readonly spec: LoadedSpec,
    services: unknown,
    private readonly seed: number,
    private readonly compilers: SchemaCompilers,
    private readonly store: StateStore,
  ) {
    this.#plugin = plugin;
    this.#services = services;
    this.operations = new Map(spec.operations.map((operation) => [operation.operationId, operation]));
  }

  static async create(
    plugin: AnyPlugin,
    seed: number,
    compilers: SchemaCompilers,
    store: StateStore,
  ): Promise<ProviderRuntime> {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(plugin.name)) {
      throw new Error(
        `Plugin name "${plugin.name}" must be lower-case letters, digits and dashes (it is part of URLs).`,
      );
    }
    if (RESERVED_NAMES.has(plugin.name)) {
      throw new Error(`Plugin name "${plugin.name}" is taken by the control API (/__mock/${plugin.name}).`);
    }
    const spec = await loadSpec(plugin.spec, plugin.mounts.map(normaliseMount));
    checkAgainstSpec(plugin, spec);
    const services = plugin.setup
      ? await plugin.setup(plugin.options ?? {}, setupContext(store, plugin.name))
      : undefined;
    return new ProviderRuntime(plugin, spec, services, seed, compilers, store);
  }

  /** The plugin as configured now (a config reload may replace its options and fixtures). */
  get plugin(): AnyPlugin {
    return this.#plugin;
  }

  /** What the plugin's `setup()` built from its current options. */
  get services(): unknown {
    return this.#services;
  }

  /**
   * The same plugin with other options and fixtures (a reloaded config file): sessions made or reset from
   * now on get them, while a running session keeps what it started with, so no flow changes under a test's
   * feet. Its services are set up from the new options first; the returned function switches, so that
   * several providers switch together or not at all.
   */
  async prepareReconfigure(plugin: AnyPlugin): Promise<() => void> {
    if (plugin.name !== this.name) throw new Error(`${this.name} cannot be reconfigured as ${plugin.name}.`);
    const services = plugin.setup
      ? await plugin.setup(plugin.options ?? {}, setupContext(this.store, plugin.name))
      : undefined;
    return () => {
      this.#plugin = plugin;
      this.#services = services;
      this.#defaults = undefined;
    };
  }

  /**
   * Frees what has died in one session's state, at most once per `SWEEP_EVERY_MS` of that session's
   * clock; called on every request, so a busy session is swept as its time passes and an idle one
   * holds only what it held.
   */
  sweepIfDue(state: unknown, nowMs: number): Promise<void> | undefined {
    if (!state || typeof state !== 'object') return undefined;
    const last = this.#sweptAtMs.get(state);
    if (last !== undefined && nowMs - last < SWEEP_EVERY_MS) return undefined;
    this.#sweptAtMs.set(state, nowMs);
    if (last === undefined) return undefined;
    if (this.plugin.sweep) return this.plugin.sweep(state, nowMs);
    return Promise.all(
      Object.values(state)
        .filter(isStoreTable)
        .map((table) => table.sweep(nowMs)),
    ).then(() => undefined);
  }

  /**
   * Resolves once the runtime can compile any operation: the schema generator for the spec's answers is
   * imported on the first request, not at startup. Cheap after the first call.
   */
  async ready(): Promise<void> {
    this.#generator ??= await loadSchemaGenerator();
  }

  get isReady(): boolean {
    return this.#generator !== undefined;
  }

  /** An operation's validators and answers, compiled on first use (after `ready()`). */
  compiled(operationId: string): CompiledOperation {
    let compiled = this.#compiled.get(operationId);
    if (!compiled) {
      const operation = this.operations.get(operationId);
      if (!operation) throw new Error(`${this.name} has no operation ${operationId}.`);
      const handler = this.plugin.handlers?.[operationId] as OperationHandler | undefined;
      const { method, path, mount } = operation;
      compiled = {
        operation,
        info: { provider: this.name, operationId, method, path, mount },
        request: new RequestValidator(this.compilers, operation, this.spec.securitySchemes),
        response: new ResponseValidator(this.compilers, operation),
        answers: new SpecAnswers(operation, this.seed, (schema, seed) => {
          if (!this.#generator) throw new Error(`${this.name}: compiled before ready()`);
          return this.#generator(schema, seed);
        }),
        ...(handler ? { handler } : {}),
      };
      this.#compiled.set(operationId, compiled);
    }
    return compiled;
  }

  /** The validator for items added to a fixture collection, compiled on first use. */
  collectionValidator(name: string): ValidateFunction {
    let validate = this.#collectionValidators.get(name);
    if (!validate) {
      const definition = this.plugin.collections?.[name];
      if (!definition) throw new Error(`${this.name} has no collection ${name}.`);
      validate = compile(this.compilers.fixture, definition.schema);
      this.#collectionValidators.set(name, validate);
    }
    return validate;
  }

  get name(): string {
    return this.plugin.name;
  }

  get mounts(): string[] {
    return this.plugin.mounts.map(normaliseMount);
  }

  get title(): string {
    return this.plugin.title ?? this.spec.source.info.title;
  }

  baseUrls(publicUrl: string): string[] {
    const urlFor = urlBuilder(publicUrl);
    return this.mounts.map((mount) => urlFor(mount));
  }

  /** Each operation, the base URL it is served under, and whether a stateful handler answers it. */
  operationList(
    publicUrl: string,
  ): { operationId: string; method: string; path: string; baseUrl: string; stateful: boolean }[] {
    const urlFor = urlBuilder(publicUrl);
    return [...this.operations.values()].map((operation) => ({
      operationId: operation.operationId,
      method: operation.method,
      path: operation.path,
      baseUrl: urlFor(operation.mount),
      stateful: this.plugin.handlers?.[operation.operationId] !== undefined,
    }));
  }

  fixtureContext(publicUrl: string, onEvict: FixtureContext['onEvict'] = () => {}): FixtureContext {
    return {
      seed: this.seed,
      faker,
      publicUrl,
      urlFor: urlBuilder(publicUrl),
      options: this.plugin.options ?? {},
      onEvict,
    };
  }

  /** The plugin's default fixtures under the current configuration: made once, shared by every session. */
  defaults(publicUrl: string): DefaultFixtures {
    if (!this.#defaults) {
      // Seeded for this plugin right before the plugin's synchronous fixtures() uses it: each plugin gets
      // its own stream, so adding a provider does not change another's fixtures.
      faker.seed([this.seed, ...[...this.name].map((character) => character.charCodeAt(0))]);
      this.#defaults = new DefaultFixtures(
        this.plugin.collections ?? {},
        this.plugin.fixtures?.(this.fixtureContext(publicUrl)) ?? {},
      );
    }
    return this.#defaults;
  }

  /** How a session's part of this provider is made: its default fixtures, and the handles to its state. */
  scopeFactory(publicUrl: string, onEvict: FixtureContext['onEvict']): ProviderScopeFactory {
    return {
      seed: () =>
        this.defaults(publicUrl)
          .entries()
          .map(({ name, items }) => ({ table: `fixtures/${name}`, items })),
      create: (session) => {
        const context = this.fixtureContext(publicUrl, onEvict);
        const collections = this.plugin.collections ?? {};
        const tables = new Map(
          Object.entries(collections).map(([name, definition]) => [
            name,
            this.store.table(
              session.id,
              this.name,
              `fixtures/${name}`,
              collectionTableOptions(name, definition, context.options, onEvict),
            ),
          ]),
        );
        const fixtures = new FixtureStore(tables, collections);
        const state = this.plugin.createState
          ? this.plugin.createState({
              ...context,
              fixtures,
              table: (name, options) => this.store.table(session.id, this.name, name, { ...options, onEvict }),
              value: (name) => this.store.value(session.id, this.name, name),
            })
          : {};
        return { fixtures, state, options: context.options, services: this.services };
      },
    };
  }
}

function setupContext(store: StateStore, provider: string): SetupContext {
  return { shared: (name, create) => store.shared(`${provider}:${name}`, create) };
}

function isStoreTable(value: unknown): value is StoreTable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as StoreTable<unknown>).sweep === 'function' &&
    typeof (value as StoreTable<unknown>).options === 'object'
  );
}

/** Everything a plugin names (mounts, handlers, prechecks, static operations, sensitive routes) exists. */
function checkAgainstSpec(plugin: AnyPlugin, spec: LoadedSpec): void {
  const mounts = new Set(plugin.mounts.map(normaliseMount));
  const problem = (message: string) => new Error(`${plugin.name}: ${message}`);
  for (const operation of spec.operations) {
    if (!mounts.has(operation.mount)) {
      throw problem(
        `${operation.operationId} is served at ${operation.mount} (from the spec's servers), which is not one of ` +
          `the plugin's mounts ${[...mounts].join(', ')}.`,
      );
    }
  }
  for (const page of plugin.pages ?? []) {
    if (!mounts.has(normaliseMount(page.mount))) {
      throw problem(`page "${page.name}" names mount ${page.mount}, which is not one of ${[...mounts].join(', ')}.`);
    }
  }
  const known = new Set(spec.operations.map((operation) => operation.operationId));
  const pageNames = new Set((plugin.pages ?? []).map((page) => page.name));
  const listed: [string, string[]][] = [
    ['handler', Object.keys(plugin.handlers ?? {})],
    ['precheck', Object.keys(plugin.prechecks ?? {})],
    ['static operation', plugin.staticOperations ?? []],
  ];
  for (const [what, names] of listed) {
    for (const name of names) {
      if (!known.has(name)) throw problem(`${what} "${name}" matches no operationId in ${spec.file}.`);
    }
  }
  for (const operationId of plugin.staticOperations ?? []) {
    if (plugin.handlers?.[operationId]) throw problem(`"${operationId}" has a handler and is also listed as static.`);
  }
  for (const name of plugin.sensitive ?? []) {
    if (!known.has(name) && !pageNames.has(name)) {
      throw problem(`sensitive "${name}" is neither an operationId in ${spec.file} nor a page.`);
    }
  }
}

export function normaliseMount(mount: string): string {
  const trimmed = `/${mount}`.replace(/\/+/g, '/').replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

export function urlBuilder(publicUrl: string): (mount: string, path?: string) => string {
  const base = publicUrl.replace(/\/+$/, '');
  return (mount, path = '') => `${base}${normaliseMount(mount) === '/' ? '' : normaliseMount(mount)}${path}`;
}
