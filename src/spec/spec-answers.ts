/**
 * Answers an operation from its spec alone: the named example for a status, else data generated
 * from the schema (json-schema-faker with faker, under the server's seed, so the same request gets
 * the same data). Used for operations without a stateful handler, for `Prefer` overrides, and by
 * handlers through `ctx.fromSpec()`.
 */
import { MockError } from '../errors.ts';
import type { MockResponse } from '../plugin.ts';
import { toJsonSchema } from '../validation/ajv.ts';
import { declaredResponse } from '../validation/response-validator.ts';
import type { SpecOperation } from './load-spec.ts';
import type { ExampleObject, HeaderObject, JsonSchema, MediaTypeObject } from './openapi-types.ts';

export interface AnswerChoice {
  status?: number;
  example?: string;
  /** Generate from the schema even where an example exists. */
  dynamic?: boolean;
}

/** Generates a value for a schema, the same one for the same seed. */
export type SchemaGenerator = (schema: JsonSchema, seed: number) => unknown;

/**
 * json-schema-faker with faker, imported on first need: most runs answer from the spec's examples, and
 * the two cost ~60 ms of a start.
 */
export async function loadSchemaGenerator(): Promise<SchemaGenerator> {
  const [{ generateSync }, { faker }] = await Promise.all([
    import('json-schema-faker'),
    import('@faker-js/faker/locale/en'),
  ]);
  return (schema, seed) => {
    // Seeded right before the synchronous generation that uses it.
    faker.seed(seed);
    return generateSync(toJsonSchema(schema) as never, {
      seed,
      alwaysFakeOptionals: true,
      useExamplesValue: true,
      extensions: { faker },
    });
  };
}

export class SpecAnswers {
  readonly #generated = new Map<string, unknown>();

  constructor(
    readonly operation: SpecOperation,
    private readonly seed: number,
    private readonly generate: SchemaGenerator,
  ) {}

  /** The status answered when none is asked for: the lowest 2xx, else the lowest 3xx, else the first. */
  defaultStatus(): number {
    const statuses = Object.keys(this.operation.responses)
      .filter((key) => /^\d{3}$/.test(key))
      .map(Number)
      .sort((a, b) => a - b);
    return statuses.find((s) => s >= 200 && s < 300) ?? statuses.find((s) => s >= 300 && s < 400) ?? statuses[0] ?? 200;
  }

  answer(choice: AnswerChoice = {}): MockResponse {
    const { operationId, responses } = this.operation;
    const status = choice.status ?? this.defaultStatus();
    const response = declaredResponse(responses, status);
    if (!response) {
      throw new MockError(
        400,
        'unknown_preference',
        `${operationId} declares no ${status} response; it declares ${Object.keys(responses).join(', ')}.`,
      );
    }
    const headers: Record<string, string> = {};
    for (const [name, header] of Object.entries(response.headers ?? {})) {
      const value = this.#headerValue(`${status} ${name}`, header);
      if (value !== undefined) headers[name] = value;
    }
    const [mediaType, media] = Object.entries(response.content ?? {})[0] ?? [];
    if (!mediaType || !media) {
      if (choice.example)
        throw new MockError(
          400,
          'unknown_preference',
          `${operationId} ${status} has no body, so no example "${choice.example}".`,
        );
      return { status, headers };
    }
    return { status, headers, contentType: mediaType, body: this.#body(`${status} ${mediaType}`, media, choice) };
  }

  #body(key: string, media: MediaTypeObject, choice: AnswerChoice): unknown {
    const named = media.examples ?? {};
    if (choice.example) {
      // Own keys only: `example=__proto__` must not reach Object.prototype.
      const example = Object.hasOwn(named, choice.example) ? named[choice.example] : undefined;
      if (!example) {
        const known = Object.keys(named);
        throw new MockError(
          400,
          'unknown_preference',
          `No example "${choice.example}" for ${this.operation.operationId} ${key}; ${known.length ? `examples: ${known.join(', ')}` : 'it has none'}.`,
        );
      }
      return structuredClone(example.value);
    }
    if (!choice.dynamic) {
      const first = firstExample(named, media.example, media.schema);
      if (first !== undefined) return structuredClone(first);
    }
    return structuredClone(this.#generate(key, media.schema ?? {}));
  }

  #headerValue(key: string, header: HeaderObject): string | undefined {
    const example = firstExample(header.examples ?? {}, header.example, header.schema);
    const value =
      example !== undefined
        ? example
        : header.required
          ? this.#generate(`header ${key}`, header.schema ?? { type: 'string' })
          : undefined;
    return value === undefined ? undefined : String(value);
  }

  #generate(key: string, schema: JsonSchema): unknown {
    if (!this.#generated.has(key)) {
      const seed = hash(`${this.seed}:${this.operation.operationId}:${key}`);
      this.#generated.set(key, this.generate(schema, seed));
    }
    return this.#generated.get(key);
  }
}

function firstExample(named: Record<string, ExampleObject>, single: unknown, schema: JsonSchema | undefined): unknown {
  const first = Object.values(named).find((example) => example.value !== undefined);
  if (first) return first.value;
  if (single !== undefined) return single;
  const schemaExamples = schema?.examples;
  return Array.isArray(schemaExamples) && schemaExamples.length ? schemaExamples[0] : undefined;
}

/** A stable 31-bit hash, so each operation and status gets its own reproducible seed. */
function hash(text: string): number {
  let value = 2166136261;
  for (let index = 0; index < text.length; index++) {
    value ^= text.charCodeAt(index);
    value = Math.imul(value, 16777619);
  }
  return (value >>> 0) % 2147483647;
}
