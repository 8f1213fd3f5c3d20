// Notification timing modelled on Alertmanager: group wait before the first page, group interval
// between updates, repeat interval for unchanged open incidents, resolve at once, and no page at
// all for an incident that closed within its group wait.
import { describe, expect, it } from 'vitest';
import { NotificationPolicy } from '../../correlator/notification-policy.js';
import type { Incident } from '../../platform/contracts/events.js';
import { notificationId, type NotificationRecord } from '../../platform/contracts/notifications.js';

const S = 1_000;
const timing = { groupWaitMs: 30 * S, groupIntervalMs: 300 * S, repeatIntervalMs: 3_600 * S };
const incident = (version: number, over: Partial<Incident> = {}): Incident => ({
  id: 'inc_1', tenant: 'default', version, status: 'open', title: 't', openedAt: 0, updatedAt: 0, services: ['db', 'web'], userFacing: ['web'],
  anomalyCount: 5, anomalyIds: [], rootCauses: [{ service: 'db', rank: 1, score: 1, path: ['db', 'web'], firstAnomalyAt: 0, changes: [], signals: [], reasons: [] }],
  groupingReasons: [], ...over,
});

function deliver(p: NotificationPolicy, now: number): string[] {
  const due = p.due(now);
  for (const n of due) p.sent(n, now);
  return due.map((n) => `${n.kind}:v${n.incident.version}`);
}

describe('notification policy', () => {
  it('waits the group wait, then pages once with the newest version', () => {
    const p = new NotificationPolicy(timing);
    p.observe([incident(1)], 0);
    expect(deliver(p, 10 * S)).toEqual([]);
    p.observe([incident(2, { services: ['api', 'db', 'web'] })], 20 * S);
    expect(deliver(p, 30 * S)).toEqual(['trigger:v2']);
    expect(deliver(p, 31 * S)).toEqual([]);
  });

  it('sends changes at most once per group interval, and only real changes', () => {
    const p = new NotificationPolicy(timing);
    p.observe([incident(1)], 0);
    deliver(p, 30 * S);
    p.observe([incident(2, { anomalyCount: 50 })], 40 * S); // more anomalies, same services and cause: not news
    p.observe([incident(3, { anomalyCount: 60, services: ['api', 'db', 'web'] })], 50 * S);
    expect(deliver(p, 100 * S)).toEqual([]);
    expect(deliver(p, 330 * S)).toEqual(['update:v3']);
    expect(deliver(p, 700 * S)).toEqual([]);
  });

  it('repeats an unchanged open incident after the repeat interval', () => {
    const p = new NotificationPolicy(timing);
    p.observe([incident(1)], 0);
    deliver(p, 30 * S);
    expect(deliver(p, 3_000 * S)).toEqual([]);
    expect(deliver(p, 3_630 * S)).toEqual(['repeat:v1']);
  });

  it('sends a resolution at once, and a reopen as a new trigger', () => {
    const p = new NotificationPolicy(timing);
    p.observe([incident(1)], 0);
    deliver(p, 30 * S);
    p.observe([incident(2, { status: 'resolved' })], 40 * S);
    expect(deliver(p, 41 * S)).toEqual(['resolve:v2']);
    expect(deliver(p, 500 * S)).toEqual([]);
    // Reopened by an anomaly newer than any it had when resolved.
    p.observe([incident(3, { updatedAt: 550 * S })], 600 * S);
    expect(deliver(p, 601 * S)).toEqual(['trigger:v3']);
  });

  it('never pages for an incident that resolved or merged within its group wait', () => {
    const p = new NotificationPolicy(timing);
    p.observe([incident(1)], 0);
    p.observe([incident(2, { status: 'merged', mergedInto: 'inc_0' })], 10 * S);
    expect(deliver(p, 60 * S)).toEqual([]);
  });

  it('ignores an older version arriving late', () => {
    const p = new NotificationPolicy(timing);
    p.observe([incident(3, { services: ['api', 'db', 'web'] })], 0);
    p.observe([incident(2)], 1 * S);
    const due = p.due(30 * S);
    expect(due.map((n) => n.incident.version)).toEqual([3]);
  });

  describe('restored from the notification log', () => {
    const sent = (kind: NotificationRecord['kind'], cycle: number, sentAt: number, over: Partial<NotificationRecord> = {}): NotificationRecord => {
      const r = { tenant: 'default', incidentId: 'inc_1', receiver: 'webhook-a', kind, cycle, sentAt, incidentVersion: 1, incidentUpdatedAt: 0,
        signature: JSON.stringify([['db', 'web'], 'db']), partition: 0, ...over };
      return { id: notificationId(r), ...r };
    };

    it('does not trigger again an incident whose trigger is in the log, and resolves it once', () => {
      const p = new NotificationPolicy(timing);
      p.restore([sent('trigger', 1, 10 * S)], 100 * S);
      p.observe([incident(4)], 100 * S);
      expect(deliver(p, 200 * S)).toEqual([]);
      p.observe([incident(5, { status: 'resolved' })], 300 * S);
      expect(deliver(p, 301 * S)).toEqual(['resolve:v5']);
      expect(deliver(p, 302 * S)).toEqual([]);
    });

    it('sends the resolve due for a trigger in the log, with that trigger\'s cycle', () => {
      const p = new NotificationPolicy(timing);
      p.restore([sent('resolve', 1, 5 * S), sent('trigger', 2, 10 * S)], 100 * S);
      p.observe([incident(7, { status: 'resolved' })], 100 * S);
      expect(p.due(100 * S).map((n) => `${n.kind}:${n.cycle}`)).toEqual(['resolve:2']);
    });

    it('takes a replay\'s view of a resolved incident as stale, not as a reopen', () => {
      const p = new NotificationPolicy(timing);
      p.restore([sent('trigger', 1, 10 * S, { incidentUpdatedAt: 50 * S }), sent('resolve', 1, 90 * S, { incidentUpdatedAt: 60 * S })], 100 * S);
      // The checkpoint predates the resolve: the replay shows it open with nothing newer.
      p.observe([incident(3, { updatedAt: 60 * S })], 100 * S);
      expect(deliver(p, 200 * S)).toEqual([]);
      p.observe([incident(4, { status: 'resolved', updatedAt: 60 * S })], 300 * S);
      expect(deliver(p, 301 * S)).toEqual([]);
      // A newer anomaly is a real reopen: the next cycle.
      p.observe([incident(5, { updatedAt: 400 * S })], 400 * S);
      expect(p.due(401 * S).map((n) => `${n.kind}:${n.cycle}`)).toEqual(['trigger:2']);
    });

    it('keeps what it sent itself when the log it reads back is older', () => {
      const p = new NotificationPolicy(timing);
      p.observe([incident(1)], 0);
      deliver(p, 30 * S);
      p.observe([incident(2, { status: 'resolved' })], 40 * S);
      deliver(p, 41 * S);
      p.restore([sent('trigger', 1, 30 * S)], 50 * S);
      expect(deliver(p, 60 * S)).toEqual([]);
    });

    it('times the next repeat from the last send in the log', () => {
      const p = new NotificationPolicy(timing);
      p.restore([sent('trigger', 1, 0), sent('repeat', 1, 3_600 * S)], 4_000 * S);
      p.observe([incident(9)], 4_000 * S);
      expect(deliver(p, 5_000 * S)).toEqual([]);
      expect(deliver(p, 7_201 * S)).toEqual(['repeat:v9']);
    });
  });
});
