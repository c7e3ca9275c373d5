/**
 * `partnermock --watch`: a valid edit of the file (or of a file it reads through `{ file }`) reaches new
 * sessions and reset ones and is logged in one line, once per change; an invalid edit is reported and the
 * running config kept; what needs a restart is named, not applied; watching stops with the server. In
 * process through cli(), and once as the CLI's own process.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { cli } from '../../src/cli.ts';
import { changedKeys, configSnapshot, watchConfigFiles } from '../../src/config/watch-config.ts';
import type { RunningMockServer } from '../../src/index.ts';
import { sleep, spawnCli, tempFolders, waitFor, writeFile, type CliProcess } from '../support/config-files.ts';

const folders = tempFolders();
let running: RunningMockServer | undefined;
let child: CliProcess | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
  await child?.stop();
  child = undefined;
  folders.cleanup();
});

const config = (user: string, extra = '') =>
  [
    extra,
    'providers:',
    '  b2copy:',
    '    fixtures:',
    `      users: [{ email: ${user}, password: Pw-1 }]`,
    '  just2trade:',
    '    fixtures:',
    '      clients:',
    '        - { clientId: crm, clientSecret: { file: ./secret.txt }, redirectUris: [http://localhost/cb] }',
    '',
  ].join('\n');

/** Starts `partnermock --watch` in process on a folder with `config(user)`; its printed lines and errors. */
async function startWatching(user = 'first@crm.example') {
  const folder = folders.make();
  writeFile(folder, 'secret.txt', 'secret-one');
  const file = writeFile(folder, 'partnermock.config.yaml', config(user));
  const printed: string[] = [];
  const errors: string[] = [];
  running = await cli(['--watch', '--port', '0', '--quiet'], {}, (text) => printed.push(text), {
    cwd: folder,
    printError: (text) => errors.push(text),
  });
  expect(printed[0]).toContain('config file  partnermock.config.yaml (watching for changes)');
  const reloads = () => printed.filter((line) => line.startsWith('config '));
  return { folder, file, printed, errors, reloads };
}

async function users(session?: string): Promise<string[]> {
  const answer = await fetch(`${running!.url}/__mock/b2copy/users`, {
    headers: session ? { 'X-Mock-Session': session } : {},
  });
  return ((await answer.json()) as { email: string }[]).map((user) => user.email);
}

describe('--watch', () => {
  it('a valid edit reaches new and reset sessions, is logged once, and an invalid one keeps the running config', async () => {
    const { file, errors, reloads } = await startWatching();
    expect(await users()).toContain('first@crm.example'); // the default session now exists

    writeFileSync(file, config('second@crm.example'));
    const [line] = await waitFor(() => (reloads().length ? reloads() : undefined), 'the reload line');
    expect(line).toBe(
      'config partnermock.config.yaml reloaded: providers.b2copy.fixtures.users changed, for new sessions and sessions reset from now on.',
    );
    expect(await users('a-new-session')).toEqual(['username@example.com', 'second@crm.example']);
    expect(await users()).toContain('first@crm.example'); // a running session keeps what it began with
    await fetch(`${running!.url}/__mock/reset`, { method: 'POST' });
    expect(await users()).toEqual(['username@example.com', 'second@crm.example']);

    // An invalid edit: every problem reported, nothing reloaded, the running config kept.
    writeFileSync(file, config('not-an-email').replace('providers:', 'prot: 1\nproviders:'));
    const report = await waitFor(() => errors[0], 'the problems of the invalid edit');
    expect(report.split('\n')).toEqual([
      'partnermock.config.yaml is not valid (2 problems); not reloaded, the running config is kept:',
      expect.stringMatching(/^partnermock\.config\.yaml:2:1 prot: unknown key "prot" \(did you mean "port"\?\)/),
      'partnermock.config.yaml:6:17 providers.b2copy.fixtures.users[0].email: must match format "email", not "not-an-email"',
    ]);
    expect(await users('after-the-bad-edit')).toEqual(['username@example.com', 'second@crm.example']);
    expect(reloads()).toHaveLength(1);

    // Fixed again: applied.
    writeFileSync(file, config('third@crm.example'));
    await waitFor(() => reloads().length === 2, 'the second reload');
    expect(await users('after-the-fix')).toEqual(['username@example.com', 'third@crm.example']);
    expect(errors).toHaveLength(1);
  });

  it('reloads once per burst of writes, and for a save that replaces the file (write, then rename)', async () => {
    const { folder, file, reloads } = await startWatching();
    for (const user of ['a@crm.example', 'b@crm.example', 'c@crm.example']) {
      writeFileSync(file, config(user));
      await sleep(10);
    }
    await waitFor(() => reloads().length === 1, 'one reload');
    await sleep(600); // no echo of the same burst
    expect(reloads()).toHaveLength(1);
    expect(await users('burst')).toContain('c@crm.example');

    // An editor's atomic save: a new file renamed over the old one.
    writeFile(folder, '.partnermock.config.yaml.swp', config('renamed@crm.example'));
    renameSync(`${folder}/.partnermock.config.yaml.swp`, file);
    await waitFor(() => reloads().length === 2, 'the reload after the rename');
    expect(await users('renamed')).toContain('renamed@crm.example');

    // Touching the file without changing it reloads nothing.
    writeFileSync(file, config('renamed@crm.example'));
    await sleep(600);
    expect(reloads()).toHaveLength(2);
  });

  it('a change of a file the config reads ({ file }) reloads too', async () => {
    const { folder, reloads } = await startWatching();
    const secret = async (session: string) =>
      (
        (await (
          await fetch(`${running!.url}/__mock/just2trade/clients/crm`, { headers: { 'X-Mock-Session': session } })
        ).json()) as { clientSecret: string }
      ).clientSecret;
    expect(await secret('before')).toBe('secret-one');
    writeFileSync(`${folder}/secret.txt`, 'secret-two');
    const [line] = await waitFor(() => (reloads().length ? reloads() : undefined), 'the reload line');
    expect(line).toBe(
      'config partnermock.config.yaml reloaded: providers.just2trade.fixtures.clients changed, for new sessions and sessions reset from now on.',
    );
    expect(await secret('after')).toBe('secret-two');
  });

  it('names what needs a restart instead of applying it, and what a flag overrides', async () => {
    const { file, reloads } = await startWatching();
    writeFileSync(
      file,
      config('first@crm.example', 'seed: 9\nport: 4999\nproviders_: 1').replace('providers_: 1\n', ''),
    );
    await waitFor(() => reloads().length === 1, 'the reload line');
    expect(reloads()[0]).toBe(
      'config partnermock.config.yaml reloaded: seed changed, which needs a restart (not applied); ' +
        'port changed in the file, but flag --port sets it.',
    );
    writeFileSync(
      file,
      config('first@crm.example', 'seed: 9\nport: 4999').replace('  b2copy:', '  b2copy:\n    enabled: false'),
    );
    await waitFor(() => reloads().length === 2, 'the second reload line');
    expect(reloads()[1]).toBe(
      'config partnermock.config.yaml reloaded: providers.b2copy.enabled changed, which needs a restart (not applied).',
    );
    // b2copy is still served.
    expect((await fetch(`${running!.url}/__mock/b2copy/users`)).status).toBe(200);
  });

  it('stops watching when the server closes', async () => {
    const { file, reloads, errors } = await startWatching();
    await running!.close();
    running = undefined;
    writeFileSync(file, config('late@crm.example'));
    await sleep(600);
    expect(reloads()).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('as a process: the edit is logged on stdout, the bad edit on stderr, and SIGTERM still stops it', async () => {
    const folder = folders.make();
    writeFile(folder, 'secret.txt', 'secret-one');
    const file = writeFile(folder, 'team.yaml', config('first@crm.example'));
    child = spawnCli(['--config', file, '--watch', '--port', '0', '--quiet']);
    const [, url] = await child.waitForOutput(/listening on (http:\/\/localhost:\d+)/);
    writeFileSync(file, config('second@crm.example'));
    await child.waitForOutput(/reloaded: providers\.b2copy\.fixtures\.users changed/);
    const listed = await fetch(`${url}/__mock/b2copy/users`, { headers: { 'X-Mock-Session': 'fresh' } });
    expect(((await listed.json()) as { email: string }[]).map((user) => user.email)).toContain('second@crm.example');
    writeFileSync(file, 'providers: [\n');
    await waitFor(() => /not valid \(1 problem\); not reloaded/.test(child!.stderr()), 'the problem on stderr', 10_000);
    child.child.kill('SIGTERM');
    expect(await child.exited()).toBe(0);
  }, 30_000);
});

describe('watchConfigFiles', () => {
  it('reloads a change made after the files were loaded but before watching began (no event reports it)', async () => {
    const folder = folders.make();
    const file = writeFile(folder, 'team.yaml', 'seed: 1\n');
    const loaded = configSnapshot([file]);
    writeFileSync(file, 'seed: 2\n');
    let reloads = 0;
    const watcher = watchConfigFiles({
      files: () => [file],
      since: loaded,
      reload: async () => void reloads++,
      onError: () => {},
    });
    try {
      await waitFor(() => reloads === 1, 'the reload', 5000);
      await watcher.idle();
      expect(reloads).toBe(1);
    } finally {
      watcher.close();
    }
  });

  it('reloads nothing when the files read as they did when loaded', async () => {
    const folder = folders.make();
    const file = writeFile(folder, 'team.yaml', 'seed: 1\n');
    let reloads = 0;
    const watcher = watchConfigFiles({
      files: () => [file],
      since: configSnapshot([file]),
      reload: async () => void reloads++,
      onError: () => {},
    });
    await sleep(400);
    await watcher.idle();
    watcher.close();
    expect(reloads).toBe(0);
  });
});

describe('changedKeys', () => {
  it('names settings, and per provider enabled, options and each collection', () => {
    expect(
      changedKeys(
        { port: 1, providers: { b2copy: { options: { a: 1 }, fixtures: { users: [1] } } } },
        {
          port: 2,
          seed: 3,
          providers: { b2copy: { options: { a: 1 }, fixtures: { users: [2], admins: [] } }, keeta: { enabled: false } },
        },
      ),
    ).toEqual([
      'port',
      'providers.b2copy.fixtures.users',
      'providers.b2copy.fixtures.admins',
      'providers.keeta.enabled',
      'seed',
    ]);
    expect(changedKeys({ providers: {} }, { providers: {} })).toEqual([]);
  });
});
