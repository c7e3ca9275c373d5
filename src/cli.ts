#!/usr/bin/env node
/**
 * `npm start`: serves every provider on one port (default 4010) and prints their base URLs and
 * default credentials. `cli(argv)` returns the running server, so tests can start it on port 0.
 */
import { parseArgs } from 'node:util';
import { realpathSync } from 'node:fs';
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
  -h, --help          this text`;

export async function cli(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  print: (text: string) => void = console.log,
): Promise<RunningMockServer | undefined> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'public-url': { type: 'string' },
      seed: { type: 'string' },
      provider: { type: 'string', multiple: true },
      plugin: { type: 'string', multiple: true },
      'no-validate-responses': { type: 'boolean' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    // The built-in providers, from the registry (imported only for the help text).
    const { builtinProviderNames } = await import('../mocks/index.ts');
    print(`${USAGE}\n\nBuilt-in providers: ${builtinProviderNames.join(', ')}.`);
    return undefined;
  }
  const port = toInteger(values.port ?? env.PORT ?? '4010', 'port');
  const seed = toInteger(values.seed ?? '1', 'seed');
  const running = await startMockServer({
    port,
    ...(values.host ? { host: values.host } : {}),
    ...(values['public-url'] ? { publicUrl: values['public-url'] } : {}),
    seed,
    ...(values.provider ? { providers: values.provider } : {}),
    ...(values.plugin ? { plugins: values.plugin } : {}),
    validateResponses: !values['no-validate-responses'],
    log: !values.quiet,
  });
  print(banner(running));
  return running;
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
  if (!/^\d+$/.test(value)) throw new Error(`--${name} must be a whole number, got "${value}".`);
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
      process.exit(1);
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
