// Public surface of the per-series metric detector (see README.md in this folder).
export {
  SeriesDetector,
  DEFAULT_SERIES_DETECTOR_CONFIG,
  ALARM_SCORE,
  type SeriesDetectorConfig,
  type SeriesDetectorState,
  type SeriesVerdict,
  type Direction,
  type DetectorComponent,
} from './series-detector.js';
export type { Seasonality } from './config.js';
export { STATE_VERSION, PATTERNS, type PatternName } from './state-layout.js';
export { StateSlab, CHUNK_STATES } from './state-slab.js';
