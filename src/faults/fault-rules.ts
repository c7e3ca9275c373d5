/**
 * Fault rules: what `POST /__mock/faults` adds to a session, so the partner misbehaves on demand (a 503
 * on sign-in, a token endpoint that hangs, a reset mid-refresh, a 429 with Retry-After). A session's rules
 * live in the state store with the rest of the session and die with it (a reset clears them); they are
 * checked in the order they were added, and the first one that applies to a request answers it (apply-faults.ts).
 */
import { randomUUID } from 'node:crypto';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { ValidationIssue } from '../errors.ts';
import type { JsonSchema } from '../spec/openapi-types.ts';
import type { StoreTable, TableOptions } from '../state/store/store.ts';

export type Delay = number | { min: number; max: number };

/** The longest delay a rule or a latency may ask for: ten minutes. */
export const MAX_DELAY_MS = 600_000;

export const FAULT_ACTIONS = ['reset', 'hang', 'malformed', 'empty'] as const;
export type FaultAction = (typeof FAULT_ACTIONS)[number];

/** A rule as the control API takes it. */
export interface FaultRuleInput {
  provider: string;
  /** What it applies to; neither: every operation and page of the provider. */
  operationId?: string;
  page?: string;
  /** Narrows it: each of the names must have exactly this value in the request. */
  match?: {
    query?: Record<string, unknown>;
    body?: Record<string, unknown>;
    headers?: Record<string, string>;
  };
  /** Answer this status, in the provider's own error shape unless `body` is given. */
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Delay the answer (alone: the real answer, late). */
  delayMs?: Delay;
  action?: FaultAction;
  /** How many times it applies (default: every time). */
  times?: number;
  /** Let this many matching requests through first. */
  after?: number;
  /** The chance (0–1) it applies to a matching request, drawn from the session's seeded generator. */
  probability?: number;
}

/** A rule in a session: the input, its id, and what has happened with it. */
export interface FaultRule extends FaultRuleInput {
  id: string;
  /** Requests it answered. */
  hits: number;
  /** Matching requests seen, including those let through by `after`. */
  seen: number;
}

const delaySchema: JsonSchema = {
  anyOf: [
    { type: 'integer', minimum: 0, maximum: 600_000 },
    {
      type: 'object',
      required: ['min', 'max'],
      additionalProperties: false,
      properties: { min: { type: 'integer', minimum: 0 }, max: { type: 'integer', minimum: 0, maximum: 600_000 } },
    },
  ],
};

/** Headers that decide how the answer is framed on the connection: a rule may not set them. */
const FRAMING_HEADERS: ReadonlySet<string> = new Set(['content-length', 'transfer-encoding', 'connection', 'upgrade']);

const valuesSchema: JsonSchema = { type: 'object', additionalProperties: true };

/** The JSON Schema of a rule; the control API compiles it once, and the config file reuses it. */
export const FAULT_RULE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['provider'],
  additionalProperties: false,
  properties: {
    provider: { type: 'string', minLength: 1 },
    operationId: { type: 'string', minLength: 1 },
    page: { type: 'string', minLength: 1 },
    match: {
      type: 'object',
      additionalProperties: false,
      properties: {
        query: valuesSchema,
        body: valuesSchema,
        headers: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
    // No 1xx: an informational status is not an answer, and node would leave the client hanging on it.
    status: { type: 'integer', minimum: 200, maximum: 599 },
    body: {},
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    delayMs: delaySchema,
    action: { enum: [...FAULT_ACTIONS] },
    times: { type: 'integer', minimum: 1 },
    after: { type: 'integer', minimum: 0 },
    probability: { type: 'number', minimum: 0, maximum: 1 },
  },
};

/** What the schema cannot say about a rule: what it names, and whether its parts go together. */
export function ruleProblems(
  rule: FaultRuleInput,
  providers: { name: string; operations: string[]; pages: string[] }[],
): ValidationIssue[] {
  const provider = providers.find((candidate) => candidate.name === rule.provider);
  if (!provider) {
    const names = providers.map((candidate) => candidate.name).join(', ');
    return [{ location: '/body/provider', message: `is not a provider here; providers: ${names}` }];
  }
  const problems: ValidationIssue[] = [];
  if (rule.operationId !== undefined && !provider.operations.includes(rule.operationId)) {
    problems.push({
      location: '/body/operationId',
      message: `is not an operation of ${provider.name}; operationIds: ${provider.operations.join(', ')}`,
    });
  }
  if (rule.page !== undefined && !provider.pages.includes(rule.page)) {
    problems.push({
      location: '/body/page',
      message: `is not a page of ${provider.name}; pages: ${provider.pages.join(', ') || 'none'}`,
    });
  }
  if (rule.operationId !== undefined && rule.page !== undefined) {
    problems.push({ location: '/body/page', message: 'a rule names an operationId or a page, not both' });
  }
  if (rule.action !== undefined && (rule.status !== undefined || rule.body !== undefined)) {
    problems.push({
      location: '/body/action',
      message: `${rule.action} is its own answer: it does not go with status or body`,
    });
  }
  if (rule.action === undefined && rule.status === undefined && rule.body === undefined && rule.delayMs === undefined) {
    problems.push({ location: '/body', message: 'a rule must do something: give status, body, delayMs or action' });
  }
  if (typeof rule.delayMs === 'object' && rule.delayMs.min > rule.delayMs.max) {
    problems.push({ location: '/body/delayMs', message: 'min must not be greater than max' });
  }
  for (const [name, value] of Object.entries(rule.headers ?? {})) {
    const location = `/body/headers/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    try {
      validateHeaderName(name);
      validateHeaderValue(name, value);
    } catch {
      problems.push({
        location,
        message: 'is not a valid HTTP header name and value (no spaces in names, no line breaks)',
      });
      continue;
    }
    if (FRAMING_HEADERS.has(name.toLowerCase())) {
      problems.push({ location, message: 'frames the answer, which the mock does itself: it cannot be set' });
    }
  }
  return problems;
}

/** Rules a session may hold at once: more is a mistake in the test, refused rather than evicted. */
export const MAX_RULES = 100;

/** The session's rules as the state store keeps them: `hits` and `seen` are counters every replica adds to. */
export function faultTableOptions(): TableOptions<FaultRule> {
  return { name: 'fault rules', capacity: MAX_RULES * 2, expiresAtMs: () => Infinity, counters: ['hits', 'seen'] };
}

/**
 * A session's rules, in the state store (so a rule added on one replica answers on all, and `times` counts
 * across them), and the generator `probability` and delay ranges draw from (per process: replicas draw
 * independently).
 */
export class SessionFaults {
  #state: number;

  /** `seed`: the server's seed and the session id, so a run with the same rules draws the same. */
  constructor(
    seed: number,
    sessionId: string,
    /** The store counts its records for every request's meta: a request knows for free whether to look. */
    private readonly table: StoreTable<FaultRule>,
  ) {
    let hash = seed >>> 0;
    for (const character of sessionId) hash = Math.imul(hash ^ character.charCodeAt(0), 0x9e3779b1) >>> 0;
    this.#state = hash;
  }

  /** The rules in the order they were added, with their counts. */
  async rules(): Promise<FaultRule[]> {
    return (await this.table.values()).map((rule) => ({ ...rule, hits: rule.hits ?? 0, seen: rule.seen ?? 0 }));
  }

  async add(input: FaultRuleInput): Promise<FaultRule> {
    const rule: FaultRule = { ...structuredClone(input), id: randomUUID(), hits: 0, seen: 0 };
    await this.table.add(rule.id, rule);
    return rule;
  }

  remove(id: string): Promise<boolean> {
    return this.table.delete(id);
  }

  async clear(): Promise<void> {
    await Promise.all((await this.table.values()).map((rule) => this.table.delete(rule.id)));
  }

  /** Counts one more request the rule saw; the new count (undefined: the rule was removed meanwhile). */
  seen(rule: FaultRule): Promise<number | undefined> {
    return this.table.count(rule.id, 'seen', 1);
  }

  /**
   * Takes one of the rule's `times` (every time, without): whether it applies now. Counted in the store, so
   * of concurrent requests on any replica only `times` get it.
   */
  async take(rule: FaultRule): Promise<boolean> {
    const hits = await this.table.count(rule.id, 'hits', 1);
    if (hits === undefined) return false;
    if (rule.times !== undefined && hits > rule.times) {
      await this.table.count(rule.id, 'hits', -1);
      return false;
    }
    return true;
  }

  /** mulberry32: small, fast and good enough to decide a coin toss reproducibly. */
  random(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A delay's milliseconds, drawn from this session's generator. */
  delayOf(delay: Delay): number {
    return drawDelay(delay, () => this.random());
  }
}

/** A delay's milliseconds: fixed, or drawn between min and max (inclusive). */
export function drawDelay(delay: Delay, random: () => number): number {
  return typeof delay === 'number' ? delay : delay.min + Math.floor(random() * (delay.max - delay.min + 1));
}

/**
 * A delay as the config file, a flag or an option may write it (milliseconds, `"min-max"`, `{ min, max }`),
 * as the server uses it; a range whose min exceeds its max is refused.
 */
export function toDelay(value: Delay | string): Delay {
  const range = typeof value === 'string' ? /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(value) : undefined;
  const delay: unknown = range ? { min: Number(range[1]), max: Number(range[2]) } : value;
  const valid = (ms: unknown) => Number.isInteger(ms) && (ms as number) >= 0 && (ms as number) <= MAX_DELAY_MS;
  if (typeof delay === 'number' && valid(delay)) return delay;
  if (
    delay &&
    typeof delay === 'object' &&
    valid((delay as Delay & object).min) &&
    valid((delay as Delay & object).max)
  ) {
    const { min, max } = delay as { min: number; max: number };
    if (min > max) throw new RangeError(`A latency range's min (${min}) must not exceed its max (${max}).`);
    return { min, max };
  }
  throw new RangeError(
    `A latency is milliseconds (0 to ${MAX_DELAY_MS}), "min-max" or { min, max }, not ${JSON.stringify(value)}.`,
  );
}
