// When to tell people about an incident, with Alertmanager's timing semantics:
//   group wait     — a new incident waits this long before its first page, so the anomalies
//                    that arrive right behind the first one are in it (one page, not ten);
//   group interval — after that, changes (new services, a new top root cause) are sent at
//                    most this often;
//   repeat         — an open incident with nothing new is re-sent after this long;
// and a resolution (or a merge into another incident) is sent at once. Pure state over wall
// time; the stage feeds it incidents and asks what is due.
import type { Incident } from '../platform/contracts/events.js';

export interface NotificationTiming {
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
}

export const DEFAULT_NOTIFICATION_TIMING: NotificationTiming = { groupWaitMs: 30_000, groupIntervalMs: 300_000, repeatIntervalMs: 4 * 3_600_000 };

export type NotificationKind = 'trigger' | 'update' | 'repeat' | 'resolve';

export interface Notification {
  kind: NotificationKind;
  incident: Incident;
}

interface Tracked {
  incident: Incident;
  firstSeenAt: number;
  /** What was last sent: kind, when, and the content signature it carried. */
  sentAt?: number;
  sentSignature?: string;
  sentKind?: NotificationKind;
}

/** What makes an update worth sending: the affected services and the top root cause. */
const signature = (i: Incident): string => JSON.stringify([i.services, i.rootCauses[0]?.service ?? '']);

export class NotificationPolicy {
  private readonly tracked = new Map<string, Tracked>();

  constructor(private readonly timing: NotificationTiming = DEFAULT_NOTIFICATION_TIMING) {}

  /** Records the newest version of incidents (older versions are ignored). */
  observe(incidents: readonly Incident[], now: number): void {
    for (const i of incidents) {
      const t = this.tracked.get(i.id);
      if (!t) this.tracked.set(i.id, { incident: i, firstSeenAt: now });
      else if (i.version >= t.incident.version) t.incident = i;
    }
  }

  /** Notifications due at `now`; call `sent` for each one delivered. */
  due(now: number): Notification[] {
    const out: Notification[] = [];
    for (const t of this.tracked.values()) {
      const i = t.incident;
      const closed = i.status !== 'open';
      if (t.sentAt === undefined) {
        // Never sent: an incident that closed before its group wait needs no page at all.
        if (!closed && now - t.firstSeenAt >= this.timing.groupWaitMs) out.push({ kind: 'trigger', incident: i });
        continue;
      }
      if (closed) {
        if (t.sentKind !== 'resolve') out.push({ kind: 'resolve', incident: i });
        continue;
      }
      const since = now - t.sentAt;
      if (t.sentKind === 'resolve') out.push({ kind: 'trigger', incident: i }); // reopened
      else if (signature(i) !== t.sentSignature && since >= this.timing.groupIntervalMs) out.push({ kind: 'update', incident: i });
      else if (since >= this.timing.repeatIntervalMs) out.push({ kind: 'repeat', incident: i });
    }
    return out;
  }

  sent(n: Notification, now: number): void {
    const t = this.tracked.get(n.incident.id);
    if (!t) return;
    t.sentAt = now;
    t.sentKind = n.kind;
    t.sentSignature = signature(n.incident);
  }

  /** Forgets incidents closed without ever paging, and resolved ones told long ago. */
  prune(now: number): void {
    for (const [id, t] of this.tracked) {
      const closed = t.incident.status !== 'open';
      if (closed && (t.sentAt === undefined || (t.sentKind === 'resolve' && now - t.sentAt > this.timing.repeatIntervalMs))) this.tracked.delete(id);
    }
  }
}
