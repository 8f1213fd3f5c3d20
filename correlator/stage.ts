// The correlate stage: anomalies in, incidents out. Keeps the topology and recent changes,
// folds anomalies per tenant, checkpoints its state to the store so a restart loses nothing.
import { readFileSync } from 'node:fs';
import type { ChangeEvent, Incident, Topology } from '../platform/contracts/events.js';
import { DEFAULT_TENANT } from '../platform/contracts/common.js';
import { TOPICS } from '../platform/contracts/topics.js';
import { validate } from '../platform/contracts/validate.js';
import { Topology as TopologySchema } from '../platform/contracts/events.js';
import { tenantKey, type Subscription } from '../platform/bus/bus.js';
import { consumeValidated, type TypedRecord } from '../platform/bus/consume-validated.js';
import { AiopsError } from '../platform/errors/aiops-error.js';
import type { RunningStage, StageContext, StageModule } from '../platform/runtime/stage.js';
import { serialQueue } from '../platform/runtime/serial.js';
import { DEFAULT_GROUPER_CONFIG, IncidentGrouper, lastAt, type GrouperState } from './incident-grouper.js';
import { TenantTopology } from './tenant-topology.js';
import { CheckpointVersions } from '../platform/store/checkpoint-version.js';
import { putTenantCheckpoints } from '../platform/store/tenant-checkpoints.js';
import type { Checkpoint } from '../platform/store/store.js';
import { AlertDeduper, type DeduperState } from './alert-deduper.js';
import { PagerDutyNotifier, WebhookNotifier, type Notifier, type Owner } from './notifiers.js';
import { LOG_HORIZON_MS, TenantNotifications, type DeliveryReport } from './tenant-notifications.js';
import { routedReceivers } from './routing.js';

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
  /** The partition the tenant's records arrive on (the same number on every input topic). */
  partition: number;
  /** Changed since its last checkpoint: an idle tenant is not written again. */
  dirty: boolean;
  /** What was sent for the tenant's incidents, from the notification log (absent without receivers). */
  notifications?: TenantNotifications;
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
    // A routes file names the receivers and chooses them per incident; else every receiver the
    // environment names gets every incident.
    const routed = config.notify.routesFile
      ? routedReceivers(config.notify.routesFile, config.notify, config.notify.webhookUrls.length > 0 || config.notify.pagerDutyRoutingKey !== undefined)
      : undefined;
    const notifiers: Notifier[] = routed?.notifiers ?? [
      ...config.notify.webhookUrls.map((u) => new WebhookNotifier(u)),
      ...(config.notify.pagerDutyRoutingKey ? [new PagerDutyNotifier(config.notify.pagerDutyRoutingKey, config.notify.pagerDutyUrl)] : []),
    ];

    // Partitions this replica consumes; undefined until the first assignment (and on the
    // in-process bus, where one member has everything).
    let owned: ReadonlySet<number> | undefined;
    const owns = (s: TenantState) => owned === undefined || owned.has(s.partition);

    // Handling, the periodic flush, checkpoints and reassignments take turns: a tenant is never
    // dropped in the middle of a batch that is folding its anomalies.
    const serial = serialQueue();

    const tenantState = async (tenant: string, partition: number): Promise<TenantState> => {
      let s = tenants.get(tenant);
      if (s) {
        s.partition = partition;
        if (s.notifications) s.notifications.partition = partition;
        s.dirty = true;
        return s;
      }
      const ckpts = await store.getCheckpoints(tenant, CHECKPOINT_NAMESPACE, ['grouper', 'alerts']);
      const ckpt = ckpts.find((c) => c.key === 'grouper');
      const alertsCkpt = ckpts.find((c) => c.key === 'alerts');
      const grouper = ckpt ? IncidentGrouper.restore(JSON.parse(ckpt.state) as GrouperState, grouperConfig) : new IncidentGrouper(grouperConfig);
      const deduper = alertsCkpt ? AlertDeduper.restore(JSON.parse(alertsCkpt.state) as DeduperState) : new AlertDeduper();
      const topology = await store.getTopology(tenant);
      const changes = await store.queryChanges(tenant, Date.now() - 30 * 86_400_000, Date.now() + 86_400_000).catch(() => []);
      s = { grouper, deduper, topology: new TenantTopology(tenant, topology), changes, partition, dirty: true };
      if (notifiers.length > 0) {
        const owners = s.topology;
        const reach = routed ? (i: Incident) => routed.reach(i, (svc) => owners.owners.get(svc)?.team) : undefined;
        s.notifications = await TenantNotifications.load(tenant, partition, notifiers, routed ? routed.timingOf : config.notify, store, grouper.published(s.topology.graph, changes), Date.now(), reach);
      }
      tenants.set(tenant, s);
      // Event time moves on with wall time from the checkpoint's, so open incidents resolve even
      // when the tenant sends nothing more after a restart.
      if (grouper.openCount() > 0 && !lastWall.has(tenant)) lastWall.set(tenant, { watermark: grouper.eventTime(), wall: Date.now() });
      if (ckpt) logger.info({ tenant, open: grouper.openCount(), openPages: s.notifications?.openIds().length ?? 0 }, 'restored correlator state from checkpoint');
      return s;
    };

    if (config.topologyFile) {
      // Published, not applied here: the replica that owns the tenant folds it like any version.
      const file = loadTopologyFile(config.topologyFile);
      const merged = new TenantTopology(file.tenant, await store.getTopology(file.tenant)).applyFile(file, Date.now());
      await bus.publish(TOPICS.topology, [{ key: tenantKey(merged), value: merged }]);
    }

    let lastCheckpoint = 0;
    const versions = new CheckpointVersions();
    let sub: Subscription | undefined;
    /**
     * Writes every owned tenant's state, then commits the offsets of the batches it holds: a
     * restart or the replica taking a tenant over resumes from the checkpoint and replays what
     * came after it (anomalies already folded are recognised by id and skipped).
     */
    const checkpoint = async (force: boolean) => {
      if (!force && Date.now() - lastCheckpoint < config.checkpointIntervalMs) return;
      lastCheckpoint = Date.now();
      const byTenant = new Map<string, Checkpoint[]>();
      for (const [tenant, s] of tenants) {
        if (!owns(s) || !s.dirty) continue;
        s.dirty = false;
        byTenant.set(tenant, [
          { key: 'grouper', version: versions.next(), state: JSON.stringify(s.grouper.snapshot()) },
          { key: 'alerts', version: versions.next(), state: JSON.stringify(s.deduper.snapshot()) },
        ]);
      }
      await putTenantCheckpoints(store, CHECKPOINT_NAMESPACE, byTenant, 1_000);
      await sub?.commit();
    };

    /** After a rebalance: tenants whose partition went to another replica are forgotten here. */
    const reassigned = async (partitions: ReadonlySet<number>) => {
      owned = partitions;
      for (const [tenant, s] of tenants) {
        if (owns(s)) continue;
        tenants.delete(tenant);
        lastWall.delete(tenant);
        for (const id of s.grouper.incidentIds()) versionChecked.delete(id);
        metrics.openIncidents.set({ tenant }, 0);
        logger.info({ tenant, partition: s.partition }, 'tenant moved to another correlate replica');
      }
      await adoptOpenPages();
    };

    let notifyRun: Promise<void> | undefined;
    /** Sends what is due, tenant by tenant; a failed delivery stays due and is retried on the next tick. */
    const notify = async () => {
      if (notifiers.length === 0 || notifyRun) return;
      const run = async () => {
        for (const [tenant, s] of tenants) {
          const n = s.notifications;
          if (!n || !owns(s)) continue;
          const owners = s.topology.owners;
          const report: DeliveryReport = {
            sent: (_n, notifier) => metrics.sent.inc({ stage: 'correlate', component: `notify_${notifier.name}` }),
            failed: (note, notifier, err) => {
              metrics.dropped.inc({ stage: 'correlate', component: `notify_${notifier.name}`, reason: 'notify_failed' });
              logger.warn({ code: 'NOTIFY_FAILED', destination: notifier.name, tenant, incident: note.incident.id, kind: note.kind, err: err.message }, 'notification not delivered; retrying');
            },
            logFailed: (err) => {
              metrics.errors.inc({ stage: 'correlate', component: 'notification_log', error_type: 'notify_log_unavailable' });
              logger.warn({ code: 'NOTIFY_LOG_UNAVAILABLE', tenant, err: err.message }, 'notification log unavailable; due notifications wait for it');
            },
          };
          await n.tick(Date.now(), (svc): Owner => owners.get(svc) ?? {}, () => tenants.get(tenant) === s && owns(s), report);
        }
      };
      notifyRun = run().finally(() => (notifyRun = undefined));
      await notifyRun;
    };

    /**
     * Tenants this replica owns with a page still open in the notification log are loaded now,
     * not when their next record arrives: their incidents must resolve (and the resolve be sent)
     * even if the tenant sends nothing more.
     */
    const adoptOpenPages = async () => {
      if (notifiers.length === 0) return;
      const receivers = new Set(notifiers.map((n) => n.receiver));
      const rows = await store.queryNotifications({ kinds: ['trigger', 'resolve'], since: Date.now() - LOG_HORIZON_MS, limit: 100_000 });
      // Newest first: the first row of each incident and receiver says whether its page is open.
      const last = new Map<string, (typeof rows)[number]>();
      for (const r of rows) if (receivers.has(r.receiver) && !last.has(`${r.tenant}|${r.incidentId}|${r.receiver}`)) last.set(`${r.tenant}|${r.incidentId}|${r.receiver}`, r);
      const open = new Map<string, number>();
      for (const r of last.values()) if (r.kind === 'trigger' && !open.has(r.tenant)) open.set(r.tenant, r.partition);
      for (const [tenant, partition] of open) {
        if (tenants.has(tenant) || (owned !== undefined && !owned.has(partition))) continue;
        await tenantState(tenant, partition);
        logger.info({ tenant, partition }, 'loaded a tenant with open pages');
      }
    };

    /** Incidents whose published versions this process has checked against the store. */
    const versionChecked = new Set<string>();
    /**
     * Whoever held a tenant before (a replica that died, this process before a restart) may have
     * published versions after its last checkpoint, or before any: the first time this process
     * publishes an incident, its version goes above the stored one, or the store would keep the
     * stale copy.
     */
    const aboveStored = async (grouper: IncidentGrouper, incidents: Incident[]) => {
      for (const i of incidents) {
        if (versionChecked.has(i.id)) continue;
        const stored = await store.getIncident(i.tenant, i.id);
        if (stored && stored.version >= i.version) {
          i.version = stored.version + 1;
          grouper.atLeastVersion(i.id, i.version);
        }
        versionChecked.add(i.id);
        if (versionChecked.size > 100_000) versionChecked.delete(versionChecked.values().next().value as string);
      }
    };

    const publish = async (s: TenantState, incidents: Incident[]) => {
      if (incidents.length === 0) return;
      s.notifications?.observe(incidents, Date.now());
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
      if (alerts.length > 0 || out.length > 0) s.dirty = true;
      await aboveStored(s.grouper, out);
      await publish(s, out);
      metrics.openIncidents.set({ tenant }, s.grouper.openCount());
    };

    /** A new topology version when learned edges changed it (the sink stores it, the API shows it). */
    const publishTopology = async (s: TenantState) => {
      const next = s.topology.due(Date.now());
      if (next) await bus.publish(TOPICS.topology, [{ key: tenantKey(next), value: next }]);
    };

    const handle = async (records: TypedRecord[]) => {
      // Before the batch: the checkpoint then holds exactly the batches whose offsets it commits.
      await checkpoint(false);
      const end = metrics.batchSeconds.startTimer(labels);
      const touched = new Set<string>();
      const learned = new Set<string>();
      for (const r of records) {
        metrics.received.inc(labels);
        if (r.topic === TOPICS.topology) {
          const s = await tenantState(r.value.tenant, r.partition);
          s.topology.apply(r.value);
        } else if (r.topic === TOPICS.edges) {
          const s = await tenantState(r.value.tenant, r.partition);
          s.topology.observe(r.value);
          learned.add(r.value.tenant);
        } else if (r.topic === TOPICS.changes) {
          const s = await tenantState(r.value.tenant, r.partition);
          if (!s.changes.some((c) => c.id === r.value.id)) s.changes.push(r.value);
          const horizon = Math.max(...s.changes.map((c) => c.ts)) - CHANGE_RETENTION_MS;
          s.changes = s.changes.filter((c) => c.ts >= horizon).slice(-MAX_CHANGES);
        } else if (r.topic === TOPICS.anomalies) {
          const s = await tenantState(r.value.tenant, r.partition);
          // A replay of what the checkpoint already holds: folded and counted once.
          if (s.grouper.hasSeen(r.value)) continue;
          // Services seen in anomalies join the graph so later topology learning can place them.
          s.topology.graph.addService(r.value.service);
          s.grouper.add([r.value], s.topology.graph);
          s.deduper.add([r.value]);
          touched.add(r.value.tenant);
          // An episode's newest point, not its opening: a long episode moves event time on.
          lastWall.set(r.value.tenant, { watermark: Math.max(lastWall.get(r.value.tenant)?.watermark ?? 0, lastAt(r.value)), wall: Date.now() });
        }
      }
      for (const tenant of learned) await publishTopology(tenants.get(tenant)!);
      for (const tenant of touched) await flushTenant(tenant, tenants.get(tenant)!);
      end();
    };

    // Every input is keyed by tenant and the topics are co-partitioned, so each tenant's records
    // reach one replica; offsets are committed with the checkpoint, not per batch.
    sub = await consumeValidated({
      bus,
      group: 'aiops-correlate',
      topics: [TOPICS.anomalies, TOPICS.changes, TOPICS.topology, TOPICS.edges],
      coPartitioned: true,
      manualCommit: true,
      onAssigned: (partitions) => void serial(() => reassigned(partitions)).catch((err: unknown) => logger.error({ err }, 'dropping reassigned tenants failed')),
      onInvalid: () => metrics.dropped.inc({ ...labels, reason: 'invalid_record' }),
      handler: (records) => serial(() => handle(records)),
    });

    // The in-process bus has one member and no assignment callback: it owns every tenant now.
    if (bus.kind === 'memory') await serial(adoptOpenPages);

    // Event time advances with wall time while no anomaly arrives, so quiet incidents resolve.
    const timer = setInterval(() => {
      void serial(async () => {
        for (const [tenant, s] of tenants) {
          if (!owns(s)) continue;
          await publishTopology(s);
          const w = lastWall.get(tenant);
          if (!w) continue;
          await flushTenant(tenant, s, w.watermark + (Date.now() - w.wall));
        }
        // Commits what quiet periods leave handled but uncommitted.
        await checkpoint(false);
      }).catch((err: unknown) => logger.error({ err }, 'periodic incident flush failed'));
      // Every 10 s; more often when incidents resolve within seconds (tests, demos).
    }, Math.min(10_000, Math.max(1_000, grouperConfig.resolveAfterMs / 2)));
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
        // A tick in flight finishes its deliveries and writes them to the log before the store closes.
        await notifyRun;
        // Checkpoint and commit while the consumer is still in its group, then once more for a
        // batch handled while it left (its offsets stay uncommitted and are replayed at the next
        // start; on the in-process bus nothing replays, so its state must be written).
        await serial(() => checkpoint(true));
        await sub?.stop();
        await serial(() => checkpoint(true));
      },
    };
  },
};
