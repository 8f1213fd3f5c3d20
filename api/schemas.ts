// HTTP schemas of the query API: input and output, from which types and OpenAPI derive.
import { Type } from '@sinclair/typebox';
import { Alert, Anomaly, Feedback, FeedbackKind, Incident, Topology } from '../platform/contracts/events.js';

/** platform/errors/error-body.ts: the body of every error, on ingest too. */
export const ErrorBody = Type.Object({ statusCode: Type.Integer(), code: Type.String(), message: Type.String() }, { $id: 'ErrorBody' });

const Filter = Type.String({ maxLength: 8192 });
/**
 * A time bound in a query: an integer of milliseconds within the contract's EpochMs range. The
 * maximum matters: query strings are coerced, and `Infinity` or 2^53 would pass an integer check
 * without it and reach the store as a number it cannot bind.
 */
const QueryMs = (description: string) => Type.Integer({ minimum: 0, maximum: 32503680000000, description: `${description} (ms since epoch, 0..32503680000000).` });
export const IncidentListQuery = Type.Object({
  status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('resolved'), Type.Literal('merged')])),
  service: Type.Optional(Filter),
  rootCause: Type.Optional(Filter),
  from: Type.Optional(QueryMs('Opened at or after')),
  to: Type.Optional(QueryMs('Opened before')),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 1024 })),
});

export const AnomalyListQuery = Type.Object({
  service: Type.Optional(Filter),
  subject: Type.Optional(Filter),
  signal: Type.Optional(Type.Union([Type.Literal('metric'), Type.Literal('log'), Type.Literal('session'), Type.Literal('alert')])),
  incident: Type.Optional(Type.String({ maxLength: 256, description: 'Only the anomalies (episodes, each in its newest version) folded into this incident.' })),
  from: Type.Optional(QueryMs('At or after')),
  to: Type.Optional(QueryMs('Before')),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  cursor: Type.Optional(Type.String({ maxLength: 1024 })),
});

export const AlertListQuery = Type.Object({
  status: Type.Optional(Type.Union([Type.Literal('firing'), Type.Literal('resolved')])),
  service: Type.Optional(Filter),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  cursor: Type.Optional(Type.String({ maxLength: 1024 })),
});
export const AlertPage = Type.Object({ items: Type.Array(Alert), nextCursor: Type.Optional(Type.String()) });

export const IncidentPage = Type.Object({ items: Type.Array(Incident), nextCursor: Type.Optional(Type.String()) });
export const AnomalyPage = Type.Object({ items: Type.Array(Anomaly), nextCursor: Type.Optional(Type.String()) });
export const IncidentDetailQuery = Type.Object({
  anomalies: Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'How many of the newest anomalies to include.' }),
});
export const IncidentDetail = Type.Object({
  incident: Incident,
  /** Newest first. */
  anomalies: Type.Array(Anomaly),
  anomaliesNextCursor: Type.Optional(Type.String({ description: 'More, older anomalies: pass as cursor to GET /v1/anomalies?incident=<id>.' })),
});
export const ServiceList = Type.Object({
  items: Type.Array(Type.Object({
    name: Type.String(),
    anomalies: Type.Integer({ description: 'Anomaly episodes (one per series per stretch out of band, detectors/README.md), not points.' }),
    lastAnomalyAt: Type.Union([Type.Number(), Type.Null()], { description: 'Opening time of the newest episode.' }),
  })),
});
export const TopologyBody = Topology;

const Ms = Type.Integer({ minimum: 0, maximum: 32503680000000, description: 'Milliseconds since the Unix epoch' });
/**
 * An operator's verdict on a window: on one anomaly (`anomalyId`; the window defaults to its
 * time), or on a service's series (`service`, optionally one `subject`, and `from`/`to`).
 */
export const FeedbackRequest = Type.Object({
  kind: FeedbackKind,
  anomalyId: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  service: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  subject: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  from: Type.Optional(Ms),
  to: Type.Optional(Ms),
  note: Type.Optional(Type.String({ maxLength: 2048 })),
}, { additionalProperties: false });
export const FeedbackAccepted = Feedback;
