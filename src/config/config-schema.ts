/**
 * The one definition of a config file's shape (`partnermock.config.yaml`): the loader validates with it,
 * and `config.schema.json`, which editors complete and check the file with, is generated from it. Each
 * provider's section is made from its plugin: `options` from the plugin's `optionsSchema`, each fixture
 * collection from the collection's schema, exactly as the control API checks an item.
 */
import { FAULT_RULE_SCHEMA } from '../faults/fault-rules.ts';
import type { AnyPlugin } from '../plugin.ts';
import type { JsonSchema } from '../spec/openapi-types.ts';

/** A delay: milliseconds, `"min-max"`, or `{ min, max }` (parseDelay reads each). */
const LATENCY_SCHEMA = {
  anyOf: [
    { type: 'integer', minimum: 0, maximum: 600_000 },
    { type: 'string', pattern: '^\\s*\\d+\\s*-\\s*\\d+\\s*$' },
    {
      type: 'object',
      required: ['min', 'max'],
      additionalProperties: false,
      properties: { min: { type: 'integer', minimum: 0 }, max: { type: 'integer', minimum: 0, maximum: 600_000 } },
    },
  ],
} as const;

/**
 * The top-level settings a config file may give, with the command-line flag and environment variable of each,
 * and the built-in default (what the server uses when neither flag, variable nor file sets it; `undefined`
 * where it is derived).
 */
export const SERVER_SETTINGS = {
  port: {
    flag: '--port',
    env: 'PORT',
    default: 4010,
    schema: { type: 'integer', minimum: 0, maximum: 65535, description: 'Port to listen on; 0 picks a free one.' },
  },
  host: {
    flag: '--host',
    env: 'PARTNERMOCK_HOST',
    default: '127.0.0.1',
    schema: { type: 'string', minLength: 1, description: 'Address to bind (default 127.0.0.1: loopback only).' },
  },
  publicUrl: {
    flag: '--public-url',
    env: 'PARTNERMOCK_PUBLIC_URL',
    // Derived: http://localhost:<port>, with the port the server listens on.
    default: undefined,
    schema: {
      type: 'string',
      pattern: '^https?://[^/?#]+(/[^?#]*)?$',
      description: 'Base URL used in the links and redirects the mock hands out (default http://localhost:<port>).',
    },
  },
  seed: {
    flag: '--seed',
    env: 'PARTNERMOCK_SEED',
    default: 1,
    schema: { type: 'integer', description: 'Fixture and example seed: the same seed gives the same data.' },
  },
  validateResponses: {
    flag: '--no-validate-responses',
    env: 'PARTNERMOCK_VALIDATE_RESPONSES',
    default: true,
    schema: { type: 'boolean', description: 'Hold every answer to the spec (a violation is a loud 500).' },
  },
  bodyLimit: {
    flag: undefined,
    env: 'PARTNERMOCK_BODY_LIMIT',
    default: '1mb',
    schema: {
      description: 'Largest accepted request body: bytes, or a size like "1mb".',
      anyOf: [
        { type: 'integer', minimum: 1 },
        { type: 'string', pattern: '^\\d+(\\.\\d+)?\\s*(b|kb|mb|gb)?$' },
      ],
    },
  },
  journalSize: {
    flag: undefined,
    env: 'PARTNERMOCK_JOURNAL_SIZE',
    default: 500,
    schema: { type: 'integer', minimum: 1, description: 'Recent requests kept for /__mock/journal.' },
  },
  maxSessions: {
    flag: undefined,
    env: 'PARTNERMOCK_MAX_SESSIONS',
    default: 1000,
    schema: {
      type: 'integer',
      minimum: 1,
      description: 'Named sessions kept before the least recently used is dropped (the `default` session never is).',
    },
  },
  latency: {
    flag: '--latency',
    env: 'PARTNERMOCK_LATENCY',
    default: undefined,
    schema: {
      description: 'Delay every provider answer: milliseconds, "min-max", or { min, max } drawn per request.',
      ...LATENCY_SCHEMA,
    },
  },
  store: {
    flag: '--store',
    env: 'PARTNERMOCK_STORE',
    default: 'memory',
    schema: {
      type: 'string',
      pattern: '^(memory|rediss?://.+)$',
      description:
        'Where sessions keep their state: memory (this process only), or a Redis URL such as ' +
        'redis://127.0.0.1:6379/0 that several replicas share and that survives restarts.',
    },
  },
  controlToken: {
    flag: '--control-token',
    env: 'PARTNERMOCK_CONTROL_TOKEN',
    default: undefined,
    schema: {
      type: 'string',
      minLength: 16,
      maxLength: 512,
      pattern: '^[\\x21-\\x7e]+$',
      description:
        'The token the control API (/__mock, except GET /__mock/health) and the inspector require, as ' +
        '"Authorization: Bearer <token>": at least 16 printable characters, no spaces. Needed to listen ' +
        'on a non-loopback host, unless controlOpen.',
    },
  },
  controlOpen: {
    flag: '--control-open',
    env: 'PARTNERMOCK_CONTROL_OPEN',
    default: false,
    schema: {
      type: 'boolean',
      description: 'Listen on a non-loopback host with the control API open to anyone who can reach it, on purpose.',
    },
  },
  cors: {
    flag: '--cors',
    env: 'PARTNERMOCK_CORS',
    default: true,
    schema: {
      description:
        'CORS for browser clients: true (default: the provider routes answer every origin, without ' +
        'credentials), false (none), or the origins allowed, e.g. [http://localhost:3000]: only those, with ' +
        'credentials, on the provider routes and the control API.',
      anyOf: [
        { type: 'boolean' },
        {
          type: 'array',
          minItems: 1,
          uniqueItems: true,
          items: { type: 'string', pattern: '^https?://[^/?#\\s]+/?$' },
        },
      ],
    },
  },
  storePrefix: {
    flag: '--store-prefix',
    env: 'PARTNERMOCK_STORE_PREFIX',
    default: 'partnermock:',
    schema: {
      type: 'string',
      minLength: 1,
      maxLength: 100,
      pattern: '^[^\\s*?\\[\\]]+$',
      description: 'Prefix of every Redis key, so that several mocks can share one Redis.',
    },
  },
} as const satisfies Record<string, { flag: string | undefined; env: string; default: unknown; schema: JsonSchema }>;

export type ServerSetting = keyof typeof SERVER_SETTINGS;

/** A JSON config's `"$schema"`, for editors. */
const SCHEMA_KEY: JsonSchema = { type: 'string', description: 'The schema this file is written against, for editors.' };

/** Fixture sections are merged with the built-in defaults unless they say `mode: replace`. */
export const FIXTURE_MODES = ['merge', 'replace'] as const;

/** One provider's section, from its plugin. Read-only collections (filled by the mock itself) are left out. */
function providerSchema(plugin: AnyPlugin): JsonSchema {
  const collections = Object.entries(plugin.collections ?? {}).filter(([, definition]) => !definition.readOnly);
  return {
    type: 'object',
    additionalProperties: false,
    description: `${plugin.title ?? plugin.name}: whether it is served, its options and its fixtures.`,
    properties: {
      enabled: { type: 'boolean', description: 'Serve this provider (default true).' },
      latency: {
        ...LATENCY_SCHEMA,
        description: 'Delay every answer of this provider (instead of the top-level latency).',
      },
      options: {
        ...(plugin.optionsSchema ?? { type: 'object', additionalProperties: false }),
        description: `${plugin.name}'s options, as its plugin factory takes them in code.`,
      },
      fixtures: {
        type: 'object',
        additionalProperties: false,
        description: `${plugin.name}'s fixture collections, as the control API's /__mock/${plugin.name}/{collection}.`,
        properties: {
          mode: {
            enum: [...FIXTURE_MODES],
            description:
              'merge (default): added to the built-in fixtures, an item with a built-in id replacing it; ' +
              'replace: only these items, in every collection the section names.',
          },
          ...Object.fromEntries(
            collections.map(([name, definition]) => [
              name,
              {
                type: 'array',
                items: definition.schema,
                ...(definition.description ? { description: definition.description } : {}),
              },
            ]),
          ),
        },
      },
    },
  };
}

/** The schema a config file is validated with, for these plugins (the built-ins and any the file names). */
export function configSchema(plugins: readonly AnyPlugin[]): JsonSchema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'partnermock configuration',
    type: 'object',
    additionalProperties: false,
    properties: {
      $schema: SCHEMA_KEY,
      ...Object.fromEntries(Object.entries(SERVER_SETTINGS).map(([name, setting]) => [name, setting.schema])),
      providers: {
        type: 'object',
        additionalProperties: false,
        description: 'Per provider: enabled, options and fixtures.',
        properties: Object.fromEntries(plugins.map((plugin) => [plugin.name, providerSchema(plugin)])),
      },
      faults: {
        type: 'array',
        items: FAULT_RULE_SCHEMA,
        description: 'Fault rules every session starts with (README, "Simulate failures"); a reset restores them.',
      },
      plugins: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        description: 'More provider plugins: module paths (.js, .mjs or .ts), relative to this file.',
      },
    },
  };
}

/**
 * The schema for editors (`config.schema.json`): the same, except that any string may instead be
 * `{ file: path }` (read from a file next to the config), and that providers of plugins the file loads
 * itself, which the schema cannot know, are allowed with the generic shape.
 */
export function editorConfigSchema(plugins: readonly AnyPlugin[]): JsonSchema {
  const schema = withFileStrings(configSchema(plugins)) as JsonSchema & { properties: Record<string, JsonSchema> };
  schema.properties.$schema = SCHEMA_KEY; // a URL, never read from a file
  const providers = schema.properties.providers as JsonSchema & { additionalProperties: unknown };
  providers.additionalProperties = {
    type: 'object',
    description: 'A provider from one of `plugins`.',
    properties: { enabled: { type: 'boolean' }, options: { type: 'object' }, fixtures: { type: 'object' } },
    additionalProperties: false,
  };
  schema.$defs = {
    fromFile: {
      type: 'object',
      required: ['file'],
      additionalProperties: false,
      properties: { file: { type: 'string', description: 'A UTF-8 file, relative to the config file.' } },
      description: 'The contents of a file (a key, a secret kept out of the config).',
    },
  };
  return schema;
}

/** Every `type: 'string'` schema becomes "that, or `{ file }`". */
function withFileStrings(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withFileStrings);
  if (schema === null || typeof schema !== 'object') return schema;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    copy[key] = ['enum', 'const', 'default', 'required', 'examples'].includes(key) ? value : withFileStrings(value);
  }
  if (copy.type === 'string') {
    const { description, ...rest } = copy;
    return {
      ...(description !== undefined ? { description } : {}),
      anyOf: [rest, { $ref: '#/$defs/fromFile' }],
    };
  }
  return copy;
}
