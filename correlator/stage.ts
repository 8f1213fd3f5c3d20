// The correlate stage: anomalies in, incidents out. Keeps the topology and recent changes,
// folds anomalies per tenant, checkpoints its state to the store so a restart loses nothing.
import { readFileSync } from 'node:fs';
import type { ChangeEvent, Incident, Topology } from '../platform/contracts/events.js';
import { DEFAULT_TENANT } from '../platform/contracts/common.js';
import { TOPICS } from '../platform/contracts/topics.js';
import { validate } from '../platform/contracts/validate.js';
import { Topology as TopologySchema } from '../platform/contracts/events.js';
import { consumeValidated, type TypedRecord } from '../platform/bus/consume-validated.js';
import { AiopsError } from '../platform/errors/aiops-error.js';
import type { RunningStage, StageContext, StageModule } from '../platform/runtime/stage.js';
import { DEFAULT_GROUPER_CONFIG, IncidentGrouper, type GrouperState } from './incident-grouper.js';
import { TenantTopology } from './tenant-topology.js';
import { CheckpointVersions } from '../platform/store/checkpoint-version.js';
import { AlertDeduper, type DeduperState } from './alert-deduper.js';
import { NotificationPolicy } from './notification-policy.js';
import { PagerDutyNotifier, WebhookNotifier, type Notifier, type Owner } from './notifiers.js';

const CHECKPOINT_NAMESPACE = 'correlate.v1';
const CHANGE_RETENTION_MS = 48 * 3_600_000;
const MAX_CHANGES = 20_000;

export function loadTopologyFile(path: string): Topology {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new AiopsError('CONFIG_INVALID', `AIOPS_TOPOLOGY_FILE ${path} could not be read as JSON: ${(err as Error).message}`);
  }
  const withDefaults = { tenant: DEFAULT_TENANT, version: 1, ...(parsed as object) };
  const result = validate(TopologySchema, withDefaults);
  if (!result.ok) throw new AiopsError('CONFIG_INVALID', `AIOPS_TOPOLOGY_FILE ${path} is not a valid topology: ${result.error}`);
  return result.value;
}

interface TenantState {
  grouper: IncidentGrouper;
  deduper: AlertDeduper;
  topology: TenantTopology;
  changes: ChangeEvent[];
}

export const correlateStage: StageModule = {
  name: 'correlate',
  needsStore: true,
  description: 'Fold anomalies into incidents and rank root causes by topology.',
  async start(ctx: StageContext): Promise<RunningStage> {
    const { store, bus, logger, metrics, config } = ctx;
    if (!store) throw new Error('correlate needs a store');
    const labels = { stage: 'correlate', component: 'incident_grouper' };
    const grouperConfig = { ...DEFAULT_GROUPER_CONFIG, ...config.correlator };
    const tenants = new Map<string, TenantState>();
    const lastWall = new Map<string, { watermark: number; wall: number }>();
    const incidentSizes = new Map<string, number>();

    const tenantState = async (tenant: string): Promise<TenantState> => {
      let s = tenants.get(tenant);
      if (s) return s;
      const ckpts = await store.getCheckpoints(tenant, CHECKPOINT_NAMESPACE, ['grouper', 'alerts']);
      const ckpt = ckpts.find((c) => c.key === 'grouper');
      const alertsCkpt = ckpts.find((c) => c.key === 'alerts');
      const grouper = ckpt ? IncidentGrouper.restore(JSON.parse(ckpt.state) as GrouperState, grouperConfig) : new IncidentGrouper(grouperConfig);
      const deduper = alertsCkpt ? AlertDeduper.restore(JSON.parse(alertsCkpt.state) as DeduperState) : new AlertDeduper();
      const topology = await store.getTopology(tenant);
      const changes = await store.queryChanges(tenant, Date.now() - 30 * 86_400_000, Date.now() + 86_400_000).catch(() => []);
      s = { grouper, deduper, topology: new TenantTopology(tenant, topology), changes };
      tenants.set(tenant, s);
      if (ckpt) logger.info({ tenant, open: grouper.openCount() }, 'restored correlator state from checkpoint');
      return s;
    };

    if (config.topologyFile) {
      const file = loadTopologyFile(config.topologyFile);
      const s = await tenantState(file.tenant);
      const merged = s.topology.applyFile(file, Date.now());
      await bus.publish(TOPICS.topology, [{ key: merged.tenant, value: merged }]);
    }

    let lastCheckpoint = 0;
    const versions = new CheckpointVersions();
    const checkpoint = async (force: boolean) => {
      if (!force && Date.now() - lastCheckpoint < config.checkpointIntervalMs) return;
      lastCheckpoint = Date.now();
      for (const [tenant, s] of tenants) {
        await store.putCheckpoints(tenant, CHECKPOINT_NAMESPACE, [
          { key: 'grouper', version: versions.next(), state: JSON.stringify(s.grouper.snapshot()) },
          { key: 'alerts', version: versions.next(), state: JSON.stringify(s.deduper.snapshot()) },
        ]);
      }
    };

    const notifiers: Notifier[] = [
      ...config.notify.webhookUrls.map((u) => new WebhookNotifier(u)),
      ...(config.notify.pagerDutyRoutingKey ? [new PagerDutyNotifier(config.notify.pagerDutyRoutingKey, config.notify.pagerDutyUrl)] : []),
    ];
    // One policy per destination: a destination that failed is retried alone.
    const routes = notifiers.map((notifier) => ({ notifier, policy: new NotificationPolicy(config.notify) }));
    let notifying = false;
    /** Sends what is due; a failed delivery stays due and is retried on the next tick. */
    const notify = async () => {
      if (routes.length === 0 || notifying) return;
      notifying = true;
      try {
        const now = Date.now();
        await Promise.all(routes.map(async ({ notifier, policy }) => {
          for (const n of policy.due(now)) {
            const owners = tenants.get(n.incident.tenant)?.topology.owners ?? new Map<string, Owner>();
            try {
              await notifier.send(n, (svc) => owners.get(svc) ?? {});
              policy.sent(n, now);
              metrics.sent.inc({ stage: 'correlate', component: `notify_${notifier.name}` });
            } catch (err) {
              metrics.dropped.inc({ stage: 'correlate', component: `notify_${notifier.name}`, reason: 'notify_failed' });
              logger.warn({ code: 'NOTIFY_FAILED', destination: notifier.name, incident: n.incident.id, kind: n.kind, err: (err as Error).message }, 'notification not delivered; retrying');
            }
          }
          policy.prune(now);
        }));
      } finally {
        notifying = false;
      }
    };

    const publish = async (incidents: Incident[]) => {
      if (incidents.length === 0) return;
      for (const r of routes) r.policy.observe(incidents, Date.now());
      await bus.publish(TOPICS.incidents, incidents.map((i) => ({ key: i.id, value: i })));
      metrics.sent.inc(labels, incidents.length);
      for (const i of incidents) incidentSizes.set(i.id, i.anomalyCount);
      if (incidentSizes.size > 1000) incidentSizes.delete(incidentSizes.keys().next().value as string);
      const sizes = [...incidentSizes.values()];
      metrics.anomaliesPerIncident.set({ tenant: incidents[0]!.tenant }, sizes.reduce((a, b) => a + b, 0) / sizes.length);
    };

    const flushTenant = async (tenant: string, s: TenantState, now?: number) => {
      const alerts = s.deduper.flush(now ?? lastWall.get(tenant)?.watermark ?? 0);
      if (alerts.length > 0) await bus.publish(TOPICS.alerts, alerts.map((a) => ({ key: a.service, value: a })));
      const out = s.grouper.flush(s.topology.graph, s.changes, now);
      await publish(out);
      metrics.openIncidents.set({ tenant }, s.grouper.openCount());
    };

    /** A new topology version when learned edges changed it (the sink stores it, the API shows it). */
    const publishTopology = async (s: TenantState) => {
      const next = s.topology.due(Date.now());
      if (next) await bus.publish(TOPICS.topology, [{ key: next.tenant, value: next }]);
    };

    const handle = async (records: TypedRecord[]) => {
      const end = metrics.batchSeconds.startTimer(labels);
      const touched = new Set<string>();
      const learned = new Set<string>();
      for (const r of records) {
        metrics.received.inc(labels);
        if (r.topic === TOPICS.topology) {
          const s = await tenantState(r.value.tenant);
          s.topology.apply(r.value);
        } else if (r.topic === TOPICS.edges) {
          const s = await tenantState(r.value.tenant);
          s.topology.observe(r.value);
          learned.add(r.value.tenant);
        } else if (r.topic === TOPICS.changes) {
          const s = await tenantState(r.value.tenant);
          if (!s.changes.some((c) => c.id === r.value.id)) s.changes.push(r.value);
          const horizon = Math.max(...s.changes.map((c) => c.ts)) - CHANGE_RETENTION_MS;
          s.changes = s.changes.filter((c) => c.ts >= horizon).slice(-MAX_CHANGES);
        } else if (r.topic === TOPICS.anomalies) {
          const s = await tenantState(r.value.tenant);
          // Services seen in anomalies join the graph so later topology learning can place them.
          s.topology.graph.addService(r.value.service);
          s.grouper.add([r.value], s.topology.graph);
          s.deduper.add([r.value]);
          touched.add(r.value.tenant);
          lastWall.set(r.value.tenant, { watermark: Math.max(lastWall.get(r.value.tenant)?.watermark ?? 0, r.value.ts), wall: Date.now() });
        }
      }
      for (const tenant of learned) await publishTopology(tenants.get(tenant)!);
      for (const tenant of touched) await flushTenant(tenant, tenants.get(tenant)!);
      await checkpoint(false);
      end();
    };

    const sub = await consumeValidated({
      bus,
      group: 'aiops-correlate',
      topics: [TOPICS.anomalies, TOPICS.changes, TOPICS.topology, TOPICS.edges],
      onInvalid: () => metrics.dropped.inc({ ...labels, reason: 'invalid_record' }),
      handler: handle,
    });

    // Event time advances with wall time while no anomaly arrives, so quiet incidents resolve.
    const timer = setInterval(() => {
      void (async () => {
        for (const [tenant, s] of tenants) {
          await publishTopology(s);
          const w = lastWall.get(tenant);
          if (!w) continue;
          await flushTenant(tenant, s, w.watermark + (Date.now() - w.wall));
        }
      })().catch((err: unknown) => logger.error({ err }, 'periodic incident flush failed'));
    }, 10_000);
    timer.unref();
    const notifyTimer = setInterval(() => {
      notify().catch((err: unknown) => logger.error({ err }, 'notification tick failed'));
    }, Math.max(1_000, Math.min(5_000, config.notify.groupWaitMs)));
    notifyTimer.unref();

    let ready = true;
    return {
      name: 'correlate',
      ready: () => ready,
      async stop() {
        ready = false;
        clearInterval(timer);
        clearInterval(notifyTimer);
        await sub.stop();
        await checkpoint(true);
      },
    };
  },
};
