// Notification timing modelled on Alertmanager: group wait before the first page, group interval
// between updates, repeat interval for unchanged open incidents, resolve at once, and no page at
// all for an incident that closed within its group wait.
import { describe, expect, it } from 'vitest';
import { NotificationPolicy } from '../../correlator/notification-policy.js';
import type { Incident } from '../../platform/contracts/events.js';

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
    p.observe([incident(3)], 600 * S);
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
});
