// The Lua scripts of the callback state (lua/callback-*.lua): read once, registered through
// infra/redis-scripts.ts and given typed signatures. Every key of one call is in the tenant's slot.
import type { Cluster, Redis } from 'ioredis';
import { defineScript, readLua } from '../infra/redis-scripts.ts';

const SAVE = readLua(import.meta.url, 'callback-save');
const RENEW = readLua(import.meta.url, 'callback-renew');
const CLAIM = readLua(import.meta.url, 'callback-claim');

export type SaveReply = 'saved' | 'ended' | 'lost';
export type ClaimReply = 'alive' | 'changed' | 'claimed' | 'dropped';

export interface CallbackScripts {
  save(keys: { state: string; active: string }, id: string, json: string, ttlSeconds: number, final: boolean): Promise<SaveReply>;
  /** Renews leases; resolves to the ids whose lease is gone. */
  renew(active: string, deadline: number, keyTtlMs: number, ids: readonly string[]): Promise<string[]>;
  claim(keys: { state: string; active: string }, id: string, now: number, expected: string, finalJson: string, ttlSeconds: number): Promise<ClaimReply>;
}

export function createCallbackScripts(redis: Redis | Cluster): CallbackScripts {
  const save = defineScript(redis, 'pnCallbackSave', 2, SAVE);
  const renew = defineScript(redis, 'pnCallbackRenew', 1, RENEW);
  const claim = defineScript(redis, 'pnCallbackClaim', 2, CLAIM);
  return {
    async save(keys, id, json, ttlSeconds, final) {
      return (await save(keys.state, keys.active, id, json, ttlSeconds, final ? '1' : '')) as SaveReply;
    },
    async renew(active, deadline, keyTtlMs, ids) {
      if (ids.length === 0) return [];
      return (await renew(active, deadline, keyTtlMs, ...ids)) as string[];
    },
    async claim(keys, id, now, expected, finalJson, ttlSeconds) {
      return (await claim(keys.state, keys.active, id, now, expected, finalJson, ttlSeconds)) as ClaimReply;
    },
  };
}
