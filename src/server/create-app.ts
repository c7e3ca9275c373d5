/**
 * Builds the whole mock as an express app (no port): every provider mounted, the control API, the
 * inspector page, request logging and the journal, and the one error handler. `startMockServer` listens
 * on it; tests drive it with supertest. The parts live beside this file, one job each: routes.ts (the
 * providers' route tables), operation-pipeline.ts and page-pipeline.ts (a request's way through),
 * answer.ts (every answer and error out), request-log.ts, resolve-plugins.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Request, type Response } from 'express';
import { applyConfig, type AppliedConfig } from '../config/apply-config.ts';
import type { ServerSetting } from '../config/config-schema.ts';
import { ruleProblems, toDelay, type Delay, type FaultRuleInput } from '../faults/fault-rules.ts';
import {
  ConfigError,
  loadConfigFile,
  loadConfigObject,
  type ConfigData,
  type LoadedConfig,
} from '../config/load-config.ts';
import { controlApi } from '../control/control-api.ts';
import { INSPECTOR_ASSETS_PATH, inspectorPage, tokenPage } from '../inspector/page/serve-page.ts';
import { controlAccess } from '../control/control-access.ts';
import { corsPolicy, type CorsSetting } from '../http/cors.ts';
import { readBody } from '../http/read-body.ts';
import { MockError } from '../errors.ts';
import { jsonLineLogger, silentLogger, type Logger } from '../logger.ts';
import type { AnyPlugin, MockResponse } from '../plugin.ts';
import type { TimeSource } from '../state/clock.ts';
import type { RequestJournal } from '../state/journal.ts';
import { SessionRegistry } from '../state/sessions.ts';
import { openStore } from '../state/store/open-store.ts';
import type { StateStore } from '../state/store/store.ts';
import { createSchemaCompilers } from '../validation/ajv.ts';
import { errorHandler, renderError } from './answer.ts';
import type { AppContext } from './app-context.ts';
import { ProviderRuntime, urlBuilder } from './provider-runtime.ts';
import { requestLog } from './request-log.ts';
import { assertDistinct, resolvePlugins } from './resolve-plugins.ts';
import { providerRoutes } from './routes.ts';

export interface MockServerOptions {
  /**
   * A config file's path, or an object of the same shape (README, "Config file"): its settings, providers,
   * options and fixtures. Checked whole before anything starts (a ConfigError lists every problem); any
   * option given here beside it wins over the file.
   */
  config?: string | ConfigData | LoadedConfig;
  /** Built-in providers to serve, by name (default: all of them, or the config's enabled ones). */
  providers?: string[];
  /** Further plugins: plugin objects, or module paths like `./my-plugin.ts`. */
  plugins?: (AnyPlugin | string)[];
  /** Seed for fixtures and generated answers; the same seed gives the same data. Default 1. */
  seed?: number;
  /** The base URL the mock hands out in links and redirects. Default `http://localhost:<port>`. */
  publicUrl?: string;
  /** Largest accepted request body (bytes, or a string like `1mb`). Default 1 MB; larger gets 413. */
  bodyLimit?: string | number;
  /** Hold every answer to the spec (default true); a violation is a loud 500. */
  validateResponses?: boolean;
  /** `true` for JSON lines on stdout, a Logger function, or `false` (default) for silence. */
  log?: boolean | Logger;
  /** The time source every session clock starts from (default `Date.now`). */
  timeSource?: TimeSource;
  /** Recent requests kept for `/__mock/journal` (default 500). */
  journalSize?: number;
  /** Named sessions kept before the least recently used is dropped (default 1000; `default` is never dropped). */
  maxSessions?: number;
  /** Delay every provider answer: milliseconds, `"min-max"` or `{ min, max }`, drawn per request (`--latency`). */
  latency?: Delay | string;
  /** Per provider, a delay that replaces `latency` for it. */
  providerLatency?: Record<string, Delay | string>;
  /** Fault rules every session starts with (a reset restores them): README, "Simulate failures". */
  faults?: FaultRuleInput[];
  /**
   * Where sessions keep their state: `memory` (default; this process only) or a Redis URL such as
   * `redis://127.0.0.1:6379/0`, which replicas share and which survives restarts (README, "Run it for a
   * team"); or a StateStore object.
   */
  store?: string | StateStore;
  /** The prefix of every Redis key, so several mocks can share one Redis. Default `partnermock:`. */
  storePrefix?: string;
  /**
   * The token the control API (but `GET /__mock/health`) and the inspector require (`Authorization: Bearer
   * <token>`); none: open, as on a laptop (README, "Run it for others").
   */
  controlToken?: string;
  /**
   * The control API is open to anyone who reaches it, on purpose (`--control-open`): no token, and no check
   * that a request names this mock's own host. `startMockServer` needs it, or a token, on a network host.
   */
  controlOpen?: boolean;
  /**
   * CORS: `true` (default) every origin on the provider routes; origins: only those, with credentials;
   * `false`: none.
   */
  cors?: CorsSetting;
}

export interface MockApp {
  app: express.Express;
  /** The node request handler to listen with (see createMockApp). */
  handle(req: IncomingMessage, res: ServerResponse): void;
  providers: ProviderRuntime[];
  sessions: SessionRegistry;
  journal: RequestJournal;
  /** Where the sessions' state lives (closed with `close()`). */
  store: StateStore;
  /** Who may call what: whether the control API needs its token, and the CORS setting. */
  access: { tokenRequired: boolean; cors: CorsSetting };
  /** Back to the fixtures: one session, or all of them. */
  reset(session?: string): Promise<void>;
  /** Lets go of the state store (its connection); the express app answers nothing that needs state after. */
  close(): Promise<void>;
  /** Closes the connections `hang` fault rules hold, so the server can stop. */
  releaseHeld(): void;
  publicUrl(): string;
  setPublicUrl(url: string): void;
  /**
   * The answer to an error at `path` outside express (a request node could not parse): in the shape of
   * the provider mounted there, else the control API's.
   */
  errorAnswer(path: string, error: MockError): MockResponse;
  /** The config the app was built from, if any: its file and what it set (port and host are startMockServer's). */
  config?: { file?: string; settings: AppliedConfig['settings'] };
  /**
   * A changed config (`--watch` reloads the file): checked whole first (a ConfigError leaves everything as
   * it was), then each provider's options and fixtures replaced for sessions made or reset from now on.
   * What only a restart can change (port, seed, which providers are served, ...) is named, not applied.
   */
  reconfigure(config: string | ConfigData | LoadedConfig): Promise<{ restartNeeded: string[] }>;
  /** Per provider: base URLs and default credentials, as the startup banner prints them. */
  describe(): { name: string; title: string; baseUrls: string[]; credentials: string[] }[];
}

export const DEFAULT_PORT = 4010;

export async function createMockApp(given: MockServerOptions = {}): Promise<MockApp> {
  const loaded =
    given.config === undefined
      ? undefined
      : typeof given.config === 'string'
        ? await loadConfigFile(given.config)
        : isLoaded(given.config)
          ? given.config
          : await loadConfigObject(given.config);
  let config = loaded && applyConfig(loaded);
  const options = withConfig(given, config);
  // Latency and preset rules follow a config reload (reconfigure), so they are kept here, not in `options`.
  let timing = timingOf(options);
  const seed = options.seed ?? 1;
  const log: Logger = options.log === true ? jsonLineLogger() : options.log ? options.log : silentLogger;
  let publicUrl = (options.publicUrl ?? `http://localhost:${DEFAULT_PORT}`).replace(/\/+$/, '');
  let urlFor = urlBuilder(publicUrl);

  const compilers = createSchemaCompilers();
  const plugins = await resolvePlugins({ ...options, ...(config ? { base: config.plugins } : {}) });
  // Checked before anything opens: a bad control token starts nothing.
  const access = controlAccess(options.controlToken, () => publicUrl, options.controlOpen ?? false);
  const store = await openStore(options.store, {
    prefix: options.storePrefix,
    log,
    maxSessions: options.maxSessions,
  });
  let runtimes: ProviderRuntime[];
  let presetFaults: FaultRuleInput[];
  let journal: RequestJournal;
  try {
    runtimes = await Promise.all(plugins.map((plugin) => ProviderRuntime.create(plugin, seed, compilers, store)));
    assertDistinct(runtimes);
    presetFaults = checkedPresets(options.faults ?? [], runtimes, loaded?.file);
    journal = store.journal(options.journalSize ?? 500);
  } catch (error) {
    // Nothing half-started: the store's connection goes with the failed start.
    if (store !== options.store) await store.close();
    throw error;
  }
  const stop = new AbortController();
  const byName = new Map(runtimes.map((runtime) => [runtime.name, runtime]));
  const sessions = new SessionRegistry(store, {
    buildProvider: (provider) => {
      const runtime = byName.get(provider)!;
      return {
        seed: () => runtime.scopeFactory(publicUrl, () => {}).seed(),
        create: (session) => runtime.scopeFactory(publicUrl, evictionLog(log, session.id, provider)).create(session),
      };
    },
    ...(options.timeSource ? { timeSource: options.timeSource } : {}),
    ...(options.maxSessions !== undefined ? { maxSessions: options.maxSessions } : {}),
    onEvict: (session) =>
      log('warn', 'session evicted: more sessions than maxSessions, least recently used dropped', { session }),
    // Every session starts with the preset rules (a reset makes a new session, so it restores them).
    presetFaults: () => presetFaults,
    seed,
  });
  const context: AppContext = {
    runtimes,
    sessions,
    journal,
    publicUrl: () => publicUrl,
    urlFor: (mount, path) => urlFor(mount, path),
    bodyLimit: options.bodyLimit ?? '1mb',
    seed,
    validateResponses: options.validateResponses ?? true,
    log,
    latency: (provider) => timing.providerLatency[provider] ?? timing.latency,
    held: new Set(),
    stopping: stop.signal,
    access,
    cors: corsPolicy(options.cors ?? true),
  };

  const app = express();
  app.disable('x-powered-by');
  // No ETag/304: a 304 is not an answer the specs declare, and it would skip response validation.
  app.set('etag', false);
  app.set('trust proxy', false);
  const logRequests = log === silentLogger ? undefined : requestLog(log);
  if (logRequests) app.use(logRequests);
  // The inspector at `/` (README, "Inspector"): its assets come before the control API, which would
  // read `inspector` as a provider's name.
  const inspector = inspectorPage();
  app.get(`${INSPECTOR_ASSETS_PATH}/:file`, inspector.asset);
  app.use('/__mock', controlApi(context));

  const providers = providerRoutes(context);
  app.use(providers);

  /** What the startup banner and the inspector say of a provider: base URLs and default credentials. */
  const summaryOf = (runtime: ProviderRuntime) => ({
    name: runtime.name,
    title: runtime.title,
    baseUrls: runtime.baseUrls(publicUrl),
    credentials: runtime.plugin.describe?.(runtime.defaults(publicUrl), runtime.fixtureContext(publicUrl)) ?? [],
  });

  // The page needs the control token when one is set; a browser gives it once, through the form.
  app.get(
    '/',
    (req, res, next) => {
      if (!context.access.required) return next();
      try {
        context.access.check(req.headers);
      } catch {
        const { status, headers, body } = tokenPage();
        return void res.status(status).set(headers).send(body);
      }
      next();
    },
    inspector.page,
  );
  app.post('/', readBody({ limit: '4kb', charsets: 'utf-8' }), (req, res) => {
    const token = new URLSearchParams(typeof req.body === 'string' ? req.body : '').get('token') ?? '';
    if (!context.access.required) return void res.redirect(303, './');
    if (!context.access.matches(token)) {
      const { status, headers, body } = tokenPage("That is not this mock's control token.");
      return void res.status(status).set(headers).send(body);
    }
    res.set({ 'Set-Cookie': context.access.cookie(), 'Cache-Control': 'no-store' }).redirect(303, './');
  });

  app.use((req) => {
    const mounts = runtimes.flatMap((runtime) => runtime.mounts).join(', ');
    throw new MockError(
      404,
      'not_found',
      `No route ${req.method} ${req.path}. Providers are mounted at ${mounts}; the control API is at /__mock.`,
    );
  });
  app.use(errorHandler(context));

  const answerErrors = errorHandler(context);
  return {
    app,
    /**
     * The node request handler `startMockServer` listens with: a provider request goes straight to the
     * providers' routes (what the express app would hand it to after its own setup and router), anything
     * else to the express app. Both take the same path through the same code from there.
     */
    handle: (req, res) => {
      const request = req as Request;
      const response = res as Response;
      request.originalUrl = req.url ?? '/';
      request.res = response;
      response.req = request;
      response.locals = Object.create(null) as Record<string, unknown>;
      if (logRequests) logRequests(request, response, () => {});
      providers(request, response, (error?: unknown) => {
        if (error === undefined) app(req, res);
        else answerErrors(error, request, response, () => {});
      });
    },
    providers: runtimes,
    sessions,
    journal: context.journal,
    store,
    access: { tokenRequired: context.access.required, cors: options.cors ?? true },
    reset: (session) => sessions.reset(session),
    // A store the caller passed in is the caller's to close.
    close: () => (store === options.store ? Promise.resolve() : store.close()),
    releaseHeld: () => {
      stop.abort();
      for (const res of context.held) res.socket?.destroy();
    },
    publicUrl: () => publicUrl,
    setPublicUrl: (url) => {
      publicUrl = url.replace(/\/+$/, '');
      urlFor = urlBuilder(publicUrl);
    },
    ...(config ? { config: { ...(loaded?.file ? { file: loaded.file } : {}), settings: config.settings } } : {}),
    reconfigure: async (next) => {
      const reloaded =
        typeof next === 'string' ? await loadConfigFile(next) : isLoaded(next) ? next : await loadConfigObject(next);
      const applied = applyConfig(reloaded);
      const nextOptions = withConfig(given, applied);
      const nextTiming = timingOf(nextOptions);
      const nextPresets = checkedPresets(nextOptions.faults ?? [], runtimes, reloaded.file);
      // Latency applies live, like fixtures and options; the other settings need a restart.
      const restartNeeded = Object.keys({ ...config?.settings, ...applied.settings }).filter(
        (key) =>
          key !== 'latency' &&
          JSON.stringify(config?.settings[key as ServerSetting]) !==
            JSON.stringify(applied.settings[key as ServerSetting]),
      );
      const served = new Set(runtimes.map((runtime) => runtime.name));
      for (const plugin of applied.plugins)
        if (!served.has(plugin.name)) restartNeeded.push(`providers.${plugin.name}`);
      const switches = await Promise.all(
        runtimes.flatMap((runtime) => {
          const plugin = applied.plugins.find((candidate) => candidate.name === runtime.name);
          if (!plugin) restartNeeded.push(`providers.${runtime.name}.enabled`);
          return plugin ? [runtime.prepareReconfigure(plugin)] : [];
        }),
      );
      for (const switchOver of switches) switchOver();
      config = applied;
      timing = nextTiming;
      presetFaults = nextPresets;
      return { restartNeeded };
    },
    describe: () => runtimes.map(summaryOf),
    errorAnswer: (path, error) => {
      const runtime = runtimes
        .flatMap((candidate) => candidate.mounts.map((mount) => ({ mount, candidate })))
        .sort((a, b) => b.mount.length - a.mount.length)
        .find(({ mount }) => path === mount || path.startsWith(`${mount}/`))?.candidate;
      return renderError(context, error, { ...(runtime ? { runtime } : {}), fromHandler: false });
    },
  };
}

/** The options as the server runs with them: the config's, overridden by what the caller passed. */
function withConfig(given: MockServerOptions, config: AppliedConfig | undefined): MockServerOptions {
  // An option given as undefined leaves the file's.
  return {
    ...(config?.settings as MockServerOptions | undefined),
    ...(config?.faults.length ? { faults: config.faults } : {}),
    ...Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)),
    providerLatency: { ...config?.providerLatency, ...given.providerLatency },
  };
}

/** The delays every answer waits, read (and checked) from the options. */
function timingOf(options: MockServerOptions): { latency?: Delay; providerLatency: Record<string, Delay> } {
  return {
    ...(options.latency !== undefined ? { latency: toDelay(options.latency) } : {}),
    providerLatency: Object.fromEntries(
      Object.entries(options.providerLatency ?? {}).map(([name, delay]) => [name, toDelay(delay)]),
    ),
  };
}

function isLoaded(value: ConfigData | LoadedConfig): value is LoadedConfig {
  return 'allPlugins' in value && Array.isArray((value as LoadedConfig).allPlugins);
}

/** Preset fault rules (options or the config file's `faults`), checked against the providers served. */
function checkedPresets(rules: FaultRuleInput[], runtimes: ProviderRuntime[], file: string | undefined) {
  const providers = runtimes.map((runtime) => ({
    name: runtime.name,
    operations: [...runtime.operations.keys()],
    pages: (runtime.plugin.pages ?? []).map((page) => page.name),
  }));
  const problems = rules.flatMap((rule, index) =>
    ruleProblems(rule, providers).map((issue) => ({
      ...(file ? { file } : {}),
      path: ['faults', index, ...issue.location.split('/').slice(2).filter(Boolean)],
      message: issue.message,
    })),
  );
  if (problems.length) throw new ConfigError(problems);
  return rules;
}

/**
 * Reports entries a session's state evicted to make room (its tables are full): at most one log line
 * per session and provider per minute, however busy, with the count since the last line.
 */
function evictionLog(log: Logger, session: string, provider: string): (name: string, count: number) => void {
  let loggedAtMs = -Infinity;
  let unreported = 0;
  return (name, count) => {
    unreported += count;
    const now = Date.now();
    if (now - loggedAtMs < 60_000) return;
    log('warn', 'session state full: oldest entries evicted', { session, provider, what: name, evicted: unreported });
    loggedAtMs = now;
    unreported = 0;
  };
}
