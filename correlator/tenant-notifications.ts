// One tenant's notifications, checkpointed in the store's notification log: what was sent to
// which receiver. Whoever owns the tenant (this process after a restart, another replica after
// a takeover) loads the log before sending anything and reads it again for the incidents it is
// about to notify, so a page already sent is never sent a second time and every trigger gets
// one resolve. Each delivery is written to the log at once, not with the next checkpoint: the
// window in which a crash can repeat a page is the time between a receiver's answer and one
// store write.
import type { Incident } from '../platform/contracts/events.js';
import { notificationId, type NotificationRecord } from '../platform/contracts/notifications.js';
import { AiopsError } from '../platform/errors/aiops-error.js';
import type { Store } from '../platform/store/store.js';
import { NotificationPolicy, signature, type Notification, type NotificationTiming } from './notification-policy.js';
import type { Notifier, Owner } from './notifiers.js';

/** How far back the log is read: beyond the longest repeat interval (30 days). */
export const LOG_HORIZON_MS = 31 * 86_400_000;
const LOG_READ_LIMIT = 100_000;

export type NotificationLogStore = Pick<Store, 'appendNotifications' | 'queryNotifications' | 'getIncident'>;

/**
 * Which receivers an incident reaches (the routing tree); undefined: every receiver. Once a
 * receiver has been told about an incident it hears the rest (its resolve) even if the incident
 * no longer routes there.
 */
export type Reach = (incident: Incident) => ReadonlySet<string>;

export interface DeliveryReport {
  sent(n: Notification, notifier: Notifier): void;
  failed(n: Notification, notifier: Notifier, err: Error): void;
  logFailed(err: Error): void;
}

export class TenantNotifications {
  private readonly policies: Map<Notifier, NotificationPolicy>;
  /** Deliveries the log could not take yet: written first on the next tick. */
  private unwritten: NotificationRecord[] = [];

  private constructor(
    private readonly tenant: string,
    public partition: number,
    private readonly notifiers: readonly Notifier[],
    timing: (n: Notifier) => NotificationTiming,
    private readonly store: NotificationLogStore,
    private readonly reach: Reach | undefined,
  ) {
    this.policies = new Map(notifiers.map((n) => [n, new NotificationPolicy(timing(n))]));
  }

  /**
   * Ready to send for a tenant just taken over: the log restored, then the incidents the grouper
   * holds (as published), then, for a page still open whose incident the grouper no longer
   * holds, the stored incident (resolved or merged: its resolve is due now).
   */
  static async load(
    tenant: string, partition: number, notifiers: readonly Notifier[], timing: NotificationTiming | ((n: Notifier) => NotificationTiming),
    store: NotificationLogStore, held: readonly Incident[], now: number, reach?: Reach,
  ): Promise<TenantNotifications> {
    const t = new TenantNotifications(tenant, partition, notifiers, typeof timing === 'function' ? timing : () => timing, store, reach);
    await t.restore(undefined, now);
    t.observe(held, now);
    const orphans = new Set([...t.policies.values()].flatMap((p) => p.openIds().filter((id) => !p.knows(id))));
    for (const id of orphans) {
      const stored = await store.getIncident(tenant, id);
      if (stored) t.observe([stored], now);
    }
    return t;
  }

  observe(incidents: readonly Incident[], now: number): void {
    for (const [notifier, p] of this.policies) {
      p.observe(incidents.filter((i) => !this.reach || p.tracks(i.id) || this.reach(i).has(notifier.receiver)), now);
    }
  }

  /** Incident ids with a page still open at some receiver (tests, metrics). */
  openIds(): string[] {
    return [...new Set([...this.policies.values()].flatMap((p) => p.openIds()))];
  }

  /**
   * Sends what is due at `now`, each receiver on its own (a failed one is retried alone on the
   * next tick). `stillOwned` is asked before each delivery: a tenant moved to another replica
   * mid-tick sends nothing more from here.
   */
  async tick(now: number, ownerOf: (service: string) => Owner, stillOwned: () => boolean, report: DeliveryReport): Promise<void> {
    if (!(await this.flushUnwritten(report))) return;
    const dueIds = new Set([...this.policies.values()].flatMap((p) => p.due(now).map((n) => n.incident.id)));
    if (dueIds.size === 0) return;
    // Someone else may have sent since the log was loaded: a replica that held the tenant until a
    // rebalance, or this process's previous life. Without the log, nothing is sent.
    try {
      await this.restore([...dueIds], now);
    } catch (err) {
      report.logFailed(err as Error);
      return;
    }
    await Promise.all([...this.policies].map(async ([notifier, policy]) => {
      for (const n of policy.due(now)) {
        if (!stillOwned()) return;
        try {
          await notifier.send(n, ownerOf);
        } catch (err) {
          report.failed(n, notifier, err as Error);
          continue;
        }
        policy.sent(n, now);
        report.sent(n, notifier);
        this.unwritten.push(this.record(n, notifier, now));
      }
    }));
    await this.flushUnwritten(report);
  }

  private record(n: Notification, notifier: Notifier, now: number): NotificationRecord {
    const r = {
      tenant: this.tenant, incidentId: n.incident.id, receiver: notifier.receiver, kind: n.kind, cycle: n.cycle, sentAt: now,
      incidentVersion: n.incident.version, incidentUpdatedAt: n.incident.updatedAt, signature: signature(n.incident), partition: this.partition,
    };
    return { id: notificationId(r), ...r };
  }

  private async restore(incidentIds: string[] | undefined, now: number): Promise<void> {
    let records: NotificationRecord[];
    try {
      records = await this.store.queryNotifications({
        tenant: this.tenant, since: now - LOG_HORIZON_MS, limit: LOG_READ_LIMIT, ...(incidentIds ? { incidentIds } : {}),
      });
    } catch (err) {
      throw new AiopsError('NOTIFY_LOG_UNAVAILABLE', `Reading the notification log of tenant ${this.tenant} failed: ${(err as Error).message}`, undefined, { cause: err });
    }
    for (const [notifier, policy] of this.policies) policy.restore(records.filter((r) => r.receiver === notifier.receiver), now);
  }

  /** True when the log holds every delivery made. */
  private async flushUnwritten(report: DeliveryReport): Promise<boolean> {
    if (this.unwritten.length === 0) return true;
    const rows = this.unwritten;
    this.unwritten = [];
    try {
      await this.store.appendNotifications(rows);
      return true;
    } catch (err) {
      this.unwritten = [...rows, ...this.unwritten];
      report.logFailed(new AiopsError('NOTIFY_LOG_UNAVAILABLE', `Writing ${rows.length} notification(s) of tenant ${this.tenant} to the log failed: ${(err as Error).message}`, undefined, { cause: err }));
      return false;
    }
  }
}
