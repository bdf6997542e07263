// BindingStore: the bindings engine on Redis (one server or a Cluster, same code).
// Authoritative state and every uniqueness rule live in X's slot (lua/*.lua); indexes by party,
// tenant, pool and due time are derived, written as a second step, and rebuildable (rebuild.ts).
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AppError } from '../errors.ts';
import { maskNumber } from '../observability/mask.ts';
import { areaTiers, candidateOrder, exclusiveOrder, seedParty, strictAreaOf, type PoolSnapshot } from './allocator.ts';
import { decodeBinding, encodeBinding, indexedParties, publicBinding, registeredParties, releasableAt, type StoredBinding } from './codec.ts';
import { isE164 } from './e164.ts';
import { newBindingId, pairKeyOf, randomHex, xOfBindingId } from './ids.ts';
import { ALL_NUMBERS_KEY, DUE_KEY, GROUPS_KEY, pairLockKey, partyKeys, poolAreaBusyKey, poolAreaKey, poolKeys, xKeys } from './keys.ts';
import type {
  AreaMatch,
  Binding,
  BindingFilter,
  BindingPatch,
  BindingService,
  CallLookup,
  NewBinding,
  NumberFilter,
  NumberStatus,
  PoolNumber,
  PoolStats,
} from './model.ts';
import { metaValue, PoolCache } from './pool-cache.ts';
import { startSweeper, type Sweeper } from './release-timers.ts';
import { createScripts, type Scripts, type XReply } from './scripts.ts';
import { ZaddBatch } from './zadd-batch.ts';

export interface BindingStoreOptions {
  redis: Redis | Cluster;
  log: Logger;
  coolDownSeconds: number;
  defaultReleaseAfterCallSeconds: number;
  defaultAreaMatch: AreaMatch;
  /** Cap on live bindings per X; 0 or unset = no cap. */
  maxBindingsPerX?: number;
  /** Clock in epoch ms (tests and simulations pass their own). */
  now?: () => number;
  /** Called at least once per released binding (best effort: errors are logged). */
  onReleased?: (b: Binding) => void;
  /** Area code of a party's number, for the "looks local" preference; default: unknown. */
  areaOf?: (number: string) => string | undefined;
  /** How long a call in progress may hold an expired binding when maxCallSeconds is unset (default 4 h). */
  callGuardSeconds?: number;
  /** How long a pair's last X is remembered for the sticky choice (default: max(cool-down, 7 days)). */
  stickySeconds?: number;
}

const MAX_CLAIMS = 24;
const PAIR_LOCK_MS = 5_000;
const PAIR_LOCK_WAIT_MS = 3_000;
const FULL_HINT_MS = 2_000;
/** Busy hints are not raised by less than this (clamped share of the remaining time, ms). */
const BUSY_SLACK_MIN_MS = 1_000;
const BUSY_SLACK_MAX_MS = 300_000;
const BUSY_WRITTEN_MAX = 100_000;
const AXN_FREE_FETCH = 32;
const ID_RE_TENANT = /^[^\s]{1,128}$/;

export class BindingStore implements BindingService {
  private readonly redis: Redis | Cluster;
  private readonly log: Logger;
  private readonly scripts: Scripts;
  private readonly pools: PoolCache;
  private readonly coolMs: number;
  private readonly defaultReleaseAfterCallSeconds: number;
  private readonly defaultAreaMatch: AreaMatch;
  private readonly maxPerX: number;
  private readonly now: () => number;
  private readonly onReleased: ((b: Binding) => void) | undefined;
  private readonly areaOf: (n: string) => string | undefined;
  private readonly callGuardMs: number;
  private readonly stickyMs: number;
  /** Local learned hints: X -> until (ms) it is not worth a claim (full, or held exclusively). */
  private readonly skipHints = new Map<string, number>();
  /** X -> the busy-until hint this process last wrote for it (see updateBusy). */
  private readonly busyWritten = new Map<string, number>();
  private sweeper: Sweeper | undefined;
  /** The due list's entries of concurrent allocations and call events, one ZADD per turn. */
  private readonly due: ZaddBatch;
  private readonly background = new Set<Promise<unknown>>();

  constructor(opts: BindingStoreOptions) {
    this.redis = opts.redis;
    this.log = opts.log;
    this.scripts = createScripts(opts.redis);
    this.pools = new PoolCache(opts.redis);
    this.due = new ZaddBatch(opts.redis, DUE_KEY);
    this.coolMs = Math.max(0, Math.round(opts.coolDownSeconds * 1000));
    this.defaultReleaseAfterCallSeconds = opts.defaultReleaseAfterCallSeconds;
    this.defaultAreaMatch = opts.defaultAreaMatch;
    this.maxPerX = opts.maxBindingsPerX ?? 0;
    this.now = opts.now ?? Date.now;
    this.onReleased = opts.onReleased;
    this.areaOf = opts.areaOf ?? (() => undefined);
    this.callGuardMs = (opts.callGuardSeconds ?? 4 * 3600) * 1000;
    this.stickyMs = Math.max(this.coolMs, (opts.stickySeconds ?? 7 * 86400) * 1000);
  }

  // ---------------------------------------------------------------- lifecycle

  /** Starts releasing due bindings every `intervalMs` (idempotent). */
  startSweeper(intervalMs: number): void {
    if (this.sweeper) return;
    this.sweeper = startSweeper({ intervalMs, batch: 200, sweepOnce: (n) => this.sweepOnce(n), log: this.log });
  }

  async stop(): Promise<void> {
    const s = this.sweeper;
    this.sweeper = undefined;
    if (s) await s.stop();
  }

  /** Stops the sweeper and waits for background index writes. The Redis client stays open (the caller owns it). */
  async close(): Promise<void> {
    await this.stop();
    await Promise.allSettled([...this.background]);
  }

  // ---------------------------------------------------------------- pool

  async addNumbers(numbers: Array<{ number: string; areaCode: string; tenant: string; group: string }>): Promise<{ added: string[]; existing: string[] }> {
    numbers.forEach((n, i) => {
      if (!isE164(n.number)) throw new AppError('PN_ERR_NUMBER_INVALID', { field: `numbers[${i}]` });
      if (!ID_RE_TENANT.test(n.tenant)) throw new AppError('PN_ERR_VALIDATION', { field: 'tenant' });
      if (!ID_RE_TENANT.test(n.group)) throw new AppError('PN_ERR_VALIDATION', { field: 'group' });
      if (!ID_RE_TENANT.test(n.areaCode)) throw new AppError('PN_ERR_VALIDATION', { field: 'areaCode' });
    });
    return this.guard(async () => {
      const added: string[] = [];
      const existing: string[] = [];
      const now = this.now();
      const touched = new Map<string, { tenant: string; group: string }>();
      for (let i = 0; i < numbers.length; i += 500) {
        const chunk = numbers.slice(i, i + 500);
        const replies = await Promise.all(chunk.map((n) => this.scripts.addNumber(n.number, now, n.tenant, n.group, n.areaCode)));
        const ops: Array<Promise<unknown>> = [];
        chunk.forEach((n, j) => {
          if (replies[j]?.status !== 'added') {
            existing.push(n.number);
            return;
          }
          added.push(n.number);
          touched.set(`${n.tenant}\u0000${n.group}`, { tenant: n.tenant, group: n.group });
          const pk = poolKeys(n.tenant, n.group);
          ops.push(
            this.redis.zadd(pk.all, 0, n.number),
            this.redis.zadd(poolAreaKey(n.tenant, n.group, n.areaCode), 0, n.number),
            this.redis.hset(pk.meta, n.number, metaValue(n.areaCode, 'active')),
            this.redis.zadd(pk.busy, 'NX', 0, n.number),
            this.redis.zadd(poolAreaBusyKey(n.tenant, n.group, n.areaCode), 'NX', 0, n.number),
            this.redis.zadd(ALL_NUMBERS_KEY, 0, n.number),
          );
        });
        await Promise.all(ops);
      }
      await Promise.all(
        [...touched.values()].flatMap((g) => [this.redis.sadd(GROUPS_KEY, `${g.tenant}\t${g.group}`), this.redis.incr(poolKeys(g.tenant, g.group).version)]),
      );
      for (const g of touched.values()) this.pools.invalidate(g.tenant, g.group);
      return { added, existing };
    });
  }

  async getNumber(number: string): Promise<PoolNumber | null> {
    if (!isE164(number)) return null;
    return this.guard(async () => {
      const [tenant, group, areaCode, status] = await this.redis.hmget(xKeys(number).num, 'tenant', 'group', 'areaCode', 'status');
      if (tenant === null || tenant === undefined) return null;
      return { number, tenant, group: group ?? '', areaCode: areaCode ?? '', status: (status ?? 'active') as NumberStatus };
    });
  }

  async listNumbers(filter: NumberFilter): Promise<{ items: PoolNumber[]; nextCursor?: string }> {
    const limit = Math.max(1, Math.min(1000, Math.floor(filter.limit)));
    return this.guard(async () => {
      const index =
        filter.tenant !== undefined && filter.group !== undefined
          ? filter.areaCode !== undefined
            ? poolAreaKey(filter.tenant, filter.group, filter.areaCode)
            : poolKeys(filter.tenant, filter.group).all
          : ALL_NUMBERS_KEY;
      const items: PoolNumber[] = [];
      let cursor = filter.cursor;
      for (;;) {
        const batch = await this.redis.zrangebylex(index, cursor ? `(${cursor}` : '-', '+', 'LIMIT', 0, limit);
        if (batch.length === 0) return { items };
        const numbers = await Promise.all(batch.map((n) => this.getNumber(n)));
        for (let i = 0; i < batch.length; i++) {
          const n = numbers[i];
          cursor = batch[i] as string;
          if (!n) continue;
          if (filter.tenant !== undefined && n.tenant !== filter.tenant) continue;
          if (filter.group !== undefined && n.group !== filter.group) continue;
          if (filter.areaCode !== undefined && n.areaCode !== filter.areaCode) continue;
          if (filter.status !== undefined && n.status !== filter.status) continue;
          items.push(n);
          if (items.length === limit) {
            // More may follow only if the index had more than we looked at.
            return i < batch.length - 1 || batch.length === limit ? { items, nextCursor: cursor } : { items };
          }
        }
        if (batch.length < limit) return { items };
      }
    });
  }

  async setNumberStatus(number: string, status: NumberStatus): Promise<PoolNumber> {
    if (status !== 'active' && status !== 'disabled') throw new AppError('PN_ERR_VALIDATION', { field: 'status' });
    return this.guard(async () => {
      const r = await this.scripts.setStatus(number, this.now(), this.coolMs, status);
      if (r.status === 'nonum' || r.tenant === null || r.group === null) throw new AppError('PN_ERR_NUMBER_NOT_FOUND', { details: { number } });
      const pk = poolKeys(r.tenant, r.group);
      await Promise.all([this.redis.hset(pk.meta, number, metaValue(r.areaCode, status)), this.redis.incr(pk.version)]);
      this.pools.invalidate(r.tenant, r.group);
      return { number, tenant: r.tenant, group: r.group, areaCode: r.areaCode, status };
    });
  }

  async removeNumber(number: string): Promise<void> {
    return this.guard(async () => {
      const r = await this.scripts.removeNumber(number, this.now(), this.coolMs);
      await this.afterReleases(r.released);
      if (r.status === 'nonum') throw new AppError('PN_ERR_NUMBER_NOT_FOUND', { details: { number } });
      if (r.status === 'inuse') throw new AppError('PN_ERR_NUMBER_IN_USE', { details: { number, liveBindings: r.live } });
      if (r.tenant === null || r.group === null) return;
      const pk = poolKeys(r.tenant, r.group);
      await Promise.all([
        this.redis.zrem(pk.all, number),
        this.redis.zrem(poolAreaKey(r.tenant, r.group, r.areaCode), number),
        this.redis.hdel(pk.meta, number),
        this.redis.zrem(pk.busy, number),
        this.redis.zrem(poolAreaBusyKey(r.tenant, r.group, r.areaCode), number),
        this.redis.zrem(ALL_NUMBERS_KEY, number),
        this.redis.incr(pk.version),
      ]);
      this.pools.invalidate(r.tenant, r.group);
    });
  }

  async poolStats(filter: { tenant?: string; group?: string } = {}): Promise<PoolStats[]> {
    return this.guard(async () => {
      const groups = (await this.redis.smembers(GROUPS_KEY))
        .map((g) => g.split('\t') as [string, string])
        .filter(([t, g]) => (filter.tenant === undefined || t === filter.tenant) && (filter.group === undefined || g === filter.group));
      const out: PoolStats[] = [];
      for (const [tenant, group] of groups) {
        const meta = await this.redis.hgetall(poolKeys(tenant, group).meta);
        const numbers = Object.keys(meta);
        const lives = await Promise.all(numbers.map((n) => this.redis.hget(xKeys(n).num, 'live')));
        const byArea = new Map<string, PoolStats>();
        numbers.forEach((n, i) => {
          const [areaCode = '', status = 'active'] = (meta[n] ?? '').split('|');
          let s = byArea.get(areaCode);
          if (!s) byArea.set(areaCode, (s = { tenant, group, areaCode, numbers: 0, activeNumbers: 0, liveBindings: 0 }));
          s.numbers++;
          if (status === 'active') s.activeNumbers++;
          s.liveBindings += Math.max(0, Number(lives[i] ?? 0));
        });
        out.push(...[...byArea.values()].sort((p, q) => p.areaCode.localeCompare(q.areaCode)));
      }
      return out;
    });
  }

  // ---------------------------------------------------------------- bindings

  async bind(req: NewBinding): Promise<{ binding: Binding; created: boolean }> {
    this.validateNew(req);
    return this.guard(() => this.allocate(req));
  }

  async get(id: string): Promise<Binding | null> {
    const x = xOfBindingId(id);
    if (x === null) return null;
    return this.guard(async () => {
      const json = await this.redis.hget(xKeys(x).bindings, id);
      if (json === null) return null;
      const b = decodeBinding(json);
      return releasableAt(b) > this.now() ? publicBinding(b) : null;
    });
  }

  async find(filter: BindingFilter): Promise<Binding[]> {
    if (filter.tenant === undefined && filter.party === undefined && filter.x === undefined) {
      throw new AppError('PN_ERR_VALIDATION', { field: 'party', message: 'give at least one of tenant, party, x' });
    }
    return this.guard(async () => {
      const now = this.now();
      let stored: StoredBinding[];
      if (filter.x !== undefined) {
        stored = (await this.redis.hvals(xKeys(filter.x).bindings)).map(decodeBinding);
      } else if (filter.party !== undefined) {
        const indexKey = partyKeys(filter.party).bindings;
        const ids = await this.redis.smembers(indexKey);
        const found = await Promise.all(
          ids.map(async (id) => {
            const x = xOfBindingId(id);
            const json = x === null ? null : await this.redis.hget(xKeys(x).bindings, id);
            // Derived index pointing at a released binding: tidy it on the way.
            if (json === null) this.bg(this.redis.srem(indexKey, id));
            return json === null ? null : decodeBinding(json);
          }),
        );
        stored = found.filter((b): b is StoredBinding => b !== null);
      } else {
        // By tenant: the tenant's numbers hold its bindings (an admin query, O(pool)).
        const tenant = filter.tenant as string;
        const groups = (await this.redis.smembers(GROUPS_KEY)).map((g) => g.split('\t')).filter(([t]) => t === tenant);
        const numbers = (await Promise.all(groups.map(([, g]) => this.redis.hkeys(poolKeys(tenant, g as string).meta)))).flat();
        stored = (await Promise.all(numbers.map((x) => this.redis.hvals(xKeys(x).bindings)))).flat().map(decodeBinding);
      }
      return stored
        .filter((b) => releasableAt(b) > now)
        .filter((b) => filter.tenant === undefined || b.tenant === filter.tenant)
        .filter((b) => filter.party === undefined || b.a === filter.party || b.b === filter.party)
        .sort((p, q) => p.createdAt - q.createdAt)
        .map(publicBinding);
    });
  }

  async update(id: string, patch: BindingPatch): Promise<Binding> {
    const x = this.xOf(id);
    if (patch.ttlSeconds !== undefined && !(Number.isFinite(patch.ttlSeconds) && patch.ttlSeconds > 0)) throw new AppError('PN_ERR_VALIDATION', { field: 'ttlSeconds' });
    if (patch.b !== undefined && !isE164(patch.b)) throw new AppError('PN_ERR_NUMBER_INVALID', { field: 'b' });
    if (patch.callRestriction !== undefined && !['both', 'a-to-b', 'b-to-a'].includes(patch.callRestriction)) throw new AppError('PN_ERR_VALIDATION', { field: 'callRestriction' });
    if (patch.maxCallSeconds !== undefined && !(Number.isFinite(patch.maxCallSeconds) && patch.maxCallSeconds > 0)) throw new AppError('PN_ERR_VALIDATION', { field: 'maxCallSeconds' });
    return this.guard(async () => {
      const r = await this.scripts.mutate(x, this.now(), this.coolMs, 'update', id, [
        patch.ttlSeconds === undefined ? '' : Math.round(patch.ttlSeconds * 1000),
        patch.b ?? '',
        patch.callRestriction ?? '',
        patch.maxCallSeconds ?? '',
      ]);
      await this.afterReleases(r.released);
      if (r.status === 'invalid') throw new AppError('PN_ERR_VALIDATION', { field: 'b' });
      if (r.status === 'party' || r.status === 'cooling') throw new AppError('PN_ERR_X_UNAVAILABLE', { field: 'b', details: { x, reason: r.status } });
      if (r.status !== 'ok' || r.json === null) throw new AppError('PN_ERR_BINDING_NOT_FOUND', { details: { id } });
      const b = decodeBinding(r.json);
      await this.indexLive(b, r, { oldB: r.aux ?? undefined });
      return publicBinding(b);
    });
  }

  async unbind(id: string): Promise<void> {
    const x = this.xOf(id);
    return this.guard(async () => {
      const r = await this.scripts.mutate(x, this.now(), this.coolMs, 'unbind', id);
      await this.afterReleases(r.released);
      if (r.status === 'none' || r.json === null) throw new AppError('PN_ERR_BINDING_NOT_FOUND', { details: { id } });
      if (r.status === 'released') await this.afterReleases([r.json]);
      else await this.indexLive(decodeBinding(r.json), r);
    });
  }

  async lookup(caller: string, x: string): Promise<CallLookup | null> {
    return this.guard(async () => {
      const now = this.now();
      const json = await this.scripts.lookup(x, now, caller);
      if (json === null) return null;
      const s = decodeBinding(json);
      // Expired never returned, whether or not the sweeper got to it yet.
      if (s.expiresAt <= now) return null;
      const binding = publicBinding(s);
      if (s.mode === 'AXN') return caller === s.a ? null : { binding, target: s.a, direction: 'b-to-a' };
      if (s.mode === 'AXB' && caller === s.a && s.b !== undefined) return { binding, target: s.b, direction: 'a-to-b' };
      if (caller === s.b) return { binding, target: s.a, direction: 'b-to-a' };
      return null;
    });
  }

  async callStarted(bindingId: string): Promise<void> {
    const x = this.xOf(bindingId);
    return this.guard(async () => {
      const r = await this.scripts.mutate(x, this.now(), this.coolMs, 'started', bindingId, [this.callGuardMs]);
      await this.afterReleases(r.released);
      if (r.status === 'none' || r.json === null) throw new AppError('PN_ERR_BINDING_NOT_FOUND', { details: { id: bindingId } });
      await this.retime(decodeBinding(r.json), r, true);
    });
  }

  async callEnded(bindingId: string): Promise<Binding | null> {
    const x = xOfBindingId(bindingId);
    if (x === null) return null;
    return this.guard(async () => {
      const r = await this.scripts.mutate(x, this.now(), this.coolMs, 'ended', bindingId);
      await this.afterReleases(r.released);
      if (r.status === 'none' || r.json === null) return null;
      if (r.status === 'released') {
        await this.afterReleases([r.json]);
        return publicBinding(decodeBinding(r.json));
      }
      const b = decodeBinding(r.json);
      await this.retime(b, r, false);
      return publicBinding(b);
    });
  }

  /**
   * Releases up to `limit` bindings whose release time has passed; returns how many due entries it
   * handled. Safe to run from several processes at once (the release script is idempotent).
   */
  async sweepOnce(limit = 200): Promise<number> {
    return this.guard(async () => {
      const now = this.now();
      const ids = await this.redis.zrangebyscore(DUE_KEY, '-inf', now, 'LIMIT', 0, limit);
      await Promise.all(
        ids.map(async (id) => {
          const x = xOfBindingId(id);
          if (x === null) return this.redis.zrem(DUE_KEY, id);
          const r = await this.scripts.mutate(x, now, this.coolMs, 'release', id);
          await this.afterReleases(r.released);
          if (r.status === 'released' && r.json !== null) return this.afterReleases([r.json]);
          if (r.status === 'later' && r.aux !== null) return this.redis.zadd(DUE_KEY, Number(r.aux), id);
          return this.redis.zrem(DUE_KEY, id);
        }),
      );
      return ids.length;
    });
  }

  // ---------------------------------------------------------------- allocation

  private async allocate(req: NewBinding): Promise<{ binding: Binding; created: boolean }> {
    const now = this.now();
    const { tenant, group, mode, a } = req;
    const b = mode === 'AXN' ? undefined : req.b;
    const pairKey = pairKeyOf(tenant, mode, a, b);
    const lockKey = pairLockKey(a, pairKey);
    const lockToken = randomHex(8);

    // Step 1, one round trip: both parties' used X's, the pair's last X (+ a short pair lock), and
    // the pool version (its snapshot is cached locally; reloaded only when the version moved).
    let prep = await this.prepare(tenant, group, a, b, pairKey, lockKey, lockToken, now);
    const waitUntil = Date.now() + PAIR_LOCK_WAIT_MS;
    while (!prep.locked && prep.hint === null && Date.now() < waitUntil) {
      // Another bind() of the same pair is allocating: let it finish, then find its X as the hint.
      await new Promise((r) => setTimeout(r, 10 + Math.random() * 20));
      prep = await this.prepare(tenant, group, a, b, pairKey, lockKey, lockToken, this.now());
    }
    // The pair lock is dropped with the first index write of the new binding, else at the end.
    const lock = { key: lockKey, held: prep.locked };
    try {
      const pool = await this.pools.snapshot(tenant, group, prep.version);
      const template: StoredBinding = {
        id: '',
        tenant,
        group,
        mode,
        a,
        x: '',
        createdAt: now,
        expiresAt: now + Math.round(req.ttlSeconds * 1000),
        releaseAfterCallSeconds: req.releaseAfterCallSeconds ?? this.defaultReleaseAfterCallSeconds,
        callRestriction: req.callRestriction ?? 'both',
        record: req.record ?? false,
        activeCalls: 0,
        unbindPending: false,
      };
      if (b !== undefined) template.b = b;
      if (req.maxCallSeconds !== undefined) template.maxCallSeconds = req.maxCallSeconds;
      if (req.outId !== undefined) template.outId = req.outId;
      if (req.metadata !== undefined) template.metadata = req.metadata;
      const ttlMs = Math.round(req.ttlSeconds * 1000);

      if (req.x !== undefined) {
        const { r, nb } = await this.claim(req.x, template, pairKey, ttlMs, '');
        const done = await this.settle(r, nb, lock);
        if (done) return done;
        throw new AppError('PN_ERR_X_UNAVAILABLE', { field: 'x', details: { x: req.x, reason: r.status } });
      }

      const callee = mode === 'AXB' ? b : a;
      const caller = mode === 'AXB' ? a : b;
      const tiers = areaTiers({
        requested: req.areaCode,
        callee: callee === undefined ? undefined : this.areaOf(callee),
        caller: caller === undefined ? undefined : this.areaOf(caller),
        match: req.areaMatch ?? this.defaultAreaMatch,
      });
      const strictArea = strictAreaOf(tiers);
      const blocked = new Set<string>(mode === 'AXB' ? [...prep.usedA, ...prep.usedB] : mode === 'reverse' ? prep.usedB : []);
      const isBlocked = (x: string): boolean => blocked.has(x) || (this.skipHints.get(x) ?? 0) > this.now();
      const order =
        mode === 'AXN'
          ? exclusiveOrder({ pool, freeByTier: await this.freeForExclusive(tenant, group, tiers, now), isBlocked, sticky: prep.hint ?? undefined, strictArea })
          : candidateOrder({ pool, tiers, isBlocked, seed: seedParty(a, b, prep.usedA.length, prep.usedB.length), sticky: prep.hint ?? undefined });

      let conflicts = 0;
      const buffer: string[] = [];
      for (let attempt = 0; attempt < MAX_CLAIMS; attempt++) {
        // After conflicts with concurrent allocators, pick among the next few candidates at random
        // so a crowd binding the same busy party does not queue on one X.
        const want = Math.min(conflicts + 1, 4);
        while (buffer.length < want) {
          const next = order.next();
          if (next.done) break;
          buffer.push(next.value);
        }
        if (buffer.length === 0) break;
        const pick = conflicts === 0 ? 0 : Math.floor(Math.random() * buffer.length);
        const x = buffer.splice(pick, 1)[0] as string;
        const { r, nb } = await this.claim(x, template, pairKey, ttlMs, strictArea ?? '');
        const done = await this.settle(r, nb, lock);
        if (done) return done;
        switch (r.status) {
          case 'party':
          case 'cooling':
            blocked.add(x);
            conflicts++;
            break;
          case 'full':
            this.skipHints.set(x, this.now() + FULL_HINT_MS);
            break;
          case 'exclusive':
            this.skipHints.set(x, Math.min(r.busyUntil, this.now() + 60_000));
            break;
          case 'nonum':
          case 'wrongpool':
          case 'disabled':
            this.pools.invalidate(tenant, group);
            blocked.add(x);
            break;
          default:
            blocked.add(x);
        }
        if (r.status === 'busy') this.bg(this.updateBusy(x, r, false));
      }
      this.log.warn({ tenant, group, mode, a: maskNumber(a), b: maskNumber(b), areaCode: tiers[0] ?? null }, 'pool exhausted');
      throw new AppError('PN_ERR_POOL_EXHAUSTED', { details: { tenant, group, areaCode: tiers[0] ?? null } });
    } finally {
      if (lock.held) this.bg(this.redis.del(lockKey));
    }
  }

  private async prepare(tenant: string, group: string, a: string, b: string | undefined, pairKey: string, lockKey: string, lockToken: string, now: number) {
    // Plain commands, pipelined: each is a hint or atomic on its own (SET NX), so no script is
    // needed; used-X entries whose time has passed are skipped here and dropped by party-index.lua.
    const pa = partyKeys(a);
    const live = `(${now}`;
    const [usedA, hint, locked, usedB, version] = await Promise.all([
      this.redis.zrangebyscore(pa.usedX, live, '+inf'),
      this.redis.hget(pa.pairHints, pairKey),
      this.redis.set(lockKey, lockToken, 'PX', PAIR_LOCK_MS, 'NX'),
      // B only contributes its used X's (no hint, no lock).
      b === undefined ? [] : this.redis.zrangebyscore(partyKeys(b).usedX, live, '+inf'),
      this.pools.version(tenant, group),
    ]);
    return { usedA, usedB, hint, locked: locked === 'OK', version };
  }

  private async claim(x: string, template: StoredBinding, pairKey: string, ttlMs: number, strictArea: string): Promise<{ r: XReply; nb: StoredBinding }> {
    const nb: StoredBinding = { ...template, id: newBindingId(x), x };
    const r = await this.scripts.bind(x, this.now(), this.coolMs, {
      maxPerX: this.maxPerX,
      pairKey,
      json: encodeBinding(nb),
      ttlMs,
      strictArea,
      tenant: template.tenant,
      group: template.group,
      id: nb.id,
      mode: nb.mode,
      a: nb.a,
      b: nb.b,
      expiresAt: nb.expiresAt,
    });
    return { r, nb };
  }

  /** Index and report a claim's outcome; the result when it produced a binding (`nb` when it created it). */
  private async settle(r: XReply, nb: StoredBinding, lock: { key: string; held: boolean }): Promise<{ binding: Binding; created: boolean } | null> {
    await this.afterReleases(r.released);
    if ((r.status !== 'created' && r.status !== 'existing') || r.json === null) return null;
    // Created: stored exactly as sent, no need to parse it back.
    const b = r.status === 'created' ? nb : decodeBinding(r.json);
    const lockKey = lock.held ? lock.key : undefined;
    lock.held = false;
    await this.indexLive(b, r, { created: r.status === 'created', lockKey });
    if (r.status === 'created' && this.maxPerX > 0 && r.live >= this.maxPerX) this.skipHints.set(b.x, this.now() + FULL_HINT_MS);
    this.log.debug({ bindingId: b.id, x: b.x, mode: b.mode, created: r.status === 'created' }, 'binding allocated');
    return { binding: publicBinding(b), created: r.status === 'created' };
  }

  /** AXN needs an X free of everything: the pool's busy hints list those, per tier. */
  private async freeForExclusive(tenant: string, group: string, tiers: ReadonlyArray<string | undefined>, now: number): Promise<string[][]> {
    return Promise.all(
      tiers.map((t) =>
        this.redis.zrangebyscore(t === undefined ? poolKeys(tenant, group).busy : poolAreaBusyKey(tenant, group, t), '-inf', now, 'LIMIT', 0, AXN_FREE_FETCH),
      ),
    );
  }

  // ---------------------------------------------------------------- derived indexes (second step)

  /** After a binding was created or changed: party, sticky, due, tenant and busy indexes (parallel, one command per slot). */
  private async indexLive(b: StoredBinding, r: XReply, opts: { oldB?: string | undefined; lockKey?: string | undefined; created?: boolean } = {}): Promise<void> {
    const releasable = releasableAt(b);
    const reg = new Set(registeredParties(b));
    const pairKey = pairKeyOf(b.tenant, b.mode, b.a, b.b);
    const jobs: Array<Promise<unknown>> = [this.due.add(releasable, b.id)];
    for (const p of indexedParties(b)) {
      const keys = partyKeys(p);
      const isA = p === b.a;
      const dropLock = isA && opts.lockKey !== undefined;
      jobs.push(
        this.scripts.partyIndex(
          { usedX: keys.usedX, bindings: keys.bindings, pairHints: keys.pairHints, lock: dropLock ? (opts.lockKey as string) : keys.pairHints },
          { id: b.id, x: b.x, usedScore: reg.has(p) ? releasable + this.coolMs : '', ids: 'add', pairKey: isA ? pairKey : '', hintMs: this.stickyMs, dropLock, now: this.now() },
        ),
      );
    }
    if (opts.oldB !== undefined) {
      const keys = partyKeys(opts.oldB);
      jobs.push(
        this.scripts.partyIndex(
          { usedX: keys.usedX, bindings: keys.bindings, pairHints: keys.pairHints, lock: keys.pairHints },
          { id: b.id, x: b.x, usedScore: this.coolMs > 0 ? this.now() + this.coolMs : '-', ids: 'rem', pairKey: '', hintMs: 0, dropLock: false, now: this.now() },
        ),
      );
    }
    if (r.tenant !== null && r.group !== null) jobs.push(this.updateBusy(b.x, r, true));
    await Promise.all(jobs);
  }

  /**
   * X's busy-until hint in its group and area (AXN looks for X free of everything): two independent
   * hints, plain writes. A raise by less than a small slack over what this process wrote last is
   * skipped (most allocations on a busy X): a hint a little low only lets AXN try X, and the bind
   * script refuses it as 'busy', which then sets the hint exactly.
   */
  private async updateBusy(x: string, r: XReply, onlyRaise: boolean): Promise<void> {
    if (r.tenant === null || r.group === null) return;
    if (onlyRaise) {
      const last = this.busyWritten.get(x);
      const slack = Math.min(BUSY_SLACK_MAX_MS, Math.max(BUSY_SLACK_MIN_MS, (r.busyUntil - this.now()) / 64));
      if (last !== undefined && r.busyUntil - last <= slack) return;
    }
    if (this.busyWritten.size >= BUSY_WRITTEN_MAX) this.busyWritten.clear();
    this.busyWritten.set(x, r.busyUntil);
    const keys = [poolKeys(r.tenant, r.group).busy, poolAreaBusyKey(r.tenant, r.group, r.areaCode)];
    await Promise.all(keys.map((k) => (onlyRaise ? this.redis.zadd(k, 'GT', r.busyUntil, x) : this.redis.zadd(k, r.busyUntil, x))));
  }

  /**
   * After a call started or ended only the binding's release time moved: its due entry, the used-X
   * score of each registered party and (when raised) X's busy hint. Single-key writes, no scripts:
   * index membership and pair hints are unchanged, so the full indexLive() is not needed per call.
   */
  private async retime(b: StoredBinding, r: XReply, raiseBusy: boolean): Promise<void> {
    const releasable = releasableAt(b);
    const reg = new Set(registeredParties(b));
    const jobs: Array<Promise<unknown>> = [this.due.add(releasable, b.id)];
    for (const p of indexedParties(b)) if (reg.has(p)) jobs.push(this.redis.zadd(partyKeys(p).usedX, releasable + this.coolMs, b.x));
    if (raiseBusy) jobs.push(this.updateBusy(b.x, r, true));
    await Promise.all(jobs);
  }

  /**
   * Released bindings (from any script): onReleased, indexes, then the acknowledgement that drops
   * the outbox copy and the due entry (until then a sweep reports the release again).
   * X's busy hint is left as it was: stale-high only keeps AXN away from X a little longer.
   */
  private async afterReleases(jsons: readonly string[]): Promise<void> {
    if (jsons.length === 0) return;
    await Promise.all(jsons.map((j) => this.afterRelease(decodeBinding(j))));
  }

  private async afterRelease(b: StoredBinding): Promise<void> {
    if (this.onReleased) {
      try {
        this.onReleased(publicBinding(b));
      } catch (err) {
        this.log.warn({ err, bindingId: b.id }, 'onReleased failed');
      }
    }
    const coolUntil = (b.releasedAt ?? this.now()) + this.coolMs;
    const reg = new Set(registeredParties(b));
    const jobs: Array<Promise<unknown>> = [
      this.scripts.mutate(b.x, this.now(), this.coolMs, 'ack', b.id),
      this.redis.zrem(DUE_KEY, b.id),
    ];
    for (const p of indexedParties(b)) {
      const keys = partyKeys(p);
      jobs.push(
        this.scripts.partyIndex(
          { usedX: keys.usedX, bindings: keys.bindings, pairHints: keys.pairHints, lock: keys.pairHints },
          { id: b.id, x: b.x, usedScore: !reg.has(p) ? '' : coolUntil > this.now() ? coolUntil : '-', ids: 'rem', pairKey: '', hintMs: 0, dropLock: false, now: this.now() },
        ),
      );
    }
    await Promise.all(jobs);
    this.log.debug({ bindingId: b.id, x: b.x }, 'binding released');
  }

  // ---------------------------------------------------------------- helpers

  private validateNew(req: NewBinding): void {
    if (!ID_RE_TENANT.test(req.tenant ?? '')) throw new AppError('PN_ERR_VALIDATION', { field: 'tenant' });
    if (!ID_RE_TENANT.test(req.group ?? '')) throw new AppError('PN_ERR_VALIDATION', { field: 'group' });
    if (!['AXB', 'reverse', 'AXN'].includes(req.mode)) throw new AppError('PN_ERR_VALIDATION', { field: 'mode' });
    if (!isE164(req.a ?? '')) throw new AppError('PN_ERR_NUMBER_INVALID', { field: 'a' });
    if (req.mode === 'AXN') {
      if (req.b !== undefined) throw new AppError('PN_ERR_VALIDATION', { field: 'b', message: 'AXN bindings have no b' });
    } else {
      if (req.b === undefined) throw new AppError('PN_ERR_VALIDATION', { field: 'b', message: 'b is required' });
      if (!isE164(req.b)) throw new AppError('PN_ERR_NUMBER_INVALID', { field: 'b' });
      if (req.b === req.a) throw new AppError('PN_ERR_VALIDATION', { field: 'b', message: 'a and b must differ' });
    }
    if (req.x !== undefined && !isE164(req.x)) throw new AppError('PN_ERR_NUMBER_INVALID', { field: 'x' });
    if (!(Number.isFinite(req.ttlSeconds) && req.ttlSeconds > 0)) throw new AppError('PN_ERR_VALIDATION', { field: 'ttlSeconds' });
    if (req.releaseAfterCallSeconds !== undefined && !(Number.isFinite(req.releaseAfterCallSeconds) && req.releaseAfterCallSeconds >= 0)) {
      throw new AppError('PN_ERR_VALIDATION', { field: 'releaseAfterCallSeconds' });
    }
    if (req.areaMatch !== undefined && req.areaMatch !== 'strict' && req.areaMatch !== 'fallback') throw new AppError('PN_ERR_VALIDATION', { field: 'areaMatch' });
    if (req.callRestriction !== undefined && !['both', 'a-to-b', 'b-to-a'].includes(req.callRestriction)) throw new AppError('PN_ERR_VALIDATION', { field: 'callRestriction' });
  }

  private xOf(id: string): string {
    const x = xOfBindingId(id);
    if (x === null) throw new AppError('PN_ERR_BINDING_NOT_FOUND', { details: { id } });
    return x;
  }

  /** Background second-step writes: logged on failure, awaited by close(). */
  private bg(p: Promise<unknown>): void {
    const q = p.catch((err: unknown) => this.log.warn({ err }, 'binding index write failed'));
    this.background.add(q);
    void q.finally(() => this.background.delete(q));
  }

  /** Redis failures become PN_ERR_STORE_UNAVAILABLE; AppErrors pass through. */
  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError('PN_ERR_STORE_UNAVAILABLE', { cause: err });
    }
  }
}

export function createBindingStore(opts: BindingStoreOptions): BindingStore {
  return new BindingStore(opts);
}

export type { PoolSnapshot };
