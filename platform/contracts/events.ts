// The event contracts that flow between stages. Each type is derived from its schema.
import { Type, type Static } from '@sinclair/typebox';
import { Attributes, EpochMs, RecordId, ServiceName, Tenant } from './common.js';

/** OpenTelemetry severity numbers 1..24 grouped into the six named levels. */
export const SeverityText = Type.Union([
  Type.Literal('trace'), Type.Literal('debug'), Type.Literal('info'),
  Type.Literal('warn'), Type.Literal('error'), Type.Literal('fatal'),
]);
export type SeverityText = Static<typeof SeverityText>;

export const LogRecord = Type.Object({
  id: RecordId,
  tenant: Tenant,
  ts: EpochMs,
  service: ServiceName,
  host: Type.Optional(Type.String({ maxLength: 256 })),
  severity: SeverityText,
  body: Type.String({ maxLength: 65536 }),
  /** Groups lines into a session for the session model: trace id, request id, block id. */
  sessionId: Type.Optional(Type.String({ maxLength: 256 })),
  attributes: Attributes,
});
export type LogRecord = Static<typeof LogRecord>;

export const MetricKind = Type.Union([Type.Literal('gauge'), Type.Literal('counter')]);
export const MetricPoint = Type.Object({
  id: RecordId,
  tenant: Tenant,
  ts: EpochMs,
  service: ServiceName,
  name: Type.String({ minLength: 1, maxLength: 256 }),
  kind: MetricKind,
  value: Type.Number(),
  labels: Attributes,
});
export type MetricPoint = Static<typeof MetricPoint>;

export const ChangeKind = Type.Union([
  Type.Literal('deploy'), Type.Literal('config'), Type.Literal('feature_flag'),
  Type.Literal('infrastructure'), Type.Literal('other'),
]);
export type ChangeKind = Static<typeof ChangeKind>;
export const ChangeEvent = Type.Object({
  id: RecordId,
  tenant: Tenant,
  ts: EpochMs,
  service: ServiceName,
  kind: ChangeKind,
  summary: Type.String({ maxLength: 2048 }),
  source: Type.String({ maxLength: 128 }),
  attributes: Attributes,
});
export type ChangeEvent = Static<typeof ChangeEvent>;

export const Direction = Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('none')]);
export const SignalKind = Type.Union([Type.Literal('metric'), Type.Literal('log'), Type.Literal('session'), Type.Literal('alert')]);
export type SignalKind = Static<typeof SignalKind>;

/**
 * Contract change "anomaly.v1 + episode" (additive, so the topic stays aiops.anomalies.v1: both
 * fields are optional, older readers ignore them and records without them still validate).
 * A series that leaves its band opens one episode; the detector publishes the same anomaly id
 * (the episode's, stable from series + opening time) again when the episode grows, at most once a
 * minute of event time, and once more when it closes. `version` orders these copies: the store
 * keeps the highest, the correlator counts the episode once. See detectors/README.md.
 */
export const EpisodeStatus = Type.Union([Type.Literal('open'), Type.Literal('closed')]);
export const AnomalyEpisode = Type.Object({
  /** Equal to the anomaly's id. */
  id: RecordId,
  status: EpisodeStatus,
  /** Monotonic per episode (1 at opening). */
  version: Type.Integer({ minimum: 1 }),
  openedAt: EpochMs,
  /** Newest anomalous point folded in. */
  lastAt: EpochMs,
  closedAt: Type.Optional(EpochMs),
  /** Anomalous points folded in. */
  points: Type.Integer({ minimum: 1 }),
  peakScore: Type.Number({ minimum: 0, maximum: 1 }),
  /** Observed value furthest from expected (the anomaly's observed/expected/band are that point's). */
  peakValue: Type.Number(),
  peakAt: EpochMs,
  lastValue: Type.Number(),
});
export type AnomalyEpisode = Static<typeof AnomalyEpisode>;

/** What a series says about the service (detectors/significance.ts): internals never open an incident alone. */
export const Significance = Type.Union([Type.Literal('golden'), Type.Literal('saturation'), Type.Literal('other'), Type.Literal('internal')]);
export type Significance = Static<typeof Significance>;

export const Anomaly = Type.Object({
  id: RecordId,
  tenant: Tenant,
  ts: EpochMs,
  service: ServiceName,
  signal: SignalKind,
  /** What series or pattern misbehaved, e.g. `latency_ms{route="/pay"}` or a template id. */
  subject: Type.String({ maxLength: 1024 }),
  detector: Type.String({ maxLength: 128 }),
  /** Calibrated 0..1: comparable across series and detectors. */
  score: Type.Number({ minimum: 0, maximum: 1 }),
  observed: Type.Number(),
  expected: Type.Number(),
  lower: Type.Number(),
  upper: Type.Number(),
  direction: Direction,
  evidence: Attributes,
  episode: Type.Optional(AnomalyEpisode),
  /** Absent: treated as significant (`other`). */
  significance: Type.Optional(Significance),
});
export type Anomaly = Static<typeof Anomaly>;

/**
 * One alert: every anomaly (or ingested Alertmanager alert) with the same fingerprint folds
 * into it. The fingerprint recipe is versioned (`recipe`) so a change of recipe never silently
 * re-keys existing alerts.
 */
export const AlertStatus = Type.Union([Type.Literal('firing'), Type.Literal('resolved')]);
export const Alert = Type.Object({
  id: RecordId,
  tenant: Tenant,
  /** Monotonic per alert: the store keeps the highest version. */
  version: Type.Integer({ minimum: 0 }),
  fingerprint: Type.String({ minLength: 1, maxLength: 128 }),
  recipe: Type.String({ maxLength: 64 }),
  service: ServiceName,
  signal: SignalKind,
  subject: Type.String({ maxLength: 1024 }),
  status: AlertStatus,
  firstSeen: EpochMs,
  lastSeen: EpochMs,
  /** Anomaly episodes folded into this alert (an anomaly without an episode counts as one). */
  count: Type.Integer({ minimum: 0 }),
  /** Firing/resolved transitions so far. */
  transitions: Type.Integer({ minimum: 0 }),
  /** Too many transitions in a short time: still grouped, not worth a page by itself. */
  flapping: Type.Boolean(),
  maxScore: Type.Number({ minimum: 0, maximum: 1 }),
  lastAnomalyId: RecordId,
  labels: Attributes,
});
export type Alert = Static<typeof Alert>;

export const RootCauseCandidate = Type.Object({
  service: ServiceName,
  rank: Type.Integer({ minimum: 1 }),
  score: Type.Number(),
  /** Caller chain from the candidate to a user-facing symptom, candidate first. */
  path: Type.Array(ServiceName),
  firstAnomalyAt: EpochMs,
  changes: Type.Array(Type.Object({ id: RecordId, ts: EpochMs, kind: Type.String(), summary: Type.String() })),
  signals: Type.Array(Type.String()),
  reasons: Type.Array(Type.String()),
});
export type RootCauseCandidate = Static<typeof RootCauseCandidate>;

/** `merged`: folded into another incident (`mergedInto`) when an anomaly linked the two. */
export const IncidentStatus = Type.Union([Type.Literal('open'), Type.Literal('resolved'), Type.Literal('merged')]);
export const Incident = Type.Object({
  id: RecordId,
  tenant: Tenant,
  /** Monotonic per incident: the store keeps the highest version. */
  version: Type.Integer({ minimum: 0 }),
  status: IncidentStatus,
  title: Type.String({ maxLength: 1024 }),
  openedAt: EpochMs,
  updatedAt: EpochMs,
  resolvedAt: Type.Optional(EpochMs),
  mergedInto: Type.Optional(RecordId),
  services: Type.Array(ServiceName),
  userFacing: Type.Array(ServiceName),
  anomalyCount: Type.Integer({ minimum: 0 }),
  anomalyIds: Type.Array(RecordId),
  rootCauses: Type.Array(RootCauseCandidate),
  groupingReasons: Type.Array(Type.String()),
});
export type Incident = Static<typeof Incident>;

export const TopologyService = Type.Object({
  name: ServiceName,
  team: Type.Optional(Type.String()),
  owner: Type.Optional(Type.String()),
  userFacing: Type.Optional(Type.Boolean()),
});
/** Where a dependency edge came from: the topology file, trace spans or metric labels. */
export const EdgeSource = Type.Union([Type.Literal('config'), Type.Literal('traces'), Type.Literal('metrics')]);
export type EdgeSource = Static<typeof EdgeSource>;
export const TopologyEdge = Type.Object({
  from: ServiceName,
  to: ServiceName,
  /** Absent means `config`. */
  source: Type.Optional(EdgeSource),
  /** Learned edges: when the call was last observed (edges not seen for a week are dropped). */
  lastSeenAt: Type.Optional(EpochMs),
});
export const Topology = Type.Object({
  tenant: Tenant,
  version: Type.Integer({ minimum: 0 }),
  services: Type.Array(TopologyService),
  /** `from` calls `to`: a fault in `to` shows up in `from`. */
  edges: Type.Array(TopologyEdge),
});
export type Topology = Static<typeof Topology>;
export type TopologyService = Static<typeof TopologyService>;
export type TopologyEdge = Static<typeof TopologyEdge>;

/**
 * A call from one service to another, observed by ingest in trace spans (a span whose parent
 * belongs to another service, or a client span naming its peer.service) or in metric labels
 * (service-graph, Istio and Linkerd labels). The correlator folds these into the topology.
 */
export const ServiceEdge = Type.Object({
  id: RecordId,
  tenant: Tenant,
  /** Last observation folded into this record. */
  ts: EpochMs,
  from: ServiceName,
  to: ServiceName,
  source: Type.Union([Type.Literal('traces'), Type.Literal('metrics')]),
  /** Observations since the previous record for this edge from the same ingest process. */
  count: Type.Integer({ minimum: 1 }),
  /** What showed the call: a span name or the metric and its label pair. */
  evidence: Type.String({ maxLength: 512 }),
});
export type ServiceEdge = Static<typeof ServiceEdge>;

/**
 * An operator's verdict on a window of a service's series: `false_positive` makes the alarm
 * patterns that fired in it less sensitive; `incident` keeps the window out of the baselines
 * (learning from an incident hides the next one).
 */
export const FeedbackKind = Type.Union([Type.Literal('false_positive'), Type.Literal('incident')]);
export const Feedback = Type.Object({
  id: RecordId,
  tenant: Tenant,
  /** When the verdict was given. */
  ts: EpochMs,
  service: ServiceName,
  /** The series (an anomaly's `subject`, e.g. `latency_ms{route="/pay"}`); absent: every series of the service. */
  subject: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  kind: FeedbackKind,
  from: EpochMs,
  to: EpochMs,
  /** The anomaly the verdict is about, when it was given on one. */
  anomalyId: Type.Optional(RecordId),
  note: Type.Optional(Type.String({ maxLength: 2048 })),
});
export type Feedback = Static<typeof Feedback>;

/** A record that failed validation, with the reason, kept for inspection and replay. */
export const DeadLetter = Type.Object({
  id: RecordId,
  tenant: Tenant,
  ts: EpochMs,
  sourceTopic: Type.String(),
  reason: Type.String(),
  payload: Type.String(),
});
export type DeadLetter = Static<typeof DeadLetter>;
