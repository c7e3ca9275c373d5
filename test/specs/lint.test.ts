/**
 * (b) Redocly lint with the repo's redocly.yaml (recommended, `no-server-example.com` off) finds no
 * problem of any severity in any spec, through @redocly/openapi-core's programmatic API.
 *
 * The ignore file: `loadConfig({ configPath })` reads `.redocly.lint-ignore.yaml` from the config's folder
 * into `config.ignore`, and `lint()` marks the problems it lists with `ignored: true` (via
 * `config.addProblemToIgnore`) but still returns them. The CLI drops the ignored ones before counting
 * (`formatProblems` in openapi-core's format.ts), and so do we. In addition, every entry of the ignore file
 * must still match a problem, so that a stale entry cannot hide a future finding at the same place.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lint, lintFromString, type Config, type NormalizedProblem } from '@redocly/openapi-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinProviders, describeProblem, lintConfig } from '../../scripts/providers.ts';
import { parse, stringify } from 'yaml';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Every built-in provider, from the registry. */
const PROVIDERS = builtinProviders.map((provider) => provider.name);
const specPath = (provider: string) => path.join(repoRoot, 'openapi', `${provider}.yaml`);

let config: Config;
beforeAll(async () => {
  config = await lintConfig();
});

/** Problems the CLI would report: everything not listed in the ignore file. */
const reported = (problems: NormalizedProblem[]) => problems.filter((problem) => !problem.ignored);

describe('Redocly lint (redocly.yaml + .redocly.lint-ignore.yaml)', () => {
  it('loaded the repo config: recommended rules, no-server-example.com off, the ignore file', () => {
    expect(config.rules.oas3_1['no-server-example.com']).toBe('off');
    expect(config.rules.oas3_1['operation-operationId']).toBeDefined();
    expect(Object.keys(config.ignore).map((file) => path.relative(repoRoot, file))).toEqual(['openapi/keeta.yaml']);
  });

  it.each(PROVIDERS)('openapi/%s.yaml has zero problems', async (provider) => {
    const problems = reported(await lint({ ref: specPath(provider), config }));
    const list = problems.map(describeProblem);
    expect(list, `Redocly lint problems in openapi/${provider}.yaml:\n${list.join('\n')}`).toEqual([]);
  });

  it.each(PROVIDERS)('every ignore-file entry for openapi/%s.yaml still matches a problem', async (provider) => {
    const ignored = (await lint({ ref: specPath(provider), config })).filter((problem) => problem.ignored);
    const matched = ignored.map((problem) => `${problem.ruleId} ${problem.location[0]?.pointer}`).sort();
    const entries = Object.entries(config.ignore[specPath(provider)] ?? {})
      .flatMap(([ruleId, pointers]) => [...pointers].map((pointer) => `${ruleId} ${pointer}`))
      .sort();
    expect(matched, 'stale entries in .redocly.lint-ignore.yaml').toEqual(entries);
  });

  it('catches a problem (negative control)', async () => {
    const doc = parse(readFileSync(specPath('keeta'), 'utf8'));
    delete doc.paths['/oauth/authorization/url'].get.summary; // recommended: operation-summary (error)
    doc.components.schemas.Unused = { type: 'string' }; // recommended: no-unused-components (warn)
    const problems = reported(await lintFromString({ source: stringify(doc), absoluteRef: specPath('keeta'), config }));
    expect(problems.map((problem) => `${problem.ruleId} ${problem.location[0]?.pointer}`).sort()).toEqual([
      'no-unused-components #/components/schemas/Unused',
      'operation-summary #/paths/~1oauth~1authorization~1url/get/summary',
    ]);
  });
});
