// The ONE configuration schema: every setting with its type, default and a one-line description.
// load.ts validates against it once at start; the README's configuration reference is generated
// from it (scripts/readme-tables.ts) and a test keeps the two in step.
import { Type, type Static } from '@sinclair/typebox';
import './formats.ts';

/** Options every leaf carries; `expected` is the human phrase used in error messages. */
interface LeafOptions {
  description: string;
  default?: unknown;
  expected?: string;
}

const str = (o: LeafOptions & { format?: string; pattern?: string; minLength?: number }) => Type.String(o);
const int = (o: LeafOptions & { minimum?: number; maximum?: number }) => Type.Integer(o);
const section = <T extends Parameters<typeof Type.Object>[0]>(properties: T, description: string) =>
  Type.Object(properties, { description, default: {}, additionalProperties: false });

const TENANT = { pattern: '^[A-Za-z0-9_.-]{1,64}$', expected: 'a tenant name of 1-64 letters, digits, "_", "." or "-"' };
const COUNTRY_CODE = { pattern: '^[1-9][0-9]{0,2}$', expected: 'an E.164 country code of 1-3 digits without "+", e.g. 86' };
const SIP_STATUS = { minimum: 400, maximum: 699 };

export const TrunkSchema = Type.Object(
  {
    name: str({ description: 'Trunk name, used in logs and call records', ...TENANT, expected: 'a trunk name of 1-64 letters, digits, "_", "." or "-"' }),
    addresses: Type.Array(str({ description: 'Source address', format: 'ip-or-cidr', expected: 'an IP address or CIDR block, e.g. 10.0.0.0/8' }), {
      default: [],
      description: 'IP addresses or CIDR blocks allowed to send INVITEs for privacy numbers',
    }),
    gateways: Type.Array(str({ description: 'Gateway URI', format: 'sip-uri', expected: 'a SIP URI, e.g. sip:10.0.0.5:5060' }), {
      default: [],
      description: 'SIP URIs that calls to real numbers are sent to, tried in order (failover)',
    }),
    countryCode: Type.Optional(str({ description: 'Country code for national numbers from this trunk (default: bindings.defaultCountryCode)', ...COUNTRY_CODE })),
    unboundStatus: int({ description: 'SIP status answered to a call to X with no binding for the caller', default: 404, ...SIP_STATUS }),
    unboundReason: str({ description: 'Reason header (RFC 3326) sent with the unbound status', default: 'Q.850;cause=1;text="unallocated number"', minLength: 1 }),
    restrictedStatus: int({ description: 'SIP status answered when the binding forbids this call direction', default: 403, ...SIP_STATUS }),
  },
  { additionalProperties: false, description: 'A SIP peer (carrier) that sends us calls and takes calls from us' },
);

export const ConfigSchema = Type.Object(
  {
    sip: section(
      {
        contacts: Type.Array(
          str({ description: 'Listen contact', format: 'sip-contact', expected: 'a drachtio-style contact, e.g. sip:0.0.0.0:5060;transport=udp,tcp' }),
          { minItems: 1, default: ['sip:127.0.0.1:5060;transport=udp,tcp'], description: 'SIP listen addresses in drachtio contact form' },
        ),
        externalIp: Type.Optional(str({ description: 'Public IP to advertise in Via/Contact when behind NAT', format: 'ip', expected: 'an IP address' })),
        adminAddress: str({ description: 'Address the drachtio wire-protocol listener binds to', default: '127.0.0.1', format: 'ip', expected: 'an IP address' }),
        adminPort: int({ description: 'Port of the drachtio wire-protocol listener (0 = any free port)', default: 9022, minimum: 0, maximum: 65535 }),
        secret: str({ description: 'Shared secret drachtio-srf clients authenticate with', default: 'cymru', minLength: 1 }),
        embeddedServer: Type.Boolean({
          description: 'Run our own SIP server; false = connect the B2BUA app to an external drachtio-server at adminAddress:adminPort with secret',
          default: true,
        }),
        timers: section(
          {
            t1Ms: int({ description: 'RFC 3261 T1, round-trip time estimate (ms)', default: 500, minimum: 1 }),
            t2Ms: int({ description: 'RFC 3261 T2, maximum retransmit interval for non-INVITE requests and INVITE responses (ms)', default: 4000, minimum: 1 }),
            t4Ms: int({ description: 'RFC 3261 T4, maximum time a message stays in the network (ms)', default: 5000, minimum: 1 }),
          },
          'SIP transaction timers (RFC 3261 §17, Table 4)',
        ),
        maxMessageSize: int({ description: 'Largest SIP message accepted, in bytes', default: 65535, minimum: 1500, maximum: 1048576 }),
        tcpIdleTimeoutMs: int({ description: 'Close an idle inbound TCP connection after this many ms (0 = never)', default: 120000, minimum: 0 }),
        overload: section(
          {
            maxLoopDelayMs: int({
              description: 'Mean event-loop delay of the SIP server over a 500 ms window that counts as overload (ms; 0 = not watched)',
              default: 250,
              minimum: 0,
            }),
            maxPendingInvites: int({ description: 'New INVITEs handed to apps and not yet answered by them that count as overload (0 = not watched)', default: 5000, minimum: 0 }),
            retryAfterSeconds: int({ description: 'Retry-After of the 503 that refuses a new INVITE while overloaded (s)', default: 2, minimum: 1, maximum: 3600 }),
          },
          'Overload control: while overloaded, new INVITEs are answered 503 + Retry-After by the SIP server (RFC 3261 §21.5.4); it clears below half of each limit',
        ),
      },
      'The SIP server',
    ),
    redis: section(
      {
        url: Type.Optional(str({ description: 'Redis URL; unset = start an embedded redis-server', format: 'redis-url', expected: 'a redis:// or rediss:// URL' })),
        clusterNodes: Type.Optional(
          Type.Array(str({ description: 'Seed node', format: 'redis-url', expected: 'a redis:// URL of a cluster node, e.g. redis://10.0.0.7:6379' }), {
            minItems: 1,
            description: 'Seed nodes of a Redis Cluster (redis:// URLs; a password in the first applies to all); instead of url',
          }),
        ),
        dataDir: Type.Optional(str({ description: 'Data folder of the embedded redis-server (default: the redis folder inside dataDir)', minLength: 1 })),
      },
      'Where bindings are stored',
    ),
    dataDir: str({ description: 'Folder for local state (embedded Redis data); relative to the working directory', default: './data', minLength: 1 }),
    http: section(
      {
        listen: str({ description: 'host:port the REST API listens on', default: '127.0.0.1:8080', format: 'host-port', expected: 'host:port, e.g. 127.0.0.1:8080' }),
        bodyLimitBytes: int({ description: 'Largest accepted request body, in bytes', default: 65536, minimum: 1024 }),
      },
      'The HTTP server of the REST API',
    ),
    api: section(
      {
        keys: Type.Array(
          Type.Object(
            {
              tenant: str({ description: 'Tenant the key belongs to', ...TENANT }),
              key: str({ description: 'The API key (Bearer token)', minLength: 8, expected: 'an API key of at least 8 characters' }),
            },
            { additionalProperties: false },
          ),
          { default: [], description: 'API keys, each owned by one tenant' },
        ),
        rateLimitPerMinute: int({ description: 'Requests per minute allowed per API key', default: 6000, minimum: 1 }),
        idempotencyTtlSeconds: int({ description: 'How long an Idempotency-Key and its response are kept', default: 86400, minimum: 1 }),
        webhooks: Type.Array(
          Type.Object(
            {
              tenant: str({ description: 'Tenant whose call events are sent', ...TENANT }),
              url: str({ description: 'Where events are POSTed', format: 'http-url', expected: 'an http:// or https:// URL' }),
              secret: str({ description: 'HMAC secret that signs each delivery', minLength: 1 }),
            },
            { additionalProperties: false },
          ),
          { default: [], description: 'Per-tenant webhook receivers for call events' },
        ),
        webhookMaxAttempts: int({ description: 'Delivery attempts per webhook event before giving up', default: 8, minimum: 1, maximum: 50 }),
      },
      'The REST API',
    ),
    bindings: section(
      {
        defaultCountryCode: str({ description: 'Country code for national numbers (API input and trunks without their own)', default: '86', ...COUNTRY_CODE }),
        coolDownSeconds: int({ description: 'After release, how long X stays away from the same party', default: 86400, minimum: 0 }),
        defaultReleaseAfterCallSeconds: int({ description: 'Release timer started when the last call on a binding ends', default: 60, minimum: 0 }),
        defaultAreaMatch: Type.Union([Type.Literal('strict'), Type.Literal('fallback')], {
          description: 'Area-code rule when choosing X: strict = only the requested area, fallback = then any',
          default: 'fallback',
          expected: '"strict" or "fallback"',
        }),
        maxBindingsPerX: int({ description: 'Most live bindings one X may carry (0 = no limit)', default: 0, minimum: 0 }),
        recordRetentionSeconds: int({ description: 'How long call records are kept', default: 2592000, minimum: 1 }),
      },
      'The bindings engine',
    ),
    trunks: Type.Array(TrunkSchema, { default: [], description: 'SIP trunks (carriers)' }),
    calls: section(
      {
        ringTimeoutSeconds: int({ description: 'Give up on an unanswered outbound leg after this many seconds', default: 60, minimum: 1, maximum: 3600 }),
        maxConcurrentCalls: int({ description: 'Calls in progress before new ones are refused with 503', default: 10000, minimum: 1 }),
        callbackLimitPerTenant: int({ description: 'Callbacks (click-to-call) in progress per tenant', default: 100, minimum: 1 }),
        appProcesses: int({ description: 'Number of B2BUA app processes connected to the SIP server', default: 1, minimum: 1, maximum: 64 }),
      },
      'The B2BUA call handling',
    ),
    log: section(
      {
        level: Type.Union(
          [Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')],
          { description: 'Log level', default: 'info', expected: 'one of fatal, error, warn, info, debug, trace, silent' },
        ),
      },
      'Logging',
    ),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
export type TrunkConfig = Static<typeof TrunkSchema>;
export type LogLevel = Config['log']['level'];
