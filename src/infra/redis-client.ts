// Opens the process's shared ioredis client (to the embedded server's socket or a configured URL)
// and proves it answers before start-up goes on.
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export type RedisTarget = { url: string } | { socketPath: string };

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

export async function connectRedis(target: RedisTarget, log: Logger, opts: { connectTimeoutMs?: number } = {}): Promise<Redis> {
  // Auto-pipelining batches the many small commands of concurrent calls into fewer writes.
  const common = { lazyConnect: true, connectTimeout: opts.connectTimeoutMs ?? 10_000, maxRetriesPerRequest: 3, enableAutoPipelining: true };
  const redis = 'url' in target ? new Redis(target.url, common) : new Redis({ ...common, path: target.socketPath });
  const where = 'url' in target ? redactRedisUrl(target.url) : target.socketPath;
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
