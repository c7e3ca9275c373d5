import { describe, expect, it } from 'vitest';
import { MockClock } from '../../src/state/clock.ts';
import { SessionRegistry, type ProviderScopeFactory } from '../../src/state/sessions.ts';
import { MemoryStore } from '../../src/state/store/memory-store.ts';

/** The largest time a JavaScript Date holds. */
const MAX_DATE_MS = 8.64e15;

/** A clock over a time source the test moves by hand. */
function clockAt(startMs: number) {
  let now = startMs;
  const clock = new MockClock(() => now);
  return {
    clock,
    setSource(ms: number) {
      now = ms;
    },
  };
}

const noProviders = (): ProviderScopeFactory => {
  throw new Error('no provider in these tests');
};

/** Session `s` of a registry over a memory store (or the one given), its time source standing at `startMs`. */
async function sessionClockAt(startMs: number, store = new MemoryStore()) {
  const sessions = new SessionRegistry(store, { buildProvider: noProviders, timeSource: () => startMs });
  /** The clock as last read: by opening the session, then by each advance (a refused one reads nothing). */
  let last = (await sessions.open('s')).clock;
  return {
    sessions,
    store,
    clock: {
      nowMs: () => last.nowMs(),
      nowSeconds: () => last.nowSeconds(),
      now: () => last.now(),
      get offsetMs() {
        return last.offsetMs;
      },
      get offsetSeconds() {
        return last.offsetSeconds;
      },
    },
    advance: async (seconds: number) => (last = await sessions.advanceClock('s', seconds)),
    /** The offset as the store holds it, in ms. */
    stored: async () => (await store.openSession('s')).clockOffsetMs,
  };
}

describe('MockClock readings', () => {
  it('reads the time source when it has no offset', () => {
    const { clock } = clockAt(1_700_000_000_999);
    expect(clock.nowMs()).toBe(1_700_000_000_999);
    expect(clock.nowSeconds()).toBe(1_700_000_000);
    expect(clock.now().toISOString()).toBe('2023-11-14T22:13:20.999Z');
    expect(clock.offsetMs).toBe(0);
    expect(clock.offsetSeconds).toBe(0);
  });

  it('adds its offset to every reading', () => {
    const { clock } = clockAt(1_700_000_000_999);
    clock.offsetMs = 1_500;
    expect(clock.nowMs()).toBe(1_700_000_002_499);
    expect(clock.nowSeconds()).toBe(1_700_000_002);
    expect(clock.now().toISOString()).toBe('2023-11-14T22:13:22.499Z');
    expect(clock.offsetSeconds).toBe(1.5);
  });

  it('follows its time source as it moves, keeping its offset', () => {
    const { clock, setSource } = clockAt(1_000_000);
    clock.offsetMs = 10_000;
    setSource(2_000_000);
    expect(clock.nowMs()).toBe(2_010_000);
    expect(clock.offsetSeconds).toBe(10);
  });

  it('uses Date.now when given no time source', () => {
    const clock = new MockClock();
    const before = Date.now();
    const reading = clock.nowMs();
    const after = Date.now();
    expect(reading).toBeGreaterThanOrEqual(before);
    expect(reading).toBeLessThanOrEqual(after);
    clock.offsetMs = 3_600_000;
    expect(clock.nowMs()).toBeGreaterThanOrEqual(before + 3_600_000);
  });
});

describe('SessionRegistry.advanceClock', () => {
  it.each<[string, number[], number, number]>([
    ['zero', [0], 0, 0],
    ['whole seconds', [90], 90, 90_000],
    ['fractions, to the millisecond', [1.5], 1.5, 1_500],
    ['less than half a millisecond (rounds away)', [0.0004], 0, 0],
    ['half a millisecond (rounds up)', [0.0005], 0.001, 1],
    ['several steps, adding up', [10, 5, 0.25], 15.25, 15_250],
    ['negative zero, as zero', [-0], 0, 0],
    ['a year', [365 * 24 * 3600], 31_536_000, 31_536_000_000],
  ])('moves forward by %s', async (_title, steps, offsetSeconds, offsetMs) => {
    const { clock, advance, stored } = await sessionClockAt(1_000_000);
    // Each advance answers the clock as it now reads, which is what the session's handle shows from then on.
    for (const step of steps) expect((await advance(step)).offsetMs).toBe(clock.offsetMs);
    expect(clock.offsetSeconds).toBe(offsetSeconds);
    expect(clock.nowMs()).toBe(1_000_000 + offsetMs);
    expect(await stored()).toBe(offsetMs);
  });

  it('moves nowSeconds by whole seconds as the milliseconds add up', async () => {
    const { clock, advance } = await sessionClockAt(10_400);
    expect(clock.nowSeconds()).toBe(10);
    await advance(0.5);
    expect(clock.nowSeconds()).toBe(10);
    await advance(0.1);
    expect(clock.nowSeconds()).toBe(11);
  });

  it('moves only the session it names', async () => {
    const { sessions, advance } = await sessionClockAt(1_000_000);
    await advance(60);
    expect((await sessions.open('other')).clock.offsetSeconds).toBe(0);
    expect((await sessions.open('s')).clock.offsetSeconds).toBe(60);
  });

  it.each<[string, number]>([
    ['a step backwards', -1],
    ['a tiny step backwards', -0.001],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
  ])('refuses %s and changes nothing', async (_title, seconds) => {
    const { clock, advance, stored } = await sessionClockAt(1_000_000);
    await advance(20);
    await expect(advance(seconds)).rejects.toThrow(
      new RangeError('The clock only moves forward: seconds must be a finite number >= 0.'),
    );
    await expect(advance(seconds)).rejects.toBeInstanceOf(RangeError);
    expect(clock.offsetSeconds).toBe(20);
    expect(clock.nowMs()).toBe(1_020_000);
    expect(await stored()).toBe(20_000);
  });

  it('moves up to the last date JavaScript holds, and no further', async () => {
    const { sessions, clock, advance, stored } = await sessionClockAt(MAX_DATE_MS - 2_000);
    await advance(1);
    await advance(1);
    expect(clock.nowMs()).toBe(MAX_DATE_MS);
    expect(clock.now().toISOString()).toBe('+275760-09-13T00:00:00.000Z');

    await expect(advance(0.001)).rejects.toBeInstanceOf(RangeError);
    await expect(advance(0.001)).rejects.toThrow(/past \+275760-09-13T00:00:00\.000Z/);
    expect(clock.offsetSeconds).toBe(2);
    expect(clock.nowMs()).toBe(MAX_DATE_MS);
    expect(await stored()).toBe(2_000);
    expect((await sessions.open('s')).clock.nowMs()).toBe(MAX_DATE_MS);
  });

  it('refuses a single huge step that would overflow Date, keeping the earlier offset', async () => {
    const { clock, advance, stored } = await sessionClockAt(1_000_000);
    await advance(1);
    await expect(advance(Number.MAX_SAFE_INTEGER)).rejects.toBeInstanceOf(RangeError);
    expect(clock.offsetSeconds).toBe(1);
    expect(await stored()).toBe(1_000);
    expect(Number.isNaN(clock.now().getTime())).toBe(false);
  });
});

describe('the clock offset, shared through the store', () => {
  it('is seen by a second registry over the same store, and added to from either', async () => {
    const one = await sessionClockAt(1_000_000);
    const two = await sessionClockAt(1_000_000, one.store);
    await one.advance(30);
    expect((await two.sessions.open('s')).clock.offsetSeconds).toBe(30);
    await two.advance(10);
    expect(two.clock.offsetSeconds).toBe(40);
    expect((await one.sessions.open('s')).clock.nowMs()).toBe(1_040_000);
    expect(await one.stored()).toBe(40_000);
  });

  it('is checked against the last date as the store holds it, not as a stale handle last read it', async () => {
    const one = await sessionClockAt(MAX_DATE_MS - 2_000);
    const two = await sessionClockAt(MAX_DATE_MS - 2_000, one.store);
    await one.advance(1);
    expect(two.clock.offsetMs).toBe(0);
    // 1.5 s more would fit the stale reading (0 s ahead), not the stored one (1 s ahead).
    await expect(two.advance(1.5)).rejects.toThrow(/past \+275760-09-13/);
    expect(await one.stored()).toBe(1_000);
    expect((await two.sessions.open('s')).clock.offsetSeconds).toBe(1);
    await two.advance(1);
    expect((await one.sessions.open('s')).clock.nowMs()).toBe(MAX_DATE_MS);
  });

  it('does not follow a different store', async () => {
    const one = await sessionClockAt(1_000_000);
    const two = await sessionClockAt(1_000_000);
    await one.advance(30);
    expect((await two.sessions.open('s')).clock.offsetSeconds).toBe(0);
  });
});
