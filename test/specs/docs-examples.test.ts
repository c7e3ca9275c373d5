/**
 * (e) The docs' own examples are in the specs verbatim, as the named example `docs`. The docs pages are
 * read at test time and their examples extracted mechanically:
 * - fenced ```json blocks, and ```sh / ```shell blocks that hold a JSON document (a response example);
 * - the `--data-raw '{...}'` body of a curl request example;
 * - Keeta's field lists ("- `name` (type, required)" followed by "Example: <JSON>") and its "URL Example".
 * The table below maps each extracted example to the operation, part, status and media type whose `docs`
 * example must deep-equal it (after JSON.parse). A block is located by the `##` section it sits in and must
 * be the only one of its kind there, so a reshuffled page fails loudly rather than matching the wrong block.
 *
 * Just2Trade's request examples contain `{{placeholders}}`; the spec fills them in (its description says
 * so), so for those only the parameter names and the literal (non-placeholder) values are compared.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const docsDir = path.resolve(repoRoot, 'docs/provider-docs');
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

type Obj = Record<string, any>;

// ---------------------------------------------------------------------------------------------------------
// Extraction from a docs page

interface CodeBlock {
  lang: string;
  text: string;
  /** The `##` heading above the block, without markdown emphasis. */
  section: string;
}

function codeBlocks(page: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  let section = '';
  let open: { lang: string; lines: string[] } | undefined;
  for (const line of page.split('\n')) {
    if (open) {
      if (/^\s*```\s*$/.test(line)) {
        blocks.push({ lang: open.lang, text: open.lines.join('\n'), section });
        open = undefined;
      } else open.lines.push(line);
      continue;
    }
    const fence = /^\s*```(\w*)\s*$/.exec(line);
    if (fence) open = { lang: fence[1] ?? '', lines: [] };
    else if (/^## /.test(line)) section = line.slice(3).replaceAll('*', '').trim();
  }
  return blocks;
}

type Extractor =
  /** The JSON document of a ```json block, or of a ```sh/```shell block that holds only JSON. */
  | { kind: 'json-block'; section: string }
  /** The body of `--data-raw '...'` in a curl example. */
  | { kind: 'curl-data-raw'; section: string }
  /** `-d '...'` (form-encoded) of a curl example, as an object of strings. */
  | { kind: 'curl-form'; section: string }
  /** The query string of the quoted URL of a curl example, as an object of strings. */
  | { kind: 'curl-query'; section: string }
  /** Keeta-style field list "- `name` (type, ...)" / "Example: <JSON>" of a `##` section, as an object. */
  | { kind: 'field-examples'; section: string }
  /** A line `<label>: "<string>"` (a JSON string literal). */
  | { kind: 'labelled-string'; label: string };

function only<T>(items: T[], what: string): T {
  if (items.length !== 1) throw new Error(`expected exactly one ${what}, found ${items.length}`);
  return items[0]!;
}

function blocksIn(page: string, section: string, predicate: (block: CodeBlock) => boolean): CodeBlock[] {
  return codeBlocks(page).filter((block) => block.section === section && predicate(block));
}

const isShell = (block: CodeBlock) => block.lang === 'sh' || block.lang === 'shell';

function extract(page: string, extractor: Extractor): unknown {
  switch (extractor.kind) {
    case 'json-block': {
      const block = only(
        blocksIn(page, extractor.section, (b) => b.lang === 'json' || (isShell(b) && b.text.trim().startsWith('{'))),
        `JSON code block in section "${extractor.section}"`,
      );
      return JSON.parse(block.text);
    }
    case 'curl-data-raw': {
      const block = only(
        blocksIn(page, extractor.section, (b) => isShell(b) && b.text.includes('--data-raw')),
        `curl --data-raw block in "${extractor.section}"`,
      );
      const body = /--data-raw\s+'([\s\S]*?)'/.exec(block.text)?.[1];
      if (body === undefined) throw new Error(`no quoted --data-raw body in "${extractor.section}"`);
      return JSON.parse(body);
    }
    case 'curl-form': {
      const block = only(
        blocksIn(page, extractor.section, (b) => isShell(b) && /\s-d\s+'/.test(b.text)),
        `curl -d block in "${extractor.section}"`,
      );
      return Object.fromEntries(new URLSearchParams(/\s-d\s+'([^']*)'/.exec(block.text)![1]));
    }
    case 'curl-query': {
      const block = only(
        blocksIn(page, extractor.section, (b) => isShell(b) && /^\s*curl\b/.test(b.text)),
        `curl block in "${extractor.section}"`,
      );
      const url = only([...block.text.matchAll(/'(https?:\/\/[^']*)'/g)], `quoted URL in "${extractor.section}"`)[1]!;
      return Object.fromEntries(new URLSearchParams(url.slice(url.indexOf('?') + 1)));
    }
    case 'field-examples': {
      const start = page.indexOf(`\n## ${extractor.section}`);
      if (start < 0) throw new Error(`no section "## ${extractor.section}"`);
      const end = page.indexOf('\n## ', start + 1);
      const body = page.slice(start, end < 0 ? undefined : end);
      const fields: Obj = {};
      for (const match of body.matchAll(/^\s*- `([^`]+)` \([^)]*\)\n(?:(?!\s*- `)[^\n]*\n)*?\s*Example: (.*)$/gm)) {
        fields[match[1]!] = JSON.parse(match[2]!);
      }
      if (Object.keys(fields).length === 0) throw new Error(`no field examples in "## ${extractor.section}"`);
      return fields;
    }
    case 'labelled-string': {
      const line = only(
        page.split('\n').filter((l) => l.startsWith(`${extractor.label}: "`)),
        `line starting with ${extractor.label}: "`,
      );
      return JSON.parse(line.slice(extractor.label.length + 2).trim());
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// The spec side: the `docs` example of an operation's request, response or parameter

type Target =
  | { operationId: string; part: 'request'; mediaType: string; valuePath?: string[] }
  | { operationId: string; part: 'response'; status: string; mediaType: string; valuePath?: string[] }
  /** The `docs` examples of the operation's query parameters, as one object name -> value. */
  | { operationId: string; part: 'query-parameters' };

function loadSpec(provider: string): Obj {
  return parse(readFileSync(path.join(repoRoot, 'openapi', `${provider}.yaml`), 'utf8')) as Obj;
}

function resolve(doc: Obj, node: Obj): Obj {
  const ref = node?.$ref;
  if (typeof ref !== 'string') return node;
  if (!ref.startsWith('#/')) throw new Error(`external $ref ${ref}`);
  const target = ref
    .slice(2)
    .split('/')
    .reduce<any>((value, token) => value?.[token.replaceAll('~1', '/').replaceAll('~0', '~')], doc);
  if (target === undefined) throw new Error(`unresolved $ref ${ref}`);
  return resolve(doc, target);
}

function findOperation(doc: Obj, operationId: string): Obj {
  for (const pathItem of Object.values((doc.paths ?? {}) as Obj)) {
    for (const method of METHODS) if (pathItem?.[method]?.operationId === operationId) return pathItem[method];
  }
  throw new Error(`no operation ${operationId}`);
}

function docsExample(doc: Obj, target: Target): unknown {
  const operation = findOperation(doc, target.operationId);
  if (target.part === 'query-parameters') {
    const values: Obj = {};
    for (const parameter of ((operation.parameters ?? []) as Obj[]).map((p) => resolve(doc, p))) {
      if (parameter.in !== 'query') continue;
      const docs = parameter.examples?.docs;
      if (docs) values[parameter.name] = resolve(doc, docs).value;
    }
    return values;
  }
  const holder =
    target.part === 'request'
      ? resolve(doc, operation.requestBody)
      : resolve(doc, operation.responses?.[target.status]);
  const where = `${target.operationId} ${target.part === 'request' ? 'request' : target.status} ${target.mediaType}`;
  const docs = holder?.content?.[target.mediaType]?.examples?.docs;
  if (!docs) throw new Error(`${where} has no named example "docs"`);
  let value: any = resolve(doc, docs).value;
  for (const key of target.valuePath ?? []) value = value?.[key];
  return value;
}

// ---------------------------------------------------------------------------------------------------------
// The hand-made map: which docs example is which spec example

const SEEDS = {
  b2copySeamless: 'b2copy-seamless-login.md',
  b2copySignIn: 'b2copy-signin.md',
  keeta: 'keeta-authorization-url.md',
  just2trade: 'just2trade-oauth.md',
} as const;

interface Case {
  name: string;
  provider: 'b2copy' | 'keeta' | 'just2trade';
  seed: string;
  extract: Extractor;
  target: Target;
  /** Compare only names and the values that are not `{{placeholders}}` in the docs. */
  placeholders?: boolean;
}

const CASES: Case[] = [
  {
    name: 'B2COPY getAuthUrl request',
    provider: 'b2copy',
    seed: SEEDS.b2copySeamless,
    extract: { kind: 'curl-data-raw', section: 'Request' },
    target: { operationId: 'getAuthUrl', part: 'request', mediaType: 'application/json' },
  },
  {
    name: 'B2COPY getAuthUrl 200 response',
    provider: 'b2copy',
    seed: SEEDS.b2copySeamless,
    extract: { kind: 'json-block', section: 'Response' },
    target: { operationId: 'getAuthUrl', part: 'response', status: '200', mediaType: 'application/json' },
  },
  {
    name: 'B2COPY signIn request',
    provider: 'b2copy',
    seed: SEEDS.b2copySignIn,
    extract: { kind: 'curl-data-raw', section: 'Request' },
    target: { operationId: 'signIn', part: 'request', mediaType: 'application/json' },
  },
  {
    name: 'B2COPY signIn 200 response',
    provider: 'b2copy',
    seed: SEEDS.b2copySignIn,
    extract: { kind: 'json-block', section: 'Response' },
    target: { operationId: 'signIn', part: 'response', status: '200', mediaType: 'application/json' },
  },
  {
    name: 'Keeta 200 response fields',
    provider: 'keeta',
    seed: SEEDS.keeta,
    extract: { kind: 'field-examples', section: 'Response 200 fields (application/json):' },
    target: { operationId: 'getAuthorizationUrl', part: 'response', status: '200', mediaType: 'application/json' },
  },
  {
    name: 'Keeta "URL Example"',
    provider: 'keeta',
    seed: SEEDS.keeta,
    extract: { kind: 'labelled-string', label: 'URL Example' },
    target: {
      operationId: 'getAuthorizationUrl',
      part: 'response',
      status: '200',
      mediaType: 'application/json',
      valuePath: ['merchantAuthorizationUrl'],
    },
  },
  {
    name: 'Keeta 401 response fields',
    provider: 'keeta',
    seed: SEEDS.keeta,
    extract: { kind: 'field-examples', section: 'Response 401 fields (application/problem+json):' },
    target: {
      operationId: 'getAuthorizationUrl',
      part: 'response',
      status: '401',
      mediaType: 'application/problem+json',
    },
  },
  {
    name: 'Just2Trade requestToken 200 response',
    provider: 'just2trade',
    seed: SEEDS.just2trade,
    extract: { kind: 'json-block', section: 'Access token' },
    target: { operationId: 'requestToken', part: 'response', status: '200', mediaType: 'application/json' },
  },
  {
    name: 'Just2Trade getProfile 200 response',
    provider: 'just2trade',
    seed: SEEDS.just2trade,
    extract: { kind: 'json-block', section: 'User profile' },
    target: { operationId: 'getProfile', part: 'response', status: '200', mediaType: 'application/json' },
  },
  {
    name: 'Just2Trade requestToken request (placeholders filled in)',
    provider: 'just2trade',
    seed: SEEDS.just2trade,
    extract: { kind: 'curl-form', section: 'Access token' },
    target: { operationId: 'requestToken', part: 'request', mediaType: 'application/x-www-form-urlencoded' },
    placeholders: true,
  },
  {
    name: 'Just2Trade authorize query (placeholders filled in)',
    provider: 'just2trade',
    seed: SEEDS.just2trade,
    extract: { kind: 'curl-query', section: 'Request authorization' },
    target: { operationId: 'authorize', part: 'query-parameters' },
    placeholders: true,
  },
];

const PLACEHOLDER = /^\{\{\w+\}\}$/;

/** For examples with placeholders: the names, and each literal value, as the docs have them. */
function comparable(docs: Obj, spec: Obj): { docs: unknown; spec: unknown } {
  const literal = (values: Obj) =>
    Object.fromEntries(
      Object.entries(values).map(([name, value]) => [
        name,
        PLACEHOLDER.test(String(docs[name])) ? '{{placeholder}}' : value,
      ]),
    );
  return { docs: literal(docs), spec: literal(spec) };
}

function compareCase(testCase: Case, page: string, doc: Obj): void {
  const fromDocs = extract(page, testCase.extract);
  const inSpec = docsExample(doc, testCase.target);
  const message = `${testCase.name}: the spec's "docs" example differs from ${testCase.seed}`;
  if (testCase.placeholders) {
    const { docs, spec } = comparable(fromDocs as Obj, inSpec as Obj);
    expect(spec, message).toStrictEqual(docs);
  } else {
    expect(inSpec, message).toStrictEqual(fromDocs);
  }
}

const pages = new Map<string, string>();
const page = (seed: string) => {
  if (!pages.has(seed)) pages.set(seed, readFileSync(path.join(docsDir, seed), 'utf8'));
  return pages.get(seed)!;
};
const specs = new Map<string, Obj>();
const spec = (provider: string) => {
  if (!specs.has(provider)) specs.set(provider, loadSpec(provider));
  return specs.get(provider)!;
};

describe('the docs examples are in the specs verbatim', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, testCase) => {
    compareCase(testCase, page(testCase.seed), spec(testCase.provider));
  });
});

describe('docs-example checks catch breakage (negative controls)', () => {
  const byName = (name: string) => CASES.find((c) => c.name === name)!;

  it('a changed value in the spec', () => {
    const doc = structuredClone(spec('just2trade'));
    doc.paths['/auth'].get.responses['200'].content['application/json'].examples.docs.value.accounts[1].trade_platform =
      'etna';
    expect(() => compareCase(byName('Just2Trade getProfile 200 response'), page(SEEDS.just2trade), doc)).toThrow(
      /differs from just2trade-oauth.md/,
    );
  });

  it('an extra member in the spec, and a changed literal next to placeholders', () => {
    const doc = structuredClone(spec('b2copy'));
    doc.paths['/api/v2/signin'].post.requestBody.content['application/json'].examples.docs.value.remember = true;
    expect(() => compareCase(byName('B2COPY signIn request'), page(SEEDS.b2copySignIn), doc)).toThrow(
      /differs from b2copy-signin.md/,
    );
    const j2t = structuredClone(spec('just2trade'));
    j2t.paths['/connect/authorize'].get.parameters[0].examples.docs.value = 'token';
    expect(() =>
      compareCase(byName('Just2Trade authorize query (placeholders filled in)'), page(SEEDS.just2trade), j2t),
    ).toThrow(/differs from just2trade-oauth.md/);
  });

  it('a changed docs page (the extraction reads the page, not a copy)', () => {
    const changed = page(SEEDS.keeta).replace('Example: 500', 'Example: 401');
    expect(changed).not.toBe(page(SEEDS.keeta));
    expect(() => compareCase(byName('Keeta 401 response fields'), changed, spec('keeta'))).toThrow(
      /differs from keeta-authorization-url.md/,
    );
  });

  it('an ambiguous page (two candidate blocks in one section)', () => {
    const doubled = page(SEEDS.just2trade).replace('## User profile', '## User profile\n\n```json\n{}\n```\n');
    expect(() => extract(doubled, { kind: 'json-block', section: 'User profile' })).toThrow(/exactly one/);
  });
});
