/**
 * The mock's clock. Each session has its own, so advancing time in one test's session moves nothing for
 * another. It is the wall clock plus an offset that only ever grows (`POST /__mock/clock` adds to it,
 * through the state store, so every replica sees it): codes and tokens expire by advancing it, never by
 * sleeping.
 */
export interface Clock {
  /** Milliseconds since the epoch, as this clock sees them. */
  nowMs(): number;
  /** Whole seconds since the epoch (what JWT `iat`/`exp` use). */
  nowSeconds(): number;
  now(): Date;
  /** How far this clock is ahead of the base time source, in seconds. */
  readonly offsetSeconds: number;
}

export type TimeSource = () => number;

export class MockClock implements Clock {
  /** The session's offset as last read from the store (SessionRegistry keeps it current). */
  offsetMs = 0;

  constructor(private readonly source: TimeSource = Date.now) {}

  nowMs(): number {
    return this.source() + this.offsetMs;
  }

  nowSeconds(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  get offsetSeconds(): number {
    return this.offsetMs / 1000;
  }
}
