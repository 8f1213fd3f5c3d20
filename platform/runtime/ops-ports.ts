// Default ops ports, apart from the ops server so that `aiops --help` can name them without loading fastify.
import type { StageName } from './stage.js';

/**
 * Each stage's ops port, so the stages of the distributed mode run side by side on one host
 * without setting anything; AIOPS_OPS_PORT overrides it. Only a process without ingest or api
 * opens one (those answer /metrics on their own port), but every stage has a slot so that any
 * split of the stages into processes gets one distinct port per process.
 */
export const STAGE_OPS_PORTS: Readonly<Record<StageName, number>> = { ingest: 9464, detect: 9465, correlate: 9466, sink: 9467, api: 9468 };
/** The ops port of `aiops start` (every stage in one process). */
export const DEFAULT_OPS_PORT = 9464;

/**
 * A process running `stages` takes the lowest of their ports: a stage belongs to one process,
 * so processes running disjoint sets (`--stages detect,correlate` beside `--stages sink`)
 * never pick the same port; every stage together gets DEFAULT_OPS_PORT (ingest's).
 */
export function defaultOpsPort(stages: readonly StageName[]): number {
  return stages.length === 0 ? DEFAULT_OPS_PORT : Math.min(...stages.map((s) => STAGE_OPS_PORTS[s]));
}
