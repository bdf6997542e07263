// 16 allocators on separate connections create and release 50,000 bindings in random interleavings;
// then the data is checked: no (party, X) with two targets, no X double-booked for a party.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { AppError } from '../../../src/errors.ts';
import { createBindingStore, type BindingStore } from '../../../src/bindings/store.ts';
import { xKeys } from '../../../src/bindings/keys.ts';
import type { BindingMode } from '../../../src/bindings/model.ts';
import { BACKENDS, startBackend, type Backend } from './backends.ts';

const log = pino({ level: 'silent' });
const ALLOCATORS = 16;
const TOTAL_BINDINGS = 50_000;
const POOL = 48;
const PARTIES = 400;
const LIVE_PER_ALLOCATOR = 40;

interface Record {
  id: string;
  x: string;
  /** Parties registered on X: (party, X) -> target. */
  targets: Array<[string, string]>;
  ackAt: number;
  unbindAt: number;
}

function registered(mode: BindingMode, a: string, b: string | undefined): Array<[string, string]> {
  if (mode === 'AXB' && b !== undefined) return [[a, b], [b, a]];
  if (mode === 'reverse' && b !== undefined) return [[b, a]];
  return [['*', a]];
}

describe.each(BACKENDS)('concurrent allocation on %s redis', (backendName) => {
  let backend: Backend;

  beforeAll(async () => {
    backend = await startBackend(backendName);
  });
  afterAll(async () => {
    await backend.stop();
  });

  it(`${ALLOCATORS} allocators, ${TOTAL_BINDINGS} bindings created and released, invariants hold`, async () => {
    const admin = backend.connect();
    const numbers = Array.from({ length: POOL }, (_, i) => `+861000000${String(i).padStart(4, '0')}`);
    const parties = Array.from({ length: PARTIES }, (_, i) => `+86139${String(i).padStart(8, '0')}`);
    const mkStore = (): BindingStore =>
      createBindingStore({ redis: backend.connect(), log, coolDownSeconds: 0, defaultReleaseAfterCallSeconds: 60, defaultAreaMatch: 'fallback' });
    await mkStore().addNumbers(numbers.map((number, i) => ({ number, areaCode: i % 2 ? '10' : '21', tenant: 't', group: 'g' })));

    const records: Record[] = [];
    let created = 0;
    let exhausted = 0;
    const live = new Map<string, Record>();
    const rnd = (n: number): number => Math.floor(Math.random() * n);

    const worker = async (store: BindingStore): Promise<void> => {
      const mine: Record[] = [];
      while (created < TOTAL_BINDINGS) {
        if (mine.length < LIVE_PER_ALLOCATOR && Math.random() < 0.55) {
          const a = parties[rnd(PARTIES)] as string;
          let b = parties[rnd(PARTIES)] as string;
          while (b === a) b = parties[rnd(PARTIES)] as string;
          const roll = Math.random();
          const mode: BindingMode = roll < 0.8 ? 'AXB' : roll < 0.995 ? 'reverse' : 'AXN';
          try {
            const r = await store.bind({ tenant: 't', group: 'g', mode, a, ...(mode === 'AXN' ? {} : { b }), ttlSeconds: 3600, areaCode: Math.random() < 0.5 ? '10' : '21' });
            if (!r.created) continue;
            created++;
            const rec: Record = { id: r.binding.id, x: r.binding.x, targets: registered(mode, a, r.binding.b), ackAt: performance.now(), unbindAt: Infinity };
            records.push(rec);
            mine.push(rec);
            live.set(rec.id, rec);
          } catch (err) {
            if (!(err instanceof AppError) || err.code !== 'PN_ERR_POOL_EXHAUSTED') throw err;
            exhausted++;
          }
        } else if (mine.length > 0) {
          const rec = mine.splice(rnd(mine.length), 1)[0] as Record;
          rec.unbindAt = performance.now();
          live.delete(rec.id);
          await store.unbind(rec.id);
        }
      }
    };
    const stores = Array.from({ length: ALLOCATORS }, mkStore);
    await Promise.all(stores.map(worker));
    expect(created).toBeGreaterThanOrEqual(TOTAL_BINDINGS);

    // Over time: a (party, X) is never given to a second binding before the first was let go.
    const byPartyX = new Map<string, Record[]>();
    for (const rec of records) {
      for (const [party] of rec.targets) {
        const k = `${party}|${rec.x}`;
        let list = byPartyX.get(k);
        if (!list) byPartyX.set(k, (list = []));
        list.push(rec);
      }
    }
    let overlaps = 0;
    for (const list of byPartyX.values()) {
      list.sort((p, q) => p.ackAt - q.ackAt);
      for (let i = 1; i < list.length; i++) if ((list[i] as Record).ackAt < (list[i - 1] as Record).unbindAt) overlaps++;
    }
    expect(overlaps).toBe(0);

    // In the data: every party entry on X points to one live binding that registers it, every
    // binding's parties point back to it, and the live set is exactly what the allocators hold.
    const checkData = async (): Promise<Set<string>> => {
      const ids = new Set<string>();
      for (const x of numbers) {
        const k = xKeys(x);
        const [partyMap, bindings, liveCount] = await Promise.all([admin.hgetall(k.parties), admin.hgetall(k.bindings), admin.hget(k.num, 'live')]);
        for (const [id, json] of Object.entries(bindings)) {
          ids.add(id);
          const b = JSON.parse(json) as { mode: BindingMode; a: string; b?: string };
          for (const [party] of registered(b.mode, b.a, b.b)) expect(partyMap[party], `${party} on ${x}`).toBe(id);
        }
        for (const [party, id] of Object.entries(partyMap)) expect(bindings[id], `${party} -> ${id} on ${x}`).toBeDefined();
        expect(Number(liveCount)).toBe(Object.keys(bindings).length);
      }
      return ids;
    };
    expect([...(await checkData())].sort()).toEqual([...live.keys()].sort());

    // Release everything left; the pool is then empty again.
    await Promise.all([...live.keys()].map((id, i) => (stores[i % ALLOCATORS] as BindingStore).unbind(id)));
    expect((await checkData()).size).toBe(0);
    const stats = await (stores[0] as BindingStore).poolStats();
    expect(stats.reduce((n, s) => n + s.liveBindings, 0)).toBe(0);
    expect(exhausted).toBeLessThan(created / 10);
  }, 300_000);
});
