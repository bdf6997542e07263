// Rebuilds every derived index (pool sets, party indexes, due list, busy hints) from the
// authoritative per-X state, e.g. after a crash between a script and its second step.
import { Cluster, type Redis } from 'ioredis';
import { ALL_NUMBERS_KEY, DUE_KEY, GROUPS_KEY, NUM_KEY_PATTERN, partyKeys, poolAreaBusyKey, poolAreaKey, poolKeys, xFromNumKey, xKeys } from './keys.ts';
import { decodeBinding, indexedParties, registeredParties, releasableAt } from './codec.ts';
import { pairKeyOf } from './ids.ts';
import { metaValue } from './pool-cache.ts';

async function scanNumbers(node: Redis, onX: (x: string) => Promise<void>): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', NUM_KEY_PATTERN, 'COUNT', 500);
    cursor = next;
    for (const k of keys) {
      const x = xFromNumKey(k);
      if (x !== null) await onX(x);
    }
  } while (cursor !== '0');
}

/** Re-derives every index; returns how many numbers it visited. Idempotent; safe while live. */
export async function rebuildIndexes(redis: Redis | Cluster, opts: { coolDownSeconds: number; stickySeconds?: number }): Promise<number> {
  const coolMs = opts.coolDownSeconds * 1000;
  const stickyMs = Math.max(coolMs, (opts.stickySeconds ?? 7 * 86400) * 1000);
  const nodes: Redis[] = redis instanceof Cluster ? redis.nodes('master') : [redis];
  let visited = 0;
  for (const node of nodes) {
    await scanNumbers(node, async (x) => {
      visited++;
      const k = xKeys(x);
      const [num, bindings, cool, coolPeer, gone] = await Promise.all([
        redis.hgetall(k.num),
        redis.hvals(k.bindings),
        redis.zrange(k.coolDown, 0, -1, 'WITHSCORES'),
        redis.hgetall(k.coolPeer),
        redis.hkeys(k.released),
      ]);
      const { tenant, group, areaCode, status } = num;
      if (tenant === undefined || group === undefined || areaCode === undefined) return;
      const pk = poolKeys(tenant, group);
      let busy = 0;
      const ops: Array<Promise<unknown>> = [
        redis.zadd(pk.all, 0, x),
        redis.zadd(poolAreaKey(tenant, group, areaCode), 0, x),
        redis.hset(pk.meta, x, metaValue(areaCode, status ?? 'active')),
        redis.zadd(ALL_NUMBERS_KEY, 0, x),
        redis.sadd(GROUPS_KEY, `${tenant}\t${group}`),
        redis.incr(pk.version),
      ];
      for (let i = 0; i + 1 < cool.length; i += 2) {
        const party = cool[i] as string;
        const until = Number(cool[i + 1]);
        busy = Math.max(busy, until);
        if (party !== '*' && coolPeer[party] !== undefined) ops.push(redis.zadd(partyKeys(party).usedX, 'GT', until, x));
      }
      for (const json of bindings) {
        const b = decodeBinding(json);
        const releasable = releasableAt(b);
        busy = Math.max(busy, releasable + coolMs);
        ops.push(redis.zadd(DUE_KEY, releasable, b.id));
        for (const p of registeredParties(b)) ops.push(redis.zadd(partyKeys(p).usedX, 'GT', releasable + coolMs, x));
        for (const p of indexedParties(b)) ops.push(redis.sadd(partyKeys(p).bindings, b.id));
        ops.push(redis.hset(partyKeys(b.a).pairHints, pairKeyOf(b.tenant, b.mode, b.a, b.b), x), redis.pexpire(partyKeys(b.a).pairHints, stickyMs));
      }
      // Releases not yet reported: due now, so the next sweep reports them.
      for (const id of gone) ops.push(redis.zadd(DUE_KEY, 0, id));
      ops.push(redis.zadd(pk.busy, busy, x), redis.zadd(poolAreaBusyKey(tenant, group, areaCode), busy, x));
      await Promise.all(ops);
    });
  }
  return visited;
}
