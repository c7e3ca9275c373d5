/**
 * The soak of `npm run bench`: several workers run mixed full flows (B2COPY sign-in + refresh,
 * Just2Trade code flow to the profile, Keeta URL + merchant page + Authorize) against one partnermock
 * process (soak-server.ts: the built package, in the default session, as a CRM under test would). After a
 * warm-up (the session's bounded tables fill to their caps), the server collects garbage fully and reports
 * its heap; again after the measured phase. What a leak makes grow is what survives a full collection: RSS
 * rises and falls by tens of MB between collections, as the collector sizes the heap, so readings of it
 * measure the collector's mood as much as the server. Reported per 1,000 flows, with RSS beside it. Bounded
 * in time and in count.
 */
import { waitForOutput, type Child } from './children.ts';
import { Flows } from './flows.ts';

export const WORKERS = 8;
/** Never more flows than this in one phase, however fast the server. */
const MAX_FLOWS_PER_PHASE = 1_000_000;

export interface SoakResult {
  warmUpFlows: number;
  flows: number;
  failures: number;
  firstFailure?: string;
  seconds: number;
  /** The heap after a full collection, after the warm-up and at the end; RSS at the same moments. */
  heapAfterWarmUpMb: number;
  heapAtEndMb: number;
  rssAfterWarmUpMb: number;
  rssAtEndMb: number;
  /** MB of heap kept per 1,000 flows after the warm-up. */
  growthPerThousandMb: number;
}

/** Asks the soak server (soak-server.ts) to collect garbage and report its heap and RSS. */
async function measure(server: Child, n: number): Promise<{ heapMb: number; rssMb: number }> {
  server.process.kill('SIGUSR2');
  const [, heap, rss] = await waitForOutput(server, new RegExp(`measure ${n} heap=([\\d.]+) rss=([\\d.]+)`), 30_000);
  return { heapMb: Number(heap), rssMb: Number(rss) };
}

export async function soak(server: Child, port: number, warmUpSeconds: number, seconds: number): Promise<SoakResult> {
  const flows = new Flows(port);
  const warmUp = await phase(flows, warmUpSeconds);
  const before = await measure(server, 1);
  const started = performance.now();
  const measured = await phase(flows, seconds);
  const elapsed = (performance.now() - started) / 1000;
  const after = await measure(server, 2);
  const failures = warmUp.failures + measured.failures;
  return {
    warmUpFlows: warmUp.flows,
    flows: measured.flows,
    failures,
    ...((warmUp.firstFailure ?? measured.firstFailure)
      ? { firstFailure: warmUp.firstFailure ?? measured.firstFailure }
      : {}),
    seconds: elapsed,
    heapAfterWarmUpMb: before.heapMb,
    heapAtEndMb: after.heapMb,
    rssAfterWarmUpMb: before.rssMb,
    rssAtEndMb: after.rssMb,
    growthPerThousandMb: measured.flows ? ((after.heapMb - before.heapMb) / measured.flows) * 1000 : Number.NaN,
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
