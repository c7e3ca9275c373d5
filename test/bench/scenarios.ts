/**
 * The throughput scenarios of `npm run bench`: each scenario is run with autocannon at 50 connections
 * against partnermock and against its bare-stack bound (bounds/app.ts), after a warm-up of both, in two
 * rounds of half the time each in the order A B B A (A alternating between the servers from scenario to
 * scenario), so that a change in the machine's load during a scenario weighs on both servers alike.
 * Loopback only; each run is bounded by its duration.
 */
import autocannon from 'autocannon';

export const CONNECTIONS = 50;

export interface Target {
  name: 'partnermock' | 'bound';
  port: number;
  /** The live Just2Trade access token this server accepts. */
  just2tradeToken: string;
}

export interface Scenario {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  headers?: (target: Target) => Record<string, string>;
  body?: string;
  /** Signs JWTs: no p99 ceiling (the targets set one for every non-signing operation). */
  signing: boolean;
  /** Run once against partnermock before its first run (the bound has no control API). */
  prepare?: (port: number) => Promise<void>;
}

export const scenarios: Scenario[] = [
  {
    name: 'B2COPY sign-in (2 RS256 JWTs)',
    method: 'POST',
    path: '/b2copy/api/v2/signin',
    headers: () => ({ 'content-type': 'application/json' }),
    body: JSON.stringify({ email: 'username@example.com', password: 'Secret123' }),
    signing: true,
  },
  {
    name: 'Keeta getAuthorizationUrl',
    method: 'GET',
    path: `/keeta/oauth/authorization/url?${new URLSearchParams({ clientId: 'keeta-demo', redirectUri: 'https://crm.example.com/keeta/callback', state: 'af0ifjsldkj' })}`,
    signing: false,
  },
  {
    // The same request, while other sessions hold fault rules: a session without rules pays nothing for them.
    name: 'Keeta getAuthorizationUrl, rules in other sessions',
    method: 'GET',
    path: `/keeta/oauth/authorization/url?${new URLSearchParams({ clientId: 'keeta-demo', redirectUri: 'https://crm.example.com/keeta/callback', state: 'af0ifjsldkj' })}`,
    signing: false,
    prepare: async (port) => {
      for (const session of ['faulted-1', 'faulted-2']) {
        const response = await fetch(`http://127.0.0.1:${port}/__mock/faults`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-mock-session': session },
          body: JSON.stringify({ provider: 'keeta', operationId: 'getAuthorizationUrl', status: 503 }),
          signal: AbortSignal.timeout(10_000),
        });
        if (response.status !== 201) throw new Error(`adding a fault rule answered ${response.status}`);
      }
    },
  },
  {
    name: 'Just2Trade GET /auth (profile, live token)',
    method: 'GET',
    path: '/just2trade/api/auth',
    headers: (target) => ({ authorization: `Bearer ${target.just2tradeToken}` }),
    signing: false,
  },
];

export interface Run {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  /** ms */
  p50: number;
  /** ms */
  p99: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
}

export async function run(scenario: Scenario, target: Target, seconds: number): Promise<Run> {
  const result = await autocannon({
    url: `http://127.0.0.1:${target.port}${scenario.path}`,
    method: scenario.method,
    headers: scenario.headers?.(target) ?? {},
    ...(scenario.body ? { body: scenario.body } : {}),
    connections: CONNECTIONS,
    duration: seconds,
    timeout: 10,
  });
  return {
    requests: result.requests.total,
    seconds: result.duration,
    requestsPerSecond: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

export interface Comparison {
  scenario: Scenario;
  partnermock: Run;
  bound: Run;
}

/** Warm-up (not counted), then each scenario on both servers for `seconds` each, A B B A. */
export async function compare(
  partnermock: Target,
  bound: Target,
  seconds: number,
  warmUpSeconds: number,
): Promise<Comparison[]> {
  for (const scenario of scenarios) {
    await scenario.prepare?.(partnermock.port);
    await run(scenario, partnermock, warmUpSeconds);
    await run(scenario, bound, warmUpSeconds);
  }
  const comparisons: Comparison[] = [];
  for (const [index, scenario] of scenarios.entries()) {
    const [a, b] = index % 2 === 0 ? [partnermock, bound] : [bound, partnermock];
    const runs: Record<Target['name'], Run[]> = { partnermock: [], bound: [] };
    for (const target of [a, b, b, a]) runs[target.name].push(await run(scenario, target, seconds / 2));
    comparisons.push({ scenario, partnermock: combine(runs.partnermock), bound: combine(runs.bound) });
  }
  return comparisons;
}

/**
 * Two rounds as one: requests over time, p50 weighted by requests, p99 the worse round's (autocannon gives
 * no histogram to merge).
 */
function combine(rounds: Run[]): Run {
  const requests = rounds.reduce((sum, round) => sum + round.requests, 0);
  const seconds = rounds.reduce((sum, round) => sum + round.seconds, 0);
  return {
    requests,
    seconds,
    requestsPerSecond: requests / seconds,
    p50: requests ? rounds.reduce((sum, round) => sum + round.p50 * round.requests, 0) / requests : Number.NaN,
    p99: Math.max(...rounds.map((round) => round.p99)),
    non2xx: rounds.reduce((sum, round) => sum + round.non2xx, 0),
    errors: rounds.reduce((sum, round) => sum + round.errors, 0),
  };
}
