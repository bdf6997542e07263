// The two Redis backends every bindings test runs against: one redis-server, and a 3-master Cluster.
import { Cluster, Redis } from 'ioredis';
import { startRedis, startRedisCluster } from '../../harness/redis.ts';

export type BackendName = 'single' | 'cluster';
export const BACKENDS: BackendName[] = ['single', 'cluster'];

export interface Backend {
  name: BackendName;
  /** A new client connection (each allocator in the concurrency test gets its own). */
  connect(): Redis | Cluster;
  /** Empties every node. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export async function startBackend(name: BackendName): Promise<Backend> {
  const clients: Array<Redis | Cluster> = [];
  if (name === 'single') {
    const server = await startRedis();
    const admin = new Redis(server.url);
    return {
      name,
      connect() {
        const c = new Redis(server.url, { enableAutoPipelining: true });
        clients.push(c);
        return c;
      },
      async flush() {
        await admin.flushall();
      },
      async stop() {
        for (const c of clients) c.disconnect();
        admin.disconnect();
        await server.stop();
      },
    };
  }
  const cluster = await startRedisCluster();
  const admins = cluster.nodes.map((n) => new Redis(n.port, n.host));
  return {
    name,
    connect() {
      const c = new Cluster(cluster.nodes, { enableAutoPipelining: true });
      clients.push(c);
      return c;
    },
    async flush() {
      await Promise.all(admins.map((a) => a.flushall()));
    },
    async stop() {
      for (const c of clients) c.disconnect();
      for (const a of admins) a.disconnect();
      await cluster.stop();
    },
  };
}
