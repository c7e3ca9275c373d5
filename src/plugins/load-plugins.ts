/**
 * Loads a provider plugin from a module path (`--plugin ./acme/index.js`, `plugins: ['./acme/index.js']`):
 * its default export (or export named `plugin`), a plugin object or a factory returning one. The built-in
 * providers are not loaded this way: they are listed in `mocks/index.ts`.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnyPlugin, PluginModuleExport } from '../plugin.ts';

/** Loads a plugin from a module path (relative to `cwd`) or file URL. */
export async function loadPluginModule(specifier: string, cwd = process.cwd()): Promise<AnyPlugin> {
  const url = specifier.startsWith('file:')
    ? specifier
    : pathToFileURL(isAbsolute(specifier) ? specifier : resolve(cwd, specifier)).href;
  // A TypeScript plugin (`--plugin ./acme/index.ts`) is loaded through tsx's API, which partnermock
  // depends on for this: Node 20 itself refuses the `.ts` extension.
  const module = (
    /\.[cm]?ts$/.test(new URL(url).pathname)
      ? await (await import('tsx/esm/api')).tsImport(url, import.meta.url)
      : await import(url)
  ) as { default?: PluginModuleExport; plugin?: PluginModuleExport };
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
