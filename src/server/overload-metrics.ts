// Overload control in Prometheus terms, read from the SIP server at scrape time (get-or-create,
// so building the services twice on one registry, as tests do, is harmless).
import { Counter, Gauge, type Registry } from 'prom-client';
import type { OverloadStats } from './overload-monitor.ts';

export function registerOverloadMetrics(registry: Registry, stats: () => OverloadStats | undefined): void {
  const registers = [registry];
  if (registry.getSingleMetric('pn_sip_overloaded') === undefined) {
    new Gauge({
      name: 'pn_sip_overloaded',
      help: '1 while the SIP server refuses new INVITEs for overload, else 0',
      registers,
      collect() {
        this.set(stats()?.overloaded === true ? 1 : 0);
      },
    });
  }
  if (registry.getSingleMetric('pn_sip_overload_refused_invites_total') === undefined) {
    new Counter({
      name: 'pn_sip_overload_refused_invites_total',
      help: 'New INVITEs answered 503 + Retry-After because the SIP server was overloaded',
      registers,
      collect() {
        // The server keeps the count; the counter mirrors it.
        this.reset();
        this.inc(stats()?.refusedInvites ?? 0);
      },
    });
  }
}
