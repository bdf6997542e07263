// Where a request goes: next hop from a SIP URI (RFC 3263 reduced to what trunks use: an IP or a
// host name resolved by the socket layer, the port, and the transport parameter).
import { parseUri } from '../sip/message/uri.ts';
import type { Destination, TransportProtocol } from './transport/types.ts';

export class DestinationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DestinationError';
  }
}

/** `sip:host[:port][;transport=x]` (or a bare `host[:port]`, as srf's proxy option allows). */
export function uriDestination(uriText: string, defaultProtocol: TransportProtocol = 'udp'): Destination {
  const text = /^[a-z][a-z0-9+.-]*:/i.test(uriText) ? uriText : `sip:${uriText}`;
  const uri = parseUri(text.replace(/^<|>$/g, ''));
  if (uri.scheme === 'tel') throw new DestinationError('a tel: URI has no host to send to');
  const transport = uri.params.get('transport')?.toLowerCase();
  let protocol: TransportProtocol = defaultProtocol;
  if (transport === 'tcp' || transport === 'udp') protocol = transport;
  else if (transport !== undefined) throw new DestinationError('requested protocol/transport not available');
  else if (uri.scheme === 'sips') throw new DestinationError('requested protocol/transport not available');
  return { protocol, address: uri.host, port: uri.port ?? 5060 };
}
