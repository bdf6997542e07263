// Entry of a B2BUA app worker process (started by src/infra/app-workers.ts when
// calls.appProcesses > 1): the same config as the main process, its own Redis client, and a
// drachtio-srf connection to the SIP server that routes INVITE here. The main process keeps the
// API, the release-timer sweeper and webhook delivery.
import { loadConfig } from './config/load.ts';
import { connectRedis } from './infra/redis-client.ts';
import { parseWorkerEnv, WORKER_ENV } from './infra/app-workers.ts';
import { answerMetricsRequests } from './infra/worker-metrics.ts';
import { createLogger } from './observability/logger.ts';
import { createMetricsRegistry } from './observability/metrics.ts';
import { connectSrf, createDataLayer, startCallsApp } from './compose.ts';

const config = loadConfig({ argv: process.argv.slice(2), env: process.env, cwd: process.cwd() });
const settings = parseWorkerEnv(process.env[WORKER_ENV]);
const log = createLogger({ level: config.log.level, base: { worker: Number(process.env['PN_WORKER_INDEX'] ?? 0) } });
// App counters (summed with the main process's) and process metrics (reported per worker) apart:
// the main process serves both at its /metrics (src/infra/worker-metrics.ts).
const metrics = createMetricsRegistry({ processMetrics: false });
const processMetrics = createMetricsRegistry({ processMetrics: true });
answerMetricsRequests(process, { app: metrics, process: processMetrics }, log);
const redis = await connectRedis(settings.redis, log);
const { store, events } = createDataLayer({ config, log, redis, metrics });
const srf = await connectSrf({ host: settings.adminHost, port: settings.adminPort, secret: config.sip.secret }, log);
const calls = startCallsApp({ config, log, metrics }, srf, store, events);

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await calls.close();
  srf.disconnect();
  await events.flush();
  await store.close();
  await redis.quit();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => undefined); // the main process decides; it sends SIGTERM
process.on('disconnect', () => void stop()); // the main process is gone
process.send?.({ type: 'ready' });
