/**
 * The soak of `npm run bench`: several workers run mixed full flows (B2COPY sign-in + refresh,
 * Just2Trade code flow to the profile, Keeta URL + merchant page + Authorize) against one partnermock
 * process, in the default session, as a CRM under test would. The server's RSS (/proc/<pid>/status
 * VmRSS) is read after a warm-up and at the end; growth is reported per 1,000 flows. Bounded in time
 * and in count.
 */
import { rssMb } from './children.ts';
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
  rssAfterWarmUpMb: number;
  rssAtEndMb: number;
  /** MB per 1,000 flows after the warm-up. */
  growthPerThousandMb: number;
}

export async function soak(pid: number, port: number, warmUpSeconds: number, seconds: number): Promise<SoakResult> {
  const flows = new Flows(port);
  const warmUp = await phase(flows, warmUpSeconds);
  const rssAfterWarmUpMb = rssMb(pid);
  const started = performance.now();
  const measured = await phase(flows, seconds);
  const elapsed = (performance.now() - started) / 1000;
  const rssAtEndMb = rssMb(pid);
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
    growthPerThousandMb: measured.flows ? ((rssAtEndMb - rssAfterWarmUpMb) / measured.flows) * 1000 : Number.NaN,
  };
}

async function phase(
  flows: Flows,
  seconds: number,
): Promise<{ flows: number; failures: number; firstFailure?: string }> {
  const deadline = performance.now() + seconds * 1000;
  let started = 0;
  let completed = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const worker = async (id: number) => {
    for (let turn = 0; performance.now() < deadline && started < MAX_FLOWS_PER_PHASE; turn += 1) {
      const n = started++;
      const kind = (id + turn) % 3;
      try {
        if (kind === 0) await flows.b2copy();
        else if (kind === 1) await flows.just2trade(`soak-${n}`);
        else await flows.keeta(`soak-${n}`);
        completed += 1;
      } catch (error) {
        failures += 1;
        firstFailure ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, (_, id) => worker(id)));
  return { flows: completed, failures, ...(firstFailure ? { firstFailure } : {}) };
}
