/**
 * The soak of `npm run bench`: several workers run mixed full flows (B2COPY sign-in + refresh,
 * Just2Trade code flow to the profile, Keeta URL + merchant page + Authorize) against one partnermock
 * process, in the default session, as a CRM under test would. The server's RSS (/proc/<pid>/status
 * VmRSS) is sampled every SAMPLE_MS through the measured phase, after a warm-up, and growth is read off
 * its floor: the lowest RSS of the phase's first third against the lowest of its last third. Between
 * garbage collections RSS rises and falls by tens of MB (the journal's ring of exchanges is garbage the
 * collector reaches late), so two single readings would measure where each fell in that sawtooth; the
 * floor, what is left after a collection, is what a leak raises. Reported per 1,000 flows. Bounded in time
 * and in count.
 */
import { rssMb } from './children.ts';
import { Flows } from './flows.ts';

export const WORKERS = 8;
/** How often the measured phase samples the server's RSS. */
const SAMPLE_MS = 250;
/** Never more flows than this in one phase, however fast the server. */
const MAX_FLOWS_PER_PHASE = 1_000_000;

export interface SoakResult {
  warmUpFlows: number;
  flows: number;
  failures: number;
  firstFailure?: string;
  seconds: number;
  /** The RSS floor (lowest sample) of the measured phase's first third, and of its last third. */
  rssAfterWarmUpMb: number;
  rssAtEndMb: number;
  /** MB per 1,000 flows after the warm-up, floor to floor. */
  growthPerThousandMb: number;
}

export async function soak(pid: number, port: number, warmUpSeconds: number, seconds: number): Promise<SoakResult> {
  const flows = new Flows(port);
  const warmUp = await phase(flows, warmUpSeconds);
  const samples: { atMs: number; mb: number }[] = [];
  const started = performance.now();
  const sampler = setInterval(() => samples.push({ atMs: performance.now() - started, mb: rssMb(pid) }), SAMPLE_MS);
  const measured = await phase(flows, seconds);
  clearInterval(sampler);
  const elapsed = (performance.now() - started) / 1000;
  const floor = (from: number, to: number) =>
    Math.min(...samples.filter((sample) => sample.atMs >= from && sample.atMs < to).map((sample) => sample.mb));
  const third = (elapsed * 1000) / 3;
  const rssAfterWarmUpMb = floor(0, third);
  const rssAtEndMb = floor(2 * third, Infinity);
  const failures = warmUp.failures + measured.failures;
  return {
    warmUpFlows: warmUp.flows,
    flows: measured.flows,
    failures,
    ...((warmUp.firstFailure ?? measured.firstFailure)
      ? { firstFailure: warmUp.firstFailure ?? measured.firstFailure }
      : {}),
    seconds: elapsed,
    rssAfterWarmUpMb,
    rssAtEndMb,
    // Floor to floor spans two thirds of the phase, so it is read against two thirds of its flows.
    growthPerThousandMb: measured.flows
      ? ((rssAtEndMb - rssAfterWarmUpMb) / ((measured.flows * 2) / 3)) * 1000
      : Number.NaN,
  };
}

/** One flow of a phase: worker `id`'s `turn`-th, the phase's `n`-th. */
export type FlowStep = (flows: Flows, id: number, turn: number, n: number) => Promise<unknown>;

/** The soak's mix: B2COPY, Just2Trade and Keeta in turn. */
const mixed: FlowStep = (flows, id, turn, n) => {
  const kind = (id + turn) % 3;
  if (kind === 0) return flows.b2copy();
  if (kind === 1) return flows.just2trade(`soak-${n}`);
  return flows.keeta(`soak-${n}`);
};

/** `workers` loops running `step` until `seconds` are up (and never more than MAX_FLOWS_PER_PHASE flows). */
export async function phase(
  flows: Flows,
  seconds: number,
  step: FlowStep = mixed,
  workers = WORKERS,
): Promise<{ flows: number; failures: number; firstFailure?: string }> {
  const deadline = performance.now() + seconds * 1000;
  let started = 0;
  let completed = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const worker = async (id: number) => {
    for (let turn = 0; performance.now() < deadline && started < MAX_FLOWS_PER_PHASE; turn += 1) {
      const n = started++;
      try {
        await step(flows, id, turn, n);
        completed += 1;
      } catch (error) {
        failures += 1;
        firstFailure ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, (_, id) => worker(id)));
  return { flows: completed, failures, ...(firstFailure ? { firstFailure } : {}) };
}
