import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.ts';
import { ENV_OVERRIDES, splitContacts } from '../../../src/config/env.ts';
import { DEFAULTS_FILE, keyOf, loadConfig } from '../../../src/config/load.ts';
import { ConfigSchema } from '../../../src/config/schema.ts';
import { AppError } from '../../../src/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'pn-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
function writeConfig(content: unknown): string {
  const file = join(dir, `config-${++fileCount}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const load = (env: Record<string, string> = {}, argv: string[] = []) => loadConfig({ argv, env, cwd: dir });

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('defaults', () => {
  it('loads with no file and no environment, every key at its documented default', () => {
    const config = load();
    expect(config.sip.contacts).toEqual(['sip:127.0.0.1:5060;transport=udp,tcp']);
    expect(config.sip.adminAddress).toBe('127.0.0.1');
    expect(config.sip.adminPort).toBe(9022);
    expect(config.sip.secret).toBe('cymru');
    expect(config.sip.timers).toEqual({ t1Ms: 500, t2Ms: 4000, t4Ms: 5000 });
    expect(config.sip.maxMessageSize).toBe(65535);
    expect(config.sip.tcpIdleTimeoutMs).toBe(120000);
    expect(config.sip.externalIp).toBeUndefined();
    expect(config.redis.url).toBeUndefined();
    expect(config.http).toEqual({ listen: '127.0.0.1:8080', bodyLimitBytes: 65536 });
    expect(config.api).toEqual({ keys: [], rateLimitPerMinute: 6000, idempotencyTtlSeconds: 86400, webhooks: [], webhookMaxAttempts: 8 });
    expect(config.bindings).toEqual({
      defaultCountryCode: '86',
      coolDownSeconds: 86400,
      defaultReleaseAfterCallSeconds: 60,
      defaultAreaMatch: 'fallback',
      maxBindingsPerX: 0,
      recordRetentionSeconds: 30 * 86400,
    });
    expect(config.trunks).toEqual([]);
    expect(config.calls).toEqual({ ringTimeoutSeconds: 60, maxConcurrentCalls: 10000, callbackLimitPerTenant: 100, appProcesses: 1 });
    expect(config.log.level).toBe('info');
  });

  it('resolves dataDir against cwd and puts the embedded Redis data under it', () => {
    const config = load();
    expect(config.dataDir).toBe(join(dir, 'data'));
    expect(config.redis.dataDir).toBe(join(dir, 'data', 'redis'));
    expect(load({}, ['--config', writeConfig({ redis: { dataDir: 'r' } })]).redis.dataDir).toBe(join(dir, 'r'));
  });

  it('config/default.json holds every default of the schema, and nothing else', () => {
    expect(JSON.parse(readFileSync(DEFAULTS_FILE, 'utf8'))).toEqual(Value.Default(ConfigSchema, {}));
  });

  it('is deep-frozen', () => {
    const config = load({ PN_TRUNK_ADDRESSES: '10.0.0.1' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.sip.timers)).toBe(true);
    expect(Object.isFrozen(config.trunks[0]?.addresses)).toBe(true);
    expect(() => {
      (config.http as { listen: string }).listen = 'x';
    }).toThrow(TypeError);
  });
});

describe('file layer', () => {
  it('--config FILE merges over the defaults (objects by key, arrays replaced)', () => {
    const file = writeConfig({ sip: { timers: { t1Ms: 250 } }, api: { keys: [{ tenant: 'acme', key: 'k-123456789' }] } });
    const config = load({}, ['--config', file]);
    expect(config.sip.timers).toEqual({ t1Ms: 250, t2Ms: 4000, t4Ms: 5000 });
    expect(config.api.keys).toEqual([{ tenant: 'acme', key: 'k-123456789' }]);
    expect(config.http.listen).toBe('127.0.0.1:8080');
  });

  it('accepts --config=FILE, PN_CONFIG, and paths relative to cwd; --config wins over PN_CONFIG', () => {
    const a = writeConfig({ log: { level: 'debug' } });
    const b = writeConfig({ log: { level: 'warn' } });
    expect(load({}, [`--config=${a}`]).log.level).toBe('debug');
    expect(load({ PN_CONFIG: b }).log.level).toBe('warn');
    expect(load({ PN_CONFIG: b.slice(dir.length + 1) }).log.level).toBe('warn');
    expect(load({ PN_CONFIG: b }, ['--config', a]).log.level).toBe('debug');
  });

  it('fills the defaults of each trunk', () => {
    const file = writeConfig({ trunks: [{ name: 'carrier-1', addresses: ['192.0.2.0/24', '2001:db8::1'], gateways: ['sip:192.0.2.10:5060'] }] });
    expect(load({}, ['--config', file]).trunks).toEqual([
      {
        name: 'carrier-1',
        addresses: ['192.0.2.0/24', '2001:db8::1'],
        gateways: ['sip:192.0.2.10:5060'],
        unboundStatus: 404,
        unboundReason: 'Q.850;cause=1;text="unallocated number"',
        restrictedStatus: 403,
      },
    ]);
  });

  it('environment overrides win over the file', () => {
    const file = writeConfig({ http: { listen: '127.0.0.1:9000' } });
    expect(load({ PN_HTTP_LISTEN: '0.0.0.0:9100' }, ['--config', file]).http.listen).toBe('0.0.0.0:9100');
  });

  it('the example files in config/ load', () => {
    const example = loadConfig({ argv: ['--config', join(DEFAULTS_FILE, '..', 'example-single-trunk.json')], env: {}, cwd: dir });
    expect(example.trunks[0]?.name).toBe('carrier');
  });
});

describe('environment overrides', () => {
  it('PN_SIP_CONTACT: comma-separated contacts whose own transport lists contain commas', () => {
    expect(load({ PN_SIP_CONTACT: 'sip:0.0.0.0:5060;transport=udp,tcp' }).sip.contacts).toEqual(['sip:0.0.0.0:5060;transport=udp,tcp']);
    expect(load({ PN_SIP_CONTACT: 'sip:10.0.0.1:5060;transport=udp,tcp, sip:[::1]:5070;transport=tcp' }).sip.contacts).toEqual([
      'sip:10.0.0.1:5060;transport=udp,tcp',
      'sip:[::1]:5070;transport=tcp',
    ]);
    expect(splitContacts('sip:a.example:5060,sips:b.example:5061')).toEqual(['sip:a.example:5060', 'sips:b.example:5061']);
  });

  it('PN_REDIS_URL sets redis.url; empty means unset (embedded)', () => {
    expect(load({ PN_REDIS_URL: 'redis://10.0.0.2:6379/1' }).redis.url).toBe('redis://10.0.0.2:6379/1');
    expect(load({ PN_REDIS_URL: '' }).redis.url).toBeUndefined();
  });

  it('PN_DATA_DIR sets dataDir', () => {
    expect(load({ PN_DATA_DIR: '/var/lib/pn' }).dataDir).toBe('/var/lib/pn');
    expect(load({ PN_DATA_DIR: '/var/lib/pn' }).redis.dataDir).toBe('/var/lib/pn/redis');
  });

  it('PN_HTTP_LISTEN sets http.listen', () => {
    expect(load({ PN_HTTP_LISTEN: '0.0.0.0:8081' }).http.listen).toBe('0.0.0.0:8081');
    expect(load({ PN_HTTP_LISTEN: '[::1]:8081' }).http.listen).toBe('[::1]:8081');
  });

  it('PN_API_KEYS sets api.keys from tenant:key pairs (a key may contain ":")', () => {
    expect(load({ PN_API_KEYS: 'acme:key-aaaaaaaa, globex:key:bbbbbbbb' }).api.keys).toEqual([
      { tenant: 'acme', key: 'key-aaaaaaaa' },
      { tenant: 'globex', key: 'key:bbbbbbbb' },
    ]);
  });

  it('PN_TRUNK_ADDRESSES and PN_GATEWAY_URI define a trunk named "default"', () => {
    const config = load({ PN_TRUNK_ADDRESSES: '10.0.0.0/8,192.0.2.7', PN_GATEWAY_URI: 'sip:10.0.0.5:5060' });
    expect(config.trunks).toHaveLength(1);
    expect(config.trunks[0]).toMatchObject({ name: 'default', addresses: ['10.0.0.0/8', '192.0.2.7'], gateways: ['sip:10.0.0.5:5060'], unboundStatus: 404 });
  });

  it('PN_TRUNK_ADDRESSES and PN_GATEWAY_URI override the "default" trunk of a file and keep the others', () => {
    const file = writeConfig({
      trunks: [
        { name: 'other', addresses: ['198.51.100.1'] },
        { name: 'default', addresses: ['198.51.100.2'], gateways: ['sip:198.51.100.3'], unboundStatus: 480 },
      ],
    });
    const config = load({ PN_GATEWAY_URI: 'sip:gw.example.com;transport=tcp' }, ['--config', file]);
    expect(config.trunks.map((t) => t.name)).toEqual(['other', 'default']);
    expect(config.trunks[1]).toMatchObject({ addresses: ['198.51.100.2'], gateways: ['sip:gw.example.com;transport=tcp'], unboundStatus: 480 });
  });

  it('PN_DEFAULT_COUNTRY_CODE sets bindings.defaultCountryCode', () => {
    expect(load({ PN_DEFAULT_COUNTRY_CODE: '1' }).bindings.defaultCountryCode).toBe('1');
  });

  it('PN_REDIS_CLUSTER_NODES sets redis.clusterNodes; with redis.url as well it names the clash', () => {
    expect(load({ PN_REDIS_CLUSTER_NODES: 'redis://10.0.0.7:6379, redis://10.0.0.8:6379' }).redis.clusterNodes).toEqual(['redis://10.0.0.7:6379', 'redis://10.0.0.8:6379']);
    const err = configError(() => load({ PN_REDIS_CLUSTER_NODES: 'redis://10.0.0.7:6379', PN_REDIS_URL: 'redis://10.0.0.2:6379' }));
    expect(err.key).toBe('redis.clusterNodes');
    expect(err.source).toBe('PN_REDIS_CLUSTER_NODES');
    expect(err.expected).toMatch(/not both/);
  });

  it('PN_LOG_LEVEL sets log.level', () => {
    expect(load({ PN_LOG_LEVEL: 'debug' }).log.level).toBe('debug');
  });

  it('every override is listed in ENV_OVERRIDES (the README table is generated from it)', () => {
    expect(ENV_OVERRIDES.map((o) => o.name).sort()).toEqual(
      ['PN_API_KEYS', 'PN_DATA_DIR', 'PN_DEFAULT_COUNTRY_CODE', 'PN_GATEWAY_URI', 'PN_HTTP_LISTEN', 'PN_LOG_LEVEL', 'PN_REDIS_CLUSTER_NODES', 'PN_REDIS_URL', 'PN_SIP_CONTACT', 'PN_TRUNK_ADDRESSES'].sort(),
    );
  });
});

describe('bad values name the key, the source and what was expected', () => {
  const envCases: Array<[Record<string, string>, string, RegExp]> = [
    [{ PN_SIP_CONTACT: 'sip:0.0.0.0:5060;transport=pigeon' }, 'sip.contacts[0]', /drachtio-style contact/],
    [{ PN_SIP_CONTACT: 'http://0.0.0.0:5060' }, 'sip.contacts[0]', /drachtio-style contact/],
    [{ PN_REDIS_URL: 'mysql://db:3306' }, 'redis.url', /redis:\/\//],
    [{ PN_REDIS_CLUSTER_NODES: 'redis://10.0.0.7:6379,10.0.0.8:6379' }, 'redis.clusterNodes[1]', /redis:\/\/ URL of a cluster node/],
    [{ PN_HTTP_LISTEN: '8080' }, 'http.listen', /host:port/],
    [{ PN_HTTP_LISTEN: '127.0.0.1:70000' }, 'http.listen', /host:port/],
    [{ PN_API_KEYS: 'acme' }, 'api.keys', /tenant:key/],
    [{ PN_API_KEYS: 'acme:short' }, 'api.keys[0].key', /at least 8/],
    [{ PN_API_KEYS: 'ac me:key-aaaaaaaa' }, 'api.keys[0].tenant', /tenant name/],
    [{ PN_TRUNK_ADDRESSES: '10.0.0.0/33' }, 'trunks[0].addresses[0]', /IP address or CIDR/],
    [{ PN_TRUNK_ADDRESSES: '10.0.0.1,not-an-ip' }, 'trunks[0].addresses[1]', /IP address or CIDR/],
    [{ PN_GATEWAY_URI: 'http://10.0.0.5' }, 'trunks[0].gateways[0]', /SIP URI/],
    [{ PN_DEFAULT_COUNTRY_CODE: '+86' }, 'bindings.defaultCountryCode', /country code/],
    [{ PN_LOG_LEVEL: 'loud' }, 'log.level', /one of fatal, error/],
  ];
  for (const [env, key, expected] of envCases) {
    const [name] = Object.keys(env) as [string];
    it(`${name}=${env[name]} → ${key}`, () => {
      const err = configError(() => load(env));
      expect(err.key).toBe(key);
      expect(err.source).toBe(name);
      expect(err.expected).toMatch(expected);
      expect(err.message).toContain(key);
      expect(err.message).toContain(name);
      expect(err).toBeInstanceOf(AppError);
      expect(err.code).toBe('PN_ERR_CONFIG_INVALID');
    });
  }

  const fileCases: Array<[unknown, string, RegExp]> = [
    [{ sip: { adminPort: 70000 } }, 'sip.adminPort', /integer from 0 to 65535/],
    [{ sip: { timers: { t1Ms: 0 } } }, 'sip.timers.t1Ms', /integer >= 1/],
    [{ sip: { timers: { t1Ms: 1.5 } } }, 'sip.timers.t1Ms', /integer/],
    [{ sip: { contacts: [] } }, 'sip.contacts', /at least 1/],
    [{ sip: { externalIp: 'example.com' } }, 'sip.externalIp', /IP address/],
    [{ sip: { secret: '' } }, 'sip.secret', /at least 1/],
    [{ sip: { tcpIdleTimeout: 5 } }, 'sip.tcpIdleTimeout', /no such key/],
    [{ htp: {} }, 'htp', /no such key/],
    [{ http: { bodyLimitBytes: '64k' } }, 'http.bodyLimitBytes', /integer/],
    [{ api: { webhooks: [{ tenant: 'acme', url: 'ftp://x', secret: 's' }] } }, 'api.webhooks[0].url', /http/],
    [{ api: { webhooks: [{ tenant: 'acme', url: 'https://hooks.example.com/pn' }] } }, 'api.webhooks[0].secret', /required/],
    [{ bindings: { defaultAreaMatch: 'nearest' } }, 'bindings.defaultAreaMatch', /strict.*fallback/],
    [{ bindings: { coolDownSeconds: -1 } }, 'bindings.coolDownSeconds', /integer >= 0/],
    [{ trunks: [{ addresses: ['10.0.0.1'] }] }, 'trunks[0].name', /required/],
    [{ trunks: [{ name: 't', unboundStatus: 200 }] }, 'trunks[0].unboundStatus', /400 to 699/],
    [{ trunks: [{ name: 't' }, { name: 't' }] }, 'trunks[1].name', /not used by another trunk/],
    [{ api: { keys: [{ tenant: 'a', key: 'same-key-1' }, { tenant: 'b', key: 'same-key-1' }] } }, 'api.keys[1].key', /not used by another/],
    [{ calls: { appProcesses: 0 } }, 'calls.appProcesses', /integer from 1 to 64/],
    [{ log: { level: 3 } }, 'log.level', /one of fatal/],
  ];
  for (const [content, key, expected] of fileCases) {
    it(`file ${JSON.stringify(content)} → ${key}`, () => {
      const file = writeConfig(content);
      const err = configError(() => load({}, ['--config', file]));
      expect(err.key).toBe(key);
      expect(err.source).toBe(file);
      expect(err.expected).toMatch(expected);
    });
  }

  it('never echoes a secret value in the message', () => {
    const err = configError(() => load({ PN_API_KEYS: 'acme:tiny' }));
    expect(err.message).not.toContain('tiny');
  });

  it('a missing, malformed or non-object file is a ConfigError naming the file', () => {
    const missing = join(dir, 'nope.json');
    expect(configError(() => load({}, ['--config', missing])).source).toBe(missing);
    const broken = writeConfig('{ "sip": ');
    expect(configError(() => load({}, ['--config', broken])).expected).toMatch(/valid JSON/);
    expect(configError(() => load({}, ['--config', writeConfig('[1]')])).expected).toMatch(/object/);
  });

  it('an unknown command-line argument, or --config without a file, is rejected', () => {
    expect(configError(() => load({}, ['--verbose'])).key).toBe('command line');
    expect(configError(() => load({}, ['--config'])).key).toBe('--config');
  });
});

describe('keyOf', () => {
  it('turns JSON pointers into the README notation', () => {
    expect(keyOf('/sip/timers/t1Ms')).toBe('sip.timers.t1Ms');
    expect(keyOf('/trunks/0/gateways/12')).toBe('trunks[0].gateways[12]');
    expect(keyOf('')).toBe('(top level)');
  });
});
