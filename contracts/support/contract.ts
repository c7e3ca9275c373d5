/**
 * `defineContract`: one provider's contract suite, runnable against the mock (started in-process by
 * default) or a real host named by environment variables. Each scenario says which operation
 * statuses it covers, may be mock-only (it moves the clock or registers fixtures) and names the
 * credentials it needs; against a real host a scenario that cannot run is skipped with the reason.
 * After the suite, a JSON report (exercised operation × status, provenance coverage, skips) is
 * written for `npm run contracts` to print.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { SESSION_HEADER } from '../../src/state/sessions.ts';
import type { BuiltinControls } from '../../mocks/index.ts';
import {
  connectMockServer,
  startMockServer,
  type AnyPlugin,
  type MockControls,
  type RunningMockServer,
  type SessionControls,
} from '../../src/index.ts';
import { ContractViolation, SpecRecorder } from './spec-recorder.ts';
import type { ContractReport } from './report.ts';

export interface CredentialDefinition {
  /** The environment variable holding it for a real host. */
  env: string;
  /** Its value on the mock: the default fixture, or read from the mock's control API. */
  mock: string | ((controls: ScenarioControls) => Promise<string>);
}

export interface ContractDefinition<Credential extends string> {
  provider: string;
  spec: URL;
  /** For a provider that is not built in: its plugin, served by the in-process mock. */
  plugin?: AnyPlugin;
  /** Mount (the spec's mock server path) → the environment variable with the real host's base URL. */
  urls: Record<string, string>;
  credentials: Record<Credential, CredentialDefinition>;
}

export interface ScenarioOptions<Credential extends string> {
  /** What the scenario exercises, as `operationId status`, e.g. `refreshToken 401`. */
  covers: string[];
  /** Why it needs the mock's controls (clock, fixtures); against a real host it is skipped with this reason. */
  mockOnly?: string;
  credentials?: Credential[];
}

/** The mock's typed control API, in the scenario's own session. */
export type ScenarioControls = SessionControls<BuiltinControls>;

export interface ScenarioContext<Credential extends string> {
  /**
   * Checks every answer against the spec and records it; sends the mock session header on a mock. Give it
   * to the client and to the browser steps of `partnermock/testing` (`{ fetch: t.fetch }`).
   */
  fetch: typeof globalThis.fetch;
  /** Mount → base URL of the target. */
  urls: Record<string, string>;
  /** The mock's control API for this scenario's own session (mock targets only). */
  mock: ScenarioControls | undefined;
  credentials: Record<Credential, string>;
}

type ScenarioBody<Credential extends string> = (context: ScenarioContext<Credential>) => Promise<void>;
type Scenario<Credential extends string> = (
  title: string,
  options: ScenarioOptions<Credential>,
  body: ScenarioBody<Credential>,
) => void;

interface Target {
  kind: 'mock' | 'real';
  description: string;
  urls: Record<string, string>;
  origin: string;
  /** A mock's controls (the in-process server's, or those of a mock found at the URLs). */
  controls?: MockControls<BuiltinControls>;
  server?: RunningMockServer;
}

/** The scenario's test name: covered statuses first, so tools can read coverage from names alone. */
export function scenarioName(covers: string[], title: string): string {
  return `[${covers.join(', ')}] ${title}`;
}

export function defineContract<Credential extends string>(
  definition: ContractDefinition<Credential>,
  scenarios: (scenario: Scenario<Credential>) => void,
): void {
  let target: Target;
  let recorder: SpecRecorder;
  const skipped: ContractReport['skipped'] = [];

  describe(`${definition.provider} contract`, () => {
    beforeAll(async () => {
      target = await resolveTarget(definition);
      recorder = await SpecRecorder.load(definition.spec, target.urls);
    }, 60_000);

    afterAll(async () => {
      if (!target) return;
      await target.server?.close();
      if (recorder) writeReport(definition.provider, target, recorder, skipped);
    });

    scenarios((title, options, body) => {
      const name = scenarioName(options.covers, title);
      it(
        name,
        async (context) => {
          const skip = (reason: string): never => {
            skipped.push({ scenario: name, reason });
            return context.skip(reason);
          };
          if (options.mockOnly && target.kind === 'real') skip(`mock only: ${options.mockOnly}`);
          const mock = target.controls?.session(`contract-${randomUUID()}`);
          const credentials = {} as Record<Credential, string>;
          for (const key of options.credentials ?? []) {
            const credential = definition.credentials[key];
            const value =
              process.env[credential.env] ||
              (mock
                ? typeof credential.mock === 'string'
                  ? credential.mock
                  : await credential.mock(mock)
                : undefined);
            if (!value) skip(`needs ${credential.env}`);
            credentials[key] = value!;
          }
          const fetch = recorder.fetch(mock ? { [SESSION_HEADER]: mock.sessionId } : undefined);
          const seen = recorder.violations.length;
          const outcome = await body({ fetch, urls: target.urls, mock, credentials }).then(
            () => ({ failed: false as const }),
            (error: unknown) => ({ failed: true as const, error }),
          );
          // A spec violation fails the scenario under its own name, before whatever else went wrong, even
          // if the scenario caught the rejected call (e.g. while expecting an error).
          const violation = recorder.violations[seen];
          if (violation) throw violation;
          if (outcome.failed) throw outcome.error;
        },
        30_000,
      );
    });
  });
}

async function resolveTarget(definition: ContractDefinition<string>): Promise<Target> {
  const mounts = Object.keys(definition.urls);
  const given = mounts.filter((mount) => process.env[definition.urls[mount]!]);
  if (given.length && given.length < mounts.length) {
    const missing = mounts.filter((mount) => !given.includes(mount)).map((mount) => definition.urls[mount]);
    throw new Error(
      `${definition.provider}: set all of ${mounts.map((mount) => definition.urls[mount]).join(', ')} (missing ${missing.join(', ')})`,
    );
  }
  if (given.length) {
    const urls = Object.fromEntries(
      mounts.map((mount) => [mount, process.env[definition.urls[mount]!]!.replace(/\/+$/, '')]),
    );
    const origin = new URL(Object.values(urls)[0]!).origin;
    // A partnermock server elsewhere (another process, a container) still offers its controls.
    const controls = await connectMockServer(origin).catch(() => undefined);
    const served = controls && (await servesProvider(origin, definition.provider));
    return served
      ? { kind: 'mock', description: `mock at ${origin}`, urls, origin, controls }
      : { kind: 'real', description: `real host at ${origin}`, urls, origin };
  }
  const server = await startMockServer({
    port: 0,
    ...(definition.plugin ? { providers: [], plugins: [definition.plugin] } : { providers: [definition.provider] }),
  });
  const urls = Object.fromEntries(mounts.map((mount) => [mount, `${server.url}${mount}`]));
  return { kind: 'mock', description: 'in-process mock', urls, origin: server.url, server, controls: server };
}

/** Whether the partnermock at `origin` serves `provider`. */
async function servesProvider(origin: string, provider: string): Promise<boolean> {
  const response = await fetch(`${origin}/__mock/health`, { signal: AbortSignal.timeout(5000) });
  const health = (await response.json()) as { providers?: unknown };
  return Array.isArray(health.providers) && health.providers.includes(provider);
}

function writeReport(
  provider: string,
  target: Target,
  recorder: SpecRecorder,
  skipped: ContractReport['skipped'],
): void {
  const report: ContractReport = {
    provider,
    target: target.description,
    kind: target.kind,
    operations: recorder.operations.map((operation) => ({
      operationId: operation.operationId,
      declared: Object.keys(operation.responses),
      exercised: Object.keys(operation.responses).filter((status) =>
        recorder.touched.has(`${operation.operationId} ${status}`),
      ),
    })),
    elements: {
      documented: tally(recorder, 'documented'),
      inferred: tally(recorder, 'inferred'),
    },
    violations: recorder.violations.map((violation) => violation.message),
    skipped,
  };
  const directory = process.env.PARTNERMOCK_CONTRACT_REPORT_DIR ?? 'test-results/contracts';
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, `${provider}.json`), `${JSON.stringify(report, null, 2)}\n`);
}

function tally(recorder: SpecRecorder, provenance: 'documented' | 'inferred'): { total: number; exercised: number } {
  const elements = recorder.elements.filter((element) => element.provenance === provenance);
  return { total: elements.length, exercised: elements.filter((element) => recorder.touched.has(element.key)).length };
}

export { ContractViolation };
