/**
 * The B2COPY state in the state store, below the HTTP layer: the sweep (dead tokens, links and Web UI
 * sessions, then the families left without tokens), records that are JSON, and the signing keys — the
 * server's shared through the store and imported once per process, a session's kept as JWK JSON.
 */
import { describe, expect, it } from 'vitest';
import type { StateContext } from '../../src/index.ts';
import { MemoryStore } from '../../src/state/store/memory-store.ts';
import type { B2Copy } from '../../mocks/b2copy/index.ts';
import {
  addSigningKey,
  createKeys,
  currentKey,
  generateSigningKey,
  retireOldKeys,
  retiredAt,
  storedOf,
  type StoredSigningKey,
} from '../../mocks/b2copy/keys.ts';
import { DEFAULT_OPTIONS } from '../../mocks/b2copy/options.ts';
import { createB2CopyState, sweepB2CopyState, type B2CopyState } from '../../mocks/b2copy/state.ts';

const DAY_MS = 24 * 3600 * 1000;

/** A session's B2COPY state in a memory store, as the core makes it. */
function stateIn(store: MemoryStore, options: Partial<B2Copy['options']> = {}): B2CopyState {
  return createB2CopyState({
    options: { ...DEFAULT_OPTIONS, ...options },
    table: (name, tableOptions) => store.table('session', 'b2copy', name, tableOptions),
    value: (name) => store.value('session', 'b2copy', name),
  } as StateContext<B2Copy>);
}

const token = (jti: string, familyId: string, expiresAtSeconds: number) => ({
  jti,
  use: 'refresh' as const,
  familyId,
  issuedAtSeconds: expiresAtSeconds - 60,
  expiresAtSeconds,
});

describe('the B2COPY state', () => {
  it('sweeps dead tokens, links and Web UI sessions (after their retention), then families without tokens', async () => {
    const state = stateIn(new MemoryStore());
    const nowMs = 1_000_000 * 1000;
    const now = nowMs / 1000;
    await state.tokens.set('dead', token('dead', 'old', now - 2 * 24 * 3600));
    await state.tokens.set('recent', token('recent', 'kept', now - 60)); // expired, but still retained
    await state.tokens.set('live', token('live', 'live', now + 60));
    for (const id of ['old', 'kept', 'live'])
      await state.families.set(id, { id, sub: 'u', subType: 'back_office_user' });
    await state.authUrlTokens.set('a'.repeat(32), {
      token: 'a'.repeat(32),
      accountId: '1',
      investmentPlatformId: '1',
      expiresAtMs: nowMs - 2 * DAY_MS,
    });
    await state.authUrlTokens.set('b'.repeat(32), {
      token: 'b'.repeat(32),
      accountId: '1',
      investmentPlatformId: '1',
      expiresAtMs: nowMs + 60_000,
    });
    await state.webUiSessions.set('old', {
      accountId: '1',
      investmentPlatformId: '1',
      createdAtMs: nowMs - 2 * DAY_MS,
    });
    await state.webUiSessions.set('new', { accountId: '1', investmentPlatformId: '1', createdAtMs: nowMs });

    await sweepB2CopyState(state, nowMs);
    expect((await state.tokens.values()).map((each) => each.jti)).toEqual(['recent', 'live']);
    expect((await state.families.values()).map((family) => family.id)).toEqual(['kept', 'live']);
    expect((await state.authUrlTokens.values()).map((link) => link.token)).toEqual(['b'.repeat(32)]);
    expect(await state.webUiSessions.get('old')).toBeUndefined();
    expect(await state.webUiSessions.get('new')).toBeDefined();
  });

  it('marks a family forgotten when one of its tokens makes room, and revoked once, the first revocation kept', async () => {
    const state = stateIn(new MemoryStore(), { maxIssuedTokens: 2 });
    await state.families.set('f', { id: 'f', sub: 'u', subType: 'back_office_user' });
    await state.tokens.set('1', token('1', 'f', 100));
    await state.tokens.set('2', token('2', 'f', 100));
    expect((await state.families.get('f'))?.forgotten).toBeUndefined();
    await state.tokens.set('3', token('3', 'g', 100));
    expect(await state.families.get('f')).toEqual({ id: 'f', sub: 'u', subType: 'back_office_user', forgotten: true });

    const [first, second] = await Promise.all([
      state.families.mark('f', 'revoked', { atSeconds: 1, by: 'reuse_detection' }),
      state.families.mark('f', 'revoked', { atSeconds: 2, by: 'partner' }),
    ]);
    expect([first?.won, second?.won]).toEqual([true, false]);
    expect((await state.families.get('f'))?.revoked).toEqual({ atSeconds: 1, by: 'reuse_detection' });
    // A write of the family leaves its marks as they are.
    await state.families.set('f', { id: 'f', sub: 'u', subType: 'back_office_user' });
    const family = await state.families.get('f');
    expect(family).toMatchObject({ forgotten: true, revoked: { atSeconds: 1, by: 'reuse_detection' } });
    expect(JSON.parse(JSON.stringify(family))).toEqual(family);
  });
});

describe('B2COPY signing keys', () => {
  it('the server key is one shared value: every setup on a store signs with it, each importing it once', async () => {
    const store = new MemoryStore();
    const shared: Parameters<typeof createKeys>[1] = {
      shared: (name, create) => store.shared(`b2copy:${name}`, create),
    };
    const [a, b] = [createKeys([], shared), createKeys([], shared)];
    const [keyA, keyB] = await Promise.all([a.signing(), b.signing()]);
    expect(keyA.kid).toBe(keyB.kid);
    expect(await a.signing()).toBe(keyA); // imported once, then the same key
    // What is stored is JSON, no CryptoKey.
    const stored = await store.shared<StoredSigningKey>('b2copy:signing-key', () => Promise.reject(new Error('made')));
    expect(JSON.parse(JSON.stringify(stored))).toEqual(stored);
    expect(stored).toEqual(storedOf(keyA));
    expect(stored.privateJwk.d).toBeTypeOf('string');
    expect(stored.publicJwk).toMatchObject({ kid: keyA.kid, alg: 'RS256', use: 'sig' });
    expect(stored.publicJwk.d).toBeUndefined();

    // A store that failed is asked again by the next caller.
    let calls = 0;
    const flaky = createKeys([], {
      shared: async (_name, create) => {
        calls += 1;
        if (calls === 1) throw new Error('store down');
        return create();
      },
    });
    await expect(flaky.signing()).rejects.toThrow('store down');
    expect((await flaky.signing()).kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("a session's keys are JWK JSON, imported once per process by kid", async () => {
    const keys = createKeys([], { shared: async (_name, create) => create() });
    const server = await keys.signing();
    const next = await generateSigningKey();
    const session = addSigningKey(undefined, server, next);
    expect(JSON.parse(JSON.stringify(session))).toEqual(session);
    expect(session.published.map((key) => key.kid)).toEqual([server.kid, next.kid]);
    expect(currentKey(session).kid).toBe(next.kid);

    const stored = JSON.parse(JSON.stringify(currentKey(session))) as StoredSigningKey;
    const imported = keys.signingKey(stored);
    expect(keys.signingKey(JSON.parse(JSON.stringify(stored)))).toBe(imported);
    expect((await imported).kid).toBe(next.kid);
    expect(await keys.signingKey(session.published[0]!)).toBe(server); // the server's own, not imported again

    const { keys: retired, retired: kids } = retireOldKeys(session, 1234);
    expect(kids).toEqual([server.kid]);
    expect(retired).toEqual({ published: [storedOf(next)], retired: [{ kid: server.kid, atSeconds: 1234 }] });
    expect(retiredAt(retired, server.kid)).toBe(1234);
    expect(retiredAt(retired, next.kid)).toBeUndefined();
    expect(retireOldKeys(undefined, 1)).toEqual({ keys: undefined, retired: [] });
  });
});
