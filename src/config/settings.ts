/**
 * The server settings as they end up, and where each came from: a command-line flag, over an environment
 * variable (`PORT`, `PARTNERMOCK_*`), over the config file, over the built-in default. `partnermock config
 * show` prints this; `partnermock` starts with it.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { JsonSchema } from '../spec/openapi-types.ts';
import { toDelay } from '../faults/fault-rules.ts';
import { storeProblem } from '../state/store/open-store.ts';
import { SERVER_SETTINGS, type ServerSetting } from './config-schema.ts';

/** Where a value came from. */
export type SettingSource =
  | { kind: 'flag'; name: string }
  | { kind: 'env'; name: string }
  | { kind: 'file'; file?: string }
  | { kind: 'default' };

export interface EffectiveSetting {
  /** `undefined` only for a default that is derived (publicUrl: `http://localhost:<port>`). */
  value: unknown;
  source: SettingSource;
}

export type EffectiveSettings = Record<ServerSetting, EffectiveSetting>;

export const SETTING_NAMES = Object.keys(SERVER_SETTINGS) as ServerSetting[];

/** `flag --port`, `env PORT`, `file`, `default`: how config show names a source. */
export function formatSource(source: SettingSource): string {
  switch (source.kind) {
    case 'flag':
      return `flag ${source.name}`;
    case 'env':
      return `env ${source.name}`;
    case 'file':
      return 'file';
    case 'default':
      return 'default';
  }
}

/** What a setting accepts, in words, for an error about a flag's or a variable's value. */
export function expectedValue(name: ServerSetting): string {
  switch (name) {
    case 'port':
      return 'a whole number from 0 to 65535 (0 picks a free port)';
    case 'host':
      return 'an address to bind, like 127.0.0.1 or 0.0.0.0';
    case 'publicUrl':
      return 'an http:// or https:// URL without query or fragment, like http://localhost:4010';
    case 'seed':
      return 'a whole number';
    case 'validateResponses':
      return 'true or false (or 1/0, yes/no, on/off)';
    case 'bodyLimit':
      return 'a number of bytes or a size like 512kb or 1mb';
    case 'journalSize':
    case 'maxSessions':
      return 'a whole number of at least 1';
    case 'latency':
      return 'milliseconds (0 to 600000) or a range min-max, like 50-400';
    case 'store':
      return '"memory" or a Redis URL, like redis://127.0.0.1:6379/0';
    case 'storePrefix':
      return 'a key prefix of 1 to 100 characters without spaces or * ? [ ], like partnermock:';
    case 'controlToken':
      return 'at least 16 printable characters without spaces (openssl rand -hex 32 makes one)';
    case 'controlOpen':
      return 'true or false (or 1/0, yes/no, on/off)';
    case 'cors':
      return 'true, false, or origins separated by commas, like http://localhost:3000,https://crm.example.com';
  }
}

/**
 * A setting's value from its text (an environment variable's or a flag's), checked with the setting's own
 * schema: `{ value }`, or `{ problem }` saying what is allowed.
 */
export function parseSetting(
  name: ServerSetting,
  text: string,
  validators: SettingValidators,
): { value: unknown } | { problem: string } {
  const trimmed = text.trim();
  let value: unknown = trimmed;
  if (name === 'validateResponses' || name === 'controlOpen' || name === 'cors') {
    const lower = trimmed.toLowerCase();
    value = ['true', '1', 'yes', 'on'].includes(lower)
      ? true
      : ['false', '0', 'no', 'off'].includes(lower)
        ? false
        : name === 'cors'
          ? trimmed.split(',').map((origin) => origin.trim().replace(/\/+$/, ''))
          : text;
  } else if (/^-?\d+$/.test(trimmed) && !TEXT_SETTINGS.has(name)) {
    value = Number(trimmed);
  }
  if (!validators.validate(name, value))
    return {
      // The token itself is never repeated in a message (it may end up in a CI log).
      problem: `must be ${expectedValue(name)}, got ${name === 'controlToken' ? `${text.length} characters` : JSON.stringify(text)}`,
    };
  if (name === 'store') {
    const problem = storeProblem(value as string);
    if (problem) return { problem };
  }
  if (name === 'latency') {
    // What the schema cannot say: a range's min must not exceed its max, nor either the cap.
    try {
      toDelay(value as string | number);
    } catch (error) {
      return { problem: `must be ${expectedValue(name)}: ${(error as Error).message}` };
    }
  }
  return { value: name === 'publicUrl' ? (value as string).replace(/\/+$/, '') : value };
}

/** Settings that stay text even when they look like a number. */
const TEXT_SETTINGS: ReadonlySet<ServerSetting> = new Set(['host', 'publicUrl', 'storePrefix', 'controlToken']);

/** The settings' schemas compiled once per use (no module-level state: see the architecture test). */
export interface SettingValidators {
  validate(name: ServerSetting, value: unknown): boolean;
}

export function settingValidators(): SettingValidators {
  const ajv = new Ajv2020({ strict: false });
  const compiled = new Map<ServerSetting, ValidateFunction>();
  return {
    validate(name, value) {
      let validate = compiled.get(name);
      if (!validate) {
        validate = ajv.compile(SERVER_SETTINGS[name].schema as JsonSchema);
        compiled.set(name, validate);
      }
      return validate(value);
    },
  };
}

/**
 * The settings the environment gives: each SERVER_SETTINGS variable that is set and not empty. A value its
 * setting refuses is a one-line problem naming the variable (`PORT must be a whole number ..., got "abc"`).
 */
export function settingsFromEnv(
  env: NodeJS.ProcessEnv,
  validators: SettingValidators = settingValidators(),
): { values: Partial<Record<ServerSetting, unknown>>; problems: string[] } {
  const values: Partial<Record<ServerSetting, unknown>> = {};
  const problems: string[] = [];
  for (const name of SETTING_NAMES) {
    const variable = SERVER_SETTINGS[name].env;
    const text = env[variable];
    if (text === undefined || text.trim() === '') continue;
    const parsed = parseSetting(name, text, validators);
    if ('problem' in parsed) problems.push(`Environment variable ${variable} ${parsed.problem}.`);
    else values[name] = parsed.value;
  }
  return { values, problems };
}

/**
 * Each setting's value and source: `flags` (already parsed, by setting name) over `env` over `file` over the
 * built-in default.
 */
export function effectiveSettings(layers: {
  flags?: Partial<Record<ServerSetting, unknown>>;
  env?: Partial<Record<ServerSetting, unknown>>;
  file?: Partial<Record<ServerSetting, unknown>>;
  fileName?: string;
}): EffectiveSettings {
  const result = {} as EffectiveSettings;
  for (const name of SETTING_NAMES) {
    const setting = SERVER_SETTINGS[name];
    if (layers.flags?.[name] !== undefined) {
      result[name] = { value: layers.flags[name], source: { kind: 'flag', name: setting.flag ?? `--${name}` } };
    } else if (layers.env?.[name] !== undefined) {
      result[name] = { value: layers.env[name], source: { kind: 'env', name: setting.env } };
    } else if (layers.file?.[name] !== undefined) {
      result[name] = {
        value: layers.file[name],
        source: { kind: 'file', ...(layers.fileName ? { file: layers.fileName } : {}) },
      };
    } else {
      result[name] = { value: setting.default, source: { kind: 'default' } };
    }
  }
  return result;
}

/** The settings' values as startMockServer takes them (checked by each setting's schema before). */
export interface SettingValues {
  port?: number;
  host?: string;
  publicUrl?: string;
  seed?: number;
  validateResponses?: boolean;
  bodyLimit?: string | number;
  journalSize?: number;
  maxSessions?: number;
  /** Milliseconds, `"min-max"` or `{ min, max }`. */
  latency?: number | string | { min: number; max: number };
  store?: string;
  storePrefix?: string;
  controlToken?: string;
  controlOpen?: boolean;
  cors?: boolean | string[];
}

/** The settings given by a flag or a variable: what the server is started with beside the file (which it reads). */
export function explicitSettings(settings: EffectiveSettings): SettingValues {
  return Object.fromEntries(
    Object.entries(settings)
      .filter(([, setting]) => setting.source.kind === 'flag' || setting.source.kind === 'env')
      .map(([name, setting]) => [name, setting.value]),
  );
}
