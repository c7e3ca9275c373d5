/**
 * A good config file gives the same mock as the same setup through the control API: every collection lists
 * the same items. `POST /__mock/reset` returns to the file's fixtures (not only the built-ins), and fixture
 * mode merge adds to the built-in items (replacing one by id) while replace keeps only the file's.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/load-config.ts';
import { startMockServer, type RunningMockServer } from '../../src/index.ts';

const TEAM = new URL('../../examples/team-staging.yaml', import.meta.url).pathname;
const servers: RunningMockServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(options: Parameters<typeof startMockServer>[0]) {
  const server = await startMockServer({ port: 0, ...options });
  servers.push(server);
  return server;
}

/** Where this process reaches the server (its public URL may name another host). */
const base = (server: RunningMockServer) => `http://127.0.0.1:${server.port}`;

async function list(server: RunningMockServer, provider: string, collection: string, session?: string) {
  const answer = await fetch(`${base(server)}/__mock/${provider}/${collection}`, {
    headers: session ? { 'X-Mock-Session': session } : {},
  });
  expect(answer.status).toBe(200);
  return (await answer.json()) as Record<string, unknown>[];
}

describe('a config file and the control API', () => {
  it('give the same mock: every collection of every provider lists the same items', async () => {
    // One public URL for both (it is in the Side Auth redirect URL), whatever ports they get.
    const publicUrl = 'http://mock.test:4010';
    const fromFile = await start({ config: TEAM, publicUrl });
    // The same setup by hand: the file's seed, then every item POSTed to the control API.
    const { data } = await loadConfigFile(TEAM);
    const byHand = await start({ seed: data.seed as number, publicUrl });
    for (const [provider, section] of Object.entries(data.providers ?? {})) {
      const { mode: _mode, ...collections } = section.fixtures ?? {};
      for (const [collection, items] of Object.entries(collections)) {
        for (const item of items as Record<string, unknown>[]) {
          const added = await fetch(`${base(byHand)}/__mock/${provider}/${collection}`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify(item),
          });
          expect(added.status, `${provider}/${collection} ${JSON.stringify(item)}`).toBe(201);
        }
      }
    }
    const providers = (await (await fetch(`${base(byHand)}/__mock/providers`)).json()) as {
      name: string;
      collections: { name: string }[] | string[];
    }[];
    let compared = 0;
    for (const provider of providers) {
      for (const entry of provider.collections) {
        const collection = typeof entry === 'string' ? entry : entry.name;
        if (collection === 'authorizations') continue; // read-only, filled by the merchant page
        expect(await list(fromFile, provider.name, collection), `${provider.name}/${collection}`).toEqual(
          await list(byHand, provider.name, collection),
        );
        compared += 1;
      }
    }
    expect(compared).toBe(9); // b2copy 5, just2trade 2, keeta 2
    // The items the file read from other files are in: the integration's public key is the file's.
    expect((await list(fromFile, 'b2copy', 'integrations')).find((item) => item.keyId === 'crm-staging')).toMatchObject(
      {
        publicKeyPem: readFileSync(new URL('../../examples/keys/crm-staging.public.pem', import.meta.url), 'utf8'),
      },
    );
  });

  it('POST /__mock/reset returns to the file fixtures, for one session or all', async () => {
    const server = await start({ config: TEAM });
    const emails = async (session?: string) =>
      (await list(server, 'b2copy', 'users', session)).map((user) => user.email);
    const fileUsers = ['username@example.com', 'qa@crm.example', 'qa-2fa@crm.example'];
    expect(await emails()).toEqual(fileUsers);
    await server.fixtures.remove('b2copy', 'users', 'qa@crm.example');
    await server.fixtures.add('b2copy', 'users', { email: 'extra@crm.example', password: 'x' });
    const session = server.session('s1');
    await session.fixtures.remove('b2copy', 'users', 'qa-2fa@crm.example');
    expect(await emails()).toEqual(['username@example.com', 'qa-2fa@crm.example', 'extra@crm.example']);
    await session.reset();
    expect(await emails('s1')).toEqual(fileUsers);
    expect(await emails()).not.toEqual(fileUsers); // only s1 was reset
    expect((await fetch(`${base(server)}/__mock/reset`, { method: 'POST' })).status).toBeLessThan(300);
    expect(await emails()).toEqual(fileUsers);
  });

  it('merge adds to the built-in items (a built-in id replaced); replace keeps only the file items', async () => {
    const users = [
      { email: 'username@example.com', password: 'Changed-1' },
      { email: 'new@crm.example', password: 'New-1' },
    ];
    const merged = await start({ config: { providers: { b2copy: { fixtures: { users } } } } });
    expect(await list(merged, 'b2copy', 'users')).toEqual([
      { email: 'username@example.com', password: 'Changed-1', twoFactor: false },
      { email: 'new@crm.example', password: 'New-1', twoFactor: false },
    ]);
    const replaced = await start({
      config: { providers: { b2copy: { fixtures: { mode: 'replace', users: [users[1]!] } } } },
    });
    expect(await list(replaced, 'b2copy', 'users')).toEqual([
      { email: 'new@crm.example', password: 'New-1', twoFactor: false },
    ]);
    // Collections the section does not name keep their built-in items, in either mode.
    expect(await list(replaced, 'b2copy', 'admins')).toEqual([{ id: 1 }]);
    // An empty list in replace mode empties the collection.
    const emptied = await start({ config: { providers: { keeta: { fixtures: { mode: 'replace', merchants: [] } } } } });
    expect(await list(emptied, 'keeta', 'merchants')).toEqual([]);
    expect((await list(emptied, 'keeta', 'apps')).map((app) => app.clientId)).toEqual(['keeta-demo']);
  });
});
