// Our own SIP addresses: what we advertise in Via/Contact/From, what the authenticate reply lists,
// and what counts as "ourselves" for loop prevention (drachtio-protocol.md §8.6).
import { networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import type { BoundListener, TransportProtocol } from './transport/types.ts';

export interface AdvertisedListener extends BoundListener {
  /** Host written in Via/Contact: the external IP when configured, else the bound address (a real one for 0.0.0.0). */
  advertisedHost: string;
}

function firstNonInternalIPv4(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const ni of list ?? []) if (ni.family === 'IPv4' && !ni.internal) return ni.address;
  }
  return undefined;
}

function bracket(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

export class LocalAddresses {
  readonly listeners: AdvertisedListener[];
  private readonly own = new Set<string>();

  constructor(bound: readonly BoundListener[], externalIp?: string) {
    const fallback = firstNonInternalIPv4() ?? '127.0.0.1';
    this.listeners = bound.map((l) => ({
      ...l,
      advertisedHost: externalIp ?? (l.host === '0.0.0.0' || l.host === '::' ? fallback : l.host),
    }));
    for (const l of this.listeners) {
      for (const h of [l.host, l.advertisedHost]) this.own.add(`${h}:${l.port}`);
      if (l.host === '127.0.0.1' || l.host === '0.0.0.0') this.own.add(`localhost:${l.port}`);
      if (l.host === '0.0.0.0') {
        for (const list of Object.values(networkInterfaces())) for (const ni of list ?? []) if (ni.family === 'IPv4') this.own.add(`${ni.address}:${l.port}`);
      }
    }
  }

  /** `proto/host:port`, tcp before udp as drachtio-server lists them. */
  hostports(useAdvertised: boolean): string {
    return [...this.listeners]
      .sort((a, b) => (a.protocol === b.protocol ? 0 : a.protocol === 'tcp' ? -1 : 1))
      .map((l) => `${l.protocol}/${bracket(useAdvertised ? l.advertisedHost : l.host)}:${l.port}`)
      .join(',');
  }

  listenerFor(protocol: TransportProtocol, local?: { address: string; port: number }): AdvertisedListener {
    const sameProto = this.listeners.filter((l) => l.protocol === protocol);
    const exact = local ? sameProto.find((l) => l.port === local.port && (l.host === local.address || l.host === '0.0.0.0')) : undefined;
    const chosen = exact ?? sameProto[0] ?? this.listeners[0];
    if (!chosen) throw new Error('no SIP listener');
    return chosen;
  }

  /** host:port for `@localhost` substitution and Via sent-by (port kept even when 5060, as drachtio does for non-default; harmless). */
  hostport(l: AdvertisedListener): string {
    return `${bracket(l.advertisedHost)}:${l.port}`;
  }

  contactUri(l: AdvertisedListener, user?: string): string {
    const transport = l.protocol === 'udp' ? '' : `;transport=${l.protocol}`;
    return `sip:${user ? `${user}@` : ''}${this.hostport(l)}${transport}`;
  }

  isOwn(host: string, port: number | undefined): boolean {
    return this.own.has(`${host.toLowerCase()}:${port ?? 5060}`);
  }
}
