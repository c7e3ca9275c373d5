/**
 * The control API at `/__mock` (README, "Control API"): health, providers, specs, reset, clock, journal and
 * fixture collections. JSON in and out; errors as `{ "error": { "code", "message", "details"? } }`.
 * `X-Mock-Session` scopes reset, clock, fixtures and journal to one session.
 */
import express, { type Request } from 'express';
import { MockError, describeIssues, toMockError } from '../errors.ts';
import type { ControlRoute, MockResponse } from '../plugin.ts';
import { parseJson } from '../http/parse-body.ts';
import { readBody } from '../http/read-body.ts';
import { NO_STORE, sendMockResponse } from '../http/respond.ts';
import { exchangeDetail } from '../inspector/exchange-detail.ts';
import { streamJournal } from '../inspector/event-stream.ts';
import { specForClients } from '../spec/spec-for-clients.ts';
import { DuplicateFixtureError } from '../state/fixture-store.ts';
import type { Clock } from '../state/clock.ts';
import { DEFAULT_SESSION, SESSION_HEADER, SessionRegistry } from '../state/sessions.ts';
import { toIssues } from '../validation/ajv.ts';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { FAULT_RULE_SCHEMA, MAX_RULES, ruleProblems, type FaultRuleInput } from '../faults/fault-rules.ts';
import type { AppContext } from '../server/app-context.ts';
import { pluginContext } from '../server/plugin-context.ts';
import { urlBuilder } from '../server/provider-runtime.ts';
import { notesOf } from '../server/request-notes.ts';

export function controlApi(deps: AppContext): express.Router {
  const router = express.Router();
  // Control answers list passwords, client secrets and issued tokens: no cache may keep one.
  router.use((req, res, next) => {
    notesOf(res).area = 'control';
    res.set(NO_STORE);
    // A preflight carries no credentials: answered (for a named origin) before the token is asked for.
    if (deps.cors.control(req, res)) return;
    // The health check stays open for load balancers (GET or HEAD, as express routes it: any case, a slash).
    if (!((req.method === 'GET' || req.method === 'HEAD') && /^\/health\/?$/i.test(req.path))) {
      try {
        deps.access.check(req.headers);
      } catch (refused) {
        // Refused before its body is read: the connection closes after the answer, so an unread body of any
        // size is not taken in on it.
        if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) {
          res.set('Connection', 'close');
        }
        // Journaled like a control switch, so a shared mock shows who knocked; the token is never recorded.
        deps.journal.record({
          atMs: Date.now(),
          session: journalSession(req),
          control: 'refused',
          method: req.method,
          path: `/__mock${req.path}`,
          status: 401,
          durationMs: 0,
        });
        throw refused;
      }
    }
    next();
  });
  router.use(readBody({ limit: deps.bodyLimit, charsets: 'utf-8' }), (req, _res, next) => {
    // Every control body is JSON, whatever its Content-Type says.
    req.body = typeof req.body === 'string' && req.body.trim() !== '' ? parseJson(req.body) : undefined;
    next();
  });
  const runtimeNamed = (name: string) => {
    const runtime = deps.runtimes.find((candidate) => candidate.name === name);
    if (!runtime)
      throw new MockError(
        404,
        'not_found',
        `No provider "${name}"; providers: ${deps.runtimes.map((r) => r.name).join(', ')}.`,
      );
    return runtime;
  };
  const sessionOf = (req: Request) => SessionRegistry.idFrom(req.headers[SESSION_HEADER]);
  const namesSession = (req: Request) => req.headers[SESSION_HEADER] !== undefined;
  /** The session a journal read keeps to: `?session=` (what a browser can send) or the header; none: all. */
  const sessionFilter = (req: Request): string | undefined =>
    typeof req.query.session === 'string' || namesSession(req)
      ? SessionRegistry.idFrom((req.query.session as string | undefined) ?? req.headers[SESSION_HEADER])
      : undefined;

  // Answers 503 while the state store is unreachable, so a load balancer's readiness check sends requests
  // to a replica only when it can serve them (README, "Run it for a team").
  router.get('/health', async (_req, res) => {
    const { store } = deps.sessions;
    const { reachable, error } = await store.health();
    res.status(reachable ? 200 : 503).json({
      status: reachable ? 'ok' : 'unavailable',
      providers: deps.runtimes.map((runtime) => runtime.name),
      store: { kind: store.kind, location: store.location, reachable, ...(error ? { error } : {}) },
    });
  });

  router.get('/providers', (_req, res) => {
    const publicUrl = deps.publicUrl();
    const urlFor = urlBuilder(publicUrl);
    res.json(
      deps.runtimes.map((runtime) => ({
        name: runtime.name,
        title: runtime.title,
        baseUrls: runtime.baseUrls(publicUrl),
        specUrl: `${publicUrl}/__mock/openapi/${runtime.name}.json`,
        operations: runtime.operationList(publicUrl),
        ...(runtime.plugin.flows ? { flows: runtime.plugin.flows } : {}),
        credentials: runtime.plugin.describe?.(runtime.defaults(publicUrl), runtime.fixtureContext(publicUrl)) ?? [],
        pages: (runtime.plugin.pages ?? []).map((page) => ({
          name: page.name,
          method: page.method,
          url: urlFor(page.mount, page.path),
        })),
        collections: Object.entries(runtime.plugin.collections ?? {}).map(([name, definition]) => ({
          name,
          idField: definition.idField,
          readOnly: definition.readOnly === true,
          url: `${publicUrl}/__mock/${runtime.name}/${name}`,
        })),
      })),
    );
  });

  router.get('/openapi/:file', async (req, res) => {
    const match = /^(.+)\.(json|yaml)$/.exec(req.params.file ?? '');
    if (!match) throw new MockError(404, 'not_found', 'Ask for /__mock/openapi/{provider}.json or .yaml.');
    const runtime = runtimeNamed(match[1]!);
    const spec = specForClients(runtime.spec.source, deps.publicUrl(), runtime.mounts);
    // The YAML writer is imported on demand: a start need not load it.
    if (match[2] === 'yaml') res.type('application/yaml').send((await import('yaml')).stringify(spec));
    else res.json(spec);
  });

  router.post('/reset', async (req, res) => {
    if (namesSession(req)) {
      const session = sessionOf(req);
      await deps.sessions.reset(session);
      res.json({ status: 'reset', session });
    } else {
      await deps.sessions.reset();
      res.json({ status: 'reset', session: 'all' });
    }
  });

  const clockState = (session: string, clock: Clock) => ({
    session,
    now: clock.now().toISOString(),
    offsetSeconds: clock.offsetSeconds,
  });
  router.get('/clock', async (req, res) => {
    const session = sessionOf(req);
    res.json(clockState(session, (await deps.sessions.open(session)).clock));
  });
  router.post('/clock', async (req, res) => {
    const seconds = (req.body as { advanceSeconds?: unknown } | undefined)?.advanceSeconds;
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
      throw new MockError(
        400,
        'invalid_request',
        'Send { "advanceSeconds": n } with a number n >= 0; the clock only moves forward.',
      );
    }
    const session = sessionOf(req);
    let clock: Clock;
    try {
      clock = await deps.sessions.advanceClock(session, seconds);
    } catch (error) {
      if (error instanceof RangeError) throw new MockError(400, 'invalid_request', error.message);
      throw error;
    }
    res.json(clockState(session, clock));
  });

  router.get('/journal', async (req, res) => {
    const limit = Number(req.query.limit ?? 100);
    const session = sessionFilter(req);
    res.json(
      await deps.journal.recent({
        ...(session !== undefined ? { session } : {}),
        ...(typeof req.query.provider === 'string' ? { provider: req.query.provider } : {}),
        limit: Number.isInteger(limit) && limit > 0 ? Math.min(limit, 1000) : 100,
      }),
    );
  });

  router.get('/journal/:id', async (req, res) => {
    const detail = await exchangeDetail(deps, req.params.id as string);
    if (!detail) {
      throw new MockError(
        404,
        'not_found',
        `No journal entry "${req.params.id}": unknown, or overwritten (the journal keeps the last entries only).`,
      );
    }
    res.json(detail);
  });

  // What the session holds (tokens, codes, links) per provider, for the inspector.
  router.get('/inspector/session', async (req, res) => {
    const session = SessionRegistry.idFrom((req.query.session as string | undefined) ?? req.headers[SESSION_HEADER]);
    // Looking makes no session: one that does not exist holds nothing.
    const meta = await deps.sessions.store.openSession(session);
    const now = new Date(Date.now() + meta.clockOffsetMs);
    const providers = await Promise.all(
      deps.runtimes.map(async (runtime) => {
        // Only providers the session has used (on any replica): looking creates no provider state either.
        const used = meta.seeded.has(runtime.name) && runtime.plugin.inspectSession;
        const items = used ? await runtime.plugin.inspectSession!(await pluginContext(runtime, deps, session)) : [];
        return [runtime.name, items] as const;
      }),
    );
    res.json({ session, now: now.toISOString(), providers: Object.fromEntries(providers) });
  });

  // The journal live, as Server-Sent Events (the inspector's list): one entry per event.
  router.get('/events', (req, res) => {
    const session = sessionFilter(req);
    streamJournal(deps, req, res, {
      ...(session !== undefined ? { session } : {}),
      ...(typeof req.query.provider === 'string' ? { provider: req.query.provider } : {}),
    });
  });

  // Fault rules (README, "Simulate failures"): per session, checked in the order added.
  let validateRule: ValidateFunction | undefined;
  const faultsOf = async (req: Request) => deps.sessions.faults((await deps.sessions.open(sessionOf(req))).session);
  router.get('/faults', async (req, res) => {
    res.json(await (await faultsOf(req)).rules());
  });
  router.post('/faults', async (req, res) => {
    // Compiled on first use, once per app.
    validateRule ??= new Ajv2020({ allErrors: true, strict: false }).compile(FAULT_RULE_SCHEMA);
    const rule = req.body as unknown;
    const issues = validateRule(rule) ? [] : toIssues(validateRule.errors, '/body');
    if (!issues.length) {
      const providers = deps.runtimes.map((runtime) => ({
        name: runtime.name,
        operations: [...runtime.operations.keys()],
        pages: (runtime.plugin.pages ?? []).map((page) => page.name),
      }));
      issues.push(...ruleProblems(rule as FaultRuleInput, providers));
    }
    if (issues.length) {
      throw new MockError(400, 'invalid_request', `Not a valid fault rule: ${describeIssues(issues)}.`, {
        details: issues,
      });
    }
    const { session, faultRules } = await deps.sessions.open(sessionOf(req));
    if (faultRules >= MAX_RULES) {
      throw new MockError(
        409,
        'conflict',
        `This session has ${faultRules} fault rules, the most it may hold; remove some first (DELETE /__mock/faults).`,
      );
    }
    res.status(201).json(await deps.sessions.faults(session).add(rule as FaultRuleInput));
  });
  router.delete('/faults', async (req, res) => {
    await (await faultsOf(req)).clear();
    res.status(204).end();
  });
  router.delete('/faults/:id', async (req, res) => {
    if (!(await (await faultsOf(req)).remove(req.params.id as string))) {
      throw new MockError(404, 'not_found', `This session has no fault rule "${req.params.id}".`);
    }
    res.status(204).end();
  });

  // Before the plugins' routes below, which would read "faults" as a provider's name.
  router.all(['/faults', '/faults/:id'], (req) => {
    const methods = req.path === '/faults' ? 'GET, POST, DELETE' : 'DELETE';
    throw new MockError(
      405,
      'method_not_allowed',
      `${req.method} is not allowed on /__mock${req.path}; use ${methods}.`,
      {
        headers: { Allow: methods },
      },
    );
  });

  // Each plugin control route's `body` schema, compiled on the route's first use (once per app).
  const bodyValidators = new WeakMap<ControlRoute, ValidateFunction>();
  const checkBody = (route: ControlRoute, body: unknown) => {
    if (!route.body) return;
    let validate = bodyValidators.get(route);
    if (!validate) {
      validate = new Ajv2020({ allErrors: true, strict: false }).compile(route.body);
      bodyValidators.set(route, validate);
    }
    if (validate(body ?? {})) return;
    const issues = toIssues(validate.errors, '/body');
    throw new MockError(400, 'invalid_request', `Not a valid body: ${describeIssues(issues)}.`, { details: issues });
  };

  // A plugin's own control routes (e.g. /__mock/b2copy/jwks.json, /__mock/just2trade/auto-login) come
  // before its collections. One that changes the session (POST, DELETE) is journaled under its name.
  router.all('/:provider/*rest', async (req, res, next) => {
    const runtime = runtimeNamed(req.params.provider as string);
    const segments = (req.params as { rest: string[] }).rest;
    const matches = (runtime.plugin.controlRoutes ?? []).flatMap((candidate) => {
      const params = matchPath(candidate.path, segments);
      return params ? [{ route: candidate, params }] : [];
    });
    const routes = matches.map((match) => match.route);
    if (!routes.length) return next();
    const { route, params } = matches.find((match) => match.route.method === req.method) ?? {};
    if (!route || !params) {
      const methods = routes.map((candidate) => candidate.method).join(', ');
      throw new MockError(
        405,
        'method_not_allowed',
        `${req.method} is not allowed on /__mock${req.path}; use ${methods}.`,
        {
          headers: { Allow: methods },
        },
      );
    }
    const session = sessionOf(req);
    const started = performance.now();
    // A switch or partner-side event (POST, DELETE) is journaled whatever came of it, a refusal included.
    const journal = (status: number) => {
      if (route.method === 'GET') return;
      deps.journal.record({
        atMs: Date.now(),
        session,
        provider: runtime.name,
        control: route.path.slice(1),
        method: req.method,
        path: `/__mock${req.path}`,
        status,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
      });
    };
    let answer: MockResponse;
    try {
      checkBody(route, req.body as unknown);
      answer = await route.handler({
        ...(await pluginContext(runtime, deps, session)),
        request: { method: req.method, params, body: req.body as unknown },
      });
    } catch (error) {
      journal(toMockError(error).status);
      throw error;
    }
    sendMockResponse(res, answer);
    journal(answer.status);
  });

  const collectionOf = async (req: Request) => {
    const runtime = runtimeNamed(req.params.provider as string);
    const name = req.params.collection as string;
    const definition = runtime.plugin.collections?.[name];
    if (!definition) {
      const names = Object.keys(runtime.plugin.collections ?? {});
      throw new MockError(
        404,
        'not_found',
        `${runtime.name} has no collection "${name}"; collections: ${names.join(', ') || 'none'}.`,
      );
    }
    const session = sessionOf(req);
    const fixtures = (await deps.sessions.provider(session, runtime.name)).fixtures;
    return { runtime, name, definition, fixtures };
  };

  router.get('/:provider/:collection', async (req, res) => {
    const { fixtures, name } = await collectionOf(req);
    res.json(await fixtures.list(name));
  });

  /** The collection a POST, PATCH or DELETE names, unless the mock fills it itself. */
  const writableCollectionOf = async (req: Request) => {
    const collection = await collectionOf(req);
    if (collection.definition.readOnly) {
      const { runtime, name } = collection;
      throw new MockError(
        405,
        'method_not_allowed',
        `${runtime.name}/${name} is read-only: the mock fills it itself.`,
        {
          headers: { Allow: 'GET' },
        },
      );
    }
    return collection;
  };

  /** An item as it will be stored, checked as its collection checks one (schema, then `check`), else a 400. */
  const checkedItem = (
    { runtime, name, definition }: Awaited<ReturnType<typeof collectionOf>>,
    item: unknown,
  ): Record<string, unknown> => {
    const validate = runtime.collectionValidator(name);
    const issues = validate(item) ? [] : toIssues(validate.errors, '/body');
    const trouble = issues.length ? undefined : definition.check?.(item as Record<string, unknown>);
    if (trouble) issues.push({ location: ['/body', ...trouble.path].join('/'), message: trouble.message });
    if (issues.length) {
      throw new MockError(
        400,
        'invalid_request',
        `Not a valid ${runtime.name} ${name} item: ${describeIssues(issues)}.`,
        {
          details: issues,
        },
      );
    }
    return item as Record<string, unknown>;
  };

  router.post('/:provider/:collection', async (req, res) => {
    const collection = await writableCollectionOf(req);
    const item = checkedItem(collection, req.body);
    const { name, fixtures } = collection;
    try {
      res.status(201).json(await fixtures.add(name, structuredClone(item)));
    } catch (error) {
      if (error instanceof DuplicateFixtureError) throw new MockError(409, 'conflict', error.message);
      throw error;
    }
  });

  // A partner-side change to one item (a user's two-factor turned on, a key disabled): the fields sent
  // replace the item's (JSON merge patch, RFC 7396: null removes a field); the result is checked as a POST.
  router.patch('/:provider/:collection/:id', async (req, res) => {
    const collection = await writableCollectionOf(req);
    const { runtime, name, definition, fixtures } = collection;
    const changes = req.body as unknown;
    if (changes === null || typeof changes !== 'object' || Array.isArray(changes)) {
      throw new MockError(400, 'invalid_request', 'Send the fields to change as a JSON object.');
    }
    const id = req.params.id as string;
    const current = await fixtures.get(name, id);
    if (!current) {
      throw new MockError(404, 'not_found', `${runtime.name}/${name} has no item "${id}".`, {
        details: [{ location: '/path/id', message: 'names no item of the collection' }],
      });
    }
    const merged: Record<string, unknown> = structuredClone(current);
    for (const [field, value] of Object.entries(changes)) {
      if (value === null) delete merged[field];
      else merged[field] = value;
    }
    if (String(merged[definition.idField]) !== String(current[definition.idField])) {
      throw new MockError(400, 'invalid_request', `${definition.idField} identifies the item and cannot change.`, {
        details: [{ location: `/body/${definition.idField}`, message: 'cannot change' }],
      });
    }
    const item = checkedItem(collection, merged);
    await fixtures.put(name, item);
    res.json(item);
  });

  router.get('/:provider/:collection/:id', async (req, res) => {
    const { runtime, name, fixtures } = await collectionOf(req);
    const item = await fixtures.get(name, req.params.id);
    if (!item) {
      throw new MockError(404, 'not_found', `${runtime.name}/${name} has no item "${req.params.id}".`, {
        // Where the miss is: a caller can tell "no such item" from "no such collection".
        details: [{ location: '/path/id', message: 'names no item of the collection' }],
      });
    }
    res.json(item);
  });

  router.delete('/:provider/:collection/:id', async (req, res) => {
    const { runtime, name, fixtures } = await writableCollectionOf(req);
    if (!(await fixtures.delete(name, req.params.id as string))) {
      throw new MockError(404, 'not_found', `${runtime.name}/${name} has no item "${req.params.id}".`);
    }
    res.status(204).end();
  });

  // A known path with another method: 405 with Allow, as on the provider mounts.
  const allowed: [string, string][] = [
    ['/health', 'GET'],
    ['/providers', 'GET'],
    ['/openapi/:file', 'GET'],
    ['/reset', 'POST'],
    ['/clock', 'GET, POST'],
    ['/journal', 'GET'],
    ['/:provider/:collection', 'GET, POST'],
    ['/:provider/:collection/:id', 'GET, PATCH, DELETE'],
  ];
  for (const [path, methods] of allowed) {
    router.all(path, (req) => {
      throw new MockError(
        405,
        'method_not_allowed',
        `${req.method} is not allowed on /__mock${req.path}; use ${methods}.`,
        { headers: { Allow: methods } },
      );
    });
  }
  router.use((req) => {
    throw new MockError(404, 'not_found', `No control route ${req.method} /__mock${req.path}.`);
  });
  return router;
}

/**
 * A plugin control route's parameters when its path (`/clients/:clientId/rotate-secret`) matches the
 * request's segments (already decoded by the router), else undefined.
 */
function matchPath(template: string, segments: string[]): Record<string, string> | undefined {
  const parts = template.split('/').slice(1);
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of parts.entries()) {
    const segment = segments[index]!;
    if (part.startsWith(':')) {
      if (segment === '') return undefined;
      params[part.slice(1)] = segment;
    } else if (part !== segment) return undefined;
  }
  return params;
}

/** The session a refused request named, if it is a valid id (a refusal must not fail on a bad one). */
function journalSession(req: Request): string {
  try {
    return SessionRegistry.idFrom(req.headers[SESSION_HEADER]);
  } catch {
    return DEFAULT_SESSION;
  }
}
