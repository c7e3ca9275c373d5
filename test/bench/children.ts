/**
 * The processes the bench starts: spawned, watched for their banner, measured (/proc), and always
 * stopped — by their own pid (or, for `npm start`, by the process group it was started in), never by
 * name. Every wait is bounded.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';

export interface Child {
  process: ChildProcess;
  pid: number;
  /** Started in its own process group (so its whole tree can be signalled). */
  group: boolean;
  /** Everything it wrote to stdout so far (capped). */
  stdout(): string;
  /** Everything it wrote to stdout and stderr so far (capped), for error messages. */
  output(): string;
  exited: Promise<void>;
}

const running = new Set<Child>();

export function start(command: string, args: string[], options: SpawnOptions & { group?: boolean } = {}): Child {
  const group = options.group ?? false;
  const child = spawn(command, args, { ...options, detached: group, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  let stdout = '';
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    if (stdout.length < 64_000) stdout += chunk.toString('utf8');
    if (output.length < 64_000) output += chunk.toString('utf8');
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    if (output.length < 64_000) output += chunk.toString('utf8');
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const handle: Child = { process: child, pid: child.pid, group, stdout: () => stdout, output: () => output, exited };
  running.add(handle);
  void exited.then(() => running.delete(handle));
  return handle;
}

/**
 * Resolves with the first match of `pattern` in the child's stdout (so far or to come); rejects on exit
 * or after `timeoutMs`.
 */
export function waitForOutput(child: Child, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  const already = pattern.exec(child.stdout());
  if (already) return Promise.resolve(already);
  return new Promise((resolve, reject) => {
    const done = (error?: Error, match?: RegExpExecArray) => {
      clearTimeout(timer);
      child.process.stdout!.off('data', onData);
      child.process.off('exit', onExit);
      if (error) reject(error);
      else resolve(match!);
    };
    // Registered after start()'s own listener, so child.stdout() already holds this chunk.
    const onData = () => {
      const match = pattern.exec(child.stdout());
      if (match) done(undefined, match);
    };
    const onExit = (code: number | null) =>
      done(new Error(`process ${child.pid} exited (${code}) before printing ${pattern}:\n${child.output()}`));
    const timer = setTimeout(
      () => done(new Error(`no ${pattern} from process ${child.pid} within ${timeoutMs} ms:\n${child.output()}`)),
      timeoutMs,
    );
    child.process.stdout!.on('data', onData);
    child.process.once('exit', onExit);
  });
}

/** Stops a child: SIGTERM (to its group when it has one), then SIGKILL after `graceMs`; waits for the exit. */
export async function stop(child: Child, graceMs = 5000): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  // The descendants are read first: npm and tsx start grandchildren, which must not outlive the bench.
  const descendants = descendantsOf(child.pid);
  signal(child, 'SIGTERM');
  const timedOut = await Promise.race([child.exited.then(() => false), delay(graceMs).then(() => true)]);
  if (timedOut) signal(child, 'SIGKILL');
  await Promise.race([child.exited, delay(graceMs)]);
  for (const pid of descendants) {
    if (!isAlive(pid)) continue;
    await waitUntil(() => !isAlive(pid), graceMs);
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => stop(child)));
}

/** Last resort on an abrupt exit of the bench: SIGKILL whatever it started, synchronously. */
export function killAllNow(): void {
  for (const child of running) signal(child, 'SIGKILL');
}

function signal(child: Child, name: NodeJS.Signals): void {
  try {
    process.kill(child.group ? -child.pid : child.pid, name);
  } catch {
    // Already gone.
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every descendant pid of `pid`, read from /proc (children of each thread), depth first. */
export function descendantsOf(pid: number): number[] {
  const result: number[] = [];
  const visit = (parent: number, depth: number) => {
    if (depth > 16) return;
    for (const child of childrenOf(parent)) {
      result.push(child);
      visit(child, depth + 1);
    }
  };
  visit(pid, 0);
  return result;
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** VmRSS of a process, in MB (from /proc/<pid>/status, which reports kB). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) / 1024;
}

/** One GET on loopback with node:http (no pooled connection); resolves with the status, 0 on a connection error. */
export function getStatus(port: number, path: string, timeoutMs = 2000): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** Polls GET `path` until it answers 200; resolves with when (performance.now()). Bounded by `timeoutMs`. */
export async function firstOk(port: number, path: string, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (let attempt = 0; attempt < 10_000 && performance.now() < deadline; attempt += 1) {
    if ((await getStatus(port, path)) === 200) return performance.now();
    await delay(5);
  }
  throw new Error(`GET ${path} on port ${port} never answered 200 within ${timeoutMs} ms`);
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition() && performance.now() < deadline) await delay(20);
}
