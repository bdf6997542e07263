// Fast preloading of many AXB bindings straight through the bind script (pipelined), for benches
// that need a large binding count. Parties are distinct per binding, so any X fits.
import { Redis } from 'ioredis';
import { createScripts } from '../src/bindings/scripts.ts';
import { newBindingId, pairKeyOf } from '../src/bindings/ids.ts';
import { xKeyList } from '../src/bindings/keys.ts';

export function benchParty(prefix: string, i: number): string {
  return `+86${prefix}${String(i).padStart(8, '0')}`;
}

/** Claims `count` bindings over `numbers`; returns every `sampleEvery`-th (a, b, x). */
export async function preloadBindings(opts: { redisUrl: string; tenant: string; group: string; numbers: readonly string[]; count: number; sampleEvery: number; ttlMs?: number }): Promise<Array<{ a: string; b: string; x: string }>> {
  const loader = new Redis(opts.redisUrl);
  createScripts(loader);
  const now = Date.now();
  const ttl = opts.ttlMs ?? 86_400_000;
  // Release timer as long as the TTL: a load run calls the same bindings again minutes later, and
  // a binding released after its previous call (correctly) answers 404, which is not what a
  // throughput bench measures.
  const releaseAfterCallSeconds = Math.round(ttl / 1000);
  const sample: Array<{ a: string; b: string; x: string }> = [];
  try {
    for (let i = 0; i < opts.count; i += 2_000) {
      const p = loader.pipeline();
      const pn = (p as unknown as Record<string, (...args: Array<string | number>) => unknown>)['pnBind'] as (...args: Array<string | number>) => unknown;
      for (let j = i; j < Math.min(opts.count, i + 2_000); j++) {
        const x = opts.numbers[j % opts.numbers.length] as string;
        const a = benchParty('139', j);
        const b = benchParty('137', j);
        const id = newBindingId(x);
        const json = JSON.stringify({ id, tenant: opts.tenant, group: opts.group, mode: 'AXB', a, b, x, createdAt: now, expiresAt: now + ttl, releaseAfterCallSeconds, callRestriction: 'both', record: false, activeCalls: 0, unbindPending: false });
        pn.call(p, ...xKeyList(x), now, 0, 0, pairKeyOf(opts.tenant, 'AXB', a, b), json, ttl, '', opts.tenant, opts.group);
        if (j % opts.sampleEvery === 0) sample.push({ a, b, x });
      }
      await p.exec();
    }
  } finally {
    loader.disconnect();
  }
  return sample;
}
