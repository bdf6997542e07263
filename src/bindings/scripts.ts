// The Lua scripts of the bindings engine: read once from lua/*.lua, registered through
// infra/redis-scripts.ts, and given typed signatures.
import type { Cluster, Redis } from 'ioredis';
import { defineScript, readLua, type ScriptArg } from '../infra/redis-scripts.ts';
import { xKeyList } from './keys.ts';
import { composeLua } from './lua-compose.ts';

const lua = (name: string): string => readLua(import.meta.url, name);

const LIB = lua('lib');
/** Per-X scripts get the shared helpers they call prepended; they all take the 8 keys of X. */
const X_SCRIPTS = {
  pnBind: 'bind',
  pnLookup: 'lookup',
  pnMutate: 'mutate',
  pnAddNumber: 'add-number',
  pnSetStatus: 'set-status',
  pnRemoveNumber: 'remove-number',
} as const;
const X_SOURCES: Record<keyof typeof X_SCRIPTS, string> = Object.fromEntries(
  Object.entries(X_SCRIPTS).map(([cmd, file]) => [cmd, composeLua(LIB, lua(file))]),
) as Record<keyof typeof X_SCRIPTS, string>;
const PARTY_INDEX = lua('party-index');

/** The common reply of per-X scripts (lua/lib.lua `finish`). */
export interface XReply {
  status: string;
  json: string | null;
  /** JSON of bindings released lazily on the way (to report and index). */
  released: string[];
  /** When X is free of every binding and cool-down (ms). */
  busyUntil: number;
  areaCode: string;
  live: number;
  tenant: string | null;
  group: string | null;
  aux: string | null;
}

type Arg = ScriptArg;

function toXReply(raw: unknown): XReply {
  const r = raw as [string, string | null, string[], number, string, number, string | null, string | null, string | null];
  return {
    status: r[0],
    json: r[1] ?? null,
    released: r[2] ?? [],
    busyUntil: Number(r[3]),
    areaCode: r[4],
    live: Number(r[5]),
    tenant: r[6] ?? null,
    group: r[7] ?? null,
    aux: r[8] ?? null,
  };
}

/** A new binding for the bind script: its JSON as stored, and the fields of it that the rules read. */
export interface NewBindingArgs {
  maxPerX: number;
  pairKey: string;
  json: string;
  ttlMs: number;
  strictArea: string;
  tenant: string;
  group: string;
  id: string;
  mode: string;
  a: string;
  b: string | undefined;
  expiresAt: number;
}

export interface Scripts {
  /** On 'created', `json` is `args.json` and `busyUntil` a lower bound (see lua/bind.lua). */
  bind(x: string, now: number, coolMs: number, args: NewBindingArgs): Promise<XReply>;
  /** Binding JSON found for (caller, X), expired or not; null when none. */
  lookup(x: string, now: number, caller: string): Promise<string | null>;
  mutate(x: string, now: number, coolMs: number, op: 'release' | 'ack' | 'started' | 'ended' | 'unbind' | 'update', id: string, extra?: Arg[]): Promise<XReply>;
  addNumber(x: string, now: number, tenant: string, group: string, areaCode: string): Promise<XReply>;
  setStatus(x: string, now: number, coolMs: number, status: string): Promise<XReply>;
  removeNumber(x: string, now: number, coolMs: number): Promise<XReply>;
  /** One party's derived indexes after a change on X (lua/party-index.lua); `now` drops ended used-X entries. */
  partyIndex(
    keys: { usedX: string; bindings: string; pairHints: string; lock: string },
    a: { id: string; x: string; usedScore: number | '-' | ''; ids: 'add' | 'rem' | ''; pairKey: string; hintMs: number; dropLock: boolean; now: number },
  ): Promise<void>;
}

export function createScripts(redis: Redis | Cluster): Scripts {
  const x = (name: keyof typeof X_SCRIPTS) => defineScript(redis, name, 8, X_SOURCES[name]);
  const bind = x('pnBind');
  const lookup = x('pnLookup');
  const mutate = x('pnMutate');
  const addNumber = x('pnAddNumber');
  const setStatus = x('pnSetStatus');
  const removeNumber = x('pnRemoveNumber');
  const partyIndex = defineScript(redis, 'pnPartyIndex', 4, PARTY_INDEX);
  return {
    async bind(x, now, coolMs, a) {
      const r = toXReply(
        await bind(...xKeyList(x), now, coolMs, a.maxPerX, a.pairKey, a.json, a.ttlMs, a.strictArea, a.tenant, a.group, a.id, a.mode, a.a, a.b ?? '', a.expiresAt),
      );
      if (r.status === 'created' && r.json === null) r.json = a.json;
      return r;
    },
    async lookup(x, now, caller) {
      const r = (await lookup(...xKeyList(x), now, 0, caller)) as string | null;
      return r ?? null;
    },
    async mutate(x, now, coolMs, op, id, extra = []) {
      return toXReply(await mutate(...xKeyList(x), now, coolMs, op, id, ...extra));
    },
    async addNumber(x, now, tenant, group, areaCode) {
      return toXReply(await addNumber(...xKeyList(x), now, 0, tenant, group, areaCode));
    },
    async setStatus(x, now, coolMs, status) {
      return toXReply(await setStatus(...xKeyList(x), now, coolMs, status));
    },
    async removeNumber(x, now, coolMs) {
      return toXReply(await removeNumber(...xKeyList(x), now, coolMs));
    },
    async partyIndex(keys, a) {
      await partyIndex(keys.usedX, keys.bindings, keys.pairHints, keys.lock, a.id, a.x, a.usedScore, a.ids, a.pairKey, a.hintMs, a.dropLock ? '1' : '', a.now);
    },
  };
}
