// Prometheus metrics of the session detectors, read at scrape time from SessionBank.stats()
// (nothing counted on the hot path). Label: monitored_service, the service whose model scores the
// sessions; not `service`, which ingest maps to the series' service, so the pipeline's own
// metrics scraped back into it would be filed under (and open incidents about) a user's service.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { SessionBank } from './session-bank.js';

const COUNTERS = [
  ['aiops_session_sessions_scored_total', 'Sessions closed (idle timeout, end or open-session cap) and scored by the session model.', 'scored'],
  ['aiops_session_sessions_flagged_total', 'Scored sessions the model found abnormal (one anomaly each).', 'flagged'],
  ['aiops_session_sessions_evicted_total', 'Sessions closed early because the open-session cap was reached.', 'evicted'],
] as const;

/** Registers the session metrics on `registry`; returns a function that unregisters them. */
export function registerSessionMetrics(registry: Registry, bank: SessionBank): () => void {
  const names: string[] = ['aiops_session_open_sessions'];
  new Gauge({
    name: 'aiops_session_open_sessions',
    help: 'Open sessions held by the session detector (bounded by its maxOpenSessions cap).',
    labelNames: ['monitored_service'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of bank.stats()) this.set({ monitored_service: s.service }, s.open);
    },
  });
  for (const [name, help, key] of COUNTERS) {
    new Counter({
      name,
      help,
      labelNames: ['monitored_service'],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of bank.stats()) this.inc({ monitored_service: s.service }, s[key]);
      },
    });
    names.push(name);
  }
  return () => {
    for (const n of names) registry.removeSingleMetric(n);
  };
}
