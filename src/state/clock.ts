/**
 * The mock's clock. Each session has its own, so advancing time in one test's session moves
 * nothing for another. It is the wall clock plus an offset that only ever grows: codes and tokens
 * expire by advancing it, never by sleeping.
 */
export interface Clock {
  /** Milliseconds since the epoch, as this clock sees them. */
  nowMs(): number;
  /** Whole seconds since the epoch (what JWT `iat`/`exp` use). */
  nowSeconds(): number;
  now(): Date;
  /** How far this clock is ahead of the base time source, in seconds. */
  readonly offsetSeconds: number;
  advance(seconds: number): void;
}

export type TimeSource = () => number;

/** The largest time a JavaScript Date holds (ECMA-262 §21.4.1.1). */
const MAX_DATE_MS = 8.64e15;

export class MockClock implements Clock {
  #offsetMs = 0;

  constructor(private readonly source: TimeSource = Date.now) {}

  nowMs(): number {
    return this.source() + this.#offsetMs;
  }

  nowSeconds(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  get offsetSeconds(): number {
    return this.#offsetMs / 1000;
  }

  /** Moves this clock forward; refuses (changing nothing) a step backwards or past the last date JavaScript can hold.
   * */
  advance(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw new RangeError('The clock only moves forward: seconds must be a finite number >= 0.');
    }
    const offsetMs = this.#offsetMs + Math.round(seconds * 1000);
    if (this.source() + offsetMs > MAX_DATE_MS) {
      throw new RangeError(
        `That would move the clock past ${new Date(MAX_DATE_MS).toISOString()}, the last date JavaScript can represent.`,
      );
    }
    this.#offsetMs = offsetMs;
  }
}
