// drachtio-style SIP contacts -> listeners: `sip:127.0.0.1:5060;transport=udp,tcp`,
// `sip:*;transport=udp` (any address), `sip:[::1]:5070` (default transports udp and tcp).
import type { ListenerSpec, TransportProtocol } from './transport/types.ts';

export class ContactError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContactError';
  }
}

export function parseContact(contact: string): ListenerSpec[] {
  const m = /^sips?:(\*|\[[0-9a-fA-F:.]+\]|[^:;\s]+)(?::(\d+))?((?:;[^;\s]*)*)$/.exec(contact.trim());
  if (!m) throw new ContactError(`invalid SIP contact "${contact}" (expected e.g. sip:127.0.0.1:5060;transport=udp,tcp)`);
  const rawHost = m[1] as string;
  const host = rawHost === '*' ? '0.0.0.0' : rawHost.replace(/^\[|\]$/g, '');
  const port = m[2] === undefined ? 5060 : Number(m[2]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ContactError(`invalid port in SIP contact "${contact}"`);
  const transportParam = /;transport=([^;]+)/i.exec(m[3] ?? '')?.[1];
  const transports = (transportParam ?? 'udp,tcp').toLowerCase().split(',');
  const specs: ListenerSpec[] = [];
  for (const t of transports) {
    if (t !== 'udp' && t !== 'tcp') throw new ContactError(`transport "${t}" in SIP contact "${contact}" is not supported (udp, tcp)`);
    specs.push({ protocol: t as TransportProtocol, host, port });
  }
  return specs;
}
