/**
 * Builds the whole mock as an express app (no port): every provider mounted, the control API, the
 * index page, request logging and the journal. `startMockServer` listens on it; tests drive it
 * with supertest.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { controlApi, controlErrorAnswer } from '../control/control-api.ts';
import { MockError, toMockError } from '../errors.ts';
import { jsonLineLogger, logUnexposed, silentLogger, type Logger } from '../logger.ts';
import type { AnyPlugin, MockResponse } from '../plugin.ts';
import { loadBuiltinPlugins, loadPluginModule } from '../plugins/load-plugins.ts';
import type { TimeSource } from '../state/clock.ts';
import { Journal } from '../state/journal.ts';
import { DEFAULT_SESSION, SessionRegistry } from '../state/sessions.ts';
import { renderIndexPage } from './index-page.ts';
import { notesOf, providerRouters, safeFormat, type RouterDependencies } from './provider-router.ts';
import { ProviderRuntime } from './provider-runtime.ts';

export interface MockServerOptions {
  /** Built-in providers to serve, by name (default: all of them). */
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
}

export interface MockApp {
  app: express.Express;
  providers: ProviderRuntime[];
  sessions: SessionRegistry;
  journal: Journal;
  /** Back to the fixtures: one session, or all of them. */
  reset(session?: string): void;
  publicUrl(): string;
  setPublicUrl(url: string): void;
  /**
   * The answer to an error at `path` outside express (a request node could not parse): in the shape of
   * the provider mounted there, else the control API's.
   */
  errorAnswer(path: string, error: MockError): MockResponse;
  /** Per provider: base URLs and default credentials, as the startup banner prints them. */
  describe(): { name: string; title: string; baseUrls: string[]; credentials: string[] }[];
}

export const DEFAULT_PORT = 4010;

export async function createMockApp(options: MockServerOptions = {}): Promise<MockApp> {
  const seed = options.seed ?? 1;
  const log: Logger = options.log === true ? jsonLineLogger() : options.log ? options.log : silentLogger;
  let publicUrl = (options.publicUrl ?? `http://localhost:${DEFAULT_PORT}`).replace(/\/+$/, '');

  const plugins = await resolvePlugins(options);
  const runtimes = await Promise.all(plugins.map((plugin) => ProviderRuntime.create(plugin, seed)));
  assertDistinct(runtimes);
  const byName = new Map(runtimes.map((runtime) => [runtime.name, runtime]));
  const sessions = new SessionRegistry(
    (provider) => () => byName.get(provider)!.createScope(publicUrl),
    options.timeSource,
    options.maxSessions,
    (session) =>
      log('warn', 'session evicted: more sessions than maxSessions, least recently used dropped', { session }),
  );
  const journal = new Journal(options.journalSize);
  const deps: RouterDependencies = {
    sessions,
    publicUrl: () => publicUrl,
    bodyLimit: options.bodyLimit ?? '1mb',
    validateResponses: options.validateResponses ?? true,
    log,
  };

  const app = express();
  app.disable('x-powered-by');
  // No ETag/304: a 304 is not an answer the specs declare, and it would skip response validation.
  app.set('etag', false);
  app.set('trust proxy', false);
  app.use(requestLog(log, journal));
  app.use('/__mock', controlApi({ ...deps, runtimes, journal }));

  // Longest mount first, so `/a/b` is not swallowed by a provider mounted at `/a`.
  const mounted = runtimes
    .flatMap((runtime) => [...providerRouters(runtime, deps)].map(([mount, router]) => ({ mount, router })))
    .sort((a, b) => b.mount.length - a.mount.length);
  for (const { mount, router } of mounted) app.use(mount, router);

  /** What the startup banner and the index page say of a provider: base URLs and default credentials. */
  const summaryOf = (runtime: ProviderRuntime) => ({
    name: runtime.name,
    title: runtime.title,
    baseUrls: runtime.baseUrls(publicUrl),
    credentials:
      runtime.plugin.describe?.(
        sessions.provider(DEFAULT_SESSION, runtime.name).fixtures,
        runtime.fixtureContext(publicUrl),
      ) ?? [],
  });

  app.get('/', (_req, res) => {
    const providers = runtimes.map((runtime) => ({
      ...summaryOf(runtime),
      specUrl: `/__mock/openapi/${runtime.name}.json`,
      operations: runtime.operationList(publicUrl),
    }));
    res.type('html').send(renderIndexPage(providers, journal.recent({ limit: 20 })));
  });

  app.use((req) => {
    throw new MockError(
      404,
      'not_found',
      `No route ${req.method} ${req.path}. Providers are mounted at ${runtimes.flatMap((r) => r.mounts).join(', ')}; the control API is at /__mock.`,
    );
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const mockError = toMockError(error);
    logUnexposed(log, mockError);
    res.status(mockError.status).json({
      error: {
        code: mockError.code,
        message: mockError.expose ? mockError.message : 'The mock server hit an unexpected error.',
      },
    });
  });

  return {
    app,
    providers: runtimes,
    sessions,
    journal,
    reset: (session) => sessions.reset(session),
    publicUrl: () => publicUrl,
    setPublicUrl: (url) => {
      publicUrl = url.replace(/\/+$/, '');
    },
    describe: () => runtimes.map(summaryOf),
    errorAnswer: (path, error) => {
      const owner = mounted.find(({ mount }) => path === mount || path.startsWith(`${mount}/`));
      const runtime = owner && runtimes.find((candidate) => candidate.mounts.includes(owner.mount));
      return runtime ? safeFormat(runtime, error, { query: {} }) : controlErrorAnswer(error);
    },
  };
}

async function resolvePlugins(options: MockServerOptions): Promise<AnyPlugin[]> {
  let builtins = await loadBuiltinPlugins();
  if (options.providers) {
    const unknown = options.providers.filter((name) => !builtins.some((plugin) => plugin.name === name));
    if (unknown.length) {
      throw new Error(
        `Unknown provider ${unknown.join(', ')}; built-in providers: ${builtins.map((plugin) => plugin.name).join(', ')}.`,
      );
    }
    builtins = builtins.filter((plugin) => options.providers!.includes(plugin.name));
  }
  const extra = await Promise.all(
    (options.plugins ?? []).map((plugin) => (typeof plugin === 'string' ? loadPluginModule(plugin) : plugin)),
  );
  // A plugin passed explicitly replaces the built-in of the same name: that is how a built-in is served
  // with other options (`plugins: [createXPlugin({ ... })]`).
  const replaced = new Set(extra.map((plugin) => plugin.name));
  return [...builtins.filter((plugin) => !replaced.has(plugin.name)), ...extra];
}

function assertDistinct(runtimes: ProviderRuntime[]): void {
  const names = new Set<string>();
  const mounts = new Map<string, string>();
  for (const runtime of runtimes) {
    if (names.has(runtime.name)) throw new Error(`Two plugins are named "${runtime.name}".`);
    names.add(runtime.name);
    for (const mount of runtime.mounts) {
      if (mount === '/' || mount === '/__mock' || mount.startsWith('/__mock/'))
        throw new Error(`${runtime.name}: mount ${mount} is reserved.`);
      const owner = mounts.get(mount);
      if (owner) throw new Error(`${runtime.name} and ${owner} both mount ${mount}.`);
      mounts.set(mount, runtime.name);
    }
  }
}

/** One structured log line per request, and a journal entry for each provider request. */
function requestLog(log: Logger, journal: Journal) {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const notes = notesOf(res);
      const path = req.originalUrl.split('?')[0] ?? req.originalUrl;
      log('info', 'request', {
        method: req.method,
        path,
        status: res.statusCode,
        ms: Math.round(durationMs * 10) / 10,
        ...(notes.provider ? { provider: notes.provider } : {}),
        ...(notes.operationId ? { operationId: notes.operationId } : {}),
        ...(notes.page ? { page: notes.page } : {}),
        ...(notes.session ? { session: notes.session } : {}),
      });
      if (!notes.provider) return;
      journal.record({
        time: new Date().toISOString(),
        session: notes.session ?? DEFAULT_SESSION,
        provider: notes.provider,
        ...(notes.operationId ? { operationId: notes.operationId } : {}),
        ...(notes.page ? { page: notes.page } : {}),
        method: req.method,
        path,
        status: res.statusCode,
        durationMs: Math.round(durationMs * 100) / 100,
        ...(notes.issues?.length ? { validationErrors: notes.issues } : {}),
      });
    });
    next();
  };
}
