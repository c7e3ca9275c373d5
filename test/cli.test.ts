/**
 * The CLI as `npm start` runs it: in-process through `cli(argv)` on port 0, and as a real process that
 * shuts down gracefully on SIGTERM with a request in flight.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cli, type RunningMockServer } from '../src/index.ts';
import { UsageError } from '../src/cli.ts';
import { NOTES_PLUGIN } from './helpers.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
let running: RunningMockServer | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe('cli(argv)', () => {
  it('serves every provider on the given port and prints base URLs and default credentials', async () => {
    const printed: string[] = [];
    running = await cli(['--port', '0', '--quiet'], {}, (text) => printed.push(text));
    expect(running).toBeDefined();
    const banner = printed.join('\n');
    for (const text of [
      `${running!.url}/b2copy`,
      `${running!.url}/keeta`,
      `${running!.url}/just2trade/auth`,
      `${running!.url}/just2trade/api`,
      'username@example.com / Secret123',
      'Password1234!',
      'dev-key',
      'crm-demo / ',
      'login / password',
      'keeta-demo',
    ]) {
      expect(banner).toContain(text);
    }
    const signIn = await fetch(`${running!.url}/b2copy/api/v2/signin`, {
      method: 'POST',
      body: JSON.stringify({ email: 'username@example.com', password: 'Secret123' }),
    });
    expect(signIn.status).toBe(200);
    const keeta = await fetch(`${running!.url}/keeta/oauth/authorization/url?clientId=keeta-demo`);
    expect(keeta.status).toBe(200);
    const token = await fetch(`${running!.url}/just2trade/auth/connect/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=authorization_code&code=abc&client_id=crm-demo',
    });
    // Served and emulated: a code the login form never issued is refused in RFC 6749's shape.
    expect(token.status).toBe(400);
    expect(await token.json()).toMatchObject({ error: 'invalid_grant' });
    const health = await (await fetch(`${running!.url}/__mock/health`)).json();
    expect(health).toEqual({
      status: 'ok',
      providers: ['b2copy', 'just2trade', 'keeta'],
      store: { kind: 'memory', location: 'memory', reachable: true },
    });
  });

  it('answers bad input over a real socket with 4xx in the provider shape and stays healthy', async () => {
    running = await cli(['--port', '0', '--quiet'], {}, () => {});
    const post = (path: string, body: string, type = 'application/json') =>
      fetch(`${running!.url}${path}`, { method: 'POST', headers: { 'content-type': type }, body });
    const broken = await post('/b2copy/api/v2/signin', '{"email":');
    expect(broken.status).toBe(400);
    expect((await broken.json()).meta).toEqual({ behaviours: [], status: 400 });
    const oversized = await post('/b2copy/api/v2/signin', JSON.stringify({ email: 'x'.repeat(2 * 1024 * 1024) }));
    expect(oversized.status).toBe(413);
    const missing = await fetch(`${running!.url}/keeta/oauth/authorization/url`);
    expect(missing.status).toBe(400);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const wrongType = await post('/just2trade/auth/connect/token', '{}');
    expect(wrongType.status).toBe(415);
    expect(await wrongType.json()).toMatchObject({ error: 'invalid_request' });
    expect((await fetch(`${running!.url}/nowhere`)).status).toBe(404);
    expect((await fetch(`${running!.url}/__mock/health`)).status).toBe(200);
  });

  it('takes the port from PORT, and --plugin / --provider choose what is served', async () => {
    running = await cli(['--quiet', '--provider', 'keeta', '--plugin', NOTES_PLUGIN], { PORT: '0' }, () => {});
    const health = await (await fetch(`${running!.url}/__mock/health`)).json();
    expect(health.providers).toEqual(['keeta', 'notes']);
    const note = await fetch(`${running!.url}/notes-api/notes`, {
      method: 'POST',
      body: JSON.stringify({ text: 'via cli' }),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(note.status).toBe(201);
  });

  it('refuses bad arguments clearly', async () => {
    await expect(cli(['--port', 'abc'], {}, () => {})).rejects.toThrow(/--port must be a whole number/);
    await expect(cli(['--provider', 'nope', '--port', '0'], {}, () => {})).rejects.toThrow(/Unknown provider nope/);
    await expect(cli(['--bogus'], {}, () => {})).rejects.toThrow(/bogus/);
  });

  it('prints usage for --help and starts nothing', async () => {
    const printed: string[] = [];
    expect(await cli(['--help'], {}, (text) => printed.push(text))).toBeUndefined();
    expect(printed.join('')).toContain('--public-url');
    // The built-in providers, as the registry lists them.
    expect(printed.join('')).toContain('Built-in providers: b2copy, just2trade, keeta.');
  });
});

describe('a CLI that helps', () => {
  const quiet = () => {};

  it('--version prints the package version', async () => {
    const printed: string[] = [];
    expect(await cli(['--version'], {}, (text) => printed.push(text))).toBeUndefined();
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(printed).toEqual([`partnermock ${version}`]);
  });

  it.each([
    [['--prot', '0'], /^Unknown option --prot\. Did you mean --port\? See partnermock --help\.$/],
    [['--quite'], /^Unknown option --quite\. Did you mean --quiet\? See partnermock --help\.$/],
    [['--zzzzzzzzzz'], /^Unknown option --zzzzzzzzzz\. See partnermock --help\.$/],
    [['--port', '70000'], /^--port must be 0 to 65535 \(0 picks a free port\), got 70000\.$/],
    [['--port', 'abc'], /^--port must be a whole number, got "abc"\.$/],
    [['--plugin', './no/such/plugin.ts'], /^--plugin \.\/no\/such\/plugin\.ts: no such file/],
    [['contract'], /^Unknown command contract\. Did you mean partnermock contracts\? See partnermock --help\.$/],
    [
      ['contracts', '--provider', 'nope'],
      /^Unknown provider nope; built-in providers: b2copy, just2trade, keeta\. See partnermock contracts --help\.$/,
    ],
    [['contracts', '--provider', 'keeta,nope', '--provider', 'gone'], /^Unknown provider nope, gone; built-in/],
    [
      ['contracts', '--provder', 'keeta'],
      /^Unknown option --provder\. Did you mean --provider\? See partnermock contracts --help\.$/,
    ],
    [['contracts', '--provider', ','], /^--provider needs a provider name\.$/],
    [['contracts', '--reporter', 'json'], /^--reporter must be default, verbose or junit, got "json"\.$/],
    [['contracts', '--output-file', 'out.xml'], /^--output-file needs --reporter junit/],
    [['contracts', '--reporter', 'verbose', '--output-file', 'out.xml'], /^--output-file needs --reporter junit/],
    [
      ['contracts', '--reporter'],
      /^Option '--reporter <value>' argument missing\. See partnermock contracts --help\.$/,
    ],
    [['contracts', '--suite', './no/such.contract.ts'], /^--suite \.\/no\/such\.contract\.ts: no such file/],
  ])('%j is a usage error: %s', async (argv, message) => {
    const error = await cli(argv, {}, quiet).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
  });

  it('contracts --help describes the subcommand and names each provider with its variables, running nothing', async () => {
    const printed: string[] = [];
    expect(await cli(['contracts', '--help'], {}, (text) => printed.push(text))).toBeUndefined();
    const help = printed.join('\n');
    expect(help).toMatch(/^Usage: partnermock contracts \[options\]/);
    for (const option of ['--provider', '--suite', '--reporter', '--output-file']) expect(help).toContain(option);
    expect(help).toMatch(
      /^ {2}keeta\n {4}PARTNERMOCK_KEETA_URL, PARTNERMOCK_KEETA_CLIENT_ID, PARTNERMOCK_KEETA_REDIRECT_URI$/m,
    );
    expect(help).toContain('PARTNERMOCK_JUST2TRADE_AUTH_URL, PARTNERMOCK_JUST2TRADE_API_URL');
    expect(help).toContain('PARTNERMOCK_B2COPY_URL');
    expect(help).not.toContain('PARTNERMOCK_CONTRACT_REPORT_DIR');
    for (const line of help.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
  });

  it('a busy port says so and suggests --port 0', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const error = await cli(['--port', String(port), '--quiet'], {}, quiet).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toMatch(new RegExp(`^Port ${port} is already in use.*--port 0\\.$`));
    } finally {
      blocker.close();
    }
  });

  it('as a process, a usage error is one line on stderr and exit code 2', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', '--prot', '0'], { cwd: ROOT });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual(['Unknown option --prot. Did you mean --port? See partnermock --help.']);
  }, 20_000);

  it('as a process, a contracts usage error is one line on stderr and exit code 2, before anything runs', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'contracts', '--provider', 'nope'], {
      cwd: ROOT,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(output.trim().split('\n')).toEqual([
      'Unknown provider nope; built-in providers: b2copy, just2trade, keeta. See partnermock contracts --help.',
    ]);
  }, 20_000);
});

describe('the CLI as a process', () => {
  it('logs one JSON line per request and lets in-flight requests finish on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', '--port', '0', '--plugin', NOTES_PLUGIN], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner:\n${stdout}`)), 15_000);
      child.stdout.on('data', () => {
        const match = /listening on (http:\/\/localhost:\d+)/.exec(stdout);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
    });

    const inFlight = fetch(`${url}/notes-api/slow?ms=700`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    child.kill('SIGTERM');
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.json()).toEqual({ waited: 700 });
    const answeredAt = Date.now();
    expect(await exited).toBe(0);
    // The keep-alive connection is let go at once, not after the 5 s keep-alive timeout.
    expect(Date.now() - answeredAt).toBeLessThan(2000);

    const logLines = stdout.split('\n').filter((line) => line.startsWith('{'));
    const requestLine = logLines.map((line) => JSON.parse(line)).find((entry) => entry.msg === 'request');
    expect(requestLine).toMatchObject({
      level: 'info',
      method: 'GET',
      path: '/notes-api/slow',
      status: 200,
      provider: 'notes',
      operationId: 'slow',
    });
  });
});

describe('the config commands in the CLI (issue 15)', () => {
  it('--help names the config file, its precedence and the config commands, in lines of at most 100 characters', async () => {
    const printed: string[] = [];
    await cli(['--help'], {}, (text) => printed.push(text));
    const help = printed.join('\n');
    for (const text of [
      'partnermock config check [path]',
      'partnermock config show [options]',
      'partnermock init [path]',
      '--config <path>',
      '$PARTNERMOCK_CONFIG',
      '--watch',
      'Precedence: flags, then environment variables (PORT, PARTNERMOCK_HOST,',
    ]) {
      expect(help).toContain(text);
    }
    for (const line of help.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
    const config: string[] = [];
    await cli(['config', '--help'], {}, (text) => config.push(text));
    for (const line of config.join('\n').split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
    expect(config.join('\n')).toMatch(
      /^Usage: partnermock config check \[path\] \[--config <path>\]\n {7}partnermock config show/,
    );
    const init: string[] = [];
    await cli(['init', '--help'], {}, (text) => init.push(text));
    expect(init.join('\n')).toMatch(/^Usage: partnermock init \[path\]\n\nWrites a commented config file/);
  });

  it.each([
    [['confg'], /^Unknown command confg\. Did you mean partnermock config\? See partnermock --help\.$/],
    [['int'], /^Unknown command int\. Did you mean partnermock init\? See partnermock --help\.$/],
    [['--confg', 'x.yaml'], /^Unknown option --confg\. Did you mean --config\? See partnermock --help\.$/],
    [['config', 'show', '--wach'], /^Unknown option --wach\. Did you mean --watch\?|^Unknown option --wach\./],
    [
      ['init', 'a.yaml', 'b.yaml'],
      /^partnermock init takes one path, got a\.yaml b\.yaml\. See partnermock init --help\.$/,
    ],
    [['--config', 'no/such/partnermock.yaml'], /^--config no\/such\/partnermock\.yaml: no such file \(from /],
  ])('%j is a usage error: %s', async (argv, message) => {
    const error = await cli(argv, {}, () => {}).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
  });

  it('as a process, config check exits 0 with one line for a good file, and 2 for a missing one', async () => {
    const good = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'config', 'check', 'examples/minimal.yaml'],
      {
        cwd: ROOT,
      },
    );
    let stdout = '';
    good.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    expect(await new Promise<number | null>((resolve) => good.on('exit', resolve))).toBe(0);
    expect(stdout).toBe('OK examples/minimal.yaml: valid; providers just2trade (disabled: b2copy, keeta).\n');
    const missing = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'config', 'check', 'examples/none.yaml'],
      {
        cwd: ROOT,
      },
    );
    let stderr = '';
    missing.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await new Promise<number | null>((resolve) => missing.on('exit', resolve))).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([
      `partnermock config check examples/none.yaml: no such file (from ${ROOT.replace(/\/$/, '')}).`,
    ]);
  }, 20_000);
});
