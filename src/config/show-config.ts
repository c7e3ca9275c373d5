/**
 * `partnermock config show`: the effective configuration as YAML-like text, each value with where it came
 * from (`flag --port`, `env PORT`, `file`, `default`), secrets masked. Fixtures are listed one item a line
 * (long strings cut), so the output stays readable for a team's file.
 */
import { SERVER_SETTINGS } from './config-schema.ts';
import { redactUrl } from '../state/store/open-store.ts';
import { formatSource, SETTING_NAMES, type EffectiveSettings } from './settings.ts';

export interface ShownItem {
  item: Record<string, unknown>;
  /** `file` or `default`. */
  source: string;
}

export interface ShownProvider {
  name: string;
  enabled: boolean;
  /** Where `enabled` came from: `default`, `file`, `flag --provider`. */
  enabledSource: string;
  /** Every option the plugin has, with its value as served. */
  options: { name: string; value: unknown; source: string }[];
  /** The file's fixture mode, when its section has fixtures. */
  fixtureMode?: 'merge' | 'replace';
  collections: { name: string; items: ShownItem[] }[];
}

export interface ShownConfig {
  /** The config file as the user named it (relative to the working directory), or none. */
  file?: string;
  settings: EffectiveSettings;
  providers: ShownProvider[];
  plugins: string[];
}

/** Keys whose string values are never printed: passwords, client secrets, secret keys, tokens. */
const SECRET_KEY = /secret|password|passwd|token|credential|api[-_]?key|private/i;
/** Named like a secret but public by design. */
const NOT_SECRET: ReadonlySet<string> = new Set(['keyId', 'publicKeyPem']);

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !NOT_SECRET.has(key);
}

export const MASK = '********';

export function renderConfig(config: ShownConfig): string {
  const lines: [text: string, comment?: string][] = [];
  const settings = config.settings;
  const port = settings.port.value as number;
  for (const name of SETTING_NAMES) {
    const { value, source } = settings[name];
    if (name === 'publicUrl' && value === undefined) {
      lines.push([
        `publicUrl: http://localhost:${port === 0 ? '<the port picked>' : port}`,
        'default (http://localhost:<port>)',
      ]);
      continue;
    }
    // The control token is a secret; a Redis URL may carry a password.
    const shown =
      name === 'controlToken' && typeof value === 'string'
        ? MASK
        : name === 'store' && typeof value === 'string'
          ? redactUrl(value)
          : value;
    lines.push([
      `${name}: ${typeof shown === 'string' && shown === MASK ? MASK : scalar(shown)}`,
      formatSource(source),
    ]);
  }
  lines.push(['providers:']);
  for (const provider of config.providers) {
    lines.push([`  ${provider.name}:`]);
    lines.push([`    enabled: ${provider.enabled}`, provider.enabledSource]);
    if (!provider.enabled) continue;
    if (provider.options.length) {
      lines.push(['    options:']);
      for (const option of provider.options)
        lines.push([`      ${option.name}: ${scalar(option.value)}`, option.source]);
    }
    lines.push([
      '    fixtures:',
      provider.fixtureMode === 'replace'
        ? "mode replace: the file's items instead of the built-in ones, where it names a collection"
        : provider.fixtureMode === 'merge'
          ? "mode merge: the file's items beside the built-in ones"
          : 'the built-in ones',
    ]);
    for (const collection of provider.collections) {
      const count = collection.items.length;
      lines.push([`      ${collection.name}:${count ? '' : ' []'}`, `${count} item${count === 1 ? '' : 's'}`]);
      for (const { item, source } of collection.items) {
        // A long item is shortened: its nested lists as counts, its long strings cut.
        const full = flow(item);
        lines.push([`        - ${full.length <= 100 ? full : flow(item, undefined, true)}`, source]);
      }
    }
  }
  if (config.plugins.length) {
    lines.push(['plugins:', 'file']);
    for (const plugin of config.plugins) lines.push([`  - ${scalar(plugin)}`]);
  }
  const column = Math.min(64, Math.max(...lines.filter(([, comment]) => comment).map(([text]) => text.length)) + 2);
  const header = [
    '# partnermock config show: the configuration partnermock would start with, and where each value comes from',
    `# (flag, env VARIABLE, file or default; precedence in that order). Config file: ${config.file ?? 'none'}.`,
    `# Secrets are masked (${MASK}).`,
  ];
  return [
    ...header,
    ...lines.map(([text, comment]) => (comment ? `${text.padEnd(column - 1)} # ${comment}` : text)),
  ].join('\n');
}

/** One item as a YAML flow mapping: secrets masked, long strings cut; `short`: nested lists as counts. */
function flow(value: unknown, key?: string, short = false, depth = 0): string {
  if (Array.isArray(value)) {
    if (short && depth > 0 && value.some((item) => item !== null && typeof item === 'object')) {
      return `[${value.length} item${value.length === 1 ? '' : 's'}]`;
    }
    return `[${value.map((item) => flow(item, key, short, depth + 1)).join(', ')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([name, item]) => `${name}: ${flow(item, name, short, depth + 1)}`);
    return `{ ${entries.join(', ')} }`;
  }
  if (key !== undefined && typeof value === 'string' && isSecretKey(key)) return value === '' ? '""' : MASK;
  return scalar(value);
}

/** A scalar as YAML would read it back: plain when unambiguous, else quoted; long strings cut. */
function scalar(value: unknown, limit = 80): string {
  if (typeof value !== 'string') return value === undefined ? '~' : JSON.stringify(value);
  let text = value;
  if (/\n/.test(text.trim()) || text.length > limit) {
    const firstLine = text
      .trim()
      .split('\n')[0]!
      .slice(0, Math.min(40, limit - 8));
    return `${JSON.stringify(`${firstLine}…`)} (${text.length} characters)`;
  }
  const plain =
    /^[A-Za-z0-9_./@+-][A-Za-z0-9_./@+:~ -]*$/.test(text) &&
    !/^(true|false|null|yes|no|on|off|y|n|~|[-+]?(\d[\d_]*(\.\d*)?|\.\d+)(e[-+]?\d+)?|0x[\da-f]+|0o[0-7]+)$/i.test(
      text,
    ) &&
    !/ $|: | #/.test(text);
  if (!plain) text = JSON.stringify(text);
  return text;
}

/** The setting descriptions, for `--help`-like listings. */
export function settingDescription(name: keyof typeof SERVER_SETTINGS): string {
  return SERVER_SETTINGS[name].schema.description;
}
