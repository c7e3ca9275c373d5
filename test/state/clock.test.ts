import { describe, expect, it } from 'vitest';
import { MockClock } from '../../src/state/clock.ts';

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

describe('MockClock readings', () => {
  it('reads the time source when it has not been advanced', () => {
    const { clock } = clockAt(1_700_000_000_999);
    expect(clock.nowMs()).toBe(1_700_000_000_999);
    expect(clock.nowSeconds()).toBe(1_700_000_000);
    expect(clock.now().toISOString()).toBe('2023-11-14T22:13:20.999Z');
    expect(clock.offsetSeconds).toBe(0);
  });

  it('follows its time source as it moves, keeping its offset', () => {
    const { clock, setSource } = clockAt(1_000_000);
    clock.advance(10);
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
    clock.advance(3600);
    expect(clock.nowMs()).toBeGreaterThanOrEqual(before + 3_600_000);
  });
});

describe('MockClock.advance', () => {
  it.each<[string, number[], number, number]>([
    ['zero', [0], 0, 0],
    ['whole seconds', [90], 90, 90_000],
    ['fractions, to the millisecond', [1.5], 1.5, 1_500],
    ['less than half a millisecond (rounds away)', [0.0004], 0, 0],
    ['half a millisecond (rounds up)', [0.0005], 0.001, 1],
    ['several steps, adding up', [10, 5, 0.25], 15.25, 15_250],
    ['negative zero, as zero', [-0], 0, 0],
    ['a year', [365 * 24 * 3600], 31_536_000, 31_536_000_000],
  ])('moves forward by %s', (_title, steps, offsetSeconds, offsetMs) => {
    const { clock } = clockAt(1_000_000);
    for (const step of steps) clock.advance(step);
    expect(clock.offsetSeconds).toBe(offsetSeconds);
    expect(clock.nowMs()).toBe(1_000_000 + offsetMs);
  });

  it('moves nowSeconds by whole seconds as the milliseconds add up', () => {
    const { clock } = clockAt(10_400);
    expect(clock.nowSeconds()).toBe(10);
    clock.advance(0.5);
    expect(clock.nowSeconds()).toBe(10);
    clock.advance(0.1);
    expect(clock.nowSeconds()).toBe(11);
  });

  it.each<[string, number]>([
    ['a step backwards', -1],
    ['a tiny step backwards', -0.001],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
  ])('refuses %s and changes nothing', (_title, seconds) => {
    const { clock } = clockAt(1_000_000);
    clock.advance(20);
    expect(() => clock.advance(seconds)).toThrow(
      new RangeError('The clock only moves forward: seconds must be a finite number >= 0.'),
    );
    expect(clock.offsetSeconds).toBe(20);
    expect(clock.nowMs()).toBe(1_020_000);
  });

  it('moves up to the last date JavaScript holds, and no further', () => {
    const { clock } = clockAt(MAX_DATE_MS - 2_000);
    clock.advance(1);
    clock.advance(1);
    expect(clock.nowMs()).toBe(MAX_DATE_MS);
    expect(clock.now().toISOString()).toBe('+275760-09-13T00:00:00.000Z');

    expect(() => clock.advance(0.001)).toThrow(RangeError);
    expect(() => clock.advance(0.001)).toThrow(/past \+275760-09-13T00:00:00\.000Z/);
    expect(clock.offsetSeconds).toBe(2);
    expect(clock.nowMs()).toBe(MAX_DATE_MS);
  });

  it('refuses a single huge step that would overflow Date, keeping the earlier offset', () => {
    const { clock } = clockAt(1_000_000);
    clock.advance(1);
    expect(() => clock.advance(Number.MAX_SAFE_INTEGER)).toThrow(RangeError);
    expect(clock.offsetSeconds).toBe(1);
    expect(Number.isNaN(clock.now().getTime())).toBe(false);
  });
});
