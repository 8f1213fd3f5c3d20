// Prometheus metrics of template miners, read from each miner's stats() at scrape time (nothing
// is counted on the hot path). Labels: tenant and monitored_service of the log stream the miner
// serves; not `service`, which ingest maps to the series' service (see detectors/sessions/metrics.ts).
import { Counter, Gauge, type Registry } from 'prom-client';
import type { MinerStats } from './miner.js';

export interface MinerSource {
  tenant: string;
  service: string;
  stats(): MinerStats;
}

const LABELS = ['tenant', 'monitored_service'] as const;

const COUNTERS: [name: string, help: string, key: keyof MinerStats][] = [
  ['aiops_template_miner_messages_total', 'Log messages mined.', 'messages'],
  ['aiops_template_miner_templates_created_total', 'Templates created (new clusters).', 'created'],
  ['aiops_template_miner_templates_merged_total', 'Templates absorbed by a more general template.', 'merges'],
  ['aiops_template_miner_templates_evicted_total', 'Templates evicted by the cluster cap (least recently seen first).', 'evictions'],
  ['aiops_template_miner_cache_hits_total', 'Messages whose shape or masked signature was cached (fast paths).', 'cacheHits'],
  ['aiops_template_miner_cache_misses_total', 'Messages matched on the slow path.', 'cacheMisses'],
];

/**
 * Register the miner metrics on `registry`; `sources()` lists the live miners at each scrape.
 * Returns a function that unregisters them.
 */
export function registerTemplateMinerMetrics(registry: Registry, sources: () => Iterable<MinerSource>): () => void {
  const names: string[] = [];
  new Gauge({
    name: 'aiops_template_miner_templates',
    help: 'Live templates (bounded by the miner cap maxClusters).',
    labelNames: LABELS,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of sources()) this.set({ tenant: s.tenant, monitored_service: s.service }, s.stats().clusters);
    },
  });
  names.push('aiops_template_miner_templates');
  for (const [name, help, key] of COUNTERS) {
    new Counter({
      name,
      help,
      labelNames: LABELS,
      registers: [registry],
      collect() {
        this.reset();
        for (const s of sources()) this.inc({ tenant: s.tenant, monitored_service: s.service }, s.stats()[key]);
      },
    });
    names.push(name);
  }
  return () => {
    for (const n of names) registry.removeSingleMetric(n);
  };
}
