// The per-backend set-up the bindings store tests share: one backend per describe block, emptied
// before each test, a settable clock and the log of released bindings that every store made with
// `store()` uses.
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { Cluster, Redis } from 'ioredis';
import pino from 'pino';
import { AppError } from '../../../src/errors.ts';
import { createBindingStore, type BindingStore, type BindingStoreOptions } from '../../../src/bindings/store.ts';
import type { Binding } from '../../../src/bindings/model.ts';
import { startBackend, type Backend, type BackendName } from './backends.ts';

export const quietLog = pino({ level: 'silent' });

export interface StoreFixture {
  readonly redis: Redis | Cluster;
  /** The stores' clock (epoch ms); tests move it forward. */
  clock: number;
  /** Bindings the stores reported released during this test. */
  released: Binding[];
  /** A store on this backend with the fixture's clock and release log. */
  store(over?: Partial<BindingStoreOptions>): BindingStore;
}

export function useStoreFixture(backendName: BackendName): StoreFixture {
  let backend: Backend | undefined;
  let redis: Redis | Cluster | undefined;
  beforeAll(async () => {
    backend = await startBackend(backendName);
    redis = backend.connect();
  });
  afterAll(async () => {
    await backend?.stop();
  });
  const f: StoreFixture = {
    get redis(): Redis | Cluster {
      if (!redis) throw new Error('useStoreFixture: the backend starts in beforeAll');
      return redis;
    },
    clock: 0,
    released: [],
    store: (over = {}) =>
      createBindingStore({
        redis: f.redis,
        log: quietLog,
        coolDownSeconds: 0,
        defaultReleaseAfterCallSeconds: 60,
        defaultAreaMatch: 'fallback',
        now: () => f.clock,
        onReleased: (b) => f.released.push(b),
        ...over,
      }),
  };
  beforeEach(async () => {
    await backend?.flush();
    f.clock = 1_800_000_000_000;
    f.released = [];
  });
  return f;
}

/** The AppError code a call fails with, or 'no error'. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
  return 'no error';
}
