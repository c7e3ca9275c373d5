/**
 * (a) Each provider spec is a valid OpenAPI 3.1 document according to @readme/openapi-parser, the
 * validator the harness itself loads specs with (src/spec/load-spec.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileErrors, validate } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';
import { builtinProviders } from '../../scripts/providers.ts';
import { parse } from 'yaml';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Every built-in provider, from the registry. */
const PROVIDERS = builtinProviders.map((provider) => provider.name);

function loadSpec(provider: string): Record<string, unknown> {
  return parse(readFileSync(path.join(repoRoot, 'openapi', `${provider}.yaml`), 'utf8')) as Record<string, unknown>;
}

/** Validation errors of a document, as readable text; empty when valid. The parser dereferences in place, so it gets
 * a copy. */
async function validationErrors(doc: Record<string, unknown>): Promise<string> {
  const result = await validate(structuredClone(doc) as never);
  return result.valid ? '' : compileErrors(result);
}

describe('@readme/openapi-parser validate', () => {
  it.each(PROVIDERS)('openapi/%s.yaml is valid', async (provider) => {
    const result = await validate(structuredClone(loadSpec(provider)) as never);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    expect(result.specification).toBe('OpenAPI');
    expect(result.warnings, 'parser warnings').toEqual([]);
  });

  it('catches a broken document (negative control)', async () => {
    const doc = loadSpec('keeta');
    const operation = (doc.paths as Record<string, Record<string, { parameters: Array<Record<string, unknown>> }>>)[
      '/oauth/authorization/url'
    ]?.get;
    expect(operation?.parameters[0]).toBeDefined();
    operation!.parameters[0]!.in = 'body'; // OpenAPI 2 style: not a parameter location in 3.1
    expect(await validationErrors(doc)).not.toBe('');
  });
});
