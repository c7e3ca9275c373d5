/**
 * docs/provider-docs is the project's copy of the provider documentation the specs are written from
 * (shared/seeds in the team's workspace), so a clone on any machine can check its specs against the docs.
 * Where the workspace copy is present, the two must not drift apart.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const vendored = path.join(repoRoot, 'docs/provider-docs');
const workspace = path.resolve(repoRoot, '../shared/seeds');

describe('docs/provider-docs', () => {
  it('holds the five provider pages and their index', () => {
    expect(readdirSync(vendored).filter((name) => name.endsWith('.txt'))).toHaveLength(5);
    expect(existsSync(path.join(vendored, 'README.md'))).toBe(true);
  });

  it.runIf(existsSync(workspace))('is identical to the workspace copy in ../shared/seeds', () => {
    const names = readdirSync(workspace).sort();
    expect(readdirSync(vendored).sort()).toEqual(names);
    for (const name of names) {
      expect(readFileSync(path.join(vendored, name), 'utf8'), name).toBe(
        readFileSync(path.join(workspace, name), 'utf8'),
      );
    }
  });
});
