// Loads the configuration once: config/default.json, then an optional file (--config FILE or
// PN_CONFIG), then environment overrides; validates against the one schema, applies defaults and
// deep-freezes. Pure of globals: argv, env and cwd come in as parameters.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import { ConfigError } from './config-error.ts';
import { applyEnvOverrides, type RawConfig } from './env.ts';
import { ConfigSchema, type Config } from './schema.ts';

export interface LoadConfigOptions {
  /** Command-line arguments after the script name (process.argv.slice(2)). */
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /** Base for relative paths: --config, PN_CONFIG, dataDir, redis.dataDir. */
  cwd: string;
  /** The base layer; defaults to the repository's config/default.json. */
  defaultsFile?: string;
}

export const DEFAULTS_FILE = fileURLToPath(new URL('../../config/default.json', import.meta.url));

/** Loads, validates and freezes the configuration; throws ConfigError naming the bad key. */
export function loadConfig(opts: LoadConfigOptions): Config {
  const defaultsFile = opts.defaultsFile ?? DEFAULTS_FILE;
  const defaults = readJsonObject(defaultsFile);
  const configFile = configFileFrom(opts);
  const fileLayer = configFile === undefined ? {} : readJsonObject(resolve(opts.cwd, configFile));

  const raw = deepMerge(defaults, fileLayer);
  const envSources = applyEnvOverrides(raw, opts.env);
  const sourceOf = (pointer: string): string => {
    for (const [envPointer, name] of envSources) {
      if (pointer === envPointer || pointer.startsWith(envPointer + '/')) return name;
    }
    // A missing key belongs to the nearest enclosing object that the file wrote.
    for (let p = pointer; configFile !== undefined && p !== ''; p = p.slice(0, p.lastIndexOf('/'))) {
      if (valueAt(fileLayer, p) !== undefined) return configFile;
    }
    return defaultsFile;
  };

  const withDefaults = Value.Default(ConfigSchema, raw) as RawConfig;
  const first = Value.Errors(ConfigSchema, withDefaults).First();
  if (first !== undefined) {
    throw new ConfigError({
      key: keyOf(first.path),
      expected: expectedOf(first.schema, first.message, first.value),
      source: sourceOf(first.path),
      ...(isSecretPath(first.path) || first.value === undefined ? {} : { got: first.value }),
    });
  }
  const config = withDefaults as unknown as Config;
  checkUnique(config, sourceOf);

  config.dataDir = resolve(opts.cwd, config.dataDir);
  config.redis.dataDir = config.redis.dataDir === undefined ? join(config.dataDir, 'redis') : resolve(opts.cwd, config.redis.dataDir);
  return deepFreeze(config);
}

/** `--config FILE` / `--config=FILE` wins over PN_CONFIG; any other argument is an error. */
function configFileFrom(opts: LoadConfigOptions): string | undefined {
  let file: string | undefined;
  for (let i = 0; i < opts.argv.length; i++) {
    const arg = opts.argv[i] ?? '';
    if (arg === '--config') {
      file = opts.argv[++i];
      if (file === undefined || file === '') throw new ConfigError({ key: '--config', expected: 'a file path after --config', source: 'command line' });
    } else if (arg.startsWith('--config=')) {
      file = arg.slice('--config='.length);
    } else {
      throw new ConfigError({ key: 'command line', expected: 'only --config FILE', source: 'command line', got: arg });
    }
  }
  const fromEnv = opts.env.PN_CONFIG?.trim();
  return file ?? (fromEnv === undefined || fromEnv === '' ? undefined : fromEnv);
}

function readJsonObject(path: string): RawConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError({ key: 'config file', expected: `a readable JSON file at ${path}`, source: path, cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    const detail = err instanceof SyntaxError ? ` (${err.message})` : '';
    throw new ConfigError({ key: 'config file', expected: `valid JSON${detail}`, source: path, cause: err });
  }
  if (!isRecord(parsed)) throw new ConfigError({ key: 'config file', expected: 'a JSON object at the top level', source: path });
  return parsed;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Objects merge key by key; arrays and scalars from the later layer replace. */
function deepMerge(base: RawConfig, over: RawConfig): RawConfig {
  const out: RawConfig = structuredClone(base);
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] = isRecord(prev) && isRecord(value) ? deepMerge(prev, value) : structuredClone(value);
  }
  return out;
}

function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const part of pointer.split('/').slice(1)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** '/trunks/0/gateways/1' → 'trunks[0].gateways[1]' (the README's notation). */
export function keyOf(pointer: string): string {
  let key = '';
  for (const part of pointer.split('/').slice(1)) {
    const name = part.replace(/~1/g, '/').replace(/~0/g, '~');
    key += /^\d+$/.test(name) ? `[${name}]` : (key === '' ? '' : '.') + name;
  }
  return key === '' ? '(top level)' : key;
}

function isSecretPath(pointer: string): boolean {
  return /\/(key|secret)$/.test(pointer) || /\/(keys|webhooks)\/\d+$/.test(pointer) || /\/(keys|webhooks)$/.test(pointer) || pointer === '/sip/secret';
}

/** A human phrase for what the schema wants, preferring the schema's own `expected`. */
function expectedOf(schema: TSchema, message: string, value: unknown): string {
  if (value === undefined) return 'a value (the key is required)';
  if (typeof schema.expected === 'string') return schema.expected;
  const s = schema as TSchema & { minimum?: number; maximum?: number; minLength?: number; minItems?: number; type?: string };
  if (s.type === 'integer') {
    if (s.minimum !== undefined && s.maximum !== undefined) return `an integer from ${s.minimum} to ${s.maximum}`;
    if (s.minimum !== undefined) return `an integer >= ${s.minimum}`;
    return 'an integer';
  }
  if (s.type === 'string') return s.minLength !== undefined && s.minLength > 0 ? `a string of at least ${s.minLength} character(s)` : 'a string';
  if (s.type === 'array') return s.minItems !== undefined ? `an array with at least ${s.minItems} entr${s.minItems === 1 ? 'y' : 'ies'}` : 'an array';
  if (s.type === 'object') return message.toLowerCase().includes('unexpected property') ? 'no such key (check the spelling)' : 'an object';
  return message.replace(/^Expected /, '');
}

/** Rules one schema node cannot express: names and keys that must be unique, exclusive settings. */
function checkUnique(config: Config, sourceOf: (pointer: string) => string): void {
  if (config.redis.url !== undefined && config.redis.clusterNodes !== undefined) {
    throw new ConfigError({ key: 'redis.clusterNodes', expected: 'either redis.url (one server) or redis.clusterNodes (a Cluster), not both', source: sourceOf('/redis/clusterNodes') });
  }
  const seen = new Set<string>();
  config.trunks.forEach((trunk, i) => {
    if (seen.has(trunk.name)) throw new ConfigError({ key: `trunks[${i}].name`, expected: 'a trunk name not used by another trunk', source: sourceOf(`/trunks/${i}/name`), got: trunk.name });
    seen.add(trunk.name);
  });
  const keys = new Set<string>();
  config.api.keys.forEach((entry, i) => {
    if (keys.has(entry.key)) throw new ConfigError({ key: `api.keys[${i}].key`, expected: 'an API key not used by another entry', source: sourceOf(`/api/keys/${i}/key`) });
    keys.add(entry.key);
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
