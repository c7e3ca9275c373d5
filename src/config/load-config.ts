/**
 * Reads and checks a config file (`partnermock.config.yaml`, `.yml` or `.json`) before anything starts.
 *
 *   text → YAML (syntax errors with line and column) → `${ENV}` and `{ file }` resolved → the file's own
 *   plugins loaded → the whole document validated against the schema made from every plugin
 *   (config-schema.ts) → ids unique per collection, each item's own checks (a collection's `check`).
 *
 * Every problem is collected, not only the first: a ConfigError lists each with the file, the line, the key
 * path (`providers.just2trade.fixtures.clients[0].redirectUris[1]`), what is wrong and what is allowed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { ruleProblems, toDelay, type Delay, type FaultRuleInput } from '../faults/fault-rules.ts';
import { storeProblem } from '../state/store/open-store.ts';
import { isSecretKey } from './show-config.ts';
import { normaliseMount } from '../server/provider-runtime.ts';
import { loadSpec } from '../spec/load-spec.ts';
import type { AnyPlugin } from '../plugin.ts';
import { loadPluginModule } from '../plugins/load-plugins.ts';
import { builtinPlugins } from '../server/resolve-plugins.ts';
import { closest } from '../text/closest.ts';
import { configSchema, type ServerSetting } from './config-schema.ts';

const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020) => Ajv2020;

/** The names a config file is found under in the working directory, in this order. */
export const CONFIG_FILE_NAMES = ['partnermock.config.yaml', 'partnermock.config.yml', 'partnermock.config.json'];

export type ConfigPath = (string | number)[];

export interface ProviderSection {
  enabled?: boolean;
  latency?: Delay | string;
  options?: Record<string, unknown>;
  fixtures?: { mode?: 'merge' | 'replace' } & Record<string, unknown>;
}

/** A config file's content once valid: `{ file }` and `${ENV}` resolved, item defaults filled in. */
export type ConfigData = Partial<Record<ServerSetting, unknown>> & {
  providers?: Record<string, ProviderSection>;
  faults?: FaultRuleInput[];
  plugins?: string[];
};

export interface LoadedConfig {
  /** The file's absolute path, or undefined for a config given as an object. */
  file?: string;
  data: ConfigData;
  /** The plugins the file names, loaded (paths relative to the file). */
  plugins: AnyPlugin[];
  /** Every plugin the file was checked against: the built-ins (or those it replaces) and its own. */
  allPlugins: AnyPlugin[];
  /** Files read through `{ file }`, for `--watch`. */
  readFiles: string[];
}

export interface ConfigProblem {
  file?: string;
  line?: number;
  column?: number;
  path: ConfigPath;
  message: string;
}

/** An invalid config: every problem found, each naming its place. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

/** `providers.just2trade.fixtures.clients[0].redirectUris[1]`. */
export function formatPath(path: ConfigPath): string {
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? part : `.${part}`)).join('');
}

export function formatProblem(problem: ConfigProblem): string {
  const where = problem.file
    ? `${problem.file}${problem.line ? `:${problem.line}${problem.column ? `:${problem.column}` : ''}` : ''}`
    : 'config';
  const key = problem.path.length ? ` ${formatPath(problem.path)}` : '';
  return `${where}${key}: ${problem.message}`;
}

/**
 * The config file to read: the one named (flag, then `PARTNERMOCK_CONFIG`), else the first of
 * CONFIG_FILE_NAMES in `cwd`, else none. A named file that does not exist is an error.
 */
export function findConfigFile(named: string | undefined, cwd = process.cwd()): string | undefined {
  if (named !== undefined) {
    const path = isAbsolute(named) ? named : resolve(cwd, named);
    if (!existsSync(path)) throw new ConfigError([{ file: named, path: [], message: 'no such file' }]);
    return path;
  }
  return CONFIG_FILE_NAMES.map((name) => resolve(cwd, name)).find((path) => existsSync(path));
}

/** Reads, resolves and checks a config file. Throws a ConfigError listing every problem. */
export async function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([{ file, path: [], message: `cannot be read: ${(error as Error).message}` }]);
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text.replace(/^\uFEFF/, ''), { lineCounter, prettyErrors: false });
  if (document.errors.length) {
    throw new ConfigError(
      document.errors.map((error) => ({
        file,
        ...positionAt(lineCounter, error.pos[0]),
        path: [],
        message: `not valid YAML: ${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
      })),
    );
  }
  const locate = (path: ConfigPath) => ({ file, ...positionOf(document, lineCounter, path) });
  return checkConfig(document.toJS() as unknown, { file, env, locate });
}

/** Checks a config given as an object (`startMockServer({ config: { ... } })`): the same rules as a file. */
export async function loadConfigObject(
  value: unknown,
  options: { baseDir?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<LoadedConfig> {
  return checkConfig(structuredClone(value), {
    baseDir: options.baseDir ?? process.cwd(),
    env: options.env ?? process.env,
    locate: () => ({}),
  });
}

interface CheckContext {
  file?: string;
  baseDir?: string;
  env: NodeJS.ProcessEnv;
  locate(path: ConfigPath): Partial<ConfigProblem>;
}

async function checkConfig(raw: unknown, context: CheckContext): Promise<LoadedConfig> {
  const baseDir = context.file ? dirname(context.file) : (context.baseDir ?? process.cwd());
  const problems: ConfigProblem[] = [];
  const problem = (path: ConfigPath, message: string) =>
    problems.push({ ...context.locate(path), ...(context.file ? { file: context.file } : {}), path, message });

  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    problem([], 'must be a mapping of settings (port, providers, ...)');
    throw new ConfigError(problems);
  }
  const readFiles: string[] = [];
  const data = resolveValues(raw, [], { baseDir, env: context.env, problem, readFiles }) as ConfigData;

  // The file's own plugins first: their providers are part of what the rest is checked against.
  const plugins: AnyPlugin[] = [];
  if (Array.isArray(data.plugins)) {
    for (const [index, specifier] of data.plugins.entries()) {
      if (typeof specifier !== 'string') continue; // the schema reports it
      const target = resolve(baseDir, specifier);
      if (!specifier.startsWith('file:') && !existsSync(target)) {
        problem(['plugins', index], `cannot be loaded: no such file ${target}`);
        continue;
      }
      try {
        plugins.push(await loadPluginModule(specifier, baseDir));
      } catch (error) {
        problem(['plugins', index], `cannot be loaded: ${(error as Error).message.split('\n')[0]}`);
      }
    }
  }
  const replaced = new Set(plugins.map((plugin) => plugin.name));
  const allPlugins = [...(await builtinPlugins()).filter((plugin) => !replaced.has(plugin.name)), ...plugins];

  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: false, useDefaults: true, validateSchema: false });
  addFormats(ajv);
  const schema = configSchema(allPlugins);
  const validate = ajv.compile(schema);
  if (!validate(data)) {
    // A value that could not be resolved has been reported already; what the schema says of it is noise.
    const unresolved = problems.map((known) => formatPath(known.path));
    for (const [path, message] of describeErrors(validate.errors ?? [])) {
      const at = formatPath(path);
      if (!unresolved.some((known) => known === at || known.startsWith(`${at}.`) || known.startsWith(`${at}[`))) {
        problem(path, message);
      }
    }
  }

  // An item's own check reads the item as resolved; a value already reported (an unread file) is not checked.
  const reported = new Set(problems.map((known) => formatPath(known.path)));
  checkCollections(data, allPlugins, (path, message) => {
    const at = formatPath(path);
    if (![...reported].some((known) => known === at || known.startsWith(`${at}.`))) problem(path, message);
  });
  // What the schema cannot say of a latency range: its min must not exceed its max.
  const latencies: [ConfigPath, unknown][] = [
    [['latency'], data.latency],
    ...Object.entries(data.providers ?? {}).map(([name, section]): [ConfigPath, unknown] => [
      ['providers', name, 'latency'],
      section?.latency,
    ]),
  ];
  for (const [path, value] of latencies) {
    if (value === undefined || reported.has(formatPath(path))) continue;
    try {
      toDelay(value as Delay | string);
    } catch (error) {
      problem(path, (error as Error).message);
    }
  }
  // What the schema cannot say of a store URL: its database, its scheme's spelling (as for --store).
  if (typeof data.store === 'string' && !reported.has('store')) {
    const trouble = storeProblem(data.store);
    if (trouble) problem(['store'], `store ${trouble}`);
  }
  // Preset fault rules name operations and pages: those of the plugins' specs, read only when there are rules.
  if (Array.isArray(data.faults) && data.faults.length && !problems.some((known) => known.path[0] === 'faults')) {
    const providers = await Promise.all(
      allPlugins.map(async (plugin) => ({
        name: plugin.name,
        operations: (await loadSpec(plugin.spec, plugin.mounts.map(normaliseMount))).operations.map(
          (operation) => operation.operationId,
        ),
        pages: (plugin.pages ?? []).map((page) => page.name),
      })),
    );
    data.faults.forEach((rule, index) => {
      for (const issue of ruleProblems(rule, providers)) {
        problem(['faults', index, ...issue.location.split('/').slice(2).filter(Boolean)], issue.message);
      }
    });
  }
  if (problems.length) throw new ConfigError(problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
  return { ...(context.file ? { file: context.file } : {}), data, plugins, allPlugins, readFiles };
}

/** Ids unique within each collection; each item passes its collection's own `check` (e.g. a key's type). */
function checkCollections(
  data: ConfigData,
  plugins: readonly AnyPlugin[],
  problem: (path: ConfigPath, message: string) => void,
): void {
  for (const [provider, section] of Object.entries(data.providers ?? {})) {
    const plugin = plugins.find((candidate) => candidate.name === provider);
    if (!plugin || !section?.fixtures) continue;
    for (const [name, items] of Object.entries(section.fixtures)) {
      const definition = plugin.collections?.[name];
      if (!definition || !Array.isArray(items)) continue;
      const seen = new Map<string, number>();
      items.forEach((item: unknown, index) => {
        if (!item || typeof item !== 'object') return;
        const path = ['providers', provider, 'fixtures', name, index];
        const id = (item as Record<string, unknown>)[definition.idField];
        if (id !== undefined) {
          const first = seen.get(String(id));
          if (first !== undefined) {
            problem(
              [...path, definition.idField],
              `duplicate ${definition.idField} "${String(id)}" (also ${name}[${first}])`,
            );
          } else seen.set(String(id), index);
        }
        const trouble = definition.check?.(item as Record<string, unknown>);
        if (trouble) problem([...path, ...trouble.path], trouble.message);
      });
    }
  }
}

interface ResolveContext {
  baseDir: string;
  env: NodeJS.ProcessEnv;
  problem(path: ConfigPath, message: string): void;
  readFiles: string[];
}

/** `${NAME}`, `${NAME:-default}` in strings; `{ file: path }` (a mapping with only `file`) as the file's text. */
function resolveValues(value: unknown, path: ConfigPath, context: ResolveContext): unknown {
  if (typeof value === 'string') return interpolate(value, path, context);
  if (Array.isArray(value)) return value.map((item, index) => resolveValues(item, [...path, index], context));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === 'file') {
    const name = (value as { file: unknown }).file;
    if (typeof name !== 'string' || name === '') {
      context.problem([...path, 'file'], 'must be the path of a file, relative to the config file');
      return value;
    }
    const target = resolve(context.baseDir, interpolate(name, [...path, 'file'], context));
    try {
      const text = readFileSync(target, 'utf8');
      context.readFiles.push(target);
      return text;
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
      context.problem([...path, 'file'], `cannot read ${target}: ${reason}`);
      return value;
    }
  }
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, resolveValues(item, [...path, key], context)]),
  );
}

function interpolate(text: string, path: ConfigPath, context: ResolveContext): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (whole, name: string, fallback?: string) => {
    const value = context.env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    context.problem(path, `uses \${${name}}, which is not set (write \${${name}:-default} for a default)`);
    return whole;
  });
}

/** ajv's errors as problems in the file's words: one per place, with what is allowed there. */
function describeErrors(errors: ErrorObject[]): [ConfigPath, string][] {
  const toPath = (pointer: string): ConfigPath =>
    pointer
      .split('/')
      .slice(1)
      .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
      .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  // A failed anyOf reports each branch too: one phrase for the place.
  const anyOfAt = new Set(errors.filter((error) => error.keyword === 'anyOf').map((error) => error.instancePath));
  const result: [ConfigPath, string][] = [];
  const branchMessages = new Map<string, string[]>();
  for (const error of errors) {
    const path = toPath(error.instancePath);
    // A secret's value (a control token, a password) is never repeated in a message, only described.
    const shown = isSecretKey(String(path[path.length - 1] ?? '')) ? secretShown : plainShown;
    if (anyOfAt.has(error.instancePath) && error.keyword !== 'anyOf') {
      branchMessages.set(error.instancePath, [...(branchMessages.get(error.instancePath) ?? []), error.message ?? '']);
      continue;
    }
    switch (error.keyword) {
      case 'if':
        break; // "must match "then" schema": the `then` branch's own error says what
      case 'additionalProperties': {
        const key = (error.params as { additionalProperty: string }).additionalProperty;
        const known = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
        const guess = closest(key, known);
        const what =
          error.instancePath === '/providers'
            ? 'provider'
            : error.instancePath.endsWith('/fixtures')
              ? 'collection'
              : 'key';
        result.push([
          [...path, key],
          `unknown ${what} "${key}"${guess ? ` (did you mean "${guess}"?)` : ''}; allowed: ${known.join(', ') || 'none'}`,
        ]);
        break;
      }
      case 'required':
        result.push([path, `missing "${(error.params as { missingProperty: string }).missingProperty}"`]);
        break;
      case 'enum':
        result.push([
          path,
          `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}` +
            (scalar(error.data) ? `, not ${shown(error.data)}` : ''),
        ]);
        break;
      case 'type': {
        const data: unknown = error.data;
        const got =
          data === null
            ? 'null'
            : Array.isArray(data)
              ? 'a list'
              : typeof data === 'object'
                ? 'a mapping'
                : typeof data;
        result.push([
          path,
          `${error.message ?? 'has the wrong type'}, not ${got}${scalar(data) ? ` ${shown(data)}` : ''}`,
        ]);
        break;
      }
      case 'anyOf':
        break; // after the loop, with its branches' words
      default:
        // What was given, beside what is allowed: `must match format "uri", not "not a uri"`.
        result.push([
          path,
          `${error.message ?? 'is not valid'}${scalar(error.data) ? `, not ${shown(error.data)}` : ''}`,
        ]);
    }
  }
  for (const pointer of anyOfAt) {
    const messages = [...new Set(branchMessages.get(pointer) ?? [])];
    result.push([toPath(pointer), messages.length ? messages.join(', or ') : 'is not valid']);
  }
  return result;
}

function positionAt(lineCounter: LineCounter, offset: number): Pick<ConfigProblem, 'line' | 'column'> {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

function scalar(value: unknown): value is string | number | boolean {
  return ['string', 'number', 'boolean'].includes(typeof value);
}

/** A value as the message quotes it: JSON, long strings cut. */
function secretShown(value: string | number | boolean): string {
  return typeof value === 'string' ? `a value of ${value.length} characters` : plainShown(value);
}

function plainShown(value: string | number | boolean): string {
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 50)}…" (${String(value).length} characters)` : text;
}

/** The line and column of the node at `path` (or of the key itself, for an unknown key), if the file has it. */
function positionOf(
  document: Document,
  lineCounter: LineCounter,
  path: ConfigPath,
): Pick<ConfigProblem, 'line' | 'column'> {
  for (let length = path.length; length >= 0; length--) {
    const parent = length === 0 ? document.contents : document.getIn(path.slice(0, length - 1), true);
    const key = path[length - 1];
    let offset: number | undefined;
    if (length === 0) offset = document.contents?.range?.[0];
    else if (isMap(parent)) {
      const pair = parent.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
      offset = pair && isScalar(pair.key) ? pair.key.range?.[0] : undefined;
    } else {
      const node = document.getIn(path.slice(0, length), true) as { range?: [number, number, number] } | undefined;
      offset = node?.range?.[0];
    }
    if (offset !== undefined) {
      const { line, col } = lineCounter.linePos(offset);
      return { line, column: col };
    }
  }
  return {};
}
