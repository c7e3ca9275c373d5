/**
 * A plugin with other options: `configurePlugin(plugin, { accessTokenTtlSeconds: 60 })`. The overrides
 * are checked against the plugin's `optionsSchema` when the plugin is configured, so a bad option stops
 * the start with a message naming it, rather than failing the first request.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ProviderPlugin, ProviderTypes } from '../plugin.ts';
import { toIssues } from '../validation/ajv.ts';
import { describeIssues } from '../errors.ts';

export function configurePlugin<T extends ProviderTypes>(
  plugin: ProviderPlugin<T>,
  overrides: Partial<T['options']> = {},
): ProviderPlugin<T> {
  if (plugin.optionsSchema) {
    // A throwaway instance: configuring happens once per plugin at startup, and nothing is kept.
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(plugin.optionsSchema);
    if (!validate(overrides)) {
      throw new RangeError(`${plugin.name} options: ${describeIssues(toIssues(validate.errors, ''))}.`);
    }
  }
  return { ...plugin, options: { ...plugin.options, ...overrides } as T['options'] };
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
