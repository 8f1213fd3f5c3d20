// The in-process bus's consumer lag on /metrics: what kafka-consumer-groups shows in the
// distributed mode, so an embedded user sees which stage falls behind.
import { Gauge } from 'prom-client';
import type { Bus } from '../bus/bus.js';
import type { PipelineMetrics } from '../telemetry/metrics.js';

export function watchBusBacklog(bus: Bus, metrics: PipelineMetrics): void {
  const pendingByGroup = bus.pendingByGroup?.bind(bus);
  if (!pendingByGroup) return;
  new Gauge({
    name: 'aiops_bus_pending_records',
    help: 'Records published and not yet handled, per consumer group of the in-process bus.',
    labelNames: ['group'],
    registers: [metrics.registry],
    collect() {
      this.reset();
      for (const [group, n] of pendingByGroup()) this.set({ group }, n);
    },
  });
}
