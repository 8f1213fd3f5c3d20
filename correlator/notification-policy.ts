// When to tell people about an incident, with Alertmanager's timing semantics:
//   group wait     — a new incident waits this long before its first page, so the anomalies
//                    that arrive right behind the first one are in it (one page, not ten);
//   group interval — after that, changes (new services, a new top root cause) are sent at
//                    most this often;
//   repeat         — an open incident with nothing new is re-sent after this long;
// and a resolution (or a merge into another incident) is sent at once. Pure state over wall
// time; the stage feeds it incidents and asks what is due.
//
// What was sent can be restored from the notification log (`restore`), so a restarted or a
// second replica carries on where the last sender stopped: no second trigger for an incident
// already paged, one resolve per trigger. A replay shows incidents as they were before the
// checkpoint: one already resolved may look open again. That is a reopen only when it holds an
// anomaly newer than the one it had when its resolve was sent.
import type { Incident } from '../platform/contracts/events.js';
import type { NotificationKind, NotificationRecord } from '../platform/contracts/notifications.js';

export interface NotificationTiming {
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
}

export const DEFAULT_NOTIFICATION_TIMING: NotificationTiming = { groupWaitMs: 30_000, groupIntervalMs: 300_000, repeatIntervalMs: 4 * 3_600_000 };

export type { NotificationKind };

export interface Notification {
  kind: NotificationKind;
  incident: Incident;
  /** Trigger count at this receiver: 1, then +1 for each reopen (the log's dedup key holds it). */
  cycle: number;
}

interface Tracked {
  /** Absent for an entry restored from the log whose incident has not been seen since. */
  incident?: Incident;
  firstSeenAt: number;
  /** What was last sent: kind, when, the content signature it carried, its cycle and the incident's event time. */
  sentAt?: number;
  sentSignature?: string;
  sentKind?: NotificationKind;
  cycle: number;
  sentUpdatedAt?: number;
}

/** What makes an update worth sending: the affected services and the top root cause. */
export const signature = (i: Incident): string => JSON.stringify([i.services, i.rootCauses[0]?.service ?? '']);

/** Later in a receiver's history: a higher cycle, then a later send, then resolve after trigger. */
const KIND_ORDER: Record<NotificationKind, number> = { trigger: 0, update: 1, repeat: 1, resolve: 2 };
const later = (a: NotificationRecord, b: NotificationRecord): boolean =>
  a.cycle !== b.cycle ? a.cycle > b.cycle : KIND_ORDER[a.kind] !== KIND_ORDER[b.kind] ? KIND_ORDER[a.kind] > KIND_ORDER[b.kind] : a.sentAt > b.sentAt;

export class NotificationPolicy {
  private readonly tracked = new Map<string, Tracked>();

  constructor(private readonly timing: NotificationTiming = DEFAULT_NOTIFICATION_TIMING) {}

  /** Records the newest version of incidents (older versions are ignored). */
  observe(incidents: readonly Incident[], now: number): void {
    for (const i of incidents) {
      const t = this.tracked.get(i.id);
      if (!t) this.tracked.set(i.id, { incident: i, firstSeenAt: now, cycle: 0 });
      else if (!t.incident || i.version >= t.incident.version) t.incident = i;
    }
  }

  /**
   * Takes in what the log says was sent to this receiver (any order, any overlap with what this
   * policy sent itself): each incident's latest record wins.
   */
  restore(records: readonly NotificationRecord[], now: number): void {
    const latest = new Map<string, NotificationRecord>();
    for (const r of records) {
      const known = latest.get(r.incidentId);
      if (!known || later(r, known)) latest.set(r.incidentId, r);
    }
    for (const [id, r] of latest) {
      let t = this.tracked.get(id);
      if (!t) this.tracked.set(id, (t = { firstSeenAt: now, cycle: 0 }));
      if (t.sentKind !== undefined && !later(r, { ...r, cycle: t.cycle, kind: t.sentKind, sentAt: t.sentAt ?? 0 })) continue;
      t.sentAt = r.sentAt;
      t.sentKind = r.kind;
      t.sentSignature = r.signature;
      t.cycle = r.cycle;
      t.sentUpdatedAt = r.incidentUpdatedAt;
    }
  }

  /** Incidents whose last notification here was not a resolve: a page someone still has open. */
  openIds(): string[] {
    return [...this.tracked].filter(([, t]) => t.sentKind !== undefined && t.sentKind !== 'resolve').map(([id]) => id);
  }

  /** Whether the incident is tracked at all (seen, or restored from the log). */
  tracks(id: string): boolean {
    return this.tracked.has(id);
  }

  /** Whether the incident has been seen (observed), not only restored from the log. */
  knows(id: string): boolean {
    return this.tracked.get(id)?.incident !== undefined;
  }

  /** Notifications due at `now`; call `sent` for each one delivered. */
  due(now: number): Notification[] {
    const out: Notification[] = [];
    for (const t of this.tracked.values()) {
      const i = t.incident;
      if (!i) continue;
      const closed = i.status !== 'open';
      if (t.sentAt === undefined) {
        // Never sent: an incident that closed before its group wait needs no page at all.
        if (!closed && now - t.firstSeenAt >= this.timing.groupWaitMs) out.push({ kind: 'trigger', incident: i, cycle: t.cycle + 1 });
        continue;
      }
      if (closed) {
        if (t.sentKind !== 'resolve') out.push({ kind: 'resolve', incident: i, cycle: t.cycle });
        continue;
      }
      const since = now - t.sentAt;
      if (t.sentKind === 'resolve') {
        // Reopened, unless this is the view from before the resolve (a replay): nothing newer in it.
        if (i.updatedAt > (t.sentUpdatedAt ?? -Infinity)) out.push({ kind: 'trigger', incident: i, cycle: t.cycle + 1 });
      } else if (signature(i) !== t.sentSignature && since >= this.timing.groupIntervalMs) out.push({ kind: 'update', incident: i, cycle: t.cycle });
      else if (since >= this.timing.repeatIntervalMs) out.push({ kind: 'repeat', incident: i, cycle: t.cycle });
    }
    return out;
  }

  sent(n: Notification, now: number): void {
    const t = this.tracked.get(n.incident.id);
    if (!t) return;
    t.sentAt = now;
    t.sentKind = n.kind;
    t.sentSignature = signature(n.incident);
    t.cycle = n.cycle;
    t.sentUpdatedAt = n.incident.updatedAt;
  }

  /** Forgets incidents closed without ever paging, and resolved ones told long ago. */
  prune(now: number): void {
    for (const [id, t] of this.tracked) {
      if (!t.incident) continue;
      const closed = t.incident.status !== 'open';
      if (closed && (t.sentAt === undefined || (t.sentKind === 'resolve' && now - t.sentAt > this.timing.repeatIntervalMs))) this.tracked.delete(id);
    }
  }
}
