// Every stage shares one lifecycle (Loki's modules): declared needs, start, ready, stop.
// `aiops start` runs them all in one process; `aiops <stage>` runs one.
import type { Logger } from 'pino';
import type { AiopsConfig } from '../config/config.js';
import type { Bus } from '../bus/bus.js';
import type { Store } from '../store/store.js';
import type { PipelineMetrics } from '../telemetry/metrics.js';

export type StageName = 'ingest' | 'detect' | 'correlate' | 'sink' | 'api';
export const STAGE_NAMES: readonly StageName[] = ['sink', 'correlate', 'detect', 'api', 'ingest'];

/** How a process names itself in logs and Kafka client ids: `all`, or its stages (`detect-correlate`). */
export function roleOf(names: readonly StageName[]): string {
  return STAGE_NAMES.every((n) => names.includes(n)) ? 'all' : STAGE_NAMES.filter((n) => names.includes(n)).join('-');
}

export interface StageContext {
  config: AiopsConfig;
  /** Child logger with `stage` bound. */
  logger: Logger;
  metrics: PipelineMetrics;
  bus: Bus;
  /** Present when the stage declared `needsStore`. */
  store: Store | undefined;
  signal: AbortSignal;
}

export interface RunningStage {
  readonly name: StageName;
  /** True once the stage serves traffic or consumes the bus. */
  ready(): boolean;
  /** Why ready() is false, for /readyz (optional). */
  notReadyReason?(): string | undefined;
  /** Stops taking new work, finishes what is in flight, flushes state. */
  stop(): Promise<void>;
}

export interface StageModule {
  readonly name: StageName;
  readonly needsStore: boolean;
  readonly description: string;
  start(ctx: StageContext): Promise<RunningStage>;
}
