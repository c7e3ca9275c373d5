/**
 * A checked config (load-config.ts) as what the server is built from: the server settings, and the
 * plugins to serve, each configured with the file's options and fixtures. A provider's fixtures come from
 * its plugin's `fixtures()` on every new or reset session, so wrapping that function is all it takes for
 * `POST /__mock/reset` to return to the file's fixtures.
 */
import { configurePlugin } from '../plugin-kit/options.ts';
import type { AnyPlugin, FixtureContext } from '../plugin.ts';
import type { Delay, FaultRuleInput } from '../faults/fault-rules.ts';
import type { ServerSetting } from './config-schema.ts';
import type { LoadedConfig, ProviderSection } from './load-config.ts';

type Items = Record<string, unknown>[];

export interface AppliedConfig {
  /** The enabled providers' plugins, with the file's options and fixtures. */
  plugins: AnyPlugin[];
  settings: Partial<Record<ServerSetting, unknown>>;
  /** Per provider, the latency that replaces the top-level one. */
  providerLatency: Record<string, Delay | string>;
  /** The fault rules every session starts with. */
  faults: FaultRuleInput[];
}

export function applyConfig(config: LoadedConfig): AppliedConfig {
  const { providers = {}, plugins: _plugins, faults = [], ...settings } = config.data;
  const plugins = config.allPlugins
    .filter((plugin) => providers[plugin.name]?.enabled !== false)
    .map((plugin) => configured(plugin, providers[plugin.name]));
  const providerLatency = Object.fromEntries(
    Object.entries(providers).flatMap(([name, section]) =>
      section?.latency !== undefined ? [[name, section.latency] as const] : [],
    ),
  );
  return { plugins, settings: withoutSchemaKey(settings), providerLatency, faults };
}

function withoutSchemaKey(settings: Record<string, unknown>): AppliedConfig['settings'] {
  const { $schema: _schema, ...rest } = settings;
  return rest;
}

function configured(plugin: AnyPlugin, section: ProviderSection | undefined): AnyPlugin {
  if (!section) return plugin;
  const withOptions = section.options ? configurePlugin(plugin, section.options) : plugin;
  return section.fixtures ? withFixtures(withOptions, section.fixtures) : withOptions;
}

/**
 * The plugin, with the file's items in its fixtures: added to the built-in ones (an item whose id is a
 * built-in one replaces it) or, with `mode: replace`, instead of them, in each collection the file names.
 */
export function withFixtures(plugin: AnyPlugin, section: NonNullable<ProviderSection['fixtures']>): AnyPlugin {
  const { mode = 'merge', ...collections } = section;
  const fixtures = (context: FixtureContext) => {
    const result: Record<string, Items> = { ...(plugin.fixtures?.(context) ?? {}) };
    for (const [name, given] of Object.entries(collections)) {
      // A copy per session: a session's changes through the control API never reach the next one.
      const items = structuredClone(given as Items);
      const idField = plugin.collections?.[name]?.idField ?? 'id';
      const ids = new Set(items.map((item) => String(item[idField])));
      result[name] =
        mode === 'replace'
          ? items
          : [...(result[name] ?? []).filter((item) => !ids.has(String(item[idField]))), ...items];
    }
    return result;
  };
  return { ...plugin, fixtures };
}
