// Hands decoded records to the bus. A request is acknowledged only after every accepted record
// and every dead letter was acknowledged by the bus; a slow bus becomes 503 (timeout) and too
// much work in flight becomes 429, both with Retry-After, never a silent drop.
import type { Logger } from 'pino';
import { tenantKey, type Bus, type OutgoingMessage } from '../platform/bus/bus.js';
import {
  TOPICS, type Anomaly, type ChangeEvent, type DeadLetter, type LogRecord, type MetricPoint, type TopicName, type TopicPayloads,
} from '../platform/contracts/index.js';
import { AiopsError } from '../platform/errors/aiops-error.js';
import type { ErrorCode } from '../platform/errors/catalogue.js';
import type { PipelineMetrics } from '../platform/telemetry/metrics.js';
import { ingestId, seriesKey } from './normalize.js';
// A request family's status series share a partition: the detector sums them into an error ratio.
import { withoutStatus } from '../platform/contracts/request-status.js';
import { EdgeReporter, edgeFromMetric, type EdgeObservation } from './service-edges.js';

export interface Rejection {
  /** 1-based line (NDJSON) or record index within the request. */
  line: number;
  code: ErrorCode;
  /** Short stable reason: the `reason` label on the dropped counter. */
  reason: string;
  message: string;
  /** The topic the record was meant for. */
  topic: TopicName;
  /** The raw record, kept in the dead letter for inspection and replay. */
  payload: string;
  tenant: string;
}

/** What one request decoded to: records per topic and what was refused. */
export class Batch {
  readonly logs: LogRecord[] = [];
  readonly metrics: MetricPoint[] = [];
  readonly changes: ChangeEvent[] = [];
  readonly anomalies: Anomaly[] = [];
  readonly rejected: Rejection[] = [];
  /** Calls between services seen in this request's spans (metric labels are read at publish). */
  readonly edges: EdgeObservation[] = [];
  /** Trace spans accepted: they are read for topology and not published as records. */
  spans = 0;
  /** Records deliberately left out (stale markers, points with no recorded value), by reason. */
  readonly skips = new Map<string, number>();

  get accepted(): number {
    return this.logs.length + this.metrics.length + this.changes.length + this.anomalies.length + this.spans;
  }

  reject(r: Rejection): void {
    this.rejected.push(r);
  }

  skipped(reason: string): void {
    this.skips.set(reason, (this.skips.get(reason) ?? 0) + 1);
  }
}

export interface PublisherOptions {
  /** A publish not acknowledged within this time fails the request with 503. */
  timeoutMs: number;
  /** Records waiting for acknowledgement across requests before new requests get 429. */
  maxInFlightRecords: number;
  /** Records per publish call (keeps Kafka produce requests under the broker's size limit). */
  chunkSize: number;
  /** Seconds sent in Retry-After. */
  retryAfterSeconds: number;
}

export const DEFAULT_PUBLISHER_OPTIONS: PublisherOptions = {
  timeoutMs: 10_000,
  maxInFlightRecords: 500_000,
  chunkSize: 2_000,
  retryAfterSeconds: 1,
};

const MAX_DEAD_LETTER_PAYLOAD = 65_536;

export class Publisher {
  private inFlight = 0;
  private readonly edgeReporter = new EdgeReporter();

  constructor(
    private readonly bus: Bus,
    private readonly metrics: PipelineMetrics,
    private readonly logger: Logger,
    readonly options: PublisherOptions = DEFAULT_PUBLISHER_OPTIONS,
  ) {}

  get recordsInFlight(): number {
    return this.inFlight;
  }

  /**
   * The 429 a request gets when the bus is behind, or undefined when `records` more may go in. With
   * `records` 0 it is the admission check ingest runs before reading a body: under overload a
   * refusal then costs no parsing, so the consumers and the API keep the event loop.
   */
  refusal(component: string, records = 0): AiopsError | undefined {
    const busBehind = this.bus.overloaded?.() ?? false;
    const full = this.inFlight > 0 && (records === 0 ? this.inFlight >= this.options.maxInFlightRecords : this.inFlight + records > this.options.maxInFlightRecords);
    if (!busBehind && !full) return undefined;
    this.metrics.errors.inc({ stage: 'ingest', component, error_type: 'backpressure' });
    return new AiopsError('RATE_LIMITED', `The bus is behind (${busBehind ? 'the stages\' queue is over its limit' : `${this.inFlight} records are waiting for acknowledgement`}); nothing in this request was published, retry after ${this.options.retryAfterSeconds}s.`, {
      retryAfterSeconds: this.options.retryAfterSeconds,
    });
  }

  /** Publishes every accepted record and every dead letter; throws AiopsError when the bus did not acknowledge. */
  async publish(batch: Batch, component: string): Promise<void> {
    const total = batch.accepted + batch.rejected.length;
    const labels = { stage: 'ingest', component };
    if (batch.accepted > 0) this.metrics.received.inc(labels, batch.accepted);
    for (const r of batch.rejected) this.metrics.dropped.inc({ ...labels, reason: r.reason });
    for (const [reason, n] of batch.skips) this.metrics.dropped.inc({ ...labels, reason }, n);
    const refusal = this.refusal(component, total);
    if (refusal) throw refusal;
    // After the backpressure check: a refused request must not mark its edges as reported.
    const edges = this.edgeReporter.report(this.edgeObservations(batch));
    if (total === 0 && edges.length === 0) return;
    this.inFlight += total;
    const now = Date.now();
    const work: Array<Promise<void>> = [];
    const send = <K extends TopicName>(topic: K, messages: ReadonlyArray<OutgoingMessage<TopicPayloads[K]>>): void => {
      for (let i = 0; i < messages.length; i += this.options.chunkSize) {
        work.push(this.bus.publish(topic, i === 0 && messages.length <= this.options.chunkSize ? messages : messages.slice(i, i + this.options.chunkSize)));
      }
    };
    try {
      if (batch.logs.length) send(TOPICS.logs, batch.logs.map((r) => ({ key: r.service, value: r })));
      if (batch.metrics.length) send(TOPICS.metrics, batch.metrics.map((r) => ({ key: seriesKey(r.tenant, r.service, r.name, withoutStatus(r.labels)), value: r })));
      if (batch.changes.length) send(TOPICS.changes, batch.changes.map((r) => ({ key: tenantKey(r), value: r })));
      if (batch.anomalies.length) send(TOPICS.anomalies, batch.anomalies.map((r) => ({ key: tenantKey(r), value: r })));
      if (edges.length) send(TOPICS.edges, edges.map((e) => ({ key: tenantKey(e), value: e })));
      if (batch.rejected.length) send(TOPICS.deadLetter, batch.rejected.map((r) => ({ key: component, value: deadLetter(r, component, now) })));
      await withTimeout(Promise.all(work), this.options.timeoutMs);
      if (batch.accepted > 0) this.metrics.sent.inc(labels, batch.accepted);
    } catch (err) {
      // Publishes still pending may land later: the ids are stable, so the client's retry is idempotent.
      for (const w of work) w.catch(() => {});
      this.edgeReporter.retract(edges);
      this.metrics.errors.inc({ ...labels, error_type: err instanceof TimeoutError ? 'bus_timeout' : 'bus_unavailable' });
      this.logger.warn({ component, err: (err as Error).message, records: total }, 'bus did not acknowledge; request refused');
      const why = err instanceof TimeoutError ? `did not acknowledge within ${this.options.timeoutMs} ms` : `refused the records (${(err as Error).message})`;
      throw new AiopsError('BUS_UNAVAILABLE', `The bus ${why}; nothing in this request was acknowledged, retry after ${this.options.retryAfterSeconds}s.`, {
        retryAfterSeconds: this.options.retryAfterSeconds,
      }, { cause: err });
    } finally {
      this.inFlight -= total;
    }
  }

  private edgeObservations(batch: Batch): EdgeObservation[] {
    const out = batch.edges.slice();
    for (const m of batch.metrics) {
      const e = edgeFromMetric(m);
      if (e) out.push(e);
    }
    return out;
  }
}

function deadLetter(r: Rejection, component: string, now: number): DeadLetter {
  const payload = r.payload.length > MAX_DEAD_LETTER_PAYLOAD ? r.payload.slice(0, MAX_DEAD_LETTER_PAYLOAD) : r.payload;
  const reason = `${r.code}/${r.reason}: ${r.message}`;
  return {
    id: ingestId('dlq', r.tenant, component, r.topic, reason, payload),
    tenant: r.tenant,
    ts: now,
    sourceTopic: r.topic,
    reason: `ingest ${component} line ${r.line}: ${reason}`,
    payload,
  };
}

class TimeoutError extends Error {}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
