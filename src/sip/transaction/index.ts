// The pure transaction machines of RFC 3261 §17 (with RFC 6026), their timers and matching keys.
export * from './types.ts';
export * from './timers.ts';
export * from './keys.ts';
export { ictStart, ictReduce, type IctMachine } from './ict.ts';
export { nictStart, nictReduce, type NictMachine } from './nict.ts';
export { istStart, istReduce, type IstMachine } from './ist.ts';
export { nistStart, nistReduce, type NistMachine } from './nist.ts';
