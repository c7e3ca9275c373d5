/**
 * (f) The operationIds are the stable set the mock's handlers, the typed client and the contract suites
 * key on, and every operation's first server is the local mock (http://localhost:4010/<mount>).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const MOCK_PREFIX = 'http://localhost:4010/';

const EXPECTED: Record<string, string[]> = {
  b2copy: ['signIn', 'getAuthUrl', 'authExternalCrm', 'refreshToken'],
  keeta: ['getAuthorizationUrl'],
  just2trade: ['authorize', 'requestToken', 'getProfile'],
};

type Obj = Record<string, any>;

interface OperationInfo {
  where: string;
  operationId: unknown;
  firstServer: unknown;
}

function loadSpec(provider: string): Obj {
  return parse(readFileSync(path.join(repoRoot, 'openapi', `${provider}.yaml`), 'utf8')) as Obj;
}

/** Every operation with its id and the first entry of the servers that apply to it (operation, path item, then root).
 * */
function operations(doc: Obj): OperationInfo[] {
  const result: OperationInfo[] = [];
  for (const [pathName, pathItem] of Object.entries((doc.paths ?? {}) as Obj)) {
    for (const method of METHODS) {
      const operation = (pathItem as Obj)[method] as Obj | undefined;
      if (!operation) continue;
      const servers = (operation.servers ?? (pathItem as Obj).servers ?? doc.servers ?? []) as Obj[];
      result.push({
        where: `${method.toUpperCase()} ${pathName}`,
        operationId: operation.operationId,
        firstServer: servers[0]?.url,
      });
    }
  }
  return result;
}

function serverProblems(doc: Obj): string[] {
  return operations(doc)
    .filter((op) => typeof op.firstServer !== 'string' || !op.firstServer.startsWith(MOCK_PREFIX))
    .map((op) => `${op.where} (${String(op.operationId)}): first server is ${JSON.stringify(op.firstServer)}`);
}

describe.each(Object.keys(EXPECTED))('openapi/%s.yaml operations', (provider) => {
  const doc = loadSpec(provider);

  it('has exactly the expected operationIds', () => {
    // Compared as sorted lists, so a duplicate id or a missing one fails too.
    const ids = operations(doc).map((op) => op.operationId);
    expect(ids.map(String).sort()).toEqual([...EXPECTED[provider]!].sort());
  });

  it(`serves every operation first from ${MOCK_PREFIX}`, () => {
    expect(operations(doc).length).toBeGreaterThan(0);
    expect(serverProblems(doc)).toEqual([]);
  });
});

describe('operations checks catch breakage (negative controls)', () => {
  it('a renamed operationId', () => {
    const doc = loadSpec('just2trade');
    doc.paths['/auth'].get.operationId = 'getUserProfile';
    expect(operations(doc).map((op) => op.operationId)).not.toContain('getProfile');
  });

  it('a path-level server list whose first entry is the real host', () => {
    const doc = loadSpec('just2trade');
    doc.paths['/auth'].servers.reverse();
    expect(serverProblems(doc)).toEqual(['GET /auth (getProfile): first server is "https://api.just2trade.com"']);
  });
});
