#!/usr/bin/env node
/**
 * `npm start`: serves every provider on one port (default 4010) and prints their base URLs and
 * default credentials. `cli(argv)` returns the running server, so tests can start it on port 0.
 */
import { parseArgs } from 'node:util';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMockServer, type RunningMockServer } from './server/start-server.ts';

const USAGE = `Usage: partnermock [options]

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

/** A mistake in the command line: said in one line, exit code 2, nothing started. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export async function cli(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  print: (text: string) => void = console.log,
): Promise<RunningMockServer | undefined> {
  const values = parseCommandLine(argv);
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

/** The options, or a UsageError naming the closest known option for an unknown one. */
function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, strict: true }).values;
  } catch (error) {
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec((error as Error).message)?.[1];
    if (unknown) {
      const guess = closest(unknown.replace(/^-+/, ''), Object.keys(OPTIONS));
      throw new UsageError(
        `Unknown option ${unknown}.${guess ? ` Did you mean --${guess}?` : ''} See partnermock --help.`,
      );
    }
    throw new UsageError(`${(error as Error).message} See partnermock --help.`);
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
