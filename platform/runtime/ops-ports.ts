// Default ops ports, apart from the ops server so that `aiops --help` can name them without loading fastify.
import type { StageName } from './stage.js';

/**
 * The ops port of a stage run alone (`aiops detect`), so the five stages of the distributed mode
 * run side by side on one host without setting anything; AIOPS_OPS_PORT overrides it. Only
 * detect, correlate and sink open one (ingest and api answer /metrics on their own port), but
 * every stage has a slot so the scheme stays one port per stage.
 */
export const STAGE_OPS_PORTS: Readonly<Record<StageName, number>> = { ingest: 9464, detect: 9465, correlate: 9466, sink: 9467, api: 9468 };
/** The ops port of `aiops start` (every stage in one process). */
export const DEFAULT_OPS_PORT = 9464;

export function defaultOpsPort(stages: readonly StageName[]): number {
  return stages.length === 1 ? STAGE_OPS_PORTS[stages[0]!] : DEFAULT_OPS_PORT;
}

