/**
 * `partnermock init`: a commented `partnermock.config.yaml` to start from. The server settings and every
 * provider's options are written from their definitions (SERVER_SETTINGS, each plugin's `options`), so the
 * defaults shown are the ones in force; each provider gets commented example fixtures (its plugin's
 * `configExample`).
 *
 * Convention, which a test relies on: a commented-out line of configuration is `# ` followed by the YAML
 * (`# options:`, `#   - { id: 42 }`), and prose never begins with `word:` or `- `; uncommenting every such
 * line gives a valid file (given the key file the B2COPY example reads).
 */
import type { AnyPlugin } from '../plugin.ts';
import { SERVER_SETTINGS, type ServerSetting } from './config-schema.ts';

/** Written active (the rest commented): what a team most often changes. */
const ACTIVE_SETTINGS: ServerSetting[] = ['port', 'host', 'seed', 'validateResponses'];

/**
 * Example fixtures for the built-in providers, as YAML lines under `fixtures:` (indented two spaces). A
 * provider not listed here gets a line per collection pointing at the control API.
 */
/** Example values for the settings without a fixed default (written commented out). */
const EXAMPLES: Partial<Record<ServerSetting, string>> = {
  publicUrl: 'http://localhost:4010',
  latency: '50-400',
  // No fallback: a token anyone can read in this template would be no token at all.
  controlToken: '${PARTNERMOCK_CONTROL_TOKEN}',
};

export function initConfigText(plugins: readonly AnyPlugin[]): string {
  const out: string[] = [
    '# yaml-language-server: $schema=./node_modules/partnermock/config.schema.json',
    '#',
    "# partnermock's configuration. partnermock reads partnermock.config.yaml (or .yml, .json) from the working",
    '# directory, or the file named by --config <path> or PARTNERMOCK_CONFIG. Every key is optional; the values',
    '# shown are the defaults. Command-line flags win over environment variables (PORT, PARTNERMOCK_HOST, ...),',
    '# which win over this file. `partnermock config check` checks it, `partnermock config show` prints what is',
    '# in effect, `partnermock --watch` reloads it on every change.',
    '#',
    '# Any string may be read from a file, written { file: ./path } (relative to this file), and may use',
    '# ${ENV_NAME} or ${ENV_NAME:-default}, which keeps secrets out of the repository.',
    '',
  ];
  for (const [name, setting] of Object.entries(SERVER_SETTINGS) as [
    ServerSetting,
    (typeof SERVER_SETTINGS)[ServerSetting],
  ][]) {
    out.push(
      ...comment(`${setting.schema.description} Env ${setting.env}${setting.flag ? `, flag ${setting.flag}` : ''}.`),
    );
    // Settings without a fixed default get an example value (commented out, as they are not active).
    const value = EXAMPLES[name] ?? yamlScalar(setting.default);
    out.push(`${ACTIVE_SETTINGS.includes(name) ? '' : '# '}${name}: ${value}`);
  }
  out.push(
    '',
    '# Fault rules every session starts with (a reset restores them); see README, "Simulate failures":',
    '# faults:',
    `#   - { provider: ${plugins[0]?.name ?? 'acme'}, status: 503, headers: { Retry-After: "2" }, probability: 0.05 }`,
    '',
    '# More providers come from plugin modules (.js, .mjs or .ts) listed under the key `plugins`, with paths',
    '# relative to this file, e.g. [./mocks/acme/index.ts]; configure them under providers like the built-ins.',
    '',
    '# Per provider: served or not, its options (lifetimes in seconds; the defaults shown), and its fixtures,',
    "# the control API's collections (GET /__mock/<provider>/<collection>), with the same fields and checks.",
    "# Fixture mode merge (the default) adds the file's items to the built-in ones (an item with a built-in",
    "# id replaces it); mode replace keeps only the file's items in each collection the file names.",
    'providers:',
  );
  for (const plugin of plugins) {
    out.push(`  ${plugin.name}:`, `    # ${plugin.title ?? plugin.name}`, '    enabled: true');
    const options = Object.entries(plugin.options ?? {});
    if (options.length) {
      out.push('    # options:');
      for (const [option, value] of options) out.push(`    #   ${option}: ${yamlScalar(value)}`);
    }
    const collections = Object.entries(plugin.collections ?? {}).filter(([, definition]) => !definition.readOnly);
    if (!collections.length) continue;
    // Each plugin says what a team would write for it (`configExample`); otherwise, its collections, empty.
    for (const note of plugin.configExample?.notes ?? []) out.push(`    # ${note}`);
    out.push('    # fixtures:', '    #   mode: merge');
    const examples = plugin.configExample?.fixtures;
    if (examples) for (const line of examples) out.push(`    #   ${line}`);
    else for (const [collection] of collections) out.push(`    #   ${collection}: []`);
  }
  return `${out.join('\n')}\n`;
}

/** Prose as comment lines of at most 110 characters. */
function comment(text: string): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.length - 1;
    if (last >= 0 && `${lines[last]} ${word}`.length <= 110) lines[last] += ` ${word}`;
    else lines.push(`# ${word}`);
  }
  return lines;
}

function yamlScalar(value: unknown): string {
  return typeof value === 'string' && /^[\w./]+$/.test(value) ? value : JSON.stringify(value);
}
