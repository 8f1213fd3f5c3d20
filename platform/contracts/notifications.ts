// The notification log's record: one row per notification delivered to one receiver, kept in
// the store so that a restart, a replay or another correlate replica knows what was already
// sent (Alertmanager's nflog plays this part for its alert groups).
import { Type, type Static } from '@sinclair/typebox';
import { EpochMs, RecordId, Tenant } from './common.js';

export const NotificationKind = Type.Union([Type.Literal('trigger'), Type.Literal('update'), Type.Literal('repeat'), Type.Literal('resolve')]);
export type NotificationKind = Static<typeof NotificationKind>;

export const NotificationRecord = Type.Object({
  /**
   * The dedup key: incident, receiver, cycle and kind for a trigger or a resolve (written twice,
   * kept once), plus the send time for updates and repeats, which may repeat within a cycle.
   */
  id: RecordId,
  tenant: Tenant,
  incidentId: RecordId,
  /** A stable receiver name (never a URL or key: those may hold secrets). */
  receiver: Type.String({ minLength: 1, maxLength: 256 }),
  kind: NotificationKind,
  /** 1 for the first trigger of the incident at this receiver, +1 for each reopen. */
  cycle: Type.Integer({ minimum: 1 }),
  sentAt: EpochMs,
  incidentVersion: Type.Integer({ minimum: 0 }),
  /**
   * Event time of the incident's newest anomaly when sent: a replay that shows the incident open
   * again without anything newer than this is a stale view, not a reopen.
   */
  incidentUpdatedAt: EpochMs,
  /** What an update is compared with: the affected services and the top root cause. */
  signature: Type.String({ maxLength: 65536 }),
  /** The bus partition the tenant's records arrive on, so the owning replica finds its open notifications at start. */
  partition: Type.Integer({ minimum: 0 }),
});
export type NotificationRecord = Static<typeof NotificationRecord>;

/** The dedup key of a notification (see NotificationRecord.id). */
export function notificationId(r: Pick<NotificationRecord, 'incidentId' | 'receiver' | 'cycle' | 'kind' | 'sentAt'>): string {
  const base = `${r.incidentId}|${r.receiver}|${r.cycle}|${r.kind}`;
  return r.kind === 'trigger' || r.kind === 'resolve' ? base : `${base}|${r.sentAt}`;
}
