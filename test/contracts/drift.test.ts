/**
 * Drift guards: the specs, the mock's handlers and the contract suites must describe the same
 * operations. (Generated types' freshness is test/generated-types.test.ts.)
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinPlugins } from '../../mocks/index.ts';
import { loadSpec, type LoadedSpec } from '../../src/spec/load-spec.ts';
import type { AnyPlugin } from '../../src/plugin.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
let providers: { plugin: AnyPlugin; spec: LoadedSpec }[];
/** `operationId status` → the contract scenarios that declare they cover it. */
let covered: Map<string, string[]>;

beforeAll(async () => {
  providers = await Promise.all(
    builtinPlugins.map(async (plugin: AnyPlugin) => ({ plugin, spec: await loadSpec(plugin.spec, plugin.mounts) })),
  );
  // vitest collects the suites without running them; each scenario's name starts with what it covers.
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['node_modules/vitest/vitest.mjs', 'list', '--config', 'vitest.contracts.config.ts', '--json'],
    {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  const scenarios = JSON.parse(stdout) as { name: string; file: string }[];
  covered = new Map();
  for (const { name, file } of scenarios) {
    const provider = /contracts\/([a-z0-9-]+)\.contract\.ts$/.exec(file)?.[1];
    for (const item of /\[([^\]]*)\]/.exec(name)?.[1]?.split(', ') ?? []) {
      const key = `${provider} ${item}`;
      covered.set(key, [...(covered.get(key) ?? []), name]);
    }
  }
}, 60_000);

describe('drift guards', () => {
  it('finds the three built-in providers', () => {
    expect(providers.map(({ plugin }) => plugin.name).sort()).toEqual(['b2copy', 'just2trade', 'keeta']);
  });

  it('every operation in a spec has a stateful handler or is explicitly static', () => {
    for (const { plugin, spec } of providers) {
      for (const { operationId } of spec.operations) {
        const handled = Boolean(plugin.handlers?.[operationId]);
        const declaredStatic = plugin.staticOperations?.includes(operationId) ?? false;
        expect(
          handled || declaredStatic,
          `${plugin.name}.${operationId} has no handler and is not in staticOperations`,
        ).toBe(true);
      }
    }
  });

  it('every handler maps to an operation of its spec', () => {
    for (const { plugin, spec } of providers) {
      const operationIds = spec.operations.map((operation) => operation.operationId);
      for (const name of [...Object.keys(plugin.handlers ?? {}), ...(plugin.staticOperations ?? [])]) {
        expect(operationIds, `${plugin.name}: "${name}"`).toContain(name);
      }
    }
  });

  it('every operation and every declared status has a contract scenario', () => {
    const missing: string[] = [];
    for (const { plugin, spec } of providers) {
      for (const operation of spec.operations) {
        for (const status of Object.keys(operation.responses)) {
          if (!covered.has(`${plugin.name} ${operation.operationId} ${status}`))
            missing.push(`${plugin.name} ${operation.operationId} ${status}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('every status a scenario claims to cover exists in the spec', () => {
    const declared = new Set(
      providers.flatMap(({ plugin, spec }) =>
        spec.operations.flatMap((operation) =>
          Object.keys(operation.responses).map((status) => `${plugin.name} ${operation.operationId} ${status}`),
        ),
      ),
    );
    expect([...covered.keys()].filter((key) => !declared.has(key))).toEqual([]);
  });
});
