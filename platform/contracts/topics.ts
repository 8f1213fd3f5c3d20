// Versioned topic names: a breaking contract change gets a new topic, never a silent reshape.
import type { TSchema } from '@sinclair/typebox';
import { Alert, Anomaly, ChangeEvent, DeadLetter, Feedback, Incident, LogRecord, MetricPoint, ServiceEdge, Topology } from './events.js';

export const TOPICS = {
  logs: 'aiops.logs.v1',
  metrics: 'aiops.metrics.v1',
  changes: 'aiops.changes.v1',
  anomalies: 'aiops.anomalies.v1',
  alerts: 'aiops.alerts.v1',
  incidents: 'aiops.incidents.v1',
  topology: 'aiops.topology.v1',
  edges: 'aiops.edges.v1',
  feedback: 'aiops.feedback.v1',
  deadLetter: 'aiops.deadletter.v1',
} as const;
export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

export const TOPIC_SCHEMAS: Record<TopicName, TSchema> = {
  [TOPICS.logs]: LogRecord,
  [TOPICS.metrics]: MetricPoint,
  [TOPICS.changes]: ChangeEvent,
  [TOPICS.anomalies]: Anomaly,
  [TOPICS.alerts]: Alert,
  [TOPICS.incidents]: Incident,
  [TOPICS.topology]: Topology,
  [TOPICS.edges]: ServiceEdge,
  [TOPICS.feedback]: Feedback,
  [TOPICS.deadLetter]: DeadLetter,
};

export interface TopicPayloads {
  'aiops.logs.v1': LogRecord;
  'aiops.metrics.v1': MetricPoint;
  'aiops.changes.v1': ChangeEvent;
  'aiops.anomalies.v1': Anomaly;
  'aiops.alerts.v1': Alert;
  'aiops.incidents.v1': Incident;
  'aiops.topology.v1': Topology;
  'aiops.edges.v1': ServiceEdge;
  'aiops.feedback.v1': Feedback;
  'aiops.deadletter.v1': DeadLetter;
}
