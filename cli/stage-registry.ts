// The composition root: the one place that knows every stage. Stages never import each other.
import { apiStage } from '../api/stage.js';
import { correlateStage } from '../correlator/stage.js';
import { detectStage } from '../detectors/stage.js';
import { ingestStage } from '../ingest/index.js';
import type { StageModule, StageName } from '../platform/runtime/stage.js';
import { sinkStage } from '../sink/stage.js';

/** Start order: consumers before producers, so nothing published at start is missed. */
export const STAGES: Record<StageName, StageModule> = {
  sink: sinkStage,
  correlate: correlateStage,
  detect: detectStage,
  api: apiStage,
  ingest: ingestStage,
};

export const ALL_STAGES: StageModule[] = [sinkStage, correlateStage, detectStage, apiStage, ingestStage];
