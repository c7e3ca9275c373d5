/**
 * The plugins one app serves: the built-in providers (the registry in `mocks/index.ts`, imported, never
 * found by reading a directory), narrowed to `providers` if given, plus any passed in `plugins`. A
 * plugin passed explicitly replaces the built-in of its name: that is how a built-in is served with
 * other options (`plugins: [createB2CopyPlugin({ ... })]`).
 */
import type { AnyPlugin } from '../plugin.ts';
import { loadPluginModule } from '../plugins/load-plugins.ts';
import type { ProviderRuntime } from './provider-runtime.ts';

export async function resolvePlugins(options: {
  /** What is served unless narrowed or replaced: the built-ins, or a config's providers. */
  base?: AnyPlugin[];
  providers?: string[];
  plugins?: (AnyPlugin | string)[];
}): Promise<AnyPlugin[]> {
  let builtins: AnyPlugin[] = [...(options.base ?? (await builtinPlugins()))];
  if (options.providers) {
    const unknown = options.providers.filter((name) => !builtins.some((plugin) => plugin.name === name));
    if (unknown.length) {
      const names = builtins.map((plugin) => plugin.name).join(', ');
      throw new Error(`Unknown provider ${unknown.join(', ')}; built-in providers: ${names}.`);
    }
    builtins = builtins.filter((plugin) => options.providers!.includes(plugin.name));
  }
  const extra = await Promise.all(
    (options.plugins ?? []).map((plugin) => (typeof plugin === 'string' ? loadPluginModule(plugin) : plugin)),
  );
  const replaced = new Set(extra.map((plugin) => plugin.name));
  return [...builtins.filter((plugin) => !replaced.has(plugin.name)), ...extra];
}

/** The built-in plugins, from the registry. */
export async function builtinPlugins(): Promise<readonly AnyPlugin[]> {
  // Imported here, not at the top: the built-in plugins import the package's public API, which exports
  // this module's callers.
  return (await import('../../mocks/index.ts')).builtinPlugins;
}

/** Two plugins may not share a name or a mount, nor take the control API's. */
export function assertDistinct(runtimes: ProviderRuntime[]): void {
  const names = new Set<string>();
  const mounts = new Map<string, string>();
  for (const runtime of runtimes) {
    if (names.has(runtime.name)) throw new Error(`Two plugins are named "${runtime.name}".`);
    names.add(runtime.name);
    for (const mount of runtime.mounts) {
      if (mount === '/' || mount === '/__mock' || mount.startsWith('/__mock/')) {
        throw new Error(`${runtime.name}: mount ${mount} is reserved.`);
      }
      const owner = mounts.get(mount);
      if (owner) throw new Error(`${runtime.name} and ${owner} both mount ${mount}.`);
      mounts.set(mount, runtime.name);
    }
  }
}
