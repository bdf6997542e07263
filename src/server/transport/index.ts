// The transport layer's public surface.
export { TransportSet } from './transport-set.ts';
export { StreamFramer, type FramerEvent } from './stream-framer.ts';
export {
  TransportError,
  normalizeAddress,
  type BoundListener,
  type Destination,
  type Endpoint,
  type ListenerSpec,
  type MessageCallback,
  type MessageSource,
  type TransportOptions,
  type TransportProtocol,
  type TransportStats,
} from './types.ts';
