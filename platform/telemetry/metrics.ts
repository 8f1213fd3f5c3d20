// The behaviour contract every component shares (after Vector's instrumentation spec):
// received, sent, error and dropped counters with stable labels.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface PipelineMetrics {
  registry: Registry;
  received: Counter<'stage' | 'component'>;
  sent: Counter<'stage' | 'component'>;
  errors: Counter<'stage' | 'component' | 'error_type'>;
  dropped: Counter<'stage' | 'component' | 'reason'>;
  batchSeconds: Histogram<'stage' | 'component'>;
  anomaliesPerIncident: Gauge<'tenant'>;
  openIncidents: Gauge<'tenant'>;
}

export function createMetrics(defaultMetrics = true): PipelineMetrics {
  const registry = new Registry();
  if (defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'aiops_' });
  const labels = ['stage', 'component'] as const;
  return {
    registry,
    received: new Counter({ name: 'aiops_component_received_events_total', help: 'Records a component accepted.', labelNames: labels, registers: [registry] }),
    sent: new Counter({ name: 'aiops_component_sent_events_total', help: 'Records a component emitted downstream.', labelNames: labels, registers: [registry] }),
    errors: new Counter({ name: 'aiops_component_errors_total', help: 'Errors by type.', labelNames: [...labels, 'error_type'], registers: [registry] }),
    dropped: new Counter({ name: 'aiops_component_discarded_events_total', help: 'Records discarded, by bounded reason code.', labelNames: [...labels, 'reason'], registers: [registry] }),
    batchSeconds: new Histogram({ name: 'aiops_component_batch_seconds', help: 'Time to handle one bus batch.', labelNames: labels, registers: [registry], buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10] }),
    anomaliesPerIncident: new Gauge({ name: 'aiops_correlator_anomalies_per_incident', help: 'Noise reduction: raw anomalies folded into each incident, averaged over open and recent incidents.', labelNames: ['tenant'], registers: [registry] }),
    openIncidents: new Gauge({ name: 'aiops_correlator_open_incidents', help: 'Incidents currently open.', labelNames: ['tenant'], registers: [registry] }),
  };
}
