/**
 * `npm run bench`: how fast the mock answers on this machine, against stated targets. Performance
 * targets live here, never in timed unit tests. Loopback only; each scenario is bounded in time.
 *
 *   BENCH_SECONDS=5 npm run bench
 */
import autocannon from 'autocannon';
import { startMockServer } from '../../src/index.ts';

interface Scenario {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Requests per second this scenario must sustain (2 cores, validated request and response). */
  minRequestsPerSecond: number;
  /** 99th percentile latency ceiling in ms. */
  maxP99Ms: number;
}

const scenarios: Scenario[] = [
  {
    name: 'B2COPY signIn (JSON body validated, answer validated)',
    method: 'POST',
    path: '/b2copy/api/v2/signin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'username@example.com', password: 'Secret123' }),
    minRequestsPerSecond: 1500,
    maxP99Ms: 50,
  },
  {
    name: 'Keeta getAuthorizationUrl (query validated)',
    method: 'GET',
    path: '/keeta/oauth/authorization/url?clientId=keeta-demo',
    minRequestsPerSecond: 1500,
    maxP99Ms: 50,
  },
  {
    name: 'Just2Trade requestToken (form body)',
    method: 'POST',
    path: '/just2trade/auth/connect/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=authorization_code&code=abc&client_id=crm-demo',
    minRequestsPerSecond: 1500,
    maxP99Ms: 50,
  },
  {
    name: 'bad input: broken JSON answered 400 in the provider shape',
    method: 'POST',
    path: '/b2copy/api/v2/signin',
    headers: { 'content-type': 'application/json' },
    body: '{"email":',
    minRequestsPerSecond: 1500,
    maxP99Ms: 50,
  },
];

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const started = performance.now();
const server = await startMockServer({ port: 0, host: '127.0.0.1' });
console.log(`startup (3 specs loaded, validators compiled): ${(performance.now() - started).toFixed(0)} ms`);

let failures = 0;
try {
  for (const scenario of scenarios) {
    const result = await autocannon({
      url: `http://127.0.0.1:${server.port}${scenario.path}`,
      method: scenario.method,
      headers: scenario.headers ?? {},
      ...(scenario.body ? { body: scenario.body } : {}),
      connections: 10,
      duration: seconds,
    });
    const rps = result.requests.average;
    const p99 = result.latency.p99;
    const errors = result.errors + result.timeouts + result['5xx'];
    const ok = rps >= scenario.minRequestsPerSecond && p99 <= scenario.maxP99Ms && errors === 0;
    if (!ok) failures += 1;
    console.log(
      `${ok ? 'ok  ' : 'SLOW'} ${scenario.name}: ${rps.toFixed(0)} req/s (target ≥ ${scenario.minRequestsPerSecond}), p99 ${p99} ms (target ≤ ${scenario.maxP99Ms}), ${errors} errors/5xx`,
    );
  }
} finally {
  await server.close();
}
process.exit(failures ? 1 : 0);
