// redis-server with an append-only file killed with SIGKILL and restarted: every acknowledged
// binding, release timer and cool-down is still there. On one server and on a 3-master Cluster
// (all masters killed at once).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster, Redis } from 'ioredis';
import pino from 'pino';
import { createBindingStore, type BindingStore } from '../../../src/bindings/store.ts';
import type { Binding } from '../../../src/bindings/model.ts';
import { BACKENDS, startBackend, type Backend } from './backends.ts';

const log = pino({ level: 'silent' });

describe.each(BACKENDS)('bindings survive a crash of %s redis (appendonly, SIGKILL)', (backendName) => {
  let server: Backend;
  beforeAll(async () => {
    server = await startBackend(backendName, { appendOnly: true });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('every acknowledged binding is still there after SIGKILL and restart', async () => {
    let clock = 1_800_000_000_000;
    const mk = (redis: Redis | Cluster): BindingStore =>
      createBindingStore({ redis, log, coolDownSeconds: 600, defaultReleaseAfterCallSeconds: 30, defaultAreaMatch: 'fallback', now: () => clock });
    const before = server.connect({ failFast: true });
    const store = mk(before);
    const numbers = Array.from({ length: 20 }, (_, i) => `+8610000000${String(i).padStart(3, '0')}`);
    await store.addNumbers(numbers.map((number) => ({ number, areaCode: '10', tenant: 't', group: 'g' })));
    const bindOne = async (i: number): Promise<Binding> => {
      const a = `+86139${String(i).padStart(8, '0')}`;
      const b = `+86138${String(i % 37).padStart(8, '0')}`;
      return (await store.bind({ tenant: 't', group: 'g', mode: 'AXB', a, b, ttlSeconds: 3600 })).binding;
    };
    // A release timer and a cool-down, both kept only in Redis.
    const timed = await bindOne(0);
    await store.callStarted(timed.id);
    await store.callEnded(timed.id);
    const cooled = await bindOne(1);
    await store.unbind(cooled.id);

    // Bindings acknowledged one by one while the crash comes in the middle of the stream.
    const acked: Binding[] = [];
    const writer = (async () => {
      for (let i = 2; i < 100_000; i++) {
        try {
          acked.push(await bindOne(i));
        } catch {
          return;
        }
      }
    })();
    const deadline = Date.now() + 30_000;
    while (acked.length < 150 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await server.crash();
    await writer;
    expect(acked.length).toBeGreaterThanOrEqual(150);
    before.disconnect();
    await server.restart();

    const after = server.connect();
    const again = mk(after);
    try {
      for (const b of acked) {
        expect(await again.lookup(b.a, b.x), b.id).toMatchObject({ target: b.b, binding: { id: b.id } });
      }
      expect((await again.get(timed.id))?.expiresAt).toBe(clock + 30_000);
      // The cool-down survived: the first party cannot get that X with a stranger.
      expect(await again.lookup(cooled.a, cooled.x)).toBeNull();
      const fresh = await again.bind({ tenant: 't', group: 'g', mode: 'AXB', a: cooled.a, b: '+8613700000000', ttlSeconds: 60 });
      expect(fresh.binding.x).not.toBe(cooled.x);
      clock += 30_000;
      await again.sweepOnce();
      expect(await again.get(timed.id)).toBeNull();
    } finally {
      after.disconnect();
    }
  });
});
