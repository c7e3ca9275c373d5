/**
 * The state store rows of `npm run bench`: the same partnermock, once with the in-memory store and once
 * with Redis (Debian's redis-server, started here on a free loopback port and stopped by PID), doing the
 * same work in the same run: B2COPY sign-in (autocannon at c50) and the whole Just2Trade flow (authorize →
 * login form → code → token → profile, by concurrent workers). Each pair runs in the order A B B A, half the
 * time each, so a change in the machine's load weighs on both alike.
 */
import { startRedis } from '../support/redis.ts';
import { start, stop, waitForOutput, type Child } from './children.ts';
import { Flows } from './flows.ts';
import { run, scenarios, type Target } from './scenarios.ts';
import { phase } from './soak.ts';

/**
 * Concurrent Just2Trade flows: enough to keep the machine busy with either store, so the row compares the
 * work each store costs rather than the wait of a few flows (with few workers, each flow's extra round trips
 * to Redis would be measured as idle time).
 */
const FLOW_WORKERS = 48;
const BANNER_TIMEOUT_MS = 30_000;

export interface StoreRow {
  name: string;
  unit: 'req/s' | 'flows/s';
  memory: number;
  redis: number;
  /** Requests answered with anything but 2xx, errors, timeouts or failed flows, both stores. */
  failures: number;
  firstFailure?: string;
}

export async function compareStores(cli: string, cwd: string, seconds: number, warmUpSeconds: number) {
  const redis = await startRedis();
  const servers: Child[] = [];
  try {
    const serve = async (args: string[]): Promise<number> => {
      const child = start(process.execPath, [cli, '--port', '0', '--quiet', ...args], { cwd });
      servers.push(child);
      const [, port] = await waitForOutput(child, /partnermock listening on http:\/\/[^:\s]+:(\d+)/, BANNER_TIMEOUT_MS);
      return Number(port);
    };
    const memoryPort = await serve([]);
    const redisPort = await serve(['--store', redis.url, '--store-prefix', 'bench:']);
    const signIn = scenarios.find((scenario) => scenario.name.startsWith('B2COPY sign-in'))!;
    const target = (port: number): Target => ({ name: 'partnermock', port, just2tradeToken: '' });

    const rows: StoreRow[] = [];
    // A B B A, half the time each; the first of each pair warms up unmeasured.
    const pairs = async (
      measure: (port: number, seconds: number) => Promise<{ rate: number; failures: number; firstFailure?: string }>,
    ) => {
      await measure(memoryPort, warmUpSeconds);
      await measure(redisPort, warmUpSeconds);
      const results = {
        memory: [] as number[],
        redis: [] as number[],
        failures: 0,
        firstFailure: undefined as string | undefined,
      };
      for (const [store, port] of [
        ['memory', memoryPort],
        ['redis', redisPort],
        ['redis', redisPort],
        ['memory', memoryPort],
      ] as const) {
        const result = await measure(port, seconds / 2);
        results[store].push(result.rate);
        results.failures += result.failures;
        results.firstFailure ??= result.firstFailure;
      }
      const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
      return {
        memory: mean(results.memory),
        redis: mean(results.redis),
        failures: results.failures,
        firstFailure: results.firstFailure,
      };
    };

    const signIns = await pairs(async (port, runSeconds) => {
      const result = await run(signIn, target(port), runSeconds);
      return { rate: result.requestsPerSecond, failures: result.non2xx + result.errors };
    });
    rows.push({ name: 'B2COPY sign-in (2 RS256 JWTs)', unit: 'req/s', ...withoutUndefined(signIns) });

    const flowsOf = new Map([memoryPort, redisPort].map((port) => [port, new Flows(port)]));
    const just2trade = await pairs(async (port, runSeconds) => {
      const started = performance.now();
      const result = await phase(
        flowsOf.get(port)!,
        runSeconds,
        (flows, _id, _turn, n) => flows.just2trade(`store-${n}`),
        FLOW_WORKERS,
      );
      return {
        rate: result.flows / ((performance.now() - started) / 1000),
        failures: result.failures,
        ...(result.firstFailure ? { firstFailure: result.firstFailure } : {}),
      };
    });
    rows.push({
      name: 'Just2Trade flow (authorize → login → token → profile)',
      unit: 'flows/s',
      ...withoutUndefined(just2trade),
    });
    return rows;
  } finally {
    await Promise.all(servers.map((child) => stop(child)));
    await redis.dispose();
  }
}

function withoutUndefined<T extends { firstFailure?: string | undefined }>(value: T) {
  const { firstFailure, ...rest } = value;
  return { ...rest, ...(firstFailure !== undefined ? { firstFailure } : {}) };
}
