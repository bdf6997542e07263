// The allocator's local copy of each (tenant, group) pool: numbers by area and status, reloaded
// only when the group's version counter moved (pool changes are rare; allocations are not).
import type { Cluster, Redis } from 'ioredis';
import { buildSnapshot, EMPTY_SNAPSHOT, type PoolSnapshot } from './allocator.ts';
import { poolKeys } from './keys.ts';

interface Entry {
  version: string;
  snapshot: PoolSnapshot;
}

/** How long a group's version is trusted before asking Redis again (claims re-check every rule). */
const VERSION_TRUST_MS = 250;

export class PoolCache {
  private readonly entries = new Map<string, Entry>();
  private readonly checked = new Map<string, { version: string; at: number }>();
  /** Reloads in flight: concurrent allocations of a cold group share one (a 10k pool costs ms to build). */
  private readonly loading = new Map<string, { version: string; promise: Promise<PoolSnapshot> }>();

  constructor(private readonly redis: Redis | Cluster) {}

  private static id(tenant: string, group: string): string {
    return `${tenant}\u0000${group}`;
  }

  /** The current version counter of a group (one GET, at most every VERSION_TRUST_MS of wall time per group). */
  async version(tenant: string, group: string): Promise<string> {
    const now = Date.now();
    const id = PoolCache.id(tenant, group);
    const seen = this.checked.get(id);
    if (seen && now - seen.at >= 0 && now - seen.at < VERSION_TRUST_MS) return seen.version;
    const version = (await this.redis.get(poolKeys(tenant, group).version)) ?? '0';
    this.checked.set(id, { version, at: now });
    return version;
  }

  /** The snapshot for `version`, reloaded (one MULTI on the pool's slot) when ours is older. */
  async snapshot(tenant: string, group: string, version: string): Promise<PoolSnapshot> {
    const id = PoolCache.id(tenant, group);
    const cached = this.entries.get(id);
    if (cached && cached.version === version) return cached.snapshot;
    const inFlight = this.loading.get(id);
    if (inFlight && inFlight.version === version) return inFlight.promise;
    const promise = this.reload(id, tenant, group).finally(() => {
      if (this.loading.get(id)?.promise === promise) this.loading.delete(id);
    });
    this.loading.set(id, { version, promise });
    return promise;
  }

  private async reload(id: string, tenant: string, group: string): Promise<PoolSnapshot> {
    const keys = poolKeys(tenant, group);
    const res = await this.redis.multi().get(keys.version).hgetall(keys.meta).exec();
    if (!res) throw new Error('pool reload aborted');
    const [verRes, metaRes] = res as [[Error | null, string | null], [Error | null, Record<string, string>]];
    if (verRes[0]) throw verRes[0];
    if (metaRes[0]) throw metaRes[0];
    const meta = metaRes[1];
    const snapshot = Object.keys(meta).length === 0 ? EMPTY_SNAPSHOT : buildSnapshot(
      Object.entries(meta).map(([number, v]) => {
        const [areaCode = '', status = 'active'] = v.split('|');
        return { number, areaCode, active: status === 'active' };
      }),
    );
    this.entries.set(id, { version: verRes[1] ?? '0', snapshot });
    return snapshot;
  }

  /** Forget a group (a claim found the local view stale). */
  invalidate(tenant: string, group: string): void {
    this.entries.delete(PoolCache.id(tenant, group));
    this.checked.delete(PoolCache.id(tenant, group));
    this.loading.delete(PoolCache.id(tenant, group));
  }
}

export function metaValue(areaCode: string, status: string): string {
  return `${areaCode}|${status}`;
}
