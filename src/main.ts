// The composition root: the only file that reads argv/env, listens to signals or exits.
// Start order: config → logger → Redis → services (SIP server, B2BUA app, HTTP API); stop in reverse.
import type { Cluster, Redis } from 'ioredis';
import { ConfigError } from './config/config-error.ts';
import { loadConfig } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { startEmbeddedRedis } from './infra/embedded-redis.ts';
import { connectRedis, redactRedisUrl, type RedisTarget } from './infra/redis-client.ts';
import { createLogger } from './observability/logger.ts';
import { createMetricsRegistry } from './observability/metrics.ts';
import { buildServices, type Handles } from './compose.ts';

/** Exit codes: 0 clean stop, 1 failure at run time, 2 bad configuration. */
const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_CONFIG = 2;
const SHUTDOWN_DEADLINE_MS = 20_000;
const REPEAT_SIGNAL_WINDOW_MS = 2_000;

function loadConfigOrExit(): Config {
  try {
    return loadConfig({ argv: process.argv.slice(2), env: process.env, cwd: process.cwd() });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const config = loadConfigOrExit();
  const log = createLogger({ level: config.log.level, pretty: process.stdout.isTTY === true });
  const metrics = createMetricsRegistry({ processMetrics: true });

  // Everything started so far, stopped in reverse order on shutdown.
  const running: Array<{ name: string; stop: () => Promise<void> }> = [];
  let shuttingDown = false;

  const shutdown = async (reason: string, code: number): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info({ reason }, 'stopping');
    setTimeout(() => {
      log.error({ deadlineMs: SHUTDOWN_DEADLINE_MS }, 'shutdown deadline passed; exiting');
      process.exit(EXIT_FAILURE);
    }, SHUTDOWN_DEADLINE_MS).unref();
    let exitCode = code;
    for (const part of running.reverse()) {
      try {
        await part.stop();
      } catch (err) {
        exitCode = EXIT_FAILURE;
        log.error({ err, part: part.name }, 'stop failed');
      }
    }
    log.info({ exitCode }, 'stopped');
    log.flush();
    process.exit(exitCode);
  };

  // A terminal Ctrl-C reaches us twice (directly and relayed by npm): a repeat within
  // REPEAT_SIGNAL_WINDOW_MS is the same request; a later one means "stop now".
  let firstSignalAt = 0;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (!shuttingDown) {
        firstSignalAt = Date.now();
        void shutdown(signal, EXIT_OK);
      } else if (Date.now() - firstSignalAt > REPEAT_SIGNAL_WINDOW_MS) {
        log.warn({ signal }, 'second signal during shutdown: exiting now');
        process.exit(EXIT_FAILURE); // the embedded Redis gets SIGTERM from its exit hook
      }
    });
  }
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception');
    void shutdown('uncaughtException', EXIT_FAILURE);
  });
  process.on('unhandledRejection', (err) => {
    log.fatal({ err }, 'unhandled rejection');
    void shutdown('unhandledRejection', EXIT_FAILURE);
  });

  try {
    let redisInfo: Record<string, unknown>;
    let redis: Redis | Cluster;
    let redisTarget: RedisTarget;
    if (config.redis.clusterNodes !== undefined) {
      redisTarget = { clusterNodes: config.redis.clusterNodes };
      redis = await connectRedis(redisTarget, log);
      redisInfo = { redis: 'cluster', redisNodes: config.redis.clusterNodes.map(redactRedisUrl) };
    } else if (config.redis.url === undefined) {
      const dataDir = config.redis.dataDir ?? config.dataDir;
      const embedded = await startEmbeddedRedis({ dataDir, log });
      running.push({ name: 'embedded-redis', stop: () => embedded.stop() });
      void embedded.exited.then(({ code, signal }) => {
        if (!shuttingDown) {
          log.fatal({ code, signal }, 'embedded redis-server exited unexpectedly');
          void shutdown('redis-exit', EXIT_FAILURE);
        }
      });
      redisTarget = { socketPath: embedded.socketPath };
      redis = await connectRedis(redisTarget, log);
      redisInfo = { redis: 'embedded', redisSocket: embedded.socketPath, redisDataDir: dataDir };
    } else {
      redisTarget = { url: config.redis.url };
      redis = await connectRedis(redisTarget, log);
      redisInfo = { redis: 'external', redisUrl: redactRedisUrl(config.redis.url) };
    }
    running.push({ name: 'redis-client', stop: async () => void (await redis.quit()) });

    const handles: Handles = {};
    const services = buildServices({ config, log, metrics, redis, redisTarget, argv: process.argv.slice(2) }, handles);
    for (const service of services) {
      if (shuttingDown) return;
      await service.start();
      running.push(service);
    }
    if (shuttingDown) return;
    log.info(
      {
        ...redisInfo,
        dataDir: config.dataDir,
        sipContacts: config.sip.contacts,
        httpListen: handles.httpAddress ?? config.http.listen,
        sipListeners: handles.sipServer?.addresses.hostports(false),
        drachtioAdminPort: handles.sipServer?.adminPort,
        trunks: config.trunks.map((t) => t.name),
        services: services.map((s) => s.name),
        startupMs: Date.now() - startedAt,
      },
      'ready',
    );
  } catch (err) {
    log.fatal({ err }, 'start failed');
    await shutdown('start failed', EXIT_FAILURE);
  }
}

await main();
