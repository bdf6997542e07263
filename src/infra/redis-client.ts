// Opens the process's shared ioredis client (to the embedded server's socket, a configured URL, or
// a Redis Cluster's seed nodes) and proves it answers before start-up goes on. Every key the
// product writes is hash-tagged so that its multi-key scripts and transactions stay in one slot.
import { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';

export type RedisTarget = { url: string } | { socketPath: string } | { clusterNodes: readonly string[] };

/** The configured URL without its password, for logs. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return 'redis://(unparsable url)';
  }
}

export async function connectRedis(target: RedisTarget, log: Logger, opts: { connectTimeoutMs?: number } = {}): Promise<Redis | Cluster> {
  // Auto-pipelining batches the many small commands of concurrent calls into fewer writes.
  const common = { lazyConnect: true, connectTimeout: opts.connectTimeoutMs ?? 10_000, maxRetriesPerRequest: 3, enableAutoPipelining: true };
  let redis: Redis | Cluster;
  let where: string;
  if ('clusterNodes' in target) {
    redis = clusterClient(target.clusterNodes, common);
    where = target.clusterNodes.map(redactRedisUrl).join(',');
  } else if ('url' in target) {
    redis = new Redis(target.url, common);
    where = redactRedisUrl(target.url);
  } else {
    redis = new Redis({ ...common, path: target.socketPath });
    where = target.socketPath;
  }
  redis.on('error', (err: Error) => log.warn({ err, redis: where }, 'redis connection error'));
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  log.info({ redis: where }, 'redis connected');
  return redis;
}

/** A Cluster client from seed-node URLs; credentials and TLS of the first URL apply to every node. */
function clusterClient(urls: readonly string[], common: { lazyConnect: boolean; connectTimeout: number; maxRetriesPerRequest: number; enableAutoPipelining: boolean }): Cluster {
  const parsed = urls.map((u) => new URL(u));
  const first = parsed[0];
  if (first === undefined) throw new Error('redis.clusterNodes is empty');
  const nodes = parsed.map((u) => ({ host: u.hostname, port: u.port === '' ? 6379 : Number(u.port) }));
  const redisOptions = {
    connectTimeout: common.connectTimeout,
    maxRetriesPerRequest: common.maxRetriesPerRequest,
    ...(first.username !== '' ? { username: decodeURIComponent(first.username) } : {}),
    ...(first.password !== '' ? { password: decodeURIComponent(first.password) } : {}),
    ...(first.protocol === 'rediss:' ? { tls: {} } : {}),
  };
  return new Cluster(nodes, { lazyConnect: true, enableAutoPipelining: common.enableAutoPipelining, redisOptions });
}
