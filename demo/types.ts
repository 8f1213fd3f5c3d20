export type { ChangeEvent, LogRecord, MetricPoint, SeverityText as Severity } from '../platform/contracts/events.js';
