/**
 * `npm run bench`: partnermock against its bare-stack bounds and stated targets, on this machine.
 * Performance targets live here, never in timed unit tests: every row prints PASS or FAIL and the process
 * exits 1 when any target fails.
 *
 *   1. startup: `npm start` → first 200 on /__mock/health and the idle RSS of its server process;
 *      `startMockServer()` in a fresh process, import excluded (each the median of 5 fresh processes);
 *   2. throughput: partnermock's built CLI (`node dist/src/cli.js --port 0 --quiet`, built by the bench
 *      into a scratch directory: build.ts) and the bounds (bounds/main.ts, bundled, also plain `node`),
 *      each its own process, autocannon at c50, A B B A (scenarios.ts);
 *   3. soak: mixed full flows against a fresh partnermock process, the heap it keeps per 1,000 flows
 *      after full collections (soak.ts, soak-server.ts);
 *   4. state store: the same work with the Redis store and with the in-memory one (store.ts).
 *
 * Loopback only (127.0.0.1); every loop and wait is bounded; every process started is stopped.
 *
 *   BENCH_SECONDS=10        seconds per scenario and server
 *   BENCH_SOAK_SECONDS=60   seconds of the measured soak (after its warm-up)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildPartnermock } from './build.ts';
import { killAllNow, start, stop, stopAll, waitForOutput, type Child } from './children.ts';
import { Flows } from './flows.ts';
import { soak, WORKERS, type SoakResult } from './soak.ts';
import { measureInProcessStart, measureNpmStart, type NpmStartRun } from './startup.ts';
import { compare, CONNECTIONS, type Comparison, type Target } from './scenarios.ts';
import { compareStores, type StoreRow } from './store.ts';

const TARGETS = {
  npmStartMs: 500,
  inProcessStartMs: 200,
  idleRssMb: 100,
  minRatio: 0.9,
  maxP99Ms: 50,
  soakGrowthPerThousandMb: 0.2,
  /** The Redis store's throughput against the in-memory store's, same work, same run. */
  minRedisRatio: 0.5,
};
const STARTUP_RUNS = 5;
const IDLE_MS = 2000;
const BANNER_TIMEOUT_MS = 30_000;

const root = fileURLToPath(new URL('../../', import.meta.url));
const seconds = positiveNumber('BENCH_SECONDS', 10);
const soakSeconds = positiveNumber('BENCH_SOAK_SECONDS', 60);
const warmUpSeconds = Math.min(3, Math.max(1, Math.round(seconds / 3)));
// The heap takes a while to reach its working size under full load; growth is measured after that.
const soakWarmUpSeconds = Math.min(30, Math.max(2, soakSeconds / 2));

process.on('exit', killAllNow);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping what the bench started`);
    void stopAll().finally(() => process.exit(130));
  });
}

const scratch = mkdtempSync(join(tmpdir(), 'partnermock-bench-'));
try {
  progress(`building partnermock (tsc, tsconfig.build.json) and the bounds (esbuild) into ${scratch}`);
  const built = buildPartnermock(root, scratch);
  const boundsJs = await bundleBounds(join(scratch, 'bounds.mjs'));

  progress(`startup: ${STARTUP_RUNS} × npm start, ${STARTUP_RUNS} × startMockServer()`);
  const npmRuns: NpmStartRun[] = [];
  for (let i = 0; i < STARTUP_RUNS; i += 1) npmRuns.push(await measureNpmStart(scratch, IDLE_MS));
  const inProcessRuns: number[] = [];
  for (let i = 0; i < STARTUP_RUNS; i += 1) inProcessRuns.push(await measureInProcessStart(root, built.index));

  progress(
    `throughput: ${seconds} s per scenario and server at c${CONNECTIONS}, after ${warmUpSeconds} s warm-up each`,
  );
  const comparisons = await withServers(built.cli, boundsJs, async (partnermock, bound) =>
    compare(partnermock, bound, seconds, warmUpSeconds),
  );

  progress(`soak: ${WORKERS} workers, ${soakWarmUpSeconds} s warm-up, then ${soakSeconds} s`);
  const soakResult = await withSoakServer(built.index, async (child, port) =>
    soak(child, port, soakWarmUpSeconds, soakSeconds),
  );

  progress(`state store: memory against Redis, ${seconds} s each (A B B A)`);
  const storeRows = await compareStores(built.cli, root, seconds, warmUpSeconds);

  const failed = report(npmRuns, inProcessRuns, comparisons, soakResult, storeRows);
  process.exitCode = failed ? 1 : 0;
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 2;
} finally {
  await stopAll();
  rmSync(scratch, { recursive: true, force: true });
}

/** partnermock's built CLI, as users run it, on port 0; its port from the banner. */
async function withPartnermock<T>(cli: string, use: (child: Child, port: number) => Promise<T>): Promise<T> {
  const child = start(process.execPath, [cli, '--port', '0', '--quiet'], { cwd: root });
  try {
    const [, port] = await waitForOutput(child, /partnermock listening on http:\/\/[^:\s]+:(\d+)/, BANNER_TIMEOUT_MS);
    return await use(child, Number(port));
  } finally {
    await stop(child);
  }
}

/** The soak's server (soak-server.ts): the built package under `node --expose-gc`, its port from its line. */
async function withSoakServer<T>(index: string, use: (child: Child, port: number) => Promise<T>): Promise<T> {
  const child = start(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', join(root, 'test/bench/soak-server.ts'), index],
    { cwd: root },
  );
  try {
    const [, port] = await waitForOutput(child, /soak server listening on http:\/\/[^:\s]+:(\d+)/, BANNER_TIMEOUT_MS);
    return await use(child, Number(port));
  } finally {
    await stop(child);
  }
}

async function withServers<T>(
  cli: string,
  boundsJs: string,
  use: (partnermock: Target, bound: Target) => Promise<T>,
): Promise<T> {
  return withPartnermock(cli, async (_child, port) => {
    // The profile scenario's token comes from the real flow: authorize → login form → code → token.
    const partnermock: Target = {
      name: 'partnermock',
      port,
      just2tradeToken: await new Flows(port).just2trade('bench'),
    };
    const child = start(process.execPath, [boundsJs], { cwd: root });
    try {
      const [, boundPort, json] = await waitForOutput(
        child,
        /bounds listening on http:\/\/[^:\s]+:(\d+) (\{.*\})/,
        BANNER_TIMEOUT_MS,
      );
      const bound: Target = {
        name: 'bound',
        port: Number(boundPort),
        just2tradeToken: (JSON.parse(json!) as { just2tradeToken: string }).just2tradeToken,
      };
      return await use(partnermock, bound);
    } finally {
      await stop(child);
    }
  });
}

/** bounds/main.ts as one plain-JS file (its dependencies included), so it runs on `node` like dist/. */
async function bundleBounds(outfile: string): Promise<string> {
  await build({
    entryPoints: [join(root, 'test/bench/bounds/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    // The CommonJS dependencies (express) require node's built-ins.
    banner: {
      js: "import { createRequire as benchCreateRequire } from 'node:module'; const require = benchCreateRequire(import.meta.url);",
    },
  });
  return outfile;
}

/** Prints the tables; true when a target failed. */
function report(
  npmRuns: NpmStartRun[],
  inProcessRuns: number[],
  comparisons: Comparison[],
  soakResult: SoakResult,
  storeRows: StoreRow[],
): boolean {
  let failed = false;
  const verdict = (ok: boolean, why = '') => {
    if (!ok) failed = true;
    return ok ? 'PASS' : `FAIL${why ? ` (${why})` : ''}`;
  };

  const rows = comparisons.map(({ scenario, partnermock, bound }) => {
    const ratio = partnermock.requestsPerSecond / bound.requestsPerSecond;
    const problems = [
      ratio >= TARGETS.minRatio ? '' : 'ratio',
      scenario.signing || partnermock.p99 <= TARGETS.maxP99Ms ? '' : 'p99',
      partnermock.non2xx + partnermock.errors === 0 ? '' : 'partnermock non-2xx/errors',
      bound.non2xx + bound.errors === 0 ? '' : 'bound non-2xx/errors',
    ].filter(Boolean);
    return [
      scenario.name,
      partnermock.requestsPerSecond.toFixed(0),
      bound.requestsPerSecond.toFixed(0),
      `${ratio.toFixed(2)}×`,
      `${partnermock.p50.toFixed(0)} / ${bound.p50.toFixed(0)}`,
      `${partnermock.p99} / ${bound.p99}`,
      `${partnermock.non2xx + partnermock.errors} / ${bound.non2xx + bound.errors}`,
      scenario.signing ? `≥ ${TARGETS.minRatio}× bound` : `≥ ${TARGETS.minRatio}× bound, p99 ≤ ${TARGETS.maxP99Ms} ms`,
      verdict(problems.length === 0, problems.join(', ')),
    ];
  });
  console.log(
    `\nThroughput at c${CONNECTIONS}, ${seconds} s per scenario and server in two rounds (A B B A). Latency in ms, partnermock / bound: p50 over both rounds, p99 the worse round's; non-2xx includes errors and timeouts.\n`,
  );
  console.log(
    table(['scenario', 'partnermock req/s', 'bound req/s', 'ratio', 'p50', 'p99', 'non-2xx', 'target', 'result'], rows),
  );

  const npmMs = median(npmRuns.map((run) => run.ms));
  const idleRss = median(npmRuns.map((run) => run.idleRssMb));
  const inProcessMs = median(inProcessRuns);
  const list = (values: number[], digits = 0) => values.map((value) => value.toFixed(digits)).join(', ');
  const growth = soakResult.growthPerThousandMb;
  const soakProblems = [
    growth <= TARGETS.soakGrowthPerThousandMb ? '' : 'growth',
    soakResult.failures === 0 ? '' : `${soakResult.failures} flows failed`,
  ].filter(Boolean);
  console.log(`\nStartup and memory\n`);
  console.log(
    table(
      ['figure', 'measured', 'target', 'result'],
      [
        [
          `\`npm start\` → first 200 on /__mock/health (median of ${STARTUP_RUNS})`,
          `${npmMs.toFixed(0)} ms  [${list(npmRuns.map((run) => run.ms))}]`,
          `≤ ${TARGETS.npmStartMs} ms`,
          verdict(npmMs <= TARGETS.npmStartMs),
        ],
        [
          `\`startMockServer()\` in-process, import excluded (median of ${STARTUP_RUNS})`,
          `${inProcessMs.toFixed(0)} ms  [${list(inProcessRuns)}]`,
          `≤ ${TARGETS.inProcessStartMs} ms`,
          verdict(inProcessMs <= TARGETS.inProcessStartMs),
        ],
        [
          `idle RSS of the \`npm start\` server process, ${IDLE_MS / 1000} s after start (median of ${STARTUP_RUNS})`,
          `${idleRss.toFixed(1)} MB  [${list(
            npmRuns.map((run) => run.idleRssMb),
            1,
          )}]`,
          `≤ ${TARGETS.idleRssMb} MB`,
          verdict(idleRss <= TARGETS.idleRssMb),
        ],
        [
          `heap kept in the soak, after full collections (${WORKERS} workers, mixed flows)`,
          `${Number.isFinite(growth) ? growth.toFixed(3) : 'n/a'} MB per 1,000 flows  [${soakResult.flows} flows in ${soakResult.seconds.toFixed(0)} s after ${soakResult.warmUpFlows} warm-up; heap ${soakResult.heapAfterWarmUpMb.toFixed(1)} → ${soakResult.heapAtEndMb.toFixed(1)} MB, RSS ${soakResult.rssAfterWarmUpMb.toFixed(1)} → ${soakResult.rssAtEndMb.toFixed(1)} MB]`,
          `≤ ${TARGETS.soakGrowthPerThousandMb} MB per 1,000 flows`,
          verdict(soakProblems.length === 0, soakProblems.join(', ')),
        ],
      ],
    ),
  );
  console.log(
    `\nState store: the same partnermock with Redis (a local redis-server on loopback) and in memory, ${seconds} s each in two rounds (A B B A)\n`,
  );
  console.log(
    table(
      ['work', 'in memory', 'Redis', 'ratio', 'failures', 'target', 'result'],
      storeRows.map((row) => {
        const ratio = row.redis / row.memory;
        const problems = [ratio >= TARGETS.minRedisRatio ? '' : 'ratio', row.failures === 0 ? '' : 'failures'];
        return [
          row.name,
          `${row.memory.toFixed(0)} ${row.unit}`,
          `${row.redis.toFixed(0)} ${row.unit}`,
          `${ratio.toFixed(2)}×`,
          String(row.failures),
          `Redis ≥ ${TARGETS.minRedisRatio}× in memory`,
          verdict(
            problems.every((problem) => !problem),
            problems.filter(Boolean).join(', '),
          ),
        ];
      }),
    ),
  );
  for (const row of storeRows) if (row.firstFailure) console.log(`first failure (${row.name}): ${row.firstFailure}`);
  console.log(`\nserver process measured for idle RSS: ${npmRuns[0]?.serverCommand ?? '?'}`);
  if (soakResult.firstFailure) console.log(`first soak failure: ${soakResult.firstFailure}`);
  console.log(failed ? '\nbench: some targets FAIL' : '\nbench: every target PASS');
  return failed;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`${name} must be a positive number of seconds, got "${raw}"`);
    process.exit(2);
  }
  return value;
}

function progress(text: string): void {
  console.error(`[bench] ${text}`);
}
