// Environment overrides for the keys an operator sets most, so a single-trunk deployment needs no
// file. Each override writes into the raw (not yet validated) config; validation happens after.
import { ConfigError } from './config-error.ts';

export type RawConfig = Record<string, unknown>;

export interface EnvOverride {
  /** Environment variable name. */
  name: string;
  /** The config key it sets, as shown in the README reference. */
  key: string;
  /** JSON pointer of the value it sets, used to name the variable when validation fails. */
  pointer: (raw: RawConfig) => string;
  /** Format of the variable's value, for the README. */
  format: string;
  apply: (raw: RawConfig, value: string) => void;
}

/** The trunk that PN_TRUNK_ADDRESSES and PN_GATEWAY_URI define or override. */
export const ENV_TRUNK_NAME = 'default';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object at `path` inside raw, created when missing; a non-object there is a ConfigError. */
function sectionOf(raw: RawConfig, path: string[], source: string): Record<string, unknown> {
  let node: Record<string, unknown> = raw;
  for (const [i, part] of path.entries()) {
    const next = node[part];
    if (next === undefined) node[part] = {};
    else if (!isRecord(next)) throw new ConfigError({ key: path.slice(0, i + 1).join('.'), expected: 'an object', source, got: next });
    node = node[part] as Record<string, unknown>;
  }
  return node;
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Contacts contain commas themselves (`;transport=udp,tcp`): a new contact starts at `sip:`/`sips:`. */
export function splitContacts(value: string): string[] {
  return value
    .split(/,(?=\s*sips?:)/i)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function defaultTrunkIndex(raw: RawConfig, source: string): number {
  if (raw.trunks === undefined) raw.trunks = [];
  if (!Array.isArray(raw.trunks)) throw new ConfigError({ key: 'trunks', expected: 'an array of trunks', source, got: raw.trunks });
  const trunks = raw.trunks as unknown[];
  const found = trunks.findIndex((t) => isRecord(t) && t.name === ENV_TRUNK_NAME);
  if (found >= 0) return found;
  trunks.push({ name: ENV_TRUNK_NAME });
  return trunks.length - 1;
}

function trunkField(field: 'addresses' | 'gateways', name: string): Pick<EnvOverride, 'pointer' | 'apply'> {
  return {
    pointer: (raw) => {
      const trunks = Array.isArray(raw.trunks) ? (raw.trunks as unknown[]) : [];
      const i = trunks.findIndex((t) => isRecord(t) && t.name === ENV_TRUNK_NAME);
      return `/trunks/${i < 0 ? 0 : i}/${field}`;
    },
    apply: (raw, value) => {
      const trunk = (raw.trunks as unknown[])[defaultTrunkIndex(raw, name)] as Record<string, unknown>;
      trunk[field] = list(value);
    },
  };
}

function scalar(name: string, path: string[], format: string): EnvOverride {
  const leaf = path[path.length - 1] ?? '';
  return {
    name,
    key: path.join('.'),
    format,
    pointer: () => '/' + path.join('/'),
    apply: (raw, value) => {
      sectionOf(raw, path.slice(0, -1), name)[leaf] = value;
    },
  };
}

export const ENV_OVERRIDES: readonly EnvOverride[] = [
  {
    name: 'PN_SIP_CONTACT',
    key: 'sip.contacts',
    format: 'comma-separated contacts, e.g. `sip:0.0.0.0:5060;transport=udp,tcp`',
    pointer: () => '/sip/contacts',
    apply: (raw, value) => {
      sectionOf(raw, ['sip'], 'PN_SIP_CONTACT').contacts = splitContacts(value);
    },
  },
  scalar('PN_REDIS_URL', ['redis', 'url'], '`redis://host:6379/0`; unset = embedded redis-server'),
  {
    name: 'PN_REDIS_CLUSTER_NODES',
    key: 'redis.clusterNodes',
    format: 'comma-separated `redis://host:port` seed nodes of a Redis Cluster',
    pointer: () => '/redis/clusterNodes',
    apply: (raw, value) => {
      sectionOf(raw, ['redis'], 'PN_REDIS_CLUSTER_NODES').clusterNodes = list(value);
    },
  },
  scalar('PN_DATA_DIR', ['dataDir'], 'a folder path'),
  scalar('PN_HTTP_LISTEN', ['http', 'listen'], '`host:port`'),
  {
    name: 'PN_API_KEYS',
    key: 'api.keys',
    format: '`tenant:key,tenant:key`',
    pointer: () => '/api/keys',
    apply: (raw, value) => {
      sectionOf(raw, ['api'], 'PN_API_KEYS').keys = list(value).map((pair) => {
        const colon = pair.indexOf(':');
        if (colon <= 0 || colon === pair.length - 1) {
          throw new ConfigError({ key: 'api.keys', expected: 'tenant:key pairs separated by commas', source: 'PN_API_KEYS' });
        }
        return { tenant: pair.slice(0, colon), key: pair.slice(colon + 1) };
      });
    },
  },
  {
    name: 'PN_TRUNK_ADDRESSES',
    key: 'trunks[].addresses',
    format: `comma-separated IPs/CIDRs; sets trunk "${ENV_TRUNK_NAME}" (created if absent)`,
    ...trunkField('addresses', 'PN_TRUNK_ADDRESSES'),
  },
  {
    name: 'PN_GATEWAY_URI',
    key: 'trunks[].gateways',
    format: `comma-separated SIP URIs; sets trunk "${ENV_TRUNK_NAME}" (created if absent)`,
    ...trunkField('gateways', 'PN_GATEWAY_URI'),
  },
  scalar('PN_DEFAULT_COUNTRY_CODE', ['bindings', 'defaultCountryCode'], 'digits, e.g. `86`'),
  scalar('PN_LOG_LEVEL', ['log', 'level'], '`info`, `debug`, ...'),
];

/** Applies every set (non-empty) override to raw; returns pointer → variable name for error reports. */
export function applyEnvOverrides(raw: RawConfig, env: Readonly<Record<string, string | undefined>>): Map<string, string> {
  const sources = new Map<string, string>();
  for (const override of ENV_OVERRIDES) {
    const value = env[override.name];
    if (value === undefined || value.trim() === '') continue;
    override.apply(raw, value.trim());
    sources.set(override.pointer(raw), override.name);
  }
  return sources;
}
