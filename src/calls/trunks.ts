// Trunks: the SIP peers allowed to send us INVITEs for X and through which we reach real numbers.
// An INVITE whose source address matches no trunk is refused before anything is looked up.
import { isIP } from 'node:net';

export interface Trunk {
  name: string;
  /** Source addresses the trunk sends from: IPv4/IPv6 addresses or CIDR blocks. */
  addresses: string[];
  /** Outbound gateways (SIP URIs, tried in order) through which we call real numbers. */
  gateways: string[];
  /** Country code (digits) for national numbers this trunk sends, e.g. "86". */
  countryCode?: string;
  /** Rejection for unbound or expired X (default 404, `Q.850;cause=1`). */
  unboundStatus?: number;
  unboundReason?: string;
  /** Rejection when the binding forbids this direction (default 403). */
  restrictedStatus?: number;
  restrictedReason?: string;
}

interface Block {
  family: 4 | 6;
  base: bigint;
  prefix: number;
}

function ipv4ToBigint(addr: string): bigint {
  let v = 0n;
  for (const part of addr.split('.')) v = (v << 8n) | BigInt(Number(part));
  return v;
}

function ipv6ToBigint(addr: string): bigint {
  // Embedded IPv4 tail (e.g. ::ffff:10.0.0.1) becomes two hextets.
  let s = addr;
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = ipv4ToBigint(tail);
    s = `${s.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', rest] = s.split('::') as [string, string | undefined];
  const headParts = head === '' ? [] : head.split(':');
  const restParts = rest === undefined || rest === '' ? [] : rest.split(':');
  const missing = 8 - headParts.length - restParts.length;
  const parts = rest === undefined ? headParts : [...headParts, ...Array<string>(missing).fill('0'), ...restParts];
  let v = 0n;
  for (const p of parts) v = (v << 16n) | BigInt(parseInt(p, 16));
  return v;
}

/** An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address for matching purposes. */
function normaliseAddress(addr: string): { family: 4 | 6; value: bigint } | null {
  const a = addr.trim().replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const fam = isIP(a);
  if (fam === 4) return { family: 4, value: ipv4ToBigint(a) };
  if (fam === 6) {
    const v = ipv6ToBigint(a);
    if (v >> 32n === 0xffffn) return { family: 4, value: v & 0xffffffffn };
    return { family: 6, value: v };
  }
  return null;
}

/** Parses "10.0.0.0/8", "2001:db8::/32" or a bare address (a /32 or /128). Throws on garbage. */
export function parseCidr(cidr: string): Block {
  const [addr = '', len] = cidr.split('/') as [string, string | undefined];
  const n = normaliseAddress(addr);
  if (!n) throw new TypeError(`not an IP address or CIDR block: ${cidr}`);
  const bits = n.family === 4 ? 32 : 128;
  // A mapped IPv6 block (::ffff:10.0.0.0/104) is kept as its IPv4 equivalent.
  let prefix = len === undefined ? bits : Number(len);
  if (len !== undefined && n.family === 4 && isIP(addr) === 6) prefix -= 96;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits || (len !== undefined && !/^\d+$/.test(len))) {
    throw new TypeError(`bad prefix length in ${cidr}`);
  }
  const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
  return { family: n.family, base: n.value & mask, prefix };
}

function inBlock(value: bigint, family: 4 | 6, block: Block): boolean {
  if (family !== block.family) return false;
  const bits = family === 4 ? 32 : 128;
  const shift = BigInt(bits - block.prefix);
  return value >> shift === block.base >> shift;
}

/** True when `address` falls inside `cidr`. */
export function addressInCidr(address: string, cidr: string): boolean {
  const n = normaliseAddress(address);
  return n !== null && inBlock(n.value, n.family, parseCidr(cidr));
}

/** The trunks, with their address blocks parsed once at start (bad config fails fast). */
export class TrunkTable {
  private readonly entries: Array<{ trunk: Trunk; blocks: Block[] }>;

  constructor(trunks: readonly Trunk[]) {
    this.entries = trunks.map((trunk) => ({ trunk, blocks: trunk.addresses.map(parseCidr) }));
  }

  /** The first trunk whose addresses contain `sourceAddress`, or null (untrusted source). */
  findTrunk(sourceAddress: string): Trunk | null {
    const n = normaliseAddress(sourceAddress);
    if (!n) return null;
    for (const { trunk, blocks } of this.entries) {
      if (blocks.some((b) => inBlock(n.value, n.family, b))) return trunk;
    }
    return null;
  }

  /** Gateways for calls set up from `trunk`: its own, else those of the first trunk that has any. */
  outboundGateways(trunk: Trunk): string[] {
    if (trunk.gateways.length > 0) return trunk.gateways;
    return this.entries.find((e) => e.trunk.gateways.length > 0)?.trunk.gateways ?? [];
  }
}

/** One-off lookup without a prebuilt table. */
export function findTrunk(trunks: readonly Trunk[], sourceAddress: string): Trunk | null {
  return new TrunkTable(trunks).findTrunk(sourceAddress);
}
