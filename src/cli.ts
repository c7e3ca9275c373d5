#!/usr/bin/env node
/**
 * `npm start`: serves every provider on one port (default 4010) and prints their base URLs and
 * default credentials. `cli(argv)` returns the running server, so tests can start it on port 0.
 *
 * The setup comes from a config file (`--config`, `PARTNERMOCK_CONFIG`, or partnermock.config.yaml in the
 * working directory; src/config/), with flags over environment variables over the file over the defaults.
 * `partnermock config check|show` check it and print what is in effect, `partnermock init` writes one, and
 * `--watch` reloads it on change.
 *
 * `partnermock contracts` (and `npm run contracts`): runs the shipped contract suites against the hosts in
 * the PARTNERMOCK_* variables, or an in-process mock, and prints their coverage (src/contracts/).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER_SETTINGS, type ServerSetting } from './config/config-schema.ts';
import { initConfigText } from './config/init-config.ts';
import {
  ConfigError,
  findConfigFile,
  formatProblem,
  loadConfigFile,
  type ConfigProblem,
  type LoadedConfig,
} from './config/load-config.ts';
import {
  effectiveSettings,
  explicitSettings,
  formatSource,
  parseSetting,
  settingsFromEnv,
  settingValidators,
  type EffectiveSettings,
  type SettingValidators,
} from './config/settings.ts';
import { renderConfig, type ShownProvider } from './config/show-config.ts';
import { changedKeys, configSnapshot, watchConfigFiles } from './config/watch-config.ts';
import { createMockApp } from './server/create-app.ts';
import { builtinPlugins } from './server/resolve-plugins.ts';
import { isLoopbackHost, OpenControlError, startMockServer, type RunningMockServer } from './server/start-server.ts';
import { closest } from './text/closest.ts';

const USAGE = `Usage: partnermock [options]                serve the mocks
       partnermock config check [path]      check a config file, starting nothing
       partnermock config show [options]    the configuration in effect, each value with its source
       partnermock init [path]              write a commented partnermock.config.yaml
       partnermock contracts [options]      run the contract suites (partnermock contracts --help)

  --config <path>     config file (default: $PARTNERMOCK_CONFIG, else partnermock.config.yaml, .yml
                      or .json in the working directory, if there is one)
  --watch             reload the config file (and the files it reads) when it changes: new
                      sessions and sessions reset afterwards get its fixtures and options
  --port <n>          port to listen on (default: $PORT, the file's, or 4010; 0 picks a free one)
  --host <addr>       address to bind (default: $PARTNERMOCK_HOST, the file's, or 127.0.0.1)
  --public-url <url>  base URL used in links and redirects the mock hands out
                      (default: $PARTNERMOCK_PUBLIC_URL, the file's, or http://localhost:<port>)
  --seed <n>          fixture and example seed (default: $PARTNERMOCK_SEED, the file's, or 1)
  --latency <ms|min-max>
                      delay every provider answer, e.g. 200 or 50-400
                      (default: $PARTNERMOCK_LATENCY, the file's, or none)
  --store <memory|redis://host:6379/0>
                      where sessions keep their state: memory (this process), or a Redis that
                      several replicas share and that survives restarts
                      (default: $PARTNERMOCK_STORE, the file's, or memory)
  --store-prefix <p>  prefix of every Redis key, so several mocks share one Redis
                      (default: $PARTNERMOCK_STORE_PREFIX, the file's, or partnermock:)
  --control-token <t> require "Authorization: Bearer <t>" on the control API and the inspector
                      (default: $PARTNERMOCK_CONTROL_TOKEN, the file's, or none); needed with a
                      non-loopback --host
  --control-open      listen on a non-loopback --host without a control token, on purpose
  --cors <origin,...> allow only these browser origins (with credentials), on the provider
                      routes and the control API (default: every origin, provider routes only)
  --no-cors           no CORS at all
  --provider <name>   serve only this built-in provider (repeatable)
  --plugin <path>     load another provider plugin from a module (repeatable)
  --no-validate-responses
                      do not hold answers to the spec (default: they are, and a violation is a 500)
  --quiet             no request log
  -v, --version       the version
  -h, --help          this text

Precedence: flags, then environment variables (PORT, PARTNERMOCK_HOST, PARTNERMOCK_PUBLIC_URL,
PARTNERMOCK_SEED, PARTNERMOCK_VALIDATE_RESPONSES, PARTNERMOCK_BODY_LIMIT, PARTNERMOCK_JOURNAL_SIZE,
PARTNERMOCK_MAX_SESSIONS, PARTNERMOCK_LATENCY, PARTNERMOCK_STORE, PARTNERMOCK_STORE_PREFIX,
PARTNERMOCK_CONTROL_TOKEN, PARTNERMOCK_CONTROL_OPEN, PARTNERMOCK_CORS), then the config file, then
the defaults. An invalid config file stops the start (exit code 2) with every problem listed.`;

const OPTIONS = {
  config: { type: 'string' },
  watch: { type: 'boolean' },
  port: { type: 'string' },
  host: { type: 'string' },
  'public-url': { type: 'string' },
  seed: { type: 'string' },
  latency: { type: 'string' },
  store: { type: 'string' },
  'store-prefix': { type: 'string' },
  'control-token': { type: 'string' },
  'control-open': { type: 'boolean' },
  cors: { type: 'string' },
  'no-cors': { type: 'boolean' },
  provider: { type: 'string', multiple: true },
  plugin: { type: 'string', multiple: true },
  'no-validate-responses': { type: 'boolean' },
  quiet: { type: 'boolean' },
  version: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const;

const CONFIG_USAGE = `Usage: partnermock config check [path] [--config <path>]
       partnermock config show [--config <path>] [options]

  check   reads the config file (path, else --config, $PARTNERMOCK_CONFIG or
          partnermock.config.yaml in the working directory) and checks it whole, starting
          nothing: exit code 0 and one line naming the file and its providers, or exit code 2
          and every problem (file:line:column key.path: what is wrong; what is allowed).
  show    prints the configuration partnermock would start with, each value with where it
          comes from (flag, env VARIABLE, file or default), secrets masked, fixtures one item
          a line. It takes the same options as partnermock itself (--port, --seed, ...).`;

const CHECK_OPTIONS = {
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const { watch: _watch, version: _version, ...SHOW_OPTIONS } = OPTIONS;

const INIT_USAGE = `Usage: partnermock init [path]

Writes a commented config file (default: partnermock.config.yaml in the working directory) with every
server setting and provider option at its default and example fixtures for each provider, commented out.
An existing file is never overwritten.`;

const INIT_OPTIONS = { help: { type: 'boolean', short: 'h' } } as const;

const CONTRACTS_USAGE = `Usage: partnermock contracts [options]

Runs the contract suites that ship with partnermock: each scenario drives the typed client, every
answer is held to the provider's OpenAPI spec, and each suite's coverage is printed at the end. A
provider's suite runs against the hosts its PARTNERMOCK_* variables name (all of its URL variables,
and the credentials its scenarios need: a scenario without them, or that needs the mock's controls,
is skipped with the reason), or against an in-process mock when none of them is set.

  --provider <name>     run only this provider's suite (repeatable, or comma-separated:
                        --provider <a>,<b>; default: every built-in provider)
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
const COMMANDS = ['contracts', 'config', 'init'];
const CONFIG_COMMANDS = ['check', 'show'];

/** A mistake in the command line: said in one line, exit code 2, nothing started. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * A config file with problems: a line saying what was (not) done, then one line per problem
 * (`file:line:column key.path: what is wrong; what is allowed`). Exit code 2, like any usage error.
 */
export class ConfigProblemsError extends UsageError {
  constructor(
    readonly problems: ConfigProblem[],
    file: string | undefined,
    outcome: string,
    cwd: string,
  ) {
    const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
    super(
      [
        `${file ? displayPath(file, cwd) : 'The config'} is not valid (${count})${outcome ? `; ${outcome}` : ''}:`,
        ...problems.map((problem) =>
          formatProblem({ ...problem, ...(problem.file ? { file: displayPath(problem.file, cwd) } : {}) }),
        ),
      ].join('\n'),
    );
  }
}

/** `partnermock contracts` ran and found problems (each printed above): exit code 1. */
export class ContractsFailedError extends Error {
  override readonly name = 'ContractsFailedError';
}

/** Where the CLI runs: tests give a folder and catch what would go to stderr. */
export interface CliIo {
  /** The folder a config file is found in and paths are shown from (default: the process's). */
  cwd?: string;
  /** Problems that stop nothing (an invalid edit under --watch). Default: stderr. */
  printError?: (text: string) => void;
}

export async function cli(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  print: (text: string) => void = console.log,
  io: CliIo = {},
): Promise<RunningMockServer | undefined> {
  const [command] = argv;
  if (command === 'contracts') {
    await contracts(argv.slice(1), env, print);
    return undefined;
  }
  if (command === 'config') {
    await configCommand(argv.slice(1), env, print, io.cwd ?? process.cwd());
    return undefined;
  }
  if (command === 'init') {
    await init(argv.slice(1), print, io.cwd ?? process.cwd());
    return undefined;
  }
  if (command !== undefined && !command.startsWith('-')) {
    const guess = closest(command, COMMANDS);
    throw new UsageError(
      `Unknown command ${command}.${guess ? ` Did you mean partnermock ${guess}?` : ''} See partnermock --help.`,
    );
  }
  const { values } = parseCommandLine(argv, OPTIONS, 'partnermock');
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
  return serve(values, env, print, io);
}

type ServeValues = ReturnType<typeof parseCommandLine<typeof OPTIONS>>['values'];

/** What `partnermock` and `partnermock config show` start from: the file, the settings and their sources. */
interface Setup {
  cwd: string;
  file?: string;
  loaded?: LoadedConfig;
  settings: EffectiveSettings;
  providers?: string[];
  plugins?: string[];
}

/** Flags, environment and file, checked in that order (the cheap mistakes first), nothing started. */
async function setUp(
  values: Omit<ServeValues, 'watch' | 'version'>,
  env: NodeJS.ProcessEnv,
  cwd: string,
  outcome: string,
): Promise<Setup> {
  const validators = settingValidators();
  const flags = flagSettings(values, validators);
  const fromEnv = settingsFromEnv(env, validators);
  if (fromEnv.problems.length) throw new UsageError(fromEnv.problems.join('\n'));
  for (const plugin of values.plugin ?? []) {
    if (!existsSync(resolve(cwd, plugin))) throw new UsageError(`--plugin ${plugin}: no such file (from ${cwd}).`);
  }
  const file = locateConfig(values.config, env, cwd);
  const loaded = file ? await loadOrExplain(file, env, cwd, outcome) : undefined;
  for (const name of values.provider ?? []) {
    if (loaded?.data.providers?.[name]?.enabled === false) {
      throw new UsageError(
        `--provider ${name}: ${displayPath(file!, cwd)} disables it (providers.${name}.enabled: false).`,
      );
    }
  }
  const settings = effectiveSettings({
    flags,
    env: fromEnv.values,
    ...(loaded ? { file: fileSettings(loaded), fileName: loaded.file } : {}),
  });
  return {
    cwd,
    ...(file ? { file } : {}),
    ...(loaded ? { loaded } : {}),
    settings,
    ...(values.provider ? { providers: values.provider } : {}),
    ...(values.plugin ? { plugins: values.plugin.map((plugin) => resolve(cwd, plugin)) } : {}),
  };
}

async function serve(
  values: ServeValues,
  env: NodeJS.ProcessEnv,
  print: (text: string) => void,
  io: CliIo,
): Promise<RunningMockServer> {
  const cwd = io.cwd ?? process.cwd();
  const printError = io.printError ?? console.error;
  const setup = await setUp(values, env, cwd, 'nothing started');
  // What the config's files read as they were loaded: --watch reloads a change made while the server starts.
  const loadedSnapshot =
    setup.file && setup.loaded ? configSnapshot([setup.file, ...setup.loaded.readFiles]) : undefined;
  if (values.watch && !setup.file) {
    throw new UsageError(
      '--watch needs a config file: --config <path>, PARTNERMOCK_CONFIG, or partnermock.config.yaml in the ' +
        'working directory (partnermock init writes one).',
    );
  }
  const port = setup.settings.port.value as number;
  // Refused before anything starts (a store connection, plugins): the usage error, not a later one.
  const host = setup.settings.host.value as string;
  if (!isLoopbackHost(host) && setup.settings.controlToken.value === undefined && !setup.settings.controlOpen.value) {
    throw new UsageError(new OpenControlError(host).message);
  }
  const running = await startMockServer({
    // The config as setUp read it (with this environment), not read again: what runs is what was checked.
    ...(setup.loaded ? { config: setup.loaded } : setup.file ? { config: setup.file } : {}),
    ...explicitSettings(setup.settings),
    ...(setup.providers ? { providers: setup.providers } : {}),
    ...(setup.plugins ? { plugins: setup.plugins } : {}),
    log: !values.quiet,
  }).catch((error: unknown) => {
    if (error instanceof OpenControlError) throw new UsageError(error.message);
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new UsageError(
        `Port ${port} is already in use (another partnermock?). Stop what is listening there, or start on a free port with --port 0.`,
      );
    }
    if (error instanceof ConfigError) throw new ConfigProblemsError(error.problems, setup.file, 'nothing started', cwd);
    throw error;
  });
  const shown = setup.file && displayPath(setup.file, cwd);
  // Watching before the banner says the server is up: an edit made as soon as it says so is seen.
  if (values.watch && setup.file && setup.loaded) {
    const stopWatching = watchConfig(
      running,
      setup as Setup & { file: string; loaded: LoadedConfig },
      env,
      { print, printError },
      loadedSnapshot,
    );
    const close = running.close;
    running.close = () => {
      stopWatching();
      return close();
    };
  }
  print(banner(running, shown && `${shown}${values.watch ? ' (watching for changes)' : ''}`));
  return running;
}

/**
 * `--watch`: each settled change of the file (or a file it reads) is checked whole; a valid one replaces
 * the providers' options and fixtures for new and reset sessions (MockApp.reconfigure) and is logged in one
 * line, an invalid one is reported and the running config kept. Returns the function that stops watching.
 */
function watchConfig(
  running: RunningMockServer,
  setup: Setup & { file: string; loaded: LoadedConfig },
  env: NodeJS.ProcessEnv,
  out: { print: (text: string) => void; printError: (text: string) => void },
  /** What the files read when they were loaded. */
  since: string | undefined,
): () => void {
  const { file, cwd, settings } = setup;
  const shown = displayPath(file, cwd);
  let readFiles = setup.loaded.readFiles;
  let current = setup.loaded.data;
  const watcher = watchConfigFiles({
    ...(since !== undefined ? { since } : {}),
    files: () => [file, ...readFiles],
    reload: async () => {
      let next: LoadedConfig;
      try {
        next = await loadConfigFile(file, env);
        const changed = changedKeys(current, next.data);
        readFiles = next.readFiles;
        if (!changed.length) {
          out.print(`config ${shown}: reloaded, nothing in it changed.`);
          return;
        }
        // The config just read, not the file again: its plugins are loaded once per change.
        const { restartNeeded } = await running.mock.reconfigure(next);
        current = next.data;
        out.print(reloadLine(shown, changed, restartNeeded, settings));
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        out.printError(
          new ConfigProblemsError(error.problems, file, 'not reloaded, the running config is kept', cwd).message,
        );
      }
    },
    onError: (error) => out.printError(`config ${shown}: watching failed: ${(error as Error).message}`),
  });
  return () => watcher.close();
}

/**
 * The one line a reload logs: what changed and applies (to new and reset sessions), what changed but
 * needs a restart, and what changed in the file but is set by a flag or variable, which win.
 */
function reloadLine(shown: string, changed: string[], restartNeeded: string[], settings: EffectiveSettings): string {
  const overridden = (key: string) => {
    const setting = settings[key as ServerSetting] as EffectiveSettings[ServerSetting] | undefined;
    return setting && (setting.source.kind === 'flag' || setting.source.kind === 'env') ? setting : undefined;
  };
  const restart = new Set(restartNeeded.filter((key) => !overridden(key)));
  const isRestart = (key: string) =>
    restart.has(key) || [...restart].some((needed) => key.startsWith(`${needed}.`) || needed.startsWith(`${key}.`));
  const applied = changed.filter((key) => !overridden(key) && !isRestart(key) && key !== 'plugins');
  const parts = [];
  if (applied.length) parts.push(`${applied.join(', ')} changed, for new sessions and sessions reset from now on`);
  const needsRestart = [
    ...new Set([...changed.filter((key) => !overridden(key) && !applied.includes(key)), ...restart]),
  ];
  if (needsRestart.length) parts.push(`${needsRestart.join(', ')} changed, which needs a restart (not applied)`);
  const ignored = changed.filter((key) => overridden(key));
  if (ignored.length) {
    parts.push(
      ignored
        .map((key) => `${key} changed in the file, but ${formatSource(overridden(key)!.source)} sets it`)
        .join('; '),
    );
  }
  return `config ${shown} reloaded: ${parts.join('; ')}.`;
}

/** The settings a file gives (its top level, without providers and plugins). */
function fileSettings(loaded: LoadedConfig): Partial<Record<ServerSetting, unknown>> {
  return Object.fromEntries(Object.entries(loaded.data).filter(([key]) => key in SERVER_SETTINGS));
}

/** The settings the flags give, each checked (the existing one-line messages for --port and --seed). */
function flagSettings(
  values: Omit<ServeValues, 'watch' | 'version'>,
  validators: SettingValidators,
): Partial<Record<ServerSetting, unknown>> {
  const flags: Partial<Record<ServerSetting, unknown>> = {};
  if (values.port !== undefined) {
    const port = toInteger(values.port, 'port');
    if (port > 65535) throw new UsageError(`--port must be 0 to 65535 (0 picks a free port), got ${port}.`);
    flags.port = port;
  }
  if (values.seed !== undefined) flags.seed = toInteger(values.seed, 'seed');
  for (const [name, flag] of [
    ['host', 'host'],
    ['publicUrl', 'public-url'],
    ['latency', 'latency'],
    ['store', 'store'],
    ['storePrefix', 'store-prefix'],
    ['controlToken', 'control-token'],
    ['cors', 'cors'],
  ] as const) {
    const text = values[flag];
    if (text === undefined) continue;
    const parsed = parseSetting(name, text, validators);
    if ('problem' in parsed) throw new UsageError(`--${flag} ${parsed.problem}.`);
    flags[name] = parsed.value;
  }

  if (values['no-validate-responses']) flags.validateResponses = false;
  if (values['control-open']) flags.controlOpen = true;
  if (values['no-cors']) {
    if (values.cors !== undefined) throw new UsageError('--cors and --no-cors contradict each other: give one.');
    flags.cors = false;
  }
  return flags;
}

/** The config file to use: named (flag, else PARTNERMOCK_CONFIG), else one in `cwd`, else none. */
function locateConfig(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string,
  via = '--config',
): string | undefined {
  const named = flag ?? (env.PARTNERMOCK_CONFIG || undefined);
  try {
    return findConfigFile(named, cwd);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new UsageError(`${flag !== undefined ? via : 'PARTNERMOCK_CONFIG'} ${named}: no such file (from ${cwd}).`);
  }
}

async function loadOrExplain(file: string, env: NodeJS.ProcessEnv, cwd: string, outcome: string) {
  try {
    return await loadConfigFile(file, env);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigProblemsError(error.problems, file, outcome, cwd);
    throw error;
  }
}

/** `partnermock config check|show`. */
async function configCommand(argv: string[], env: NodeJS.ProcessEnv, print: (text: string) => void, cwd: string) {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    print(CONFIG_USAGE);
    return;
  }
  if (sub === 'check') return checkConfig(rest, env, print, cwd);
  if (sub === 'show') return showConfig(rest, env, print, cwd);
  const guess = closest(sub, CONFIG_COMMANDS);
  throw new UsageError(
    `Unknown config command ${sub}.${guess ? ` Did you mean partnermock config ${guess}?` : ''} ` +
      'See partnermock config --help.',
  );
}

async function checkConfig(argv: string[], env: NodeJS.ProcessEnv, print: (text: string) => void, cwd: string) {
  const { values, positionals } = parseCommandLine(argv, CHECK_OPTIONS, 'partnermock config check', 1);
  if (values.help) {
    print(CONFIG_USAGE);
    return;
  }
  const [path] = positionals;
  const file = locateConfig(
    path ?? values.config,
    env,
    cwd,
    path !== undefined ? 'partnermock config check' : '--config',
  );
  if (!file) {
    throw new UsageError(
      'No config file to check: name one (partnermock config check <path>, --config, PARTNERMOCK_CONFIG), ' +
        'or write partnermock.config.yaml with partnermock init.',
    );
  }
  const loaded = await loadOrExplain(file, env, cwd, '');
  const sections = loaded.data.providers ?? {};
  const served = loaded.allPlugins.filter((plugin) => sections[plugin.name]?.enabled !== false).map((p) => p.name);
  const disabled = loaded.allPlugins.filter((plugin) => sections[plugin.name]?.enabled === false).map((p) => p.name);
  print(
    `OK ${displayPath(file, cwd)}: valid; providers ${served.join(', ') || 'none'}` +
      `${disabled.length ? ` (disabled: ${disabled.join(', ')})` : ''}` +
      `${loaded.plugins.length ? `; from plugins: ${loaded.plugins.map((plugin) => plugin.name).join(', ')}` : ''}.`,
  );
}

async function showConfig(argv: string[], env: NodeJS.ProcessEnv, print: (text: string) => void, cwd: string) {
  const { values } = parseCommandLine(argv, SHOW_OPTIONS, 'partnermock config show');
  if (values.help) {
    print(CONFIG_USAGE);
    return;
  }
  const setup = await setUp(values, env, cwd, 'nothing shown');
  const port = setup.settings.port.value as number;
  // The app partnermock would start, not listening: its providers, options and default session's fixtures.
  const mock = await createMockApp({
    ...(setup.file ? { config: setup.file } : {}),
    ...explicitSettings(setup.settings),
    ...(setup.settings.publicUrl.value === undefined ? { publicUrl: `http://localhost:${port}` } : {}),
    // Showing the configuration reads no state: it never connects to a Redis the settings name.
    store: 'memory',
    ...(setup.providers ? { providers: setup.providers } : {}),
    ...(setup.plugins ? { plugins: setup.plugins } : {}),
  }).catch((error: unknown) => {
    if (error instanceof ConfigError) throw new ConfigProblemsError(error.problems, setup.file, 'nothing shown', cwd);
    throw error;
  });
  const sections = setup.loaded?.data.providers ?? {};
  const known = [
    ...(setup.loaded?.allPlugins ?? (await builtinPlugins())).map((plugin) => plugin.name),
    ...mock.providers.map((runtime) => runtime.name),
  ];
  const providers: ShownProvider[] = [...new Set(known)].map((name) => {
    const section = sections[name];
    const runtime = mock.providers.find((candidate) => candidate.name === name);
    const enabledSource = section?.enabled !== undefined ? 'file' : setup.providers ? 'flag --provider' : 'default';
    if (!runtime) return { name, enabled: false, enabledSource, options: [], collections: [] };
    const fixtures = runtime.defaults(mock.publicUrl());
    const { mode, ...fileCollections } = section?.fixtures ?? {};
    return {
      name,
      enabled: true,
      enabledSource,
      options: Object.entries((runtime.plugin.options ?? {}) as Record<string, unknown>).map(([option, value]) => ({
        name: option,
        value,
        source: section?.options?.[option] !== undefined ? 'file' : 'default',
      })),
      ...(section?.fixtures ? { fixtureMode: mode ?? 'merge' } : {}),
      collections: Object.entries(runtime.plugin.collections ?? {})
        .filter(([, definition]) => !definition.readOnly)
        .map(([collection, definition]) => {
          const fromFile = new Set(
            ((fileCollections[collection] as Record<string, unknown>[] | undefined) ?? []).map((item) =>
              String(item[definition.idField]),
            ),
          );
          return {
            name: collection,
            items: fixtures.list(collection).map((item) => ({
              item,
              source: fromFile.has(String(item[definition.idField])) ? 'file' : 'default',
            })),
          };
        }),
    };
  });
  print(
    renderConfig({
      ...(setup.file ? { file: displayPath(setup.file, cwd) } : {}),
      settings: setup.settings,
      providers,
      plugins: setup.loaded?.data.plugins ?? [],
    }),
  );
}

/** `partnermock init [path]`: a commented config file, never over an existing one. */
async function init(argv: string[], print: (text: string) => void, cwd: string): Promise<void> {
  const { values, positionals } = parseCommandLine(argv, INIT_OPTIONS, 'partnermock init', 1);
  if (values.help) {
    print(INIT_USAGE);
    return;
  }
  const target = resolve(cwd, positionals[0] ?? 'partnermock.config.yaml');
  const shown = displayPath(target, cwd);
  if (existsSync(target)) {
    throw new UsageError(
      `${shown} already exists: partnermock init never overwrites a file (remove it, or name another: partnermock init <path>).`,
    );
  }
  const text = initConfigText(await builtinPlugins());
  try {
    writeFileSync(target, text, { flag: 'wx' });
  } catch (error) {
    throw new UsageError(`Cannot write ${shown}: ${(error as Error).message}.`);
  }
  const named = positionals[0] === undefined ? '' : ` --config ${shown}`;
  print(
    `Wrote ${shown}. Check it with partnermock config check${positionals[0] === undefined ? '' : ` ${shown}`}, ` +
      `see what is in effect with partnermock config show${named}, start with partnermock${named}.`,
  );
}

/**
 * `partnermock contracts`: resolves when the run passed, throws ContractsFailedError when it did not (its
 * problems are printed by then) and UsageError, before running anything, for a mistake in `argv`.
 */
async function contracts(argv: string[], env: NodeJS.ProcessEnv, print: (text: string) => void): Promise<void> {
  const { values } = parseCommandLine(argv, CONTRACTS_OPTIONS, 'partnermock contracts');
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

/**
 * The options (and up to `maxPositionals` positional arguments), or a UsageError naming the closest known
 * option for an unknown one.
 */
function parseCommandLine<Options extends ParseArgsConfig['options']>(
  argv: string[],
  options: Options,
  command: string,
  maxPositionals = 0,
) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: maxPositionals > 0 });
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
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(
      `${command} takes ${maxPositionals === 1 ? 'one path' : 'no arguments'}, got ${parsed.positionals.join(' ')}. See ${command} --help.`,
    );
  }
  return parsed;
}

/** `path` as the user would write it from `cwd`: relative inside it, absolute outside. */
function displayPath(path: string, cwd: string): string {
  const shown = relative(cwd, path);
  return shown && !shown.startsWith('..') && !isAbsolute(shown) ? shown : path;
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

function banner(running: RunningMockServer, configFile?: string): string {
  const lines = [`partnermock listening on ${running.url}`, ''];
  if (configFile) lines.push(`  config file  ${configFile}`);
  const { store } = running.mock;
  lines.push(
    store.kind === 'memory'
      ? '  state        in memory (this process only; --store redis://... to share it)'
      : `  state        ${store.location} (shared with every replica using it)`,
  );
  lines.push(...accessLines(running), '');
  for (const provider of running.mock.describe()) {
    lines.push(`  ${provider.title} (${provider.name})`);
    for (const url of provider.baseUrls) lines.push(`    base URL  ${url}`);
    for (const credential of provider.credentials) lines.push(`    ${credential}`);
    lines.push('');
  }
  lines.push(`  control API  ${running.url}/__mock/providers    inspector  ${running.url}/`);
  return lines.join('\n');
}

/** What the banner says of who may call what: the control token, an open control API, CORS. */
function accessLines(running: RunningMockServer): string[] {
  const { tokenRequired, cors } = running.mock.access;
  const lines: string[] = [];
  if (tokenRequired) {
    lines.push('  control API  needs its token: Authorization: Bearer <--control-token> (the inspector asks once)');
  } else if (!isLoopbackHost(running.host)) {
    lines.push(
      '',
      `  !!! CONTROL API OPEN on ${running.host}: anyone who reaches this port can reset sessions, read client`,
      '  !!! secrets and watch every exchange (--control-open). Use --control-token to close it.',
      '',
    );
  }
  lines.push(
    cors === false
      ? '  CORS         off'
      : cors === true
        ? '  CORS         every origin on the provider routes (--cors <origin,...> to name them)'
        : `  CORS         ${cors.join(', ')} (with credentials, control API included)`,
  );
  return lines;
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
      process.exit(error instanceof UsageError || error instanceof ConfigError ? 2 : 1);
    },
  );
}

/** Run directly (`tsx src/cli.ts`, or the package's `partnermock` bin, which npm reaches through a symlink). */
function isMainModule(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  // A TypeScript plugin loaded through tsx's API imports partnermock in a namespace of its own, which loads
  // this module a second time: only the first copy may run as the command, or the process serves twice.
  const ran = Symbol.for('partnermock.cli.main');
  if ((globalThis as Record<symbol, unknown>)[ran]) return false;
  try {
    const main = realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
    if (main) (globalThis as Record<symbol, unknown>)[ran] = true;
    return main;
  } catch {
    return false;
  }
}
