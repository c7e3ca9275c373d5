/**
 * No module-level mutable state in src/: two apps in one process (every test file, a watch loop) must
 * share nothing that grows. Read with the TypeScript parser, each top-level declaration of every module
 * under src/ must be:
 *  - a `const` (never `let` or `var`), and not an empty `{}` or `[]` waiting to be filled;
 *  - if it is built with `new`, a read-only lookup table (`ReadonlySet`/`ReadonlyMap`, filled once from
 *    a literal) or a value that cannot change (`URL`, `RegExp`); never a WeakMap, WeakSet, an ajv
 *    instance or any other object that collects entries as it is used.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const srcRoot = path.resolve(import.meta.dirname, '../../src');
const IMMUTABLE_CLASSES = new Set(['URL', 'RegExp']);
const TABLE_CLASSES: Record<string, string> = { Set: 'ReadonlySet', Map: 'ReadonlyMap' };

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const file = path.join(directory, name);
    if (statSync(file).isDirectory()) return name === 'generated' ? [] : sourceFiles(file);
    return name.endsWith('.ts') ? [file] : [];
  });
}

/** Each problem as `file:line what`. */
export function moduleStateProblems(file: string, text = readFileSync(file, 'utf8')): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const problems: string[] = [];
  const where = (node: ts.Node) =>
    `${path.relative(srcRoot, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    const list = statement.declarationList;
    if (!(list.flags & ts.NodeFlags.Const)) {
      problems.push(`${where(statement)} a module-level ${list.flags & ts.NodeFlags.Let ? 'let' : 'var'}`);
      continue;
    }
    for (const declaration of list.declarations) {
      const init = declaration.initializer;
      const empty =
        init &&
        ((ts.isObjectLiteralExpression(init) && init.properties.length === 0) ||
          (ts.isArrayLiteralExpression(init) && init.elements.length === 0));
      if (empty)
        problems.push(`${where(declaration)} a module-level empty ${init.getText(source)}, waiting to be filled`);
      if (!init || !ts.isNewExpression(init)) continue;
      const className = init.expression.getText(source);
      if (IMMUTABLE_CLASSES.has(className)) continue;
      const readonlyType = TABLE_CLASSES[className];
      const annotated = declaration.type?.getText(source) ?? '';
      if (readonlyType && annotated.startsWith(readonlyType)) continue;
      problems.push(
        `${where(declaration)} a module-level new ${className}` +
          (readonlyType ? ` (a lookup table is typed ${readonlyType})` : ''),
      );
    }
  }
  return problems;
}

describe('no module-level mutable state in src/', () => {
  it('holds for every module', () => {
    const files = sourceFiles(srcRoot);
    expect(files.length).toBeGreaterThan(30);
    expect(files.flatMap((file) => moduleStateProblems(file))).toEqual([]);
  });

  it.each([
    ['let counter = 0;', /a module-level let/],
    ['var cache = {};', /a module-level var/],
    ['const seen = new WeakSet<object>();', /new WeakSet/],
    ['const ajv = new Ajv2020();', /new Ajv2020/],
    ["const names = new Set(['a']);", /new Set \(a lookup table is typed ReadonlySet\)/],
    ['const cache: Record<string, number> = {};', /empty \{\}, waiting to be filled/],
    ['export const pending = [];', /empty \[\], waiting to be filled/],
  ])('would catch %s', (line, problem) => {
    expect(moduleStateProblems(path.join(srcRoot, 'example.ts'), line).join('\n')).toMatch(problem);
  });

  it.each([
    "const names: ReadonlySet<string> = new Set(['a']);",
    "const base = new URL('http://localhost');",
    'const PATTERN = /^a$/;',
    'function f() { let local = 0; return local++; }',
  ])('allows %s', (line) => {
    expect(moduleStateProblems(path.join(srcRoot, 'example.ts'), line)).toEqual([]);
  });
});
