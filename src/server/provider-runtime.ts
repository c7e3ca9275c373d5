/**
 * One provider plugin, made ready to serve: its spec loaded and checked against its mounts, a
 * request validator, response validator and spec answers compiled per operation, its services set
 * up, and its collection schemas compiled. All of it once, at startup.
 */
import { Faker, en } from '@faker-js/faker';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import type { AnyPlugin, FixtureContext, OperationHandler } from '../plugin.ts';
import { loadSpec, type LoadedSpec, type SpecOperation } from '../spec/load-spec.ts';
import { SpecAnswers } from '../spec/spec-answers.ts';
import { FixtureStore } from '../state/fixture-store.ts';
import type { ProviderScope } from '../state/sessions.ts';
import { compile, fixtureAjv } from '../validation/ajv.ts';
import { RequestValidator } from '../validation/request-validator.ts';
import { ResponseValidator } from '../validation/response-validator.ts';

export interface CompiledOperation {
  operation: SpecOperation;
  request: RequestValidator;
  response: ResponseValidator;
  answers: SpecAnswers;
  handler?: OperationHandler<unknown, unknown>;
}

/** Control API routes that a provider name would shadow at `/__mock/{name}/...`. */
const RESERVED_NAMES = new Set(['health', 'providers', 'openapi', 'reset', 'clock', 'journal']);

export class ProviderRuntime {
  readonly operations = new Map<string, CompiledOperation>();
  readonly collectionValidators = new Map<string, ValidateFunction>();

  private constructor(
    readonly plugin: AnyPlugin,
    readonly spec: LoadedSpec,
    readonly services: unknown,
    private readonly seed: number,
  ) {
    for (const operation of spec.operations) {
      const handler = plugin.handlers?.[operation.operationId];
      this.operations.set(operation.operationId, {
        operation,
        request: new RequestValidator(operation, spec.securitySchemes),
        response: new ResponseValidator(operation),
        answers: new SpecAnswers(operation, seed),
        ...(handler ? { handler } : {}),
      });
    }
    for (const [name, definition] of Object.entries(plugin.collections ?? {})) {
      this.collectionValidators.set(name, compile(fixtureAjv, definition.schema));
    }
  }

  static async create(plugin: AnyPlugin, seed: number): Promise<ProviderRuntime> {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(plugin.name)) {
      throw new Error(
        `Plugin name "${plugin.name}" must be lower-case letters, digits and dashes (it is part of URLs).`,
      );
    }
    if (RESERVED_NAMES.has(plugin.name)) {
      throw new Error(`Plugin name "${plugin.name}" is taken by the control API (/__mock/${plugin.name}).`);
    }
    const spec = await loadSpec(plugin.spec);
    const mounts = new Set(plugin.mounts.map(normaliseMount));
    for (const operation of spec.operations) {
      if (!mounts.has(operation.mount)) {
        throw new Error(
          `${plugin.name}: ${operation.operationId} is served at ${operation.mount} (from the spec's servers), which is not one of the plugin's mounts ${[...mounts].join(', ')}.`,
        );
      }
    }
    for (const page of plugin.pages ?? []) {
      if (!mounts.has(normaliseMount(page.mount)))
        throw new Error(
          `${plugin.name}: page "${page.name}" names mount ${page.mount}, which is not one of ${[...mounts].join(', ')}.`,
        );
    }
    const known = new Set(spec.operations.map((operation) => operation.operationId));
    for (const operationId of Object.keys(plugin.handlers ?? {})) {
      if (!known.has(operationId))
        throw new Error(`${plugin.name}: handler "${operationId}" matches no operationId in ${spec.file}.`);
    }
    const pageNames = new Set((plugin.pages ?? []).map((page) => page.name));
    for (const name of plugin.sensitive ?? []) {
      if (!known.has(name) && !pageNames.has(name))
        throw new Error(`${plugin.name}: sensitive "${name}" is neither an operationId in ${spec.file} nor a page.`);
    }
    for (const operationId of Object.keys(plugin.prechecks ?? {})) {
      if (!known.has(operationId))
        throw new Error(`${plugin.name}: precheck "${operationId}" matches no operationId in ${spec.file}.`);
    }
    for (const operationId of plugin.staticOperations ?? []) {
      if (!known.has(operationId))
        throw new Error(`${plugin.name}: static operation "${operationId}" matches no operationId in ${spec.file}.`);
      if (plugin.handlers?.[operationId])
        throw new Error(`${plugin.name}: "${operationId}" has a handler and is also listed as static.`);
    }
    const services = plugin.setup ? await plugin.setup() : undefined;
    return new ProviderRuntime(plugin, spec, services, seed);
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
    return [...this.operations.values()].map(({ operation, handler }) => ({
      operationId: operation.operationId,
      method: operation.method,
      path: operation.path,
      baseUrl: urlFor(operation.mount),
      stateful: handler !== undefined,
    }));
  }

  fixtureContext(publicUrl: string): FixtureContext {
    const faker = new Faker({ locale: [en] });
    // Each plugin gets its own stream, so adding a provider does not change another's fixtures.
    faker.seed([this.seed, ...[...this.name].map((character) => character.charCodeAt(0))]);
    return { seed: this.seed, faker, publicUrl, urlFor: urlBuilder(publicUrl) };
  }

  /** A fresh copy of the default fixtures and state, for one session. */
  createScope(publicUrl: string): ProviderScope {
    const context = this.fixtureContext(publicUrl);
    const fixtures = new FixtureStore(this.plugin.collections ?? {}, this.plugin.fixtures?.(context) ?? {});
    const state = this.plugin.createState ? this.plugin.createState(fixtures, context) : {};
    return { fixtures, state };
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
