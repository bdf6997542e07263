// String formats used by the config schema, registered once with TypeBox so one validation pass
// checks shape and meaning together. Each check is a pure function, exported for reuse and tests.
import { isIP } from 'node:net';
import { FormatRegistry } from '@sinclair/typebox';

const TRANSPORTS = new Set(['udp', 'tcp', 'tls', 'ws', 'wss']);

/** A listen address in drachtio's contact form, e.g. `sip:0.0.0.0:5060;transport=udp,tcp`. */
export interface SipContact {
  scheme: 'sip' | 'sips';
  host: string;
  port: number;
  transports: string[];
}

function parsePort(text: string): number | null {
  if (!/^\d{1,5}$/.test(text)) return null;
  const port = Number(text);
  return port <= 65535 ? port : null;
}

function isHostName(host: string): boolean {
  return /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(host);
}

/** Splits `host:port` or `[v6]:port`; null when malformed. */
export function parseHostPort(text: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d+)$/.exec(text);
  if (!m) return null;
  const host = m[1] ?? m[2] ?? '';
  if (m[1] !== undefined ? isIP(host) !== 6 : !(isIP(host) === 4 || isHostName(host))) return null;
  const port = parsePort(m[3] ?? '');
  return port === null ? null : { host, port };
}

/** Parses one drachtio-style contact; port defaults to 5060 (5061 for sips), transport to udp. */
export function parseSipContact(text: string): SipContact | null {
  const m = /^(sips?):(\[[0-9A-Fa-f:.]+\]|[^:;[\]]+)(?::(\d+))?((?:;[^;]*)*)$/i.exec(text.trim());
  if (!m) return null;
  const scheme = (m[1] ?? '').toLowerCase() as 'sip' | 'sips';
  const rawHost = m[2] ?? '';
  const host = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost;
  if (rawHost.startsWith('[') ? isIP(host) !== 6 : !(isIP(host) === 4 || isHostName(host))) return null;
  const port = m[3] === undefined ? (scheme === 'sips' ? 5061 : 5060) : parsePort(m[3]);
  if (port === null) return null;
  let transports = [scheme === 'sips' ? 'tls' : 'udp'];
  for (const param of (m[4] ?? '').split(';').filter((p) => p !== '')) {
    const [name, value] = param.split('=', 2) as [string, string | undefined];
    if (name.toLowerCase() !== 'transport') continue;
    transports = (value ?? '').toLowerCase().split(',').map((t) => t.trim());
    if (transports.some((t) => !TRANSPORTS.has(t))) return null;
  }
  return { scheme, host, port, transports };
}

/** An IPv4/IPv6 address or a CIDR block (`10.0.0.0/8`, `2001:db8::/32`). */
export function isIpOrCidr(text: string): boolean {
  const [addr, bits, extra] = text.split('/');
  if (extra !== undefined || addr === undefined) return false;
  const family = isIP(addr);
  if (family === 0) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/** A SIP or SIPS URI with a host part (`sip:10.0.0.5:5060`, `sip:gw.example.com;transport=tcp`). */
export function isSipUri(text: string): boolean {
  const m = /^sips?:(?:[^@\s]+@)?(\[[0-9A-Fa-f:.]+\]|[^:;?@\s[\]]+)(?::(\d+))?(?:[;?][^\s]*)?$/i.exec(text);
  if (!m) return false;
  const rawHost = m[1] ?? '';
  const okHost = rawHost.startsWith('[') ? isIP(rawHost.slice(1, -1)) === 6 : isIP(rawHost) === 4 || isHostName(rawHost);
  return okHost && (m[2] === undefined || parsePort(m[2]) !== null);
}

function isUrlWithProtocols(text: string, protocols: string[]): boolean {
  try {
    return protocols.includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

export const FORMATS = {
  'sip-contact': (v: string) => parseSipContact(v) !== null,
  'host-port': (v: string) => parseHostPort(v) !== null,
  'ip': (v: string) => isIP(v) !== 0,
  'ip-or-cidr': isIpOrCidr,
  'sip-uri': isSipUri,
  'redis-url': (v: string) => isUrlWithProtocols(v, ['redis:', 'rediss:']),
  'http-url': (v: string) => isUrlWithProtocols(v, ['http:', 'https:']),
} as const;

for (const [name, check] of Object.entries(FORMATS)) {
  if (!FormatRegistry.Has(name)) FormatRegistry.Set(name, check);
}
