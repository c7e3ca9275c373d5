/**
 * Every invalid case of issue 15, each with its message: the file, the line (and column), the key path,
 * what is wrong and what is allowed; every problem of a file at once; and nothing started, in process and
 * as the CLI's own process (exit code 2, the problems on stderr, the port not listening).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cli, ConfigProblemsError, UsageError } from '../../src/cli.ts';
import { ConfigError, formatProblem, loadConfigFile, loadConfigObject } from '../../src/config/load-config.ts';
import { startMockServer } from '../../src/index.ts';
import {
  freePort,
  isListening,
  publicKeyPem,
  spawnCli,
  tempFolders,
  writeFile,
  type CliProcess,
} from '../support/config-files.ts';

const folders = tempFolders();
let child: CliProcess | undefined;
afterEach(async () => {
  await child?.stop();
  child = undefined;
  folders.cleanup();
});

/** The problems of `text` as a config file, each formatted as the CLI prints it (file:line:column path: what). */
async function problemsOf(text: string, env: NodeJS.ProcessEnv = {}, extra: Record<string, string> = {}) {
  const folder = folders.make();
  for (const [name, content] of Object.entries(extra)) writeFile(folder, name, content);
  const file = writeFile(folder, 'partnermock.config.yaml', text);
  const error = await loadConfigFile(file, env).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error, 'the file should be refused').toBeInstanceOf(ConfigError);
  return {
    file,
    folder,
    lines: (error as ConfigError).problems.map((problem) => formatProblem({ ...problem, file: 'F' })),
  };
}

describe('an invalid config file: each problem with its place and what is allowed', () => {
  it('an unknown key, with did-you-mean and the allowed keys, at top level and in a provider', async () => {
    const { lines } = await problemsOf('prot: 4010\nproviders:\n  b2copy:\n    optons: {}\n');
    expect(lines).toEqual([
      expect.stringMatching(
        /^F:1:1 prot: unknown key "prot" \(did you mean "port"\?\); allowed: \$schema, port, host, publicUrl, seed, .*providers, faults, plugins$/,
      ),
      'F:4:5 providers.b2copy.optons: unknown key "optons" (did you mean "options"?); allowed: enabled, latency, options, fixtures',
    ]);
  });

  it('an unknown option of a provider names the options', async () => {
    const { lines } = await problemsOf('providers:\n  just2trade:\n    options:\n      codeTtlSecond: 5\n');
    expect(lines).toEqual([
      expect.stringMatching(
        /^F:4:7 providers\.just2trade\.options\.codeTtlSecond: unknown key "codeTtlSecond" \(did you mean "codeTtlSeconds"\?\); allowed: codeTtlSeconds, accessTokenTtlSeconds, /,
      ),
    ]);
  });

  it('wrong types say what is expected and what was given', async () => {
    const { lines } = await problemsOf(
      [
        'port: abc',
        'seed: 1.5',
        'validateResponses: "no"',
        'providers:',
        '  b2copy:',
        '    options: { accessTokenTtlSeconds: 0 }',
        '    fixtures:',
        '      users: { email: a@b.co }',
        '',
      ].join('\n'),
    );
    expect(lines).toEqual([
      'F:1:1 port: must be integer, not string "abc"',
      'F:2:1 seed: must be integer, not number 1.5',
      'F:3:1 validateResponses: must be boolean, not string "no"',
      'F:6:16 providers.b2copy.options.accessTokenTtlSeconds: must be >= 1, not 0',
      'F:8:7 providers.b2copy.fixtures.users: must be array, not a mapping',
    ]);
  });

  it('an unknown provider, with did-you-mean and the providers there are', async () => {
    const { lines } = await problemsOf('providers:\n  kheeta: { enabled: true }\n');
    expect(lines).toEqual([
      'F:2:3 providers.kheeta: unknown provider "kheeta" (did you mean "keeta"?); allowed: b2copy, just2trade, keeta',
    ]);
  });

  it('an unknown collection, and a read-only one, name the collections there are', async () => {
    const { lines } = await problemsOf(
      'providers:\n  keeta:\n    fixtures:\n      merchant: []\n      authorizations: []\n',
    );
    expect(lines).toEqual([
      'F:4:7 providers.keeta.fixtures.merchant: unknown collection "merchant" (did you mean "merchants"?); allowed: mode, apps, merchants',
      expect.stringMatching(/^F:5:7 providers\.keeta\.fixtures\.authorizations: unknown collection "authorizations"/),
    ]);
  });

  it('an unknown fixture mode lists the modes', async () => {
    const { lines } = await problemsOf('providers:\n  keeta:\n    fixtures:\n      mode: mix\n');
    expect(lines).toEqual(['F:4:7 providers.keeta.fixtures.mode: must be one of "merge", "replace", not "mix"']);
  });

  it('duplicate ids within a collection, naming the first', async () => {
    const { lines } = await problemsOf(
      [
        'providers:',
        '  just2trade:',
        '    fixtures:',
        '      clients:',
        '        - { clientId: crm, clientSecret: s1, redirectUris: [http://localhost/a] }',
        '        - { clientId: other, clientSecret: s2, redirectUris: [http://localhost/b] }',
        '        - { clientId: crm, clientSecret: s3, redirectUris: [http://localhost/c] }',
        '',
      ].join('\n'),
    );
    expect(lines).toEqual([
      'F:7:13 providers.just2trade.fixtures.clients[2].clientId: duplicate clientId "crm" (also clients[0])',
    ]);
  });

  it('items the collection schema refuses: the redirect URI at its index, a missing field, a bad range', async () => {
    const { lines } = await problemsOf(
      [
        'providers:',
        '  just2trade:',
        '    fixtures:',
        '      clients:',
        '        - clientId: crm',
        '          clientSecret: s',
        '          redirectUris:',
        '            - http://localhost:3000/callback',
        '            - not a uri',
        '            - http://localhost:3000/cb#fragment',
        '      users:',
        '        - { login: qa, email: qa@crm.example }',
        '  b2copy:',
        '    fixtures:',
        '      integrations:',
        '        - keyId: k',
        '          publicKeyPem: { file: ./k.pem }',
        '          allowedIps: [10.0.0.0/33]',
        '',
      ].join('\n'),
      {},
      { 'k.pem': publicKeyPem('p256') },
    );
    expect(lines).toEqual([
      'F:9:15 providers.just2trade.fixtures.clients[0].redirectUris[1]: must match format "uri", not "not a uri"',
      'F:10:15 providers.just2trade.fixtures.clients[0].redirectUris[2]: must match pattern "^[^#]*$", not "http://localhost:3000/cb#fragment"',
      'F:12:11 providers.just2trade.fixtures.users[0]: missing "password"',
      'F:18:24 providers.b2copy.fixtures.integrations[0].allowedIps[0]: must match pattern "^[^/]*/(3[0-2]|[12]?[0-9])$", not "10.0.0.0/33"',
    ]);
  });

  it('a { file } that cannot be read: missing, or a folder', async () => {
    const { lines, folder } = await problemsOf(
      [
        'providers:',
        '  b2copy:',
        '    fixtures:',
        '      integrations:',
        '        - { keyId: a, publicKeyPem: { file: ./keys/missing.pem }, allowedIps: [127.0.0.1] }',
        '        - { keyId: b, publicKeyPem: { file: ./keys }, allowedIps: [127.0.0.1] }',
        '',
      ].join('\n'),
      {},
      { 'keys/other.pem': publicKeyPem('p256') },
    );
    expect(lines).toEqual([
      `F:5:39 providers.b2copy.fixtures.integrations[0].publicKeyPem.file: cannot read ${folder}/keys/missing.pem: no such file`,
      expect.stringMatching(
        new RegExp(
          `^F:6:39 providers\\.b2copy\\.fixtures\\.integrations\\[1\\]\\.publicKeyPem\\.file: cannot read ${folder}/keys: .*EISDIR`,
        ),
      ),
    ]);
  });

  it('a public key that is not EC P-256: RSA, and P-384', async () => {
    const { lines } = await problemsOf(
      [
        'providers:',
        '  b2copy:',
        '    fixtures:',
        '      integrations:',
        '        - { keyId: rsa, publicKeyPem: { file: ./rsa.pem }, allowedIps: [127.0.0.1] }',
        '        - { keyId: p384, publicKeyPem: { file: ./p384.pem }, allowedIps: [127.0.0.1] }',
        '        - { keyId: good, publicKeyPem: { file: ./p256.pem }, allowedIps: [127.0.0.1] }',
        '',
      ].join('\n'),
      {},
      { 'rsa.pem': publicKeyPem('rsa'), 'p384.pem': publicKeyPem('p384'), 'p256.pem': publicKeyPem('p256') },
    );
    expect(lines).toEqual([
      'F:5:25 providers.b2copy.fixtures.integrations[0].publicKeyPem: must be an EC P-256 key, not RSA',
      'F:6:26 providers.b2copy.fixtures.integrations[1].publicKeyPem: must be an EC key on P-256 (prime256v1) for ES256, not secp384r1',
    ]);
  });

  it('a YAML syntax error, with its line and column', async () => {
    const { lines } = await problemsOf('port: 4010\nproviders:\n  b2copy:\n    enabled: true\n   options: {}\n');
    expect(lines).toEqual(['F:5:1: not valid YAML: All mapping items must start at the same column']);
    const unclosed = await problemsOf('providers:\n  keeta:\n    fixtures:\n      merchants: [{ id: "1", name: A }\n');
    expect(unclosed.lines).toEqual([expect.stringMatching(/^F:\d+:\d+: not valid YAML: .*end with a \]$/)]);
    const duplicate = await problemsOf('port: 1\nseed: 2\nport: 3\n');
    expect(duplicate.lines).toEqual(['F:3:1: not valid YAML: Map keys must be unique']);
  });

  it('an unset ${ENV} is an error that says how to give a default; ${ENV:-default} and a set variable are not', async () => {
    const text = [
      'publicUrl: ${PUBLIC_URL:-http://localhost:4999}',
      'providers:',
      '  just2trade:',
      '    fixtures:',
      '      clients:',
      '        - clientId: crm',
      '          clientSecret: ${J2T_SECRET}',
      '          redirectUris: ["${CALLBACK_BASE:-http://localhost:3000}/callback"]',
      '',
    ].join('\n');
    const { lines } = await problemsOf(text);
    expect(lines).toEqual([
      'F:7:11 providers.just2trade.fixtures.clients[0].clientSecret: uses ${J2T_SECRET}, which is not set (write ${J2T_SECRET:-default} for a default)',
    ]);
    const folder = folders.make();
    const file = writeFile(folder, 'partnermock.config.yaml', text);
    const loaded = await loadConfigFile(file, { J2T_SECRET: 's3cret', CALLBACK_BASE: 'https://crm.example' });
    expect(loaded.data.publicUrl).toBe('http://localhost:4999');
    expect(loaded.data.providers?.just2trade?.fixtures?.clients).toEqual([
      { clientId: 'crm', clientSecret: 's3cret', redirectUris: ['https://crm.example/callback'] },
    ]);
  });

  it('a plugin that cannot be loaded: no such file, or a module that is no plugin', async () => {
    const { lines, folder } = await problemsOf(
      'plugins: [./missing-plugin.ts, ./not-a-plugin.mjs]\n',
      {},
      {
        'not-a-plugin.mjs': 'export const nothing = 1;\n',
      },
    );
    expect(lines).toEqual([
      `F:1:11 plugins[0]: cannot be loaded: no such file ${folder}/missing-plugin.ts`,
      'F:1:32 plugins[1]: cannot be loaded: ./not-a-plugin.mjs has no default export (or export named "plugin").',
    ]);
  });

  it('lists every problem of a file at once, in file order', async () => {
    const { lines } = await problemsOf(
      [
        'prot: 1',
        'providers:',
        '  kheeta: {}',
        '  b2copy:',
        '    fixtures:',
        '      users: [{ email: not-an-email, password: x }]',
        '',
      ].join('\n'),
    );
    expect(lines).toEqual([
      expect.stringMatching(/^F:1:1 prot: unknown key/),
      expect.stringMatching(/^F:3:3 providers\.kheeta: unknown provider/),
      'F:6:17 providers.b2copy.fixtures.users[0].email: must match format "email", not "not-an-email"',
    ]);
  });

  it('a config given as an object is held to the same rules (no file or line to name)', async () => {
    const error = await loadConfigObject({
      providers: { b2copy: { fixtures: { users: [{ email: 'a@b.co' }] } } },
    }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe('config providers.b2copy.fixtures.users[0]: missing "password"');
    await expect(startMockServer({ config: { prot: 1 } as never, port: 0 })).rejects.toThrow(/unknown key "prot"/);
  });
});

describe('nothing starts until the whole file is valid', () => {
  const invalid = [
    'port: PORT_PLACEHOLDER',
    'providers:',
    '  just2trade:',
    '    fixtures:',
    '      clients:',
    '        - { clientId: crm, clientSecret: s, redirectUris: [http://localhost/cb, not a uri] }',
    '  kheeta: {}',
    '',
  ].join('\n');

  it('in process: cli() rejects with every problem, exit code 2, and the port is not listening', async () => {
    const port = await freePort();
    const folder = folders.make();
    const file = writeFile(folder, 'team.yaml', invalid.replace('PORT_PLACEHOLDER', String(port)));
    const error = await cli(['--config', file, '--quiet'], {}, () => {}, { cwd: folder }).catch(
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ConfigProblemsError);
    expect(error).toBeInstanceOf(UsageError); // exit code 2
    expect((error as Error).message.split('\n')).toEqual([
      'team.yaml is not valid (2 problems); nothing started:',
      'team.yaml:6:81 providers.just2trade.fixtures.clients[0].redirectUris[1]: must match format "uri", not "not a uri"',
      'team.yaml:7:3 providers.kheeta: unknown provider "kheeta" (did you mean "keeta"?); allowed: b2copy, just2trade, keeta',
    ]);
    expect(await isListening(port)).toBe(false);
  });

  it('as a process: exit code 2, the problems on stderr, nothing on stdout, the port never listening', async () => {
    const port = await freePort();
    const folder = folders.make();
    const file = writeFile(folder, 'team.yaml', invalid.replace('PORT_PLACEHOLDER', String(port)));
    child = spawnCli(['--config', file]);
    expect(await child.exited()).toBe(2);
    expect(child.stdout()).toBe('');
    const lines = child.stderr().trim().split('\n');
    expect(lines[0]).toBe(`${file} is not valid (2 problems); nothing started:`);
    expect(lines.slice(1)).toEqual([
      `${file}:6:81 providers.just2trade.fixtures.clients[0].redirectUris[1]: must match format "uri", not "not a uri"`,
      `${file}:7:3 providers.kheeta: unknown provider "kheeta" (did you mean "keeta"?); allowed: b2copy, just2trade, keeta`,
    ]);
    expect(await isListening(port)).toBe(false);
  });

  it('config check reports the same problems, exit code 2, starting nothing', async () => {
    const folder = folders.make();
    writeFile(folder, 'partnermock.config.yaml', invalid.replace('PORT_PLACEHOLDER', '4010'));
    const error = await cli(['config', 'check'], {}, () => {}, { cwd: folder }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ConfigProblemsError);
    expect((error as Error).message.split('\n')).toEqual([
      'partnermock.config.yaml is not valid (2 problems):',
      expect.stringMatching(
        /^partnermock\.config\.yaml:6:81 providers\.just2trade\.fixtures\.clients\[0\]\.redirectUris\[1\]: /,
      ),
      expect.stringMatching(/^partnermock\.config\.yaml:7:3 providers\.kheeta: unknown provider/),
    ]);
  });
});
