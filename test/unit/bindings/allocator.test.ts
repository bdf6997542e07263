import { describe, expect, it } from 'vitest';
import { areaTiers, buildSnapshot, candidateOrder, exclusiveOrder, fnv1a, seedParty, strictAreaOf } from '../../../src/bindings/allocator.ts';

const pool = buildSnapshot([
  { number: '+8610000000003', areaCode: '10', active: true },
  { number: '+8610000000001', areaCode: '10', active: true },
  { number: '+8610000000002', areaCode: '10', active: false },
  { number: '+8621000000001', areaCode: '21', active: true },
  { number: '+8621000000002', areaCode: '21', active: true },
]);
const take = (g: Iterable<string>, n = 100): string[] => {
  const out: string[] = [];
  for (const x of g) {
    out.push(x);
    if (out.length >= n) break;
  }
  return out;
};

describe('areaTiers', () => {
  it('fallback: requested, then callee, then caller, then any; duplicates once', () => {
    expect(areaTiers({ requested: '10', callee: '21', caller: '755', match: 'fallback' })).toEqual(['10', '21', '755', undefined]);
    expect(areaTiers({ callee: '21', caller: '21', match: 'fallback' })).toEqual(['21', undefined]);
    expect(areaTiers({ match: 'fallback' })).toEqual([undefined]);
  });
  it('strict: only the most preferred known area; any when none is known', () => {
    expect(areaTiers({ requested: '10', callee: '21', match: 'strict' })).toEqual(['10']);
    expect(areaTiers({ caller: '755', match: 'strict' })).toEqual(['755']);
    expect(areaTiers({ match: 'strict' })).toEqual([undefined]);
    expect(strictAreaOf(['10'])).toBe('10');
    expect(strictAreaOf(['10', undefined])).toBeUndefined();
  });
});

describe('buildSnapshot', () => {
  it('sorts numbers per area and overall, and keeps status', () => {
    expect(pool.byArea.get('10')).toEqual(['+8610000000001', '+8610000000002', '+8610000000003']);
    expect(pool.all[0]).toBe('+8610000000001');
    expect(pool.active.has('+8610000000002')).toBe(false);
  });
});

describe('candidateOrder', () => {
  it('walks the preferred area first, then any, skipping disabled and blocked numbers, each once', () => {
    const order = take(candidateOrder({ pool, tiers: ['21', undefined], isBlocked: (x) => x === '+8610000000001', seed: '+8613900000001' }));
    expect(order.slice(0, 2).sort()).toEqual(['+8621000000001', '+8621000000002']);
    expect(order.slice(2)).toEqual(['+8610000000003']);
  });
  it('puts the sticky X first even when it looks taken (it may be the pair\'s own)', () => {
    const order = take(candidateOrder({ pool, tiers: [undefined], isBlocked: () => true, seed: 'p', sticky: '+8621000000002' }));
    expect(order).toEqual(['+8621000000002']);
  });
  it('does not offer a sticky X outside a strict area', () => {
    const order = take(candidateOrder({ pool, tiers: ['10'], isBlocked: () => false, seed: 'p', sticky: '+8621000000002' }));
    expect(order).not.toContain('+8621000000002');
  });
  it('is first-fit from a per-party offset: the same party gets the same order, the walk wraps around', () => {
    const big = buildSnapshot(Array.from({ length: 50 }, (_, i) => ({ number: `+86100000${String(i).padStart(5, '0')}`, areaCode: '10', active: true })));
    const o1 = take(candidateOrder({ pool: big, tiers: [undefined], isBlocked: () => false, seed: '+8613900000001' }));
    const o2 = take(candidateOrder({ pool: big, tiers: [undefined], isBlocked: () => false, seed: '+8613900000001' }));
    expect(o1).toEqual(o2);
    expect(new Set(o1).size).toBe(50);
    const start = fnv1a('+8613900000001') % 50;
    expect(o1[0]).toBe(big.all[start]);
    expect(o1[50 - start]).toBe(big.all[0]);
    // Different parties start at different places, spreading load over the pool.
    const starts = new Set(Array.from({ length: 20 }, (_, i) => take(candidateOrder({ pool: big, tiers: [undefined], isBlocked: () => false, seed: `+86139000000${i}` }), 1)[0]));
    expect(starts.size).toBeGreaterThan(10);
  });
  it('reads the blocked set lazily, so X found taken during claims are skipped', () => {
    const blocked = new Set<string>();
    const gen = candidateOrder({ pool, tiers: ['10'], isBlocked: (x) => blocked.has(x), seed: 'p' });
    const first = gen.next().value as string;
    const other = first === '+8610000000001' ? '+8610000000003' : '+8610000000001';
    blocked.add(other);
    expect(gen.next().done).toBe(true);
  });
});

describe('seedParty and fnv1a', () => {
  it('seeds the walk with the busier party', () => {
    expect(seedParty('a', 'b', 3, 5)).toBe('b');
    expect(seedParty('a', 'b', 5, 5)).toBe('a');
    expect(seedParty('a', undefined, 0, 9)).toBe('a');
  });
  it('fnv1a is the 32-bit FNV-1a hash', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
  });
});

describe('exclusiveOrder', () => {
  it('tries sticky, then shuffled free numbers per tier, active and unblocked only, each once', () => {
    const order = take(
      exclusiveOrder({
        pool,
        freeByTier: [['+8621000000001', '+8610000000002'], ['+8621000000001', '+8610000000001', '+8621000000002']],
        isBlocked: (x) => x === '+8621000000002',
        sticky: '+8610000000003',
        random: () => 0,
      }),
    );
    expect(order).toEqual(['+8610000000003', '+8621000000001', '+8610000000001']);
  });
});
