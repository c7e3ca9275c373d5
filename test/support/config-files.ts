/**
 * What the config tests share: throwaway folders with config files, key files, a port nothing listens on,
 * bounded waits, and the CLI as a child process (`node --import tsx src/cli.ts`) whose output can be awaited.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A fresh folder under the system's temp folder; `cleanup()` removes every folder made. */
export function tempFolders() {
  const made: string[] = [];
  return {
    make(): string {
      const folder = mkdtempSync(join(tmpdir(), 'partnermock-config-'));
      made.push(folder);
      return folder;
    },
    cleanup(): void {
      for (const folder of made.splice(0)) rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** Writes `text` to `folder/name` (making folders), returning the absolute path. */
export function writeFile(folder: string, name: string, text: string): string {
  const path = join(folder, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** SPKI PEM public keys of each kind the B2COPY integration check knows. */
export function publicKeyPem(kind: 'p256' | 'p384' | 'rsa'): string {
  const { publicKey } =
    kind === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: kind === 'p256' ? 'P-256' : 'P-384' });
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

/** A port that was free a moment ago (listened on, then closed). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Whether something accepts connections on 127.0.0.1:`port` (bounded: 2 s). */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, 2000);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

/** Polls `check` every 25 ms until it returns something truthy; fails after `timeoutMs` saying `what`. */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 5000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The exit code (null when killed by a signal), within `timeoutMs`. */
  exited(timeoutMs?: number): Promise<number | null>;
  /** The first match of `pattern` in stdout, within `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** SIGTERM, if still running; resolves on exit (SIGKILL after 5 s). */
  stop(): Promise<void>;
}

/** `partnermock <args>` as a child process from the repo's sources, run in the repo's folder. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const exited = (timeoutMs = 20_000) =>
    Promise.race([
      exit,
      sleep(timeoutMs).then(() => {
        throw new Error(`partnermock ${args.join(' ')} did not exit in ${timeoutMs} ms:\n${stdout}\n${stderr}`);
      }),
    ]);
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitForOutput: (pattern, timeoutMs = 20_000) =>
      waitFor(() => pattern.exec(stdout), `${pattern} in the output of partnermock ${args.join(' ')}`, timeoutMs).catch(
        (error: Error) => {
          throw new Error(`${error.message}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
        },
      ),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    },
  };
}
