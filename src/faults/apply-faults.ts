/**
 * The pipelines' first step on a provider route: latency and the session's fault rules. With neither (the
 * usual case) it is a synchronous check that creates nothing (`hasFaultWork`). Otherwise it waits the
 * latency, finds the first rule that applies (fault-rules.ts) and answers as the rule says — before any of
 * the provider's code runs, so a faulted request changes no state (no code consumed, no token rotated); a
 * rule with only `delayMs` lets the real answer through, late.
 */
import { STATUS_CODES } from 'node:http';
import type { Request, Response } from 'express';
import { MockError } from '../errors.ts';
import { parseBody, parsePageBody } from '../http/parse-body.ts';
import { NO_STORE } from '../http/respond.ts';
import { rawQuery, queryObject } from '../http/request-parts.ts';
import type { MockResponse } from '../plugin.ts';
import type { AppContext } from '../server/app-context.ts';
import { sendAnswer, sendError, type AnswerSite } from '../server/answer.ts';
import type { ProviderRuntime } from '../server/provider-runtime.ts';
import { notesOf } from '../server/request-notes.ts';
import { journalAnswer } from '../server/request-log.ts';
import { sessionOf } from '../server/plugin-context.ts';
import type { SessionMeta } from '../state/store/store.ts';
import { drawDelay, type FaultRule, type SessionFaults } from './fault-rules.ts';

/** The longest a `hang` holds a connection; the client usually gives up first. */
const HANG_MS = 5 * 60_000;

export interface FaultTarget {
  operationId?: string;
  page?: string;
}

/**
 * Whether this step has anything to do for the request: latency, or rules in its session (whose count
 * came with the session's clock when the request opened it). Synchronous, so the usual request (neither)
 * does not wait a turn for the step.
 */
export function hasFaultWork(app: AppContext, runtime: ProviderRuntime, meta: SessionMeta): boolean {
  return app.latency(runtime.name) !== undefined || app.sessions.mayHaveFaults(meta);
}

/** True when a rule answered the request (or holds it): the pipeline must not run. */
export async function applyFaults(
  app: AppContext,
  runtime: ProviderRuntime,
  target: FaultTarget,
  meta: SessionMeta,
  req: Request,
  res: Response,
): Promise<boolean> {
  const latency = app.latency(runtime.name);
  // Only a session that has rules (or starts with preset ones) is opened: looking makes no session.
  const opened = app.sessions.mayHaveFaults(meta)
    ? await app.sessions.open(sessionOf(req, res), undefined, meta)
    : undefined;
  const faults = opened && opened.faultRules > 0 ? app.sessions.faults(opened.session) : undefined;
  if (latency !== undefined) {
    await sleep(drawDelay(latency, faults ? () => faults.random() : Math.random), app.stopping);
    // Given up during the wait (or the server is stopping): nothing runs, as after a rule's delay.
    if (gone(app, req, res)) return true;
  }
  const site: AnswerSite = {
    runtime,
    ...(target.operationId ? { operation: runtime.compiled(target.operationId) } : {}),
    ...(target.page ? { page: target.page } : {}),
    query: queryObject(rawQuery(req)),
    fromHandler: false,
    fault: true,
  };
  const rule = faults && (await ruleFor(faults, runtime.name, target, req, site));
  if (!rule || !faults) return false;
  notesOf(res).fault = rule.id;
  if (rule.delayMs !== undefined) {
    await sleep(faults.delayOf(rule.delayMs), app.stopping);
    if (gone(app, req, res)) return true;
  }
  switch (rule.action) {
    case 'reset':
      journalAnswer(app.journal, req, res, 0);
      req.socket.destroy();
      return true;
    case 'hang':
      journalAnswer(app.journal, req, res, 0);
      hold(app, res);
      return true;
    case 'malformed':
    case 'empty': {
      const text = rule.action === 'empty' ? '' : cutInHalf(site, target);
      const headers = {
        // Half a token is still a token: no cache keeps it (the operation's `sensitive` no-store).
        ...(notesOf(res).sensitive ? NO_STORE : {}),
        ...rule.headers,
        'Content-Type': target.page ? 'text/html; charset=utf-8' : 'application/json',
      };
      journalAnswer(app.journal, req, res, 200, { status: 200, headers, body: text });
      res.writeHead(200, { ...headers, 'Content-Length': String(Buffer.byteLength(text)) });
      res.end(text);
      return true;
    }
    default:
  }
  if (rule.body !== undefined) {
    sendAnswer(app, res, customAnswer(rule), site);
    return true;
  }
  if (rule.status !== undefined) {
    sendError(app, res, faultError(rule, rule.status), site);
    return true;
  }
  return false; // only a delay: the real answer, late
}

/**
 * The first of the session's rules that applies to this request, counted. The counts live in the store,
 * so `after` and `times` count the requests of every replica.
 */
async function ruleFor(
  faults: SessionFaults,
  provider: string,
  target: FaultTarget,
  req: Request,
  site: AnswerSite,
): Promise<FaultRule | undefined> {
  for (const rule of await faults.rules()) {
    if (rule.provider !== provider) continue;
    if (rule.operationId !== undefined && rule.operationId !== target.operationId) continue;
    if (rule.page !== undefined && rule.page !== target.page) continue;
    if (rule.times !== undefined && rule.hits >= rule.times) continue;
    if (rule.match && !matches(rule.match, req, site)) continue;
    const seen = await faults.seen(rule);
    if (seen === undefined) continue; // removed meanwhile
    if (rule.after !== undefined && seen <= rule.after) continue;
    if (rule.probability !== undefined && faults.random() >= rule.probability) continue;
    if (!(await faults.take(rule))) continue;
    return rule;
  }
  return undefined;
}

/** Each name the rule lists has exactly that value in the request (bodies read as JSON or a form). */
function matches(match: NonNullable<FaultRule['match']>, req: Request, site: AnswerSite): boolean {
  if (match.headers) {
    for (const [name, value] of Object.entries(match.headers))
      if (req.headers[name.toLowerCase()] !== value) return false;
  }
  if (match.query) {
    const query = rawQuery(req);
    for (const [name, value] of Object.entries(match.query)) if (query.get(name) !== String(value)) return false;
  }
  if (match.body) {
    const body = bodyValues(req, site);
    if (!body) return false;
    for (const [name, value] of Object.entries(match.body)) {
      if (JSON.stringify(body[name]) !== JSON.stringify(value)) return false;
    }
  }
  return true;
}

/** The body as the operation (or page) reads it: JSON where it takes JSON whatever the Content-Type, else a form. */
function bodyValues(req: Request, site: AnswerSite): Record<string, unknown> | undefined {
  const text = typeof req.body === 'string' ? req.body : undefined;
  try {
    const validator = site.operation?.request;
    const value: unknown = validator
      ? parseBody(text, req.headers['content-type'], {
          declared: validator.bodyMediaTypes,
          required: false,
          jsonWithAnyContentType: validator.jsonWithAnyContentType,
        }).value
      : parsePageBody(text, req.headers['content-type']);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined; // a body the operation cannot read matches nothing
  }
}

/** The provider's own error for the rule's status, exposed (a fault's message is the point of it). */
function faultError(rule: FaultRule, status: number): MockError {
  const code =
    status === 503
      ? 'temporarily_unavailable'
      : status >= 500
        ? 'server_error'
        : (STATUS_CODES[status] ?? 'error').toLowerCase().replace(/[^a-z]+/g, '_');
  return new MockError(status, code, `${STATUS_CODES[status] ?? 'Error'} (partnermock fault rule ${rule.id}).`, {
    expose: true,
    ...(rule.headers ? { headers: rule.headers } : {}),
  });
}

function customAnswer(rule: FaultRule): MockResponse {
  return {
    status: rule.status ?? 200,
    contentType: typeof rule.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
    body: rule.body,
    ...(rule.headers ? { headers: rule.headers } : {}),
  };
}

/** What the real answer would start with, cut in the middle: a 200 a client cannot parse. */
function cutInHalf(site: AnswerSite, target: FaultTarget): string {
  let text = '<!doctype html>\n<html lang="en"><head><title>';
  if (target.operationId && site.operation) {
    const success = site.operation.operation.responses;
    const status = Object.keys(success).find((code) => code.startsWith('2'));
    const answer = site.operation.answers.answer(status ? { status: Number(status) } : {});
    text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? { partial: true });
  }
  return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
}

/** Never answers; the socket is closed after HANG_MS, when the client gives up, or when the server stops. */
function hold(app: AppContext, res: Response): void {
  const timer = setTimeout(() => res.socket?.destroy(), HANG_MS);
  timer.unref();
  app.held.add(res);
  res.once('close', () => {
    clearTimeout(timer);
    app.held.delete(res);
  });
}

/** Waits `ms`, or less if the server stops meanwhile; never keeps the process alive by itself. */
function sleep(ms: number, stopping: AbortSignal): Promise<void> {
  if (ms <= 0 || stopping.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stopping.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref();
    stopping.addEventListener('abort', done, { once: true });
  });
}

/** The client gave up, or the server is stopping: then the connection is closed, unanswered. */
function gone(app: AppContext, req: Request, res: Response): boolean {
  if (app.stopping.aborted) req.socket.destroy();
  return app.stopping.aborted || res.destroyed || res.writableEnded || req.socket.destroyed;
}
