/**
 * Startup figures of `npm run bench`, each the median of fresh processes:
 *   - `npm start` (what a developer types): spawn → first 200 on /__mock/health, and the idle RSS of the
 *     node process that serves (npm → sh → node dist/src/cli.js), read after it has sat idle;
 *   - `startMockServer()` in a fresh plain-node process importing the built package (build.ts): from the call
 *     (the import already done) to the first 200 on /__mock/health.
 */
import { pathToFileURL } from 'node:url';
import { commandLineOf, delay, descendantsOf, firstOk, rssMb, start, stop, waitForOutput } from './children.ts';

const STARTUP_TIMEOUT_MS = 30_000;

export interface NpmStartRun {
  ms: number;
  idleRssMb: number;
  serverCommand: string;
}

/** One `npm start -- --port 0`: the time to the first 200, then the serving process's RSS after `idleMs`. */
export async function measureNpmStart(root: string, idleMs: number): Promise<NpmStartRun> {
  const env = { ...process.env };
  delete env.PORT;
  const started = performance.now();
  // Its own process group: npm, sh, tsx and the server are stopped together.
  const child = start('npm', ['start', '--', '--port', '0'], { cwd: root, env, group: true });
  try {
    const [, port] = await waitForOutput(child, /partnermock listening on http:\/\/[^:\s]+:(\d+)/, STARTUP_TIMEOUT_MS);
    const ok = await firstOk(Number(port), '/__mock/health', STARTUP_TIMEOUT_MS);
    await delay(idleMs);
    const server = serverProcess(child.pid);
    return { ms: ok - started, idleRssMb: rssMb(server), serverCommand: commandLineOf(server) };
  } finally {
    await stop(child);
  }
}

/** The process that serves: the deepest descendant running the CLI (dist/src/cli.js). */
function serverProcess(npmPid: number): number {
  const candidates = descendantsOf(npmPid).filter((pid) => /src\/cli\.(js|ts)\b/.test(commandLineOf(pid)));
  const leaf = candidates.find((pid) => descendantsOf(pid).length === 0);
  if (leaf === undefined) throw new Error(`no node process running the CLI under npm (${npmPid})`);
  return leaf;
}

/**
 * One fresh `node` that imports the built dist/src/index.js, then times `startMockServer({ port: 0 })` to
 * the first 200 on /__mock/health.
 */
export async function measureInProcessStart(root: string, index: string): Promise<number> {
  const entry = pathToFileURL(index).href;
  // Plain node (no TypeScript loader), node:http for the health check (fetch would load undici inside the timing).
  const script = `
    import { request } from 'node:http';
    const { startMockServer } = await import(${JSON.stringify(entry)});
    const health = (port) => new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/__mock/health', agent: false }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
      req.on('error', () => resolve(0));
      req.end();
    });
    const started = performance.now();
    const server = await startMockServer({ port: 0, log: false });
    let status = 0;
    for (let attempt = 0; attempt < 100 && status !== 200; attempt += 1) status = await health(server.port);
    const ms = performance.now() - started;
    await server.close();
    console.log('BENCH_RESULT ' + JSON.stringify({ ms, status }));
  `;
  const child = start(process.execPath, ['--input-type=module', '-e', script], { cwd: root });
  try {
    const [, json] = await waitForOutput(child, /BENCH_RESULT (\{.*\})/, STARTUP_TIMEOUT_MS);
    const { ms, status } = JSON.parse(json!) as { ms: number; status: number };
    if (status !== 200) throw new Error(`startMockServer(): /__mock/health answered ${status}`);
    return ms;
  } finally {
    await stop(child);
  }
}
