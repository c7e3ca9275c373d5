/**
 * Finds plugins: the built-in providers are the folders under `mocks/` (each with an `index.ts`, or `index.js` once
 * built,
 * default-exporting a plugin or a factory), and more can be loaded from any module path. The core
 * names no provider: adding one is adding a folder.
 */
import { readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AnyPlugin, PluginModuleExport } from '../plugin.ts';

export const BUILTIN_PLUGIN_DIRECTORY = fileURLToPath(new URL('../../mocks/', import.meta.url));

/** Loads a plugin from a module path (relative to `cwd`) or file URL. */
export async function loadPluginModule(specifier: string, cwd = process.cwd()): Promise<AnyPlugin> {
  const url = specifier.startsWith('file:')
    ? specifier
    : pathToFileURL(isAbsolute(specifier) ? specifier : resolve(cwd, specifier)).href;
  const module = (await import(url)) as { default?: PluginModuleExport; plugin?: PluginModuleExport };
  const exported = module.default ?? module.plugin;
  if (!exported) throw new Error(`${specifier} has no default export (or export named "plugin").`);
  const plugin = typeof exported === 'function' ? await exported() : exported;
  if (
    !plugin ||
    typeof plugin.name !== 'string' ||
    typeof plugin.formatError !== 'function' ||
    !plugin.spec ||
    !Array.isArray(plugin.mounts)
  ) {
    throw new Error(
      `${specifier} does not export a provider plugin (name, spec, mounts and formatError are required).`,
    );
  }
  return plugin;
}

/** The built-in provider plugins, in folder-name order. */
export async function loadBuiltinPlugins(directory = BUILTIN_PLUGIN_DIRECTORY): Promise<AnyPlugin[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  const folders = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const plugins: AnyPlugin[] = [];
  for (const folder of folders) {
    // `index.ts` when run from source (tsx), `index.js` in the built package.
    const index = ['index.ts', 'index.js']
      .map((file) => resolve(directory, folder, file))
      .find((path) => existsSync(path));
    if (index) plugins.push(await loadPluginModule(index));
  }
  return plugins;
}
