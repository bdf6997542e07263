// The Lua scripts of the callback state (lua/callback-*.lua): read once, registered with
// defineCommand (EVALSHA with NOSCRIPT fallback) and given typed signatures. The only callback
// file that touches ioredis custom-command typing. Every key of one call is in the tenant's slot.
import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';

function lua(name: string): string {
  return readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');
}

const SAVE = lua('callback-save');
const RENEW = lua('callback-renew');
const CLAIM = lua('callback-claim');

export type SaveReply = 'saved' | 'ended' | 'lost';
export type ClaimReply = 'alive' | 'changed' | 'claimed' | 'dropped';

export interface CallbackScripts {
  save(keys: { state: string; active: string }, id: string, json: string, ttlSeconds: number, final: boolean): Promise<SaveReply>;
  /** Renews leases; resolves to the ids whose lease is gone. */
  renew(active: string, deadline: number, keyTtlMs: number, ids: readonly string[]): Promise<string[]>;
  claim(keys: { state: string; active: string }, id: string, now: number, expected: string, finalJson: string, ttlSeconds: number): Promise<ClaimReply>;
}

type RawCommand = (...args: Array<string | number>) => Promise<unknown>;

export function createCallbackScripts(redis: Redis | Cluster): CallbackScripts {
  redis.defineCommand('pnCallbackSave', { numberOfKeys: 2, lua: SAVE });
  redis.defineCommand('pnCallbackRenew', { numberOfKeys: 1, lua: RENEW });
  redis.defineCommand('pnCallbackClaim', { numberOfKeys: 2, lua: CLAIM });
  const cmd = (name: string): RawCommand => {
    const fn = (redis as unknown as Record<string, RawCommand | undefined>)[name];
    if (!fn) throw new Error(`script ${name} not defined`);
    return fn.bind(redis);
  };
  const save = cmd('pnCallbackSave');
  const renew = cmd('pnCallbackRenew');
  const claim = cmd('pnCallbackClaim');
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
