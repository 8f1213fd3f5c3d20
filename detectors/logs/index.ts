// Log intelligence: the streaming template miner and the detectors built on it.
export * from './template-miner/index.js';
export { registerTemplateMinerMetrics, type MinerSource } from './template-miner/metrics.js';
export {
  LogTemplateDetector,
  DEFAULT_LOG_TEMPLATE_DETECTOR_CONFIG,
  NOVELTY_DETECTOR,
  RATE_DETECTOR,
  type LogTemplateDetectorConfig,
  type LogServiceSnapshot,
} from './template-detector.js';
