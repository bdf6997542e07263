// Redis key builders of the bindings engine: the only place that concatenates key strings.
// Every key carries a hash tag so each Lua script touches ONE slot (Redis Cluster, CROSSSLOT):
//   pn:{<X>}:...            authoritative state of privacy number X (number, parties, bindings)
//   pn:{party:<P>}:...      derived per-party indexes (used X, sticky hints, binding ids)
//   pn:{pool:<T>:<G>}:...   derived pool indexes per tenant and group (area sets, busy hints)
//   pn:{idx}:...            derived global indexes (all numbers, groups, due release times)

/** Tag-safe component: '{' and '}' would change the hash tag, ':' would blur the layout. */
function part(s: string): string {
  return encodeURIComponent(s);
}

/** The 8 keys of privacy number X, in the fixed order every per-X script expects (see lua/lib.lua). */
export interface XKeys {
  /** hash: tenant, group, areaCode, status, live (count of unreleased bindings), addedAt */
  num: string;
  /** hash: party -> binding id ('*' for AXN: anyone) */
  parties: string;
  /** hash: binding id -> binding JSON */
  bindings: string;
  /** zset: binding id -> releasable-at (ms) */
  expiry: string;
  /** zset: party -> cool-down end (ms) */
  coolDown: string;
  /** hash: party -> the peer it reached on X (re-binding the same pair is no stranger) */
  coolPeer: string;
  /** hash: pair key (tenant|mode|a|b) -> binding id */
  pairs: string;
  /** hash: binding id -> released binding JSON not yet acknowledged (release outbox) */
  released: string;
}

export function xKeys(x: string): XKeys {
  const t = `pn:{${part(x)}}`;
  return {
    num: `${t}:num`,
    parties: `${t}:p`,
    bindings: `${t}:b`,
    expiry: `${t}:exp`,
    coolDown: `${t}:cool`,
    coolPeer: `${t}:coolpeer`,
    pairs: `${t}:pair`,
    released: `${t}:gone`,
  };
}

export function xKeyList(x: string): string[] {
  const k = xKeys(x);
  return [k.num, k.parties, k.bindings, k.expiry, k.coolDown, k.coolPeer, k.pairs, k.released];
}

/** Glob matching every number hash (for rebuilding derived indexes by SCAN). */
export const NUM_KEY_PATTERN = 'pn:{*}:num';

/** Inverse of xKeys(x).num, for SCAN results; null when the key is not a number hash. */
export function xFromNumKey(key: string): string | null {
  const m = /^pn:\{([^}]*)\}:num$/.exec(key);
  if (!m || m[1] === undefined || m[1].includes(':')) return null;
  return decodeURIComponent(m[1]);
}

export interface PartyKeys {
  /** zset: X -> blocked-until (ms): live bindings and cool-downs of this party (hint) */
  usedX: string;
  /** hash: pair key -> X last used by the pair (sticky choice and duplicate detection) */
  pairHints: string;
  /** set: binding ids where this party is a or b */
  bindings: string;
}

export function partyKeys(party: string): PartyKeys {
  const t = `pn:{party:${part(party)}}`;
  return { usedX: `${t}:xs`, pairHints: `${t}:pairs`, bindings: `${t}:b` };
}

/** Short lock against two concurrent bind() calls for the same pair (in a's slot). */
export function pairLockKey(a: string, pairKey: string): string {
  return `pn:{party:${part(a)}}:lock:${part(pairKey)}`;
}

export interface PoolKeys {
  /** zset (score 0, lex order): every number of the group */
  all: string;
  /** hash: X -> "<areaCode>|<status>" (what the allocator caches locally) */
  meta: string;
  /** string counter, bumped on every change of meta */
  version: string;
  /** zset: X -> busy-until (ms) over all its bindings and cool-downs (hint for AXN) */
  busy: string;
}

export function poolKeys(tenant: string, group: string): PoolKeys {
  const t = `pn:{pool:${part(tenant)}:${part(group)}}`;
  return { all: `${t}:all`, meta: `${t}:meta`, version: `${t}:ver`, busy: `${t}:busy` };
}

/** zset (score 0, lex order) of the group's numbers in one area. */
export function poolAreaKey(tenant: string, group: string, areaCode: string): string {
  return `pn:{pool:${part(tenant)}:${part(group)}}:area:${part(areaCode)}`;
}

/** zset: X -> busy-until, per area (AXN candidates of one area). */
export function poolAreaBusyKey(tenant: string, group: string, areaCode: string): string {
  return `pn:{pool:${part(tenant)}:${part(group)}}:busy:${part(areaCode)}`;
}

/** zset (score 0, lex order): every number in the pool. */
export const ALL_NUMBERS_KEY = 'pn:{idx}:numbers';
/** set: "<tenant>\t<group>" of every group that ever had numbers. */
export const GROUPS_KEY = 'pn:{idx}:groups';
/** zset: binding id -> releasable-at (ms); the sweeper's work list. */
export const DUE_KEY = 'pn:{idx}:due';
