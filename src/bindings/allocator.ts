// Choosing X for a new binding: the pure core (no I/O). The store claims candidates in this order
// with the atomic bind script; whatever this module believes, the script has the last word.
//
// Order: the pair's previous X (sticky), then the preferred area tiers, each walked first-fit from
// an offset derived from the busiest party. First-fit keeps a party's X's and its peers' X's
// overlapping (few colours, close to the largest degree, König); the per-party offset spreads
// different parties over the pool so no single X (one Redis slot) takes all the load.
import type { AreaMatch } from './model.ts';

/** The allocator's local view of one (tenant, group) pool. */
export interface PoolSnapshot {
  /** Numbers of each area code, sorted. */
  byArea: ReadonlyMap<string, readonly string[]>;
  /** Every number of the group, sorted. */
  all: readonly string[];
  areaOf: ReadonlyMap<string, string>;
  active: ReadonlySet<string>;
}

export function buildSnapshot(entries: Iterable<{ number: string; areaCode: string; active: boolean }>): PoolSnapshot {
  const byArea = new Map<string, string[]>();
  const all: string[] = [];
  const areaOf = new Map<string, string>();
  const active = new Set<string>();
  for (const e of entries) {
    all.push(e.number);
    areaOf.set(e.number, e.areaCode);
    if (e.active) active.add(e.number);
    let list = byArea.get(e.areaCode);
    if (!list) byArea.set(e.areaCode, (list = []));
    list.push(e.number);
  }
  all.sort();
  for (const list of byArea.values()) list.sort();
  return { byArea, all, areaOf, active };
}

export const EMPTY_SNAPSHOT: PoolSnapshot = buildSnapshot([]);

/**
 * Area tiers to try, in order; `undefined` means any area. Preference: the requested area, then
 * the callee's, then the caller's. Strict matching keeps only the most preferred known area (and
 * fails when it has no fit); fallback ends with any area.
 */
export function areaTiers(opts: { requested?: string; callee?: string; caller?: string; match: AreaMatch }): Array<string | undefined> {
  const prefs: string[] = [];
  for (const a of [opts.requested, opts.callee, opts.caller]) {
    if (a !== undefined && a !== '' && !prefs.includes(a)) prefs.push(a);
  }
  if (opts.match === 'strict') return prefs.length > 0 ? [prefs[0]] : [undefined];
  return [...prefs, undefined];
}

/** The area a strict request is confined to, or undefined when any area is acceptable. */
export function strictAreaOf(tiers: ReadonlyArray<string | undefined>): string | undefined {
  return tiers.length === 1 ? tiers[0] : undefined;
}

/** FNV-1a, 32 bit: a stable offset per party, the same in every process. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export interface CandidateInput {
  pool: PoolSnapshot;
  tiers: ReadonlyArray<string | undefined>;
  /** Consulted lazily, so X's found taken during the claims are skipped from then on. */
  isBlocked: (x: string) => boolean;
  /** The party whose offset orders the walk (the one with most X's in use). */
  seed: string;
  /** The X this pair used last: tried first, even when it looks taken (it may be theirs). */
  sticky?: string | undefined;
}

/** Candidate X's in preference order, each at most once. */
export function* candidateOrder(input: CandidateInput): Generator<string> {
  const { pool, tiers, isBlocked, seed, sticky } = input;
  const seen = new Set<string>();
  const strict = strictAreaOf(tiers);
  if (sticky !== undefined && pool.areaOf.has(sticky) && (strict === undefined || pool.areaOf.get(sticky) === strict)) {
    seen.add(sticky);
    yield sticky;
  }
  const offset = fnv1a(seed);
  for (const tier of tiers) {
    const list = tier === undefined ? pool.all : pool.byArea.get(tier);
    if (!list || list.length === 0) continue;
    const n = list.length;
    const start = offset % n;
    for (let i = 0; i < n; i++) {
      const x = list[(start + i) % n] as string;
      if (seen.has(x) || !pool.active.has(x) || isBlocked(x)) continue;
      seen.add(x);
      yield x;
    }
  }
}

/**
 * Seed party for the walk: the party with more X's in use, so the busiest party's numbers are
 * reused first and the other party adapts to it.
 */
export function seedParty(a: string, b: string | undefined, usedA: number, usedB: number): string {
  return b !== undefined && usedB > usedA ? b : a;
}

/** AXN candidates: sticky first, then the free X's of each tier (a hint list from Redis), shuffled. */
export function* exclusiveOrder(input: {
  pool: PoolSnapshot;
  freeByTier: ReadonlyArray<readonly string[]>;
  isBlocked: (x: string) => boolean;
  sticky?: string | undefined;
  strictArea?: string | undefined;
  random?: () => number;
}): Generator<string> {
  const rnd = input.random ?? Math.random;
  const seen = new Set<string>();
  const { pool, sticky, strictArea } = input;
  if (sticky !== undefined && pool.areaOf.has(sticky) && (strictArea === undefined || pool.areaOf.get(sticky) === strictArea)) {
    seen.add(sticky);
    yield sticky;
  }
  for (const free of input.freeByTier) {
    const list = [...free];
    // Shuffle so concurrent AXN allocators do not all race for the same first free X.
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [list[i], list[j]] = [list[j] as string, list[i] as string];
    }
    for (const x of list) {
      if (seen.has(x) || !pool.active.has(x) || input.isBlocked(x)) continue;
      seen.add(x);
      yield x;
    }
  }
}
