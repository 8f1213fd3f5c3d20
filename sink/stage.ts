// The sink stage: every record on the bus into the store, idempotently, one insert per table
// per batch. The store's keys make a replayed batch harmless.
import { TOPICS } from '../platform/contracts/topics.js';
import type { Alert, Anomaly, ChangeEvent, Incident, LogRecord, MetricPoint, Topology } from '../platform/contracts/events.js';
import { consumeValidated, type TypedRecord } from '../platform/bus/consume-validated.js';
import type { RunningStage, StageContext, StageModule } from '../platform/runtime/stage.js';
import { hasRetention, startRetention } from '../platform/store/retention.js';

/** Versioned records: only the newest version of each id in a batch is written. */
function keepNewest<T extends { id: string; version: number }>(byId: Map<string, T>, record: T): void {
  const prev = byId.get(record.id);
  if (!prev || prev.version <= record.version) byId.set(record.id, record);
}

/** Anomaly episodes are republished as they grow (detectors/episodes.ts): keep each one's newest. */
function keepNewestEpisode(byId: Map<string, Anomaly>, a: Anomaly): void {
  const prev = byId.get(a.id);
  if (!prev || (prev.episode?.version ?? 0) <= (a.episode?.version ?? 0)) byId.set(a.id, a);
}

export const sinkStage: StageModule = {
  name: 'sink',
  needsStore: true,
  description: 'Write logs, metrics, changes, anomalies, incidents and topology to the store.',
  async start(ctx: StageContext): Promise<RunningStage> {
    const { store, bus, metrics } = ctx;
    if (!store) throw new Error('sink needs a store');
    const labels = { stage: 'sink', component: ctx.config.store };
    let writeError: string | undefined;
    const handle = async (records: TypedRecord[]) => {
      const end = metrics.batchSeconds.startTimer(labels);
      const logs: LogRecord[] = [];
      const points: MetricPoint[] = [];
      const changes: ChangeEvent[] = [];
      const anomalies = new Map<string, Anomaly>();
      const alerts = new Map<string, Alert>();
      const incidents = new Map<string, Incident>();
      const topologies: Topology[] = [];
      for (const r of records) {
        switch (r.topic) {
          case TOPICS.logs: logs.push(r.value); break;
          case TOPICS.metrics: points.push(r.value); break;
          case TOPICS.changes: changes.push(r.value); break;
          case TOPICS.anomalies: keepNewestEpisode(anomalies, r.value); break;
          case TOPICS.incidents: keepNewest(incidents, r.value); break;
          case TOPICS.alerts: keepNewest(alerts, r.value); break;
          case TOPICS.topology: topologies.push(r.value); break;
          default: break;
        }
      }
      try {
        // The few records a person waits for first, then the bulk of logs and points.
        await store.insertChanges(changes);
        await store.insertAnomalies([...anomalies.values()]);
        await store.upsertAlerts([...alerts.values()]);
        await store.upsertIncidents([...incidents.values()]);
        for (const t of topologies) await store.putTopology(t);
        await store.insertLogs(logs);
        await store.insertMetrics(points);
      } catch (err) {
        // The bus retries the batch; until a write succeeds the stage is not ready, and says why once.
        if (writeError === undefined) ctx.logger.error({ err }, 'the store cannot write: the sink is not ready and retries the batch');
        writeError = (err as Error).message;
        throw err;
      }
      if (writeError !== undefined) ctx.logger.info({ failed: writeError }, 'the store writes again: the sink is ready');
      writeError = undefined;
      metrics.received.inc(labels, records.length);
      metrics.sent.inc(labels, records.length);
      end();
    };
    const sub = await consumeValidated({
      bus,
      group: 'aiops-sink',
      topics: [TOPICS.logs, TOPICS.metrics, TOPICS.changes, TOPICS.anomalies, TOPICS.alerts, TOPICS.incidents, TOPICS.topology],
      onInvalid: () => metrics.dropped.inc({ ...labels, reason: 'invalid_record' }),
      handler: handle,
    });
    // The writer also expires: one place owns what the tables hold (idempotent if replicas race).
    const { policy, intervalMs } = ctx.config.retention;
    const retention = hasRetention(policy) ? startRetention(store, policy, intervalMs, ctx.logger) : undefined;
    let ready = true;
    return {
      name: 'sink',
      ready: () => ready && writeError === undefined,
      notReadyReason: () => (writeError !== undefined ? `the store cannot write: ${writeError}` : ready ? undefined : 'stopping'),
      async stop() {
        ready = false;
        await sub.stop();
        await retention?.stop();
      },
    };
  },
};
