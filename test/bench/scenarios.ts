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
    // Each sign-in signs two RS256 JWTs (~0.45 ms each on one core), so ~1000/s is the ceiling.
    minRequestsPerSecond: 500,
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
    name: 'Just2Trade requestToken with a code never issued (form body, invalid_grant)',
    method: 'POST',
    path: '/just2trade/auth/connect/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=authorization_code&code=abc&client_id=crm-demo',
    minRequestsPerSecond: 1500,
    maxP99Ms: 50,
  },
  {
    name: 'Just2Trade getProfile with a live token (renewed on each use)',
    method: 'GET',
    path: '/just2trade/api/auth',
    headers: { authorization: 'Bearer <set after the login flow below>' },
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

// A real access token for the profile scenario: the authorization code flow, as a browser would do it.
const profile = scenarios.find((scenario) => scenario.path === '/just2trade/api/auth')!;
profile.headers = { authorization: `Bearer ${await just2tradeAccessToken(`http://127.0.0.1:${server.port}`)}` };

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

async function just2tradeAccessToken(base: string): Promise<string> {
  const [client] = (await (await fetch(`${base}/__mock/just2trade/clients`)).json()) as { clientId: string; clientSecret: string; redirectUris: string[] }[];
  const query = new URLSearchParams({ response_type: 'code', client_id: client!.clientId, client_secret: client!.clientSecret, redirect_uri: client!.redirectUris[0]! });
  const page = await fetch(`${base}/just2trade/auth/connect/authorize?${query}`);
  const hidden = Object.fromEntries([...(await page.text()).matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((match) => [match[1]!, match[2]!]));
  const login = await fetch(`${base}/just2trade/auth/connect/authorize/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: page.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ') },
    body: new URLSearchParams({ ...hidden, login: 'login', password: 'password' }),
  });
  const code = new URL(login.headers.get('location')!).searchParams.get('code')!;
  const token = await fetch(`${base}/just2trade/auth/connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, client_id: client!.clientId }),
  });
  return ((await token.json()) as { access_token: string }).access_token;
}
