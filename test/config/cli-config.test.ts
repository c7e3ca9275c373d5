/**
 * The config file from the command line: where it is found, `config check`, `config show` (values, their
 * sources, masking), the precedence flag > env > file > default as config show prints it and as a started
 * server runs it, bad environment values, and `init`.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { cli, ConfigProblemsError, UsageError } from '../../src/cli.ts';
import { createMockApp, type RunningMockServer } from '../../src/index.ts';
import { DEFAULT_SESSION } from '../../src/state/sessions.ts';
import { freePort, publicKeyPem, tempFolders, writeFile } from '../support/config-files.ts';

const folders = tempFolders();
let running: RunningMockServer | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
  folders.cleanup();
});

/** Runs `partnermock <argv>` in `cwd`, returning what it printed, or the error it threw. */
async function run(argv: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  const printed: string[] = [];
  const errors: string[] = [];
  const result = await cli(argv, options.env ?? {}, (text) => printed.push(text), {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    printError: (text) => errors.push(text),
  }).then(
    (value) => ({ value, error: undefined }),
    (error: unknown) => ({ value: undefined, error: error as Error }),
  );
  if (result.value) running = result.value;
  return { output: printed.join('\n'), errors, ...result };
}

/** config show's line for `key` (top level or indented), as [value, source]. */
function shown(output: string, key: string): [string, string] {
  const line = output.split('\n').find((candidate) => candidate.trimStart().startsWith(`${key}: `));
  if (!line) throw new Error(`config show printed no ${key}:\n${output}`);
  const match = /^\s*[\w$]+: (.*?)\s+# (.*)$/.exec(line);
  if (!match) throw new Error(`config show's ${key} line has no source: ${line}`);
  return [match[1]!, match[2]!];
}

/** Just2Trade's generated default client secret for a seed: what tells which seed a server runs with. */
async function secretForSeed(seed: number): Promise<string> {
  const mock = await createMockApp({ seed, providers: ['just2trade'] });
  const { fixtures } = await mock.sessions.provider(DEFAULT_SESSION, 'just2trade');
  return (await fixtures.get<{ clientSecret: string }>('clients', 'crm-demo'))!.clientSecret;
}

const TEAM = [
  'port: 4100',
  'host: 127.0.0.1',
  'seed: 5',
  'journalSize: 50',
  'providers:',
  '  b2copy:',
  '    options: { accessTokenTtlSeconds: 900 }',
  '    fixtures:',
  '      users: [{ email: qa@crm.example, password: Qa-Secret-1 }]',
  '      settings:',
  '        - { name: sideAuth, secretKey: Side-Secret-9, redirectUrl: http://localhost:4010/b2copy/webui }',
  '      integrations:',
  '        - { keyId: crm-staging, publicKeyPem: { file: ./crm.pub.pem }, allowedIps: [10.0.0.0/8] }',
  '  just2trade:',
  '    fixtures:',
  '      clients:',
  '        - { clientId: crm, clientSecret: "${J2T_SECRET:-J2t-Secret-7}", redirectUris: [http://localhost/cb] }',
  '  keeta: { enabled: false }',
  '',
].join('\n');

function teamFolder(text = TEAM): string {
  const folder = folders.make();
  writeFile(folder, 'crm.pub.pem', publicKeyPem('p256'));
  writeFile(folder, 'partnermock.config.yaml', text);
  return folder;
}

describe('partnermock config check', () => {
  it('finds partnermock.config.yaml in the working directory and names the file and its providers', async () => {
    const { output, error } = await run(['config', 'check'], { cwd: teamFolder() });
    expect(error).toBeUndefined();
    expect(output).toBe('OK partnermock.config.yaml: valid; providers b2copy, just2trade (disabled: keeta).');
  });

  it('takes a path, --config, or PARTNERMOCK_CONFIG; .yml and .json are found too', async () => {
    const folder = teamFolder();
    const other = writeFile(folder, 'sub/other.json', '{ "seed": 3 }');
    expect((await run(['config', 'check', 'sub/other.json'], { cwd: folder })).output).toBe(
      'OK sub/other.json: valid; providers b2copy, just2trade, keeta.',
    );
    expect((await run(['config', 'check', '--config', other], { cwd: folders.make() })).output).toMatch(
      /^OK \/.*\/sub\/other\.json: valid;/,
    );
    expect(
      (await run(['config', 'check'], { cwd: folders.make(), env: { PARTNERMOCK_CONFIG: other } })).output,
    ).toMatch(/other\.json: valid;/);
    const yml = folders.make();
    writeFile(yml, 'partnermock.config.yml', 'seed: 2\n');
    expect((await run(['config', 'check'], { cwd: yml })).output).toMatch(/^OK partnermock\.config\.yml: valid;/);
  });

  it('without a file, or with a named file that does not exist, is a usage error', async () => {
    const empty = folders.make();
    const none = await run(['config', 'check'], { cwd: empty });
    expect(none.error).toBeInstanceOf(UsageError);
    expect(none.error!.message).toMatch(/^No config file to check: name one .*partnermock init\.$/);
    const missing = await run(['config', 'check', 'nope.yaml'], { cwd: empty });
    expect(missing.error!.message).toBe(`partnermock config check nope.yaml: no such file (from ${empty}).`);
    const fromEnv = await run(['--port', '0'], { cwd: empty, env: { PARTNERMOCK_CONFIG: 'gone.yaml' } });
    expect(fromEnv.error!.message).toBe(`PARTNERMOCK_CONFIG gone.yaml: no such file (from ${empty}).`);
    const fromFlag = await run(['--config', 'gone.yaml'], { cwd: empty });
    expect(fromFlag.error!.message).toBe(`--config gone.yaml: no such file (from ${empty}).`);
  });

  it('resolves ${ENV} from the environment it is given', async () => {
    const folder = folders.make();
    writeFile(folder, 'partnermock.config.yaml', 'publicUrl: ${MOCK_URL}\n');
    const unset = await run(['config', 'check'], { cwd: folder });
    expect(unset.error).toBeInstanceOf(ConfigProblemsError);
    expect(unset.error!.message).toContain('partnermock.config.yaml:1:1 publicUrl: uses ${MOCK_URL}, which is not set');
    expect((await run(['config', 'check'], { cwd: folder, env: { MOCK_URL: 'http://mock:4010' } })).output).toMatch(
      /^OK /,
    );
  });

  it('unknown config commands and extra arguments are usage errors', async () => {
    expect((await run(['config', 'chek'])).error!.message).toBe(
      'Unknown config command chek. Did you mean partnermock config check? See partnermock config --help.',
    );
    expect((await run(['config', 'check', 'a.yaml', 'b.yaml'])).error!.message).toBe(
      'partnermock config check takes one path, got a.yaml b.yaml. See partnermock config check --help.',
    );
    expect((await run(['config'])).output).toMatch(/^Usage: partnermock config check/);
  });
});

describe('partnermock config show', () => {
  it('prints each setting, option and fixture with its source, and masks secrets', async () => {
    const folder = teamFolder();
    const { output, error } = await run(['config', 'show'], { cwd: folder });
    expect(error).toBeUndefined();
    expect(output).toMatch(/Config file: partnermock\.config\.yaml\./);
    expect(shown(output, 'port')).toEqual(['4100', 'file']);
    expect(shown(output, 'seed')).toEqual(['5', 'file']);
    expect(shown(output, 'journalSize')).toEqual(['50', 'file']);
    expect(shown(output, 'maxSessions')).toEqual(['1000', 'default']);
    expect(shown(output, 'validateResponses')).toEqual(['true', 'default']);
    expect(shown(output, 'publicUrl')).toEqual(['http://localhost:4100', 'default (http://localhost:<port>)']);
    expect(shown(output, 'accessTokenTtlSeconds')).toEqual(['900', 'file']);
    expect(shown(output, 'refreshTokenTtlSeconds')).toEqual(['2592000', 'default']);
    // Each fixture item on a line with its source; the file's beside the built-in ones (merge).
    expect(output).toMatch(/^ {8}- \{ email: username@example\.com, password: \*{8}, twoFactor: false \} +# default$/m);
    expect(output).toMatch(/^ {8}- \{ email: qa@crm\.example, password: \*{8}, twoFactor: false \} +# file$/m);
    expect(output).toMatch(/^ {6}users: +# 2 items$/m);
    expect(output).toMatch(
      /^ {8}- \{ keyId: crm-staging, publicKeyPem: "-----BEGIN PUBLIC KEY-----…" \(\d+ characters\), allowedIps: \[10\.0\.0\.0\/8\] \} +# file$/m,
    );
    expect(output).toMatch(
      /^ {8}- \{ clientId: crm, clientSecret: \*{8}, redirectUris: \[http:\/\/localhost\/cb\] \} +# file$/m,
    );
    expect(output).toMatch(
      /^ {8}- \{ name: sideAuth, secretKey: \*{8}, redirectUrl: http:\/\/localhost:4010\/b2copy\/webui \} +# file$/m,
    );
    expect(output).toMatch(/^ {4}enabled: false +# file$/m);
    // No secret in the output: passwords, client secrets (the file's and the generated one), Side Auth's key.
    const generated = await secretForSeed(5);
    for (const secret of ['Qa-Secret-1', 'Secret123', 'J2t-Secret-7', generated, 'Side-Secret-9', 'Password1234!']) {
      expect(output).not.toContain(secret);
    }
    for (const line of output.split('\n')) expect(line).not.toMatch(/^\s+\[?\d/); // no stray lines
  });

  it('precedence: a flag over an environment variable over the file over the default', async () => {
    const folder = teamFolder();
    const env = {
      PORT: '4200',
      PARTNERMOCK_SEED: '6',
      PARTNERMOCK_HOST: '0.0.0.0',
      PARTNERMOCK_VALIDATE_RESPONSES: 'false',
    };
    const { output } = await run(['config', 'show', '--port', '4300', '--no-validate-responses'], { cwd: folder, env });
    expect(shown(output, 'port')).toEqual(['4300', 'flag --port']);
    expect(shown(output, 'seed')).toEqual(['6', 'env PARTNERMOCK_SEED']);
    expect(shown(output, 'host')).toEqual(['0.0.0.0', 'env PARTNERMOCK_HOST']);
    expect(shown(output, 'validateResponses')).toEqual(['false', 'flag --no-validate-responses']);
    expect(shown(output, 'journalSize')).toEqual(['50', 'file']);
    expect(shown(output, 'bodyLimit')).toEqual(['1mb', 'default']);
    expect(shown(output, 'publicUrl')).toEqual(['http://localhost:4300', 'default (http://localhost:<port>)']);
    const flags = await run(['config', 'show', '--seed', '8', '--public-url', 'https://mock.example/'], {
      cwd: folder,
      env,
    });
    expect(shown(flags.output, 'seed')).toEqual(['8', 'flag --seed']);
    expect(shown(flags.output, 'port')).toEqual(['4200', 'env PORT']);
    expect(shown(flags.output, 'publicUrl')).toEqual(['https://mock.example', 'flag --public-url']);
    // Without any file: the defaults, and --provider narrows what is served.
    const bare = await run(['config', 'show', '--provider', 'keeta'], { cwd: folders.make() });
    expect(bare.output).toMatch(/Config file: none\./);
    expect(shown(bare.output, 'port')).toEqual(['4010', 'default']);
    expect(shown(bare.output, 'seed')).toEqual(['1', 'default']);
    expect(bare.output).toMatch(/^ {2}b2copy:\n {4}enabled: false +# flag --provider$/m);
    expect(bare.output).toMatch(/^ {2}keeta:\n {4}enabled: true +# flag --provider$/m);
  });

  it('fixture mode replace shows only the file items', async () => {
    const folder = folders.make();
    writeFile(
      folder,
      'partnermock.config.yaml',
      'providers:\n  b2copy:\n    fixtures:\n      mode: replace\n      users: [{ email: only@crm.example, password: x }]\n',
    );
    const { output } = await run(['config', 'show'], { cwd: folder });
    expect(output).toMatch(/^ {4}fixtures: +# mode replace: /m);
    expect(output).toMatch(/^ {6}users: +# 1 item$/m);
    expect(output).not.toContain('username@example.com');
    // A collection the file does not name keeps its built-in items.
    expect(output).toMatch(/^ {8}- \{ id: 1 \} +# default$/m);
  });
});

describe('precedence in a started server', () => {
  it('the file sets the port and seed; an environment variable beats it; a flag beats both', async () => {
    const port = await freePort();
    const folder = teamFolder(TEAM.replace('port: 4100', `port: ${port}`));
    const fromFile = await run(['--quiet'], { cwd: folder });
    expect(fromFile.error).toBeUndefined();
    expect(running!.port).toBe(port);
    expect(fromFile.output).toContain('config file  partnermock.config.yaml');
    expect(
      (await running!.fixtures.get<{ clientSecret: string }>('just2trade', 'clients', 'crm-demo'))!.clientSecret,
    ).toBe(await secretForSeed(5));
    // The file's own fixtures are served, and its disabled provider is not.
    expect(await running!.fixtures.get('b2copy', 'users', 'qa@crm.example')).toMatchObject({ password: 'Qa-Secret-1' });
    expect((await (await fetch(`${running!.url}/__mock/health`)).json()).providers).toEqual(['b2copy', 'just2trade']);
    await running!.close();
    running = undefined;

    await run(['--quiet'], { cwd: folder, env: { PORT: '0', PARTNERMOCK_SEED: '6' } });
    expect(running!.port).not.toBe(port);
    expect(
      (await running!.fixtures.get<{ clientSecret: string }>('just2trade', 'clients', 'crm-demo'))!.clientSecret,
    ).toBe(await secretForSeed(6));
    await running!.close();
    running = undefined;

    const flagPort = await freePort();
    await run(['--quiet', '--port', String(flagPort), '--seed', '7'], {
      cwd: folder,
      env: { PORT: '0', PARTNERMOCK_SEED: '6' },
    });
    expect(running!.port).toBe(flagPort);
    expect(
      (await running!.fixtures.get<{ clientSecret: string }>('just2trade', 'clients', 'crm-demo'))!.clientSecret,
    ).toBe(await secretForSeed(7));
  });

  it('an environment value its setting refuses is one line naming the variable, exit code 2', async () => {
    const cases: [NodeJS.ProcessEnv, string][] = [
      [
        { PORT: 'abc' },
        'Environment variable PORT must be a whole number from 0 to 65535 (0 picks a free port), got "abc".',
      ],
      [
        { PORT: '70000' },
        'Environment variable PORT must be a whole number from 0 to 65535 (0 picks a free port), got "70000".',
      ],
      [{ PARTNERMOCK_SEED: '1.5' }, 'Environment variable PARTNERMOCK_SEED must be a whole number, got "1.5".'],
      [
        { PARTNERMOCK_VALIDATE_RESPONSES: 'maybe' },
        'Environment variable PARTNERMOCK_VALIDATE_RESPONSES must be true or false (or 1/0, yes/no, on/off), got "maybe".',
      ],
      [
        { PARTNERMOCK_PUBLIC_URL: 'localhost:4010' },
        'Environment variable PARTNERMOCK_PUBLIC_URL must be an http:// or https:// URL without query or fragment, like http://localhost:4010, got "localhost:4010".',
      ],
      [
        { PARTNERMOCK_JOURNAL_SIZE: '0' },
        'Environment variable PARTNERMOCK_JOURNAL_SIZE must be a whole number of at least 1, got "0".',
      ],
      [
        { PARTNERMOCK_BODY_LIMIT: 'lots' },
        'Environment variable PARTNERMOCK_BODY_LIMIT must be a number of bytes or a size like 512kb or 1mb, got "lots".',
      ],
    ];
    for (const [env, message] of cases) {
      for (const argv of [['--quiet'], ['config', 'show']]) {
        const { error } = await run(argv, { env, cwd: folders.make() });
        expect(error, JSON.stringify(env)).toBeInstanceOf(UsageError);
        expect(error!.message).toBe(message);
      }
    }
    expect((await run(['--public-url', 'ftp://x'])).error!.message).toMatch(
      /^--public-url must be an http:\/\/ or https:\/\/ URL/,
    );
    // An empty variable is unset; the accepted spellings of a boolean.
    const ok = await run(['config', 'show'], {
      env: { PORT: '', PARTNERMOCK_VALIDATE_RESPONSES: 'off', PARTNERMOCK_BODY_LIMIT: '2mb' },
      cwd: folders.make(),
    });
    expect(shown(ok.output, 'port')).toEqual(['4010', 'default']);
    expect(shown(ok.output, 'validateResponses')).toEqual(['false', 'env PARTNERMOCK_VALIDATE_RESPONSES']);
    expect(shown(ok.output, 'bodyLimit')).toEqual(['2mb', 'env PARTNERMOCK_BODY_LIMIT']);
  });

  it('--provider may not ask for a provider the file disables; --watch needs a file', async () => {
    const folder = teamFolder();
    expect((await run(['--provider', 'keeta', '--port', '0'], { cwd: folder })).error!.message).toBe(
      '--provider keeta: partnermock.config.yaml disables it (providers.keeta.enabled: false).',
    );
    expect((await run(['--watch', '--port', '0'], { cwd: folders.make() })).error!.message).toMatch(
      /^--watch needs a config file: --config <path>, PARTNERMOCK_CONFIG, or partnermock\.config\.yaml/,
    );
  });
});

describe('partnermock init', () => {
  /** Every commented-out line of configuration (`# key: ...`, `# - ...`), uncommented (see init-config.ts). */
  const uncommented = (text: string) => text.replace(/^( *)# ( *(?:- |[A-Za-z$][\w$]*:(?: |$)).*)$/gm, '$1$2');

  it('writes a commented partnermock.config.yaml that checks and starts, and never overwrites one', async () => {
    const folder = folders.make();
    const written = await run(['init'], { cwd: folder });
    expect(written.error).toBeUndefined();
    expect(written.output).toMatch(/^Wrote partnermock\.config\.yaml\. Check it with partnermock config check,/);
    const text = readFileSync(`${folder}/partnermock.config.yaml`, 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./node_modules/partnermock/config.schema.json');
    for (const key of ['port: 4010', 'host: 127.0.0.1', 'seed: 1', 'validateResponses: true', '# journalSize: 500']) {
      expect(text).toContain(key);
    }
    for (const provider of ['b2copy', 'just2trade', 'keeta']) expect(text).toContain(`  ${provider}:\n`);
    expect(text).toContain('#   accessTokenTtlSeconds: 3600'); // the options, at their defaults
    expect(text).toContain('#       mode: shop_level_authorization_code');
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(120);

    expect((await run(['config', 'check'], { cwd: folder })).output).toBe(
      'OK partnermock.config.yaml: valid; providers b2copy, just2trade, keeta.',
    );
    const started = await run(['--port', '0', '--quiet'], { cwd: folder });
    expect(started.error).toBeUndefined();
    expect((await fetch(`${running!.url}/__mock/health`)).status).toBe(200);

    const again = await run(['init'], { cwd: folder });
    expect(again.error).toBeInstanceOf(UsageError);
    expect(again.error!.message).toBe(
      'partnermock.config.yaml already exists: partnermock init never overwrites a file (remove it, or name another: partnermock init <path>).',
    );
    expect(readFileSync(`${folder}/partnermock.config.yaml`, 'utf8')).toBe(text);
  });

  it('writes to a path it is given, and its commented examples, uncommented, are a valid config', async () => {
    const folder = folders.make();
    expect((await run(['init', 'conf/team.yaml'], { cwd: folder })).error!.message).toMatch(
      /^Cannot write conf\/team\.yaml: ENOENT/,
    );
    writeFile(folder, 'conf/keys/crm-staging.pub.pem', publicKeyPem('p256'));
    expect((await run(['init', 'conf/team.yaml'], { cwd: folder })).output).toMatch(
      /^Wrote conf\/team\.yaml\. Check it with partnermock config check conf\/team\.yaml, .* start with partnermock --config conf\/team\.yaml\.$/,
    );
    const text = uncommented(readFileSync(`${folder}/conf/team.yaml`, 'utf8'));
    expect(text).toContain('\n    fixtures:\n      mode: merge\n      users:\n');
    writeFile(folder, 'conf/team.yaml', text.replace('port: 4010', 'port: 0'));
    // The token comes from the environment: the template holds none of its own.
    const env = { PARTNERMOCK_CONTROL_TOKEN: 'init-template-token-0123456789' };
    expect(text).toContain('controlToken: ${PARTNERMOCK_CONTROL_TOKEN}');
    expect((await run(['config', 'check', 'conf/team.yaml'], { cwd: folder, env })).output).toMatch(
      /^OK conf\/team\.yaml/,
    );
    const started = await run(['--config', 'conf/team.yaml', '--quiet'], { cwd: folder, env });
    expect(started.error?.message, started.error?.message).toBeUndefined();
    expect(await running!.fixtures.get('b2copy', 'integrations', 'crm-staging')).toMatchObject({
      allowedIps: ['127.0.0.1', '::1', '10.0.0.0/8', 'fd00::/8'],
    });
    expect(await running!.fixtures.get('just2trade', 'clients', 'my-crm')).toMatchObject({ clientSecret: 'change-me' });
    expect(await running!.fixtures.get('keeta', 'apps', 'my-shop-app')).toMatchObject({
      mode: 'shop_level_authorization_code',
    });
  });
});
