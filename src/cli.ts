#!/usr/bin/env node
/**
 * `npm start`: serves every provider on one port (default 4010) and prints their base URLs and
 * default credentials. `cli(argv)` returns the running server, so tests can start it on port 0.
 *
 * `partnermock contracts` (and `npm run contracts`): runs the shipped contract suites against the hosts in
 * the PARTNERMOCK_* variables, or an in-process mock, and prints their coverage (src/contracts/).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMockServer, type RunningMockServer } from './server/start-server.ts';

const USAGE = `Usage: partnermock [options]
       partnermock contracts [options]   run the contract suites (see partnermock contracts --help)

  --port <n>          port to listen on (default: $PORT or 4010; 0 picks a free one)
  --host <addr>       address to bind (default: 127.0.0.1)
  --public-url <url>  base URL used in links and redirects the mock hands out (default: http://localhost:<port>)
  --seed <n>          fixture and example seed (default: 1)
  --provider <name>   serve only this built-in provider (repeatable)
  --plugin <path>     load another provider plugin from a module (repeatable)
  --no-validate-responses
                      do not hold answers to the spec (default: they are, and a violation is a 500)
  --quiet             no request log
  -v, --version       the version
  -h, --help          this text`;

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'public-url': { type: 'string' },
  seed: { type: 'string' },
  provider: { type: 'string', multiple: true },
  plugin: { type: 'string', multiple: true },
  'no-validate-responses': { type: 'boolean' },
  quiet: { type: 'boolean' },
  version: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const;

const CONTRACTS_USAGE = `Usage: partnermock contracts [options]

Runs the contract suites that ship with partnermock: each scenario drives the typed client, every
answer is held to the provider's OpenAPI spec, and each suite's coverage is printed at the end. A
provider's suite runs against the hosts its PARTNERMOCK_* variables name (all of its URL variables,
and the credentials its scenarios need: a scenario without them, or that needs the mock's controls,
is skipped with the reason), or against an in-process mock when none of them is set.

  --provider <name>     run only this provider's suite (repeatable, or comma-separated:
                        --provider b2copy,keeta; default: every built-in provider)
  --suite <file>        run this contract suite file too (repeatable; without --provider, instead
                        of the built-in suites)
  --reporter <name>     default, verbose or junit (default: default). junit writes JUnit XML to
                        --output-file, and the console report still shows; without --output-file
                        the XML goes to stdout, and the coverage tables to stderr
  --output-file <path>  where --reporter junit writes its XML
  -h, --help            this text

Exit code: 0 when every scenario passed or was skipped and, against a mock, every declared operation
status was exercised; 1 when not; 2 for a usage error.`;

const CONTRACTS_OPTIONS = {
  provider: { type: 'string', multiple: true },
  suite: { type: 'string', multiple: true },
  reporter: { type: 'string' },
  'output-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The subcommands, each with its own options. */
const COMMANDS = ['contracts'];

/** A mistake in the command line: said in one line, exit code 2, nothing started. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `partnermock contracts` ran and found problems (each printed above): exit code 1. */
export class ContractsFailedError extends Error {
  override readonly name = 'ContractsFailedError';
}

export async function cli(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  print: (text: string) => void = console.log,
): Promise<RunningMockServer | undefined> {
  const [command] = argv;
  if (command === 'contracts') {
    await contracts(argv.slice(1), env, print);
    return undefined;
  }
  if (command !== undefined && !command.startsWith('-')) {
    const guess = closest(command, COMMANDS);
    throw new UsageError(
      `Unknown command ${command}.${guess ? ` Did you mean partnermock ${guess}?` : ''} See partnermock --help.`,
    );
  }
  const values = parseCommandLine(argv, OPTIONS, 'partnermock');
  if (values.version) {
    print(`partnermock ${packageVersion()}`);
    return undefined;
  }
  if (values.help) {
    // The built-in providers, from the registry (imported only for the help text).
    const { builtinProviderNames } = await import('../mocks/index.ts');
    print(`${USAGE}\n\nBuilt-in providers: ${builtinProviderNames.join(', ')}.`);
    return undefined;
  }
  const port = toInteger(values.port ?? env.PORT ?? '4010', 'port');
  if (port > 65535) throw new UsageError(`--port must be 0 to 65535 (0 picks a free port), got ${port}.`);
  const seed = toInteger(values.seed ?? '1', 'seed');
  for (const plugin of values.plugin ?? []) {
    if (!existsSync(resolve(plugin))) throw new UsageError(`--plugin ${plugin}: no such file (from ${process.cwd()}).`);
  }
  const running = await startMockServer({
    port,
    ...(values.host ? { host: values.host } : {}),
    ...(values['public-url'] ? { publicUrl: values['public-url'] } : {}),
    seed,
    ...(values.provider ? { providers: values.provider } : {}),
    ...(values.plugin ? { plugins: values.plugin } : {}),
    validateResponses: !values['no-validate-responses'],
    log: !values.quiet,
  }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new UsageError(
        `Port ${port} is already in use (another partnermock?). Stop what is listening there, or start on a free port with --port 0.`,
      );
    }
    throw error;
  });
  print(banner(running));
  return running;
}

/**
 * `partnermock contracts`: resolves when the run passed, throws ContractsFailedError when it did not (its
 * problems are printed by then) and UsageError, before running anything, for a mistake in `argv`.
 */
async function contracts(argv: string[], env: NodeJS.ProcessEnv, print: (text: string) => void): Promise<void> {
  const values = parseCommandLine(argv, CONTRACTS_OPTIONS, 'partnermock contracts');
  const runner = await import('./contracts/run-contracts.ts');
  const known = await runner.builtinContractProviders();
  if (values.help) {
    const lines = known.map((name) => `  ${name}\n${wrap(runner.suiteVariables(runner.builtinSuite(name)), '    ')}`);
    print(`${CONTRACTS_USAGE}\n\nBuilt-in providers, and the variables their suites read:\n${lines.join('\n')}`);
    return;
  }
  const providers = values.provider
    ?.flatMap((value) => value.split(','))
    .map((name) => name.trim())
    .filter(Boolean);
  if (providers && !providers.length) throw new UsageError('--provider needs a provider name.');
  const unknown = providers?.filter((name) => !known.includes(name)) ?? [];
  if (unknown.length) {
    throw new UsageError(
      `Unknown provider ${unknown.join(', ')}; built-in providers: ${known.join(', ')}. See partnermock contracts --help.`,
    );
  }
  for (const suite of values.suite ?? []) {
    if (!existsSync(resolve(suite))) throw new UsageError(`--suite ${suite}: no such file (from ${process.cwd()}).`);
  }
  const reporter = values.reporter ?? 'default';
  if (!isOneOf(reporter, runner.contractReporters)) {
    throw new UsageError(
      `--reporter must be ${runner.contractReporters.join(', ').replace(/, (\w+)$/, ' or $1')}, got "${reporter}".`,
    );
  }
  const outputFile = values['output-file'];
  if (outputFile !== undefined && reporter !== 'junit') {
    throw new UsageError('--output-file needs --reporter junit (it is where the JUnit XML goes).');
  }
  const result = await runner.runContracts({
    ...(providers ? { providers } : {}),
    ...(values.suite ? { suites: values.suite } : {}),
    reporter,
    ...(outputFile !== undefined ? { outputFile } : {}),
    // The suites read their hosts and credentials from these (and from this process's environment).
    env: Object.fromEntries(
      Object.entries(env).filter((entry): entry is [string, string] => entry[0].startsWith('PARTNERMOCK_')),
    ),
    // With the JUnit XML on stdout, the runner writes the coverage tables to stderr.
    ...(reporter === 'junit' && outputFile === undefined ? {} : { print }),
  });
  if (!result.ok) {
    const count = result.problems.length;
    throw new ContractsFailedError(
      `Contract run failed: ${count} problem${count === 1 ? '' : 's'} (FAIL lines above).`,
    );
  }
}

/** `words`, comma-separated, in lines of at most 100 characters that start with `indent`. */
function wrap(words: string[], indent: string): string {
  const lines: string[] = [];
  for (const word of words) {
    const last = lines.length - 1;
    if (last >= 0 && `${lines[last]} ${word},`.length <= 100) lines[last] += ` ${word},`;
    else lines.push(`${indent}${word},`);
  }
  return lines.join('\n').replace(/,$/, '');
}

function isOneOf<T extends string>(value: string, choices: readonly T[]): value is T {
  return (choices as readonly string[]).includes(value);
}

/** The options, or a UsageError naming the closest known option for an unknown one. */
function parseCommandLine<Options extends ParseArgsConfig['options']>(
  argv: string[],
  options: Options,
  command: string,
) {
  try {
    return parseArgs({ args: argv, options, strict: true }).values;
  } catch (error) {
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec((error as Error).message)?.[1];
    if (unknown) {
      const guess = closest(unknown.replace(/^-+/, ''), Object.keys(options ?? {}));
      throw new UsageError(
        `Unknown option ${unknown}.${guess ? ` Did you mean --${guess}?` : ''} See ${command} --help.`,
      );
    }
    throw new UsageError(`${(error as Error).message.replace(/(?<![.!?])$/, '.')} See ${command} --help.`);
  }
}

/** The known name nearest to `name` (edit distance at most 3), if any. */
function closest(name: string, known: string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, index) => index);
    for (let i = 1; i <= a.length; i++) {
      let previous = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const kept = row[j]!;
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
        previous = kept;
      }
    }
    return row[b.length]!;
  };
  const [best] = known
    .map((candidate) => ({ candidate, cost: distance(name, candidate) }))
    .sort((x, y) => x.cost - y.cost);
  return best && best.cost <= 3 ? best.candidate : undefined;
}

/** The version in the package's package.json (two folders up from src/ in the repo, three from dist/src/). */
function packageVersion(): string {
  for (const relative of ['../package.json', '../../package.json']) {
    const file = fileURLToPath(new URL(relative, import.meta.url));
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'partnermock' && pkg.version) return pkg.version;
  }
  return 'unknown';
}

function banner(running: RunningMockServer): string {
  const lines = [`partnermock listening on ${running.url}`, ''];
  for (const provider of running.mock.describe()) {
    lines.push(`  ${provider.title} (${provider.name})`);
    for (const url of provider.baseUrls) lines.push(`    base URL  ${url}`);
    for (const credential of provider.credentials) lines.push(`    ${credential}`);
    lines.push('');
  }
  lines.push(`  control API  ${running.url}/__mock/providers    index page  ${running.url}/`);
  return lines.join('\n');
}

function toInteger(value: string, name: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number, got "${value}".`);
  return Number(value);
}

/** Graceful shutdown: stop accepting, let in-flight requests finish, then exit. */
function stopOnSignals(running: RunningMockServer): void {
  const stop = (signal: string) => {
    console.log(`\n${signal}: finishing in-flight requests...`);
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
    // A client holding a request open forever must not keep the process alive.
    setTimeout(() => {
      running.server.closeAllConnections();
    }, 10_000).unref();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

if (isMainModule()) {
  cli(process.argv.slice(2)).then(
    (running) => {
      if (running) stopOnSignals(running);
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(error instanceof UsageError ? 2 : 1);
    },
  );
}

/** Run directly (`tsx src/cli.ts`, or the package's `partnermock` bin, which npm reaches through a symlink). */
function isMainModule(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}
