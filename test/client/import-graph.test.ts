/**
 * `partnermock/client` ships inside CRM applications, in Node and in browser bundles: its import graph
 * must hold no server code. esbuild bundles it for the browser (which fails on any `node:` import) and
 * its metafile lists every module that would ship.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

async function bundledInputs(entry: string, platform: 'browser' | 'node' = 'browser'): Promise<string[]> {
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    platform,
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs);
}

/** The npm packages among bundled inputs (scope only for scoped ones). */
function packagesOf(inputs: string[]): string[] {
  const names = inputs
    .filter((path) => path.includes('node_modules/'))
    .map((path) => path.split('node_modules/').pop()!.split('/')[0]!);
  return [...new Set(names)].sort();
}

describe('the client import graph', () => {
  it('bundles for the browser with only the client, openapi-fetch and jose', async () => {
    const inputs = await bundledInputs('src/client/index.ts');
    expect(packagesOf(inputs)).toEqual(['jose', 'openapi-fetch']);
    const own = inputs.filter((path) => !path.includes('node_modules/'));
    expect(own.length).toBeGreaterThan(3);
    for (const path of own) expect(path).toMatch(/^src\/client\//);
  });

  it('would notice server code: the same check sees express, ajv and faker in the server entry', async () => {
    // Pointed at the server, the check must see what the client must not have, or it proves nothing.
    await expect(bundledInputs('src/index.ts')).rejects.toThrow(/node:/);
    const packages = packagesOf(await bundledInputs('src/index.ts', 'node'));
    expect(packages).toEqual(expect.arrayContaining(['express', 'ajv', '@faker-js']));
  });
});
