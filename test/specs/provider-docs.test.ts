/**
 * docs/provider-docs is the project's copy of the provider documentation the specs are written from, so
 * a clone on any machine can check its specs against the docs. The team's workspace keeps the pages
 * beside the clone (`../shared/seeds`, under the names they were collected with); where that copy is
 * present, each page here must be identical to its original.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const vendored = path.join(repoRoot, 'docs/provider-docs');
const workspace = path.resolve(repoRoot, '../shared/seeds');

/** Our readable name → the name the page was collected under in the workspace. */
const ORIGINALS: Record<string, string> = {
  'b2copy-seamless-login.md': '000_0de17beba82b6a6b.txt',
  'b2copy-signin.md': '001_817fab5c219ff4b1.txt',
  'b2copy-external-crm.md': '002_8d6dee1b5fd63874.txt',
  'keeta-authorization-url.md': '003_f604dccc5f31d4a9.txt',
  'just2trade-oauth.md': '004_652e9eb18c2ea2ce.txt',
};

describe('docs/provider-docs', () => {
  it('holds the five provider pages, under readable names, and their index', () => {
    const pages = readdirSync(vendored).filter((name) => name !== 'README.md');
    expect(pages.sort()).toEqual(Object.keys(ORIGINALS).sort());
    const index = readFileSync(path.join(vendored, 'README.md'), 'utf8');
    for (const page of pages) expect(index, `the index lists ${page}`).toContain(`| ${page} |`);
  });

  it.runIf(existsSync(workspace))('each page is identical to its original in the workspace copy', () => {
    for (const [page, original] of Object.entries(ORIGINALS)) {
      expect(readFileSync(path.join(vendored, page), 'utf8'), page).toBe(
        readFileSync(path.join(workspace, original), 'utf8'),
      );
    }
  });
});
