/**
 * The typed control handle for a mock: built for `startMockServer()`'s handle, or by
 * `connectMockServer(url)` for a mock running elsewhere (another process, a container, a team's shared
 * mock). The providers' helpers come from the plugins' `controls`: every built-in one, and any other
 * plugin the server was started with.
 */
import type { BuiltinControls } from '../../mocks/index.ts';
import type { AnyPlugin } from '../plugin.ts';
import { builtinPlugins } from '../server/resolve-plugins.ts';
import { createControls, MockControlError, type ControlRequester, type MockControls } from './mock-controls.ts';

export interface ConnectOptions {
  /** The fetch the handle calls the mock with (and wraps for sessions). Default: the global fetch. */
  fetch?: typeof globalThis.fetch;
  /**
   * The mock's control token (`--control-token`), sent as `Authorization: Bearer` on every control API call.
   * Default: `PARTNERMOCK_CONTROL_TOKEN` from the environment, if set.
   */
  controlToken?: string;
}

/** The handle for the mock at `url` (its base URL, e.g. `http://localhost:4010`), once it answers as a mock. */
export async function connectMockServer(
  url: string,
  options: ConnectOptions = {},
): Promise<MockControls<BuiltinControls>> {
  const base = url.replace(/\/+$/, '');
  const baseFetch = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await baseFetch(`${base}/__mock/health`, { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new MockControlError(0, 'unreachable', `No mock answers at ${base}: ${(error as Error).message}`);
  }
  // Something answers: whatever it says that is not the control API's health, it is not a mock.
  const health = response.ok
    ? ((await response.json().catch(() => undefined)) as { providers?: unknown } | undefined)
    : undefined;
  if (!Array.isArray(health?.providers)) {
    throw new MockControlError(0, 'not_a_mock', `${base} does not serve the partnermock control API (/__mock/health).`);
  }
  const controlToken = options.controlToken ?? (process.env.PARTNERMOCK_CONTROL_TOKEN || undefined);
  return controlsFor(base, await builtinPlugins(), baseFetch, controlToken);
}

/**
 * The handle for `plugins` at `url`: each plugin's `controls` under its name, its `events` under
 * `events.<name>`.
 */
export function controlsFor(
  url: string,
  plugins: readonly AnyPlugin[],
  baseFetch: typeof globalThis.fetch = globalThis.fetch,
  controlToken?: string,
): MockControls<BuiltinControls> {
  const providers = (api: ControlRequester) =>
    ({
      ...Object.fromEntries(
        plugins.flatMap((plugin) => (plugin.controls ? [[plugin.name, plugin.controls(api)] as const] : [])),
      ),
      events: Object.fromEntries(
        plugins.flatMap((plugin) => (plugin.events ? [[plugin.name, plugin.events(api)] as const] : [])),
      ),
    }) as unknown as BuiltinControls;
  return createControls(url, providers, baseFetch, controlToken);
}
