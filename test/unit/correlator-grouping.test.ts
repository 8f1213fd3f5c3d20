// Dedup and grouping semantics, modelled on what Alertmanager and Keep users expect, as far as
// the incident grouper implements them:
//   Keep: a minimum alert count before an incident exists; the same alert repeated (a replay,
//         same fingerprint) versus related alerts (other signals, other related services).
//   Alertmanager: the first notification waits for the group to be worth sending (here: the
//         minimum count, not a group_wait timer); later ones go out only when the group changed
//         (group_interval with nothing new sends nothing); a resolved group that fires again is
//         the same group. The grouper never re-publishes an unchanged incident: timed
//         group_wait / group_interval / repeat_interval notification lives in
//         correlator/notification-policy.ts (test/unit/notification-policy.test.ts).
import { describe, expect, it } from 'vitest';
import type { Anomaly } from '../../platform/contracts/events.js';
import { stableId } from '../../platform/contracts/ids.js';
import { IncidentGrouper, DEFAULT_GROUPER_CONFIG } from '../../correlator/incident-grouper.js';
import { TopologyGraph } from '../../correlator/topology-graph.js';

const T0 = Date.UTC(2026, 10, 2);
const MIN = 60_000;
// checkout -> payments -> ledger; search is not related to them (3+ hops, no edge).
const G = new TopologyGraph({
  tenant: 'default',
  version: 1,
  services: [{ name: 'checkout', userFacing: true }, { name: 'payments' }, { name: 'ledger' }, { name: 'search', userFacing: true }],
  edges: [
    { from: 'checkout', to: 'payments' },
    { from: 'payments', to: 'ledger' },
  ],
});

function alert(service: string, minute: number, subject = 'latency_p95_ms'): Anomaly {
  const ts = T0 + minute * MIN;
  // The id is the fingerprint of series and time, as the detect stage derives it.
  return { id: stableId('an', 'default', service, subject, ts), tenant: 'default', ts, service, signal: 'metric', subject, detector: 'test', score: 0.9, observed: 2, expected: 1, lower: 0, upper: 1.5, direction: 'up', evidence: {} };
}

const wall = (minute: number) => T0 + minute * MIN;

describe('grouping like Keep: minimum count, same alert versus related alerts', () => {
  it('publishes nothing until the minimum alert count is reached, then one incident', () => {
    const g = new IncidentGrouper({ ...DEFAULT_GROUPER_CONFIG, minAnomalies: 3 });
    g.add([alert('ledger', 0)], G, wall(0));
    expect(g.flush(G, [], T0, wall(0))).toEqual([]);
    g.add([alert('payments', 1)], G, wall(1));
    expect(g.flush(G, [], T0 + MIN, wall(1))).toEqual([]);
    g.add([alert('checkout', 2)], G, wall(2));
    const out = g.flush(G, [], T0 + 2 * MIN, wall(2));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ version: 1, anomalyCount: 3, services: ['checkout', 'ledger', 'payments'] });
  });

  it('the same alert delivered again (same fingerprint) changes nothing', () => {
    const g = new IncidentGrouper({ ...DEFAULT_GROUPER_CONFIG, minAnomalies: 1 });
    const a = alert('payments', 0);
    g.add([a], G, wall(0));
    const [first] = g.flush(G, [], T0, wall(0));
    g.add([a, { ...a }], G, wall(1));
    expect(g.flush(G, [], T0, wall(1))).toEqual([]);
    expect(first!.anomalyCount).toBe(1);
  });

  it('a repeat of the same series later is one more occurrence in the same incident, not a new incident', () => {
    const g = new IncidentGrouper({ ...DEFAULT_GROUPER_CONFIG, minAnomalies: 1 });
    g.add([alert('payments', 0), alert('payments', 5), alert('payments', 9)], G, wall(9));
    const out = g.flush(G, [], T0 + 9 * MIN, wall(9));
    expect(out).toHaveLength(1);
    expect(out[0]!.anomalyCount).toBe(3);
    expect(out[0]!.groupingReasons.join(' ')).toMatch(/opened by metric anomaly on payments/);
  });

  it('related alerts join with a recorded reason; an unrelated service opens its own incident', () => {
    const g = new IncidentGrouper({ ...DEFAULT_GROUPER_CONFIG, minAnomalies: 1 });
    g.add([alert('ledger', 0), alert('checkout', 1, 'error_ratio'), alert('search', 1)], G, wall(1));
    const out = g.flush(G, [], T0 + MIN, wall(1));
    expect(out.map((i) => i.services)).toEqual(expect.arrayContaining([['checkout', 'ledger'], ['search']]));
    const joined = out.find((i) => i.services.includes('checkout'))!;
    expect(joined.groupingReasons.join(' ')).toMatch(/checkout is 2 hops from ledger in the topology/);
  });

  it('alerts further apart than the window are separate incidents even on one service', () => {
    const g = new IncidentGrouper({ ...DEFAULT_GROUPER_CONFIG, minAnomalies: 1 });
    const gap = DEFAULT_GROUPER_CONFIG.windowMs / MIN + 1;
    g.add([alert('payments', 0), alert('payments', gap)], G, wall(gap));
    expect(g.flush(G, [], T0 + gap * MIN, wall(gap))).toHaveLength(2);
  });
});

describe('notification timing like Alertmanager', () => {
  it('re-publishes only when the group changed (group_interval with nothing new sends nothing)', () => {
    const g = new IncidentGrouper({ ...DEFAULT_GROUPER_CONFIG, minAnomalies: 2 });
    g.add([alert('ledger', 0), alert('payments', 1)], G, wall(1));
    expect(g.flush(G, [], T0 + MIN, wall(1)).map((i) => i.version)).toEqual([1]);
    expect(g.flush(G, [], T0 + 5 * MIN, wall(5))).toEqual([]);
    g.add([alert('checkout', 6)], G, wall(6));
    const next = g.flush(G, [], T0 + 6 * MIN, wall(6));
    expect(next.map((i) => [i.version, i.anomalyCount])).toEqual([[2, 3]]);
  });

  it('resolves after the quiet period and the same group reopens when it fires again within the window', () => {
    const cfg = { ...DEFAULT_GROUPER_CONFIG, minAnomalies: 1, resolveAfterMs: 5 * MIN };
    const g = new IncidentGrouper(cfg);
    g.add([alert('payments', 0)], G, wall(0));
    const [opened] = g.flush(G, [], T0, wall(0));
    const quiet = cfg.resolveAfterMs / MIN + 1;
    const [resolved] = g.flush(G, [], T0 + quiet * MIN, wall(quiet) + cfg.graceMs);
    expect(resolved).toMatchObject({ id: opened!.id, status: 'resolved', version: 2 });
    g.add([alert('payments', quiet + 1)], G, wall(quiet + 1));
    const [reopened] = g.flush(G, [], T0 + (quiet + 1) * MIN, wall(quiet + 1));
    expect(reopened).toMatchObject({ id: opened!.id, status: 'open', version: 3 });
  });

  it('with the default settings the same group firing again within a window of its resolution reopens it', () => {
    const cfg = { ...DEFAULT_GROUPER_CONFIG, minAnomalies: 1 };
    const g = new IncidentGrouper(cfg);
    g.add([alert('payments', 0)], G, wall(0));
    const [opened] = g.flush(G, [], T0, wall(0));
    const quiet = cfg.resolveAfterMs / MIN + 1;
    expect(g.flush(G, [], T0 + quiet * MIN, wall(quiet) + cfg.graceMs)[0]).toMatchObject({ id: opened!.id, status: 'resolved' });
    g.add([alert('payments', quiet + 1)], G, wall(quiet + 1));
    const [next] = g.flush(G, [], T0 + (quiet + 1) * MIN, wall(quiet + 1));
    expect(next).toMatchObject({ id: opened!.id, status: 'open', version: 3 });
    // Well after that window, the same group firing is a new incident.
    const later = quiet + 1 + cfg.resolveAfterMs / MIN + cfg.windowMs / MIN + 2;
    expect(g.flush(G, [], T0 + (later - 1) * MIN, wall(later - 1) + cfg.graceMs)[0]).toMatchObject({ id: opened!.id, status: 'resolved' });
    g.add([alert('payments', later)], G, wall(later));
    const [fresh] = g.flush(G, [], T0 + later * MIN, wall(later));
    expect(fresh).toMatchObject({ status: 'open', version: 1 });
    expect(fresh!.id).not.toBe(opened!.id);
  });
});
