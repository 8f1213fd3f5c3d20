// What the CLI needs to know about each stage before running one: name, description, needs.
// Kept apart from stage-registry.ts, which imports every stage (fastify, kafkajs, DuckDB, ...),
// so `aiops --help` and small commands start without loading them. A unit test keeps these
// entries equal to the stage modules' own declarations.
import type { StageModule, StageName } from '../platform/runtime/stage.js';

export interface StageInfo {
  readonly name: StageName;
  readonly needsStore: boolean;
  readonly description: string;
}

/** Start order: consumers before producers, so nothing published at start is missed. */
export const STAGE_CATALOGUE: readonly StageInfo[] = [
  { name: 'sink', needsStore: true, description: 'Write logs, metrics, changes, anomalies, incidents and topology to the store.' },
  { name: 'correlate', needsStore: true, description: 'Fold anomalies into incidents and rank root causes by topology.' },
  { name: 'detect', needsStore: true, description: 'Learn per-series baselines for metrics and log error ratios; emit anomalies.' },
  { name: 'api', needsStore: true, description: 'Serve the query API (OpenAPI at /openapi.json), the dashboard, health and metrics.' },
  {
    name: 'ingest',
    needsStore: false,
    description: 'Receives OTLP/HTTP, Prometheus remote_write, Loki push, syslog, NDJSON, change events and Alertmanager webhooks; publishes normalised records on the bus.',
  },
];

/** Loads the named stages' modules (all when none are named), in start order. */
export async function loadStageModules(names?: readonly StageName[]): Promise<StageModule[]> {
  const { STAGES } = await import('./stage-registry.js');
  return STAGE_CATALOGUE.filter((s) => !names || names.includes(s.name)).map((s) => STAGES[s.name]);
}
