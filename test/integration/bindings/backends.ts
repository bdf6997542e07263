// The two Redis backends every bindings test runs against: one redis-server, and a 3-master Cluster.
import { Cluster, Redis } from 'ioredis';
import { startRedis, startRedisCluster } from '../../harness/redis.ts';

export type BackendName = 'single' | 'cluster';
export const BACKENDS: BackendName[] = ['single', 'cluster'];

export interface ConnectOptions {
  /** Commands fail at once while the server is down instead of queueing and retrying. */
  failFast?: boolean;
}

export interface Backend {
  name: BackendName;
  /** A new client connection (each allocator in the concurrency test gets its own). */
  connect(opts?: ConnectOptions): Redis | Cluster;
  /** Empties every node. */
  flush(): Promise<void>;
  /** SIGKILL to every redis-server process; data dirs stay. */
  crash(): Promise<void>;
  /** Starts every process again on its port and dir and waits until it serves. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const FAIL_FAST = { maxRetriesPerRequest: 0, retryStrategy: () => null };

export async function startBackend(name: BackendName, opts: { appendOnly?: boolean } = {}): Promise<Backend> {
  const clients: Array<Redis | Cluster> = [];
  const track = <C extends Redis | Cluster>(c: C, failFast: boolean | undefined): C => {
    // A crash test expects connection errors; without a listener ioredis reports them as unhandled.
    if (failFast) c.on('error', () => {});
    clients.push(c);
    return c;
  };
  if (name === 'single') {
    const server = await startRedis(opts);
    const admin = new Redis(server.url, { lazyConnect: true });
    return {
      name,
      connect(c = {}) {
        return track(new Redis(server.url, { enableAutoPipelining: true, ...(c.failFast ? FAIL_FAST : {}) }), c.failFast);
      },
      async flush() {
        await admin.flushall();
      },
      crash: () => server.kill('SIGKILL'),
      restart: () => server.restart(),
      async stop() {
        for (const c of clients) c.disconnect();
        admin.disconnect();
        await server.stop();
      },
    };
  }
  const cluster = await startRedisCluster(opts);
  const admins = () => cluster.nodes.map((n) => new Redis(n.port, n.host));
  return {
    name,
    connect(c = {}) {
      const options = c.failFast
        ? { enableAutoPipelining: true, clusterRetryStrategy: () => null, redisOptions: FAIL_FAST }
        : { enableAutoPipelining: true };
      return track(new Cluster(cluster.nodes, options), c.failFast);
    },
    async flush() {
      const nodes = admins();
      try {
        await Promise.all(nodes.map((a) => a.flushall()));
      } finally {
        for (const a of nodes) a.disconnect();
      }
    },
    crash: () => cluster.kill('SIGKILL'),
    restart: () => cluster.restart(),
    async stop() {
      for (const c of clients) c.disconnect();
      await cluster.stop();
    },
  };
}
