/**
 * A plugin with other options: `configurePlugin(plugin, { accessTokenTtlSeconds: 60 })`. The overrides
 * are checked against the plugin's `optionsSchema` when the plugin is configured, so a bad option stops
 * the start with a message naming it, rather than failing the first request.
 */
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import type { ProviderPlugin, ProviderTypes } from '../plugin.ts';
import { toIssues } from '../validation/ajv.ts';
import { describeIssues } from '../errors.ts';

export function configurePlugin<T extends ProviderTypes>(
  plugin: ProviderPlugin<T>,
  overrides: Partial<T['options']> = {},
): ProviderPlugin<T> {
  // An option given as `undefined` keeps its default (`{ ttl: process.env.TTL ? Number(...) : undefined }`).
  const given = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  const options = { ...plugin.options, ...given } as T['options'];
  if (plugin.optionsSchema) {
    // A throwaway instance: configuring happens once per plugin at startup, and nothing is kept. The
    // options as they will run are checked, not only the overrides.
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(plugin.optionsSchema);
    if (!validate(options)) {
      throw new RangeError(`${plugin.name} options: ${optionProblems(plugin, options, validate.errors)}.`);
    }
  }
  return { ...plugin, options };
}

/** The JSON Schema of options that are whole numbers at or above a minimum (lifetimes, skews, limits). */
export function integerOptionsSchema(minimums: Record<string, number>): Record<string, unknown> {
  return {
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(
      Object.entries(minimums).map(([name, minimum]) => [name, { type: 'integer', minimum }]),
    ),
  };
}

/**
 * One phrase per bad option: `accessTokenTtlSeconds must be an integer >= 1, got 0` for the integer
 * options most plugins have, ajv's own words for anything else.
 */
function optionProblems(
  plugin: ProviderPlugin<ProviderTypes>,
  given: object,
  errors: ErrorObject[] | null | undefined,
): string {
  const properties = (plugin.optionsSchema?.properties ?? {}) as Record<string, { type?: string; minimum?: number }>;
  const phrases = new Map<string, string>();
  for (const issue of toIssues(errors, '')) {
    const name = issue.location.split('/')[1] ?? '';
    const schema = properties[name];
    if (schema?.type === 'integer' && schema.minimum !== undefined) {
      const value = (given as Record<string, unknown>)[name];
      phrases.set(name, `${name} must be an integer >= ${schema.minimum}, got ${String(value)}`);
    } else if (!phrases.has(name)) {
      phrases.set(name, describeIssues([issue]));
    }
  }
  return [...phrases.values()].join('; ');
}
