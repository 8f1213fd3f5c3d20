import { describe, expect, it } from 'vitest';
import type { Anomaly, ChangeEvent } from '../../platform/contracts/events.js';
import { stableId } from '../../platform/contracts/ids.js';
import { IncidentGrouper, DEFAULT_GROUPER_CONFIG } from '../../correlator/incident-grouper.js';
import { rankRootCauses } from '../../correlator/root-cause-ranker.js';
import { TopologyGraph } from '../../correlator/topology-graph.js';

const T0 = Date.UTC(2026, 10, 1);
const MIN = 60_000;
// web -> api -> {db, cache}; billing is unrelated
const graph = () => new TopologyGraph({
  tenant: 'default', version: 1,
  services: [{ name: 'web', userFacing: true }, { name: 'api' }, { name: 'db' }, { name: 'cache' }, { name: 'billing' }],
  edges: [{ from: 'web', to: 'api' }, { from: 'api', to: 'db' }, { from: 'api', to: 'cache' }],
});

let n = 0;
function an(service: string, minute: number, score = 0.99, subject = 'latency'): Anomaly {
  const ts = T0 + minute * MIN;
  return { id: stableId('an', service, ts, subject, n++), tenant: 'default', ts, service, signal: 'metric', subject, detector: 'test', score, observed: 2, expected: 1, lower: 0, upper: 1.5, direction: 'up', evidence: {} };
}

describe('incident grouper', () => {
  it('folds anomalies on related services within the window into one incident', () => {
    const g = new IncidentGrouper({ ...DEFAULT_GROUPER_CONFIG, minAnomalies: 3 });
    const G = graph();
    g.add([an('db', 0), an('api', 1), an('web', 2), an('db', 3)], G);
    const out = g.flush(G, []);
    expect(out).toHaveLength(1);
    expect(out[0]!.services).toEqual(['api', 'db', 'web']);
    expect(out[0]!.anomalyCount).toBe(4);
    expect(out[0]!.userFacing).toEqual(['web']);
    expect(out[0]!.groupingReasons.length).toBeGreaterThan(1);
  });

  it('keeps unrelated services and distant times in separate incidents', () => {
    const g = new IncidentGrouper({ ...DEFAULT_GROUPER_CONFIG, minAnomalies: 1 });
    const G = graph();
    g.add([an('db', 0), an('billing', 1), an('db', 200)], G);
    const out = g.flush(G, [], T0 + 201 * MIN);
    expect(out).toHaveLength(3);
  });

  it('does not publish an incident below the minimum anomaly count', () => {
    const g = new IncidentGrouper({ ...DEFAULT_GROUPER_CONFIG, minAnomalies: 3 });
    const G = graph();
    g.add([an('db', 0), an('api', 1)], G);
    expect(g.flush(G, [])).toEqual([]);
    g.add([an('web', 2)], G);
    expect(g.flush(G, [])).toHaveLength(1);
  });

  it('ignores replayed anomalies and keeps the incident id stable', () => {
    const g = new IncidentGrouper({ ...DEFAULT_GROUPER_CONFIG, minAnomalies: 1 });
    const G = graph();
    const batch = [an('db', 0), an('api', 1)];
    g.add(batch, G);
    const first = g.flush(G, []);
    g.add(batch, G);
    expect(g.flush(G, [])).toEqual([]);
    const restored = IncidentGrouper.restore(JSON.parse(JSON.stringify(g.snapshot())), { ...DEFAULT_GROUPER_CONFIG, minAnomalies: 1 });
    restored.add(batch, G);
    expect(restored.flush(G, [])).toEqual([]);
    restored.add([an('web', 2)], G);
    const next = restored.flush(G, []);
    expect(next[0]!.id).toBe(first[0]!.id);
    expect(next[0]!.version).toBe(first[0]!.version + 1);
  });

  it('resolves an incident after the quiet period and reopens it on a related anomaly', () => {
    const cfg = { ...DEFAULT_GROUPER_CONFIG, minAnomalies: 1, resolveAfterMs: 10 * MIN, windowMs: 15 * MIN, graceMs: 0 };
    const g = new IncidentGrouper(cfg);
    const G = graph();
    g.add([an('db', 0)], G);
    g.flush(G, []);
    const resolved = g.flush(G, [], T0 + 11 * MIN);
    expect(resolved[0]!.status).toBe('resolved');
    expect(resolved[0]!.resolvedAt).toBe(T0 + 10 * MIN);
    g.add([an('api', 12)], G);
    const reopened = g.flush(G, []);
    expect(reopened[0]!.id).toBe(resolved[0]!.id);
    expect(reopened[0]!.status).toBe('open');
  });
});

describe('incident grouper under partition skew', () => {
  it('keeps one incident when one service runs far ahead in event time, until the grace period passes', () => {
    const cfg = { ...DEFAULT_GROUPER_CONFIG, minAnomalies: 1, resolveAfterMs: 10 * MIN, windowMs: 5 * MIN, graceMs: 60_000 };
    const g = new IncidentGrouper(cfg);
    const G = graph();
    const wall = 1_000_000;
    // A catching-up consumer delivers web's whole hour before db's and api's first minutes.
    g.add([an('web', 2), an('web', 3)], G, wall);
    g.add(Array.from({ length: 60 }, (_, i) => an('billing', 60 + i)), G, wall);
    const mid = g.flush(G, [], T0 + 120 * MIN, wall + 1_000);
    expect(mid.filter((i) => i.services.includes('web')).every((i) => i.status === 'open')).toBe(true);
    g.add([an('db', 0), an('api', 1)], G, wall + 2_000);
    const out = g.flush(G, [], T0 + 120 * MIN, wall + 3_000);
    const withWeb = out.filter((i) => i.services.includes('web'));
    expect(withWeb).toHaveLength(1);
    expect(withWeb[0]!.services).toEqual(['api', 'db', 'web']);
    expect(withWeb[0]!.rootCauses[0]!.service).toBe('db');
    // Once the wall-clock grace has passed, the quiet incident resolves on event time.
    const later = g.flush(G, [], T0 + 120 * MIN, wall + 70_000);
    expect(later.find((i) => i.id === withWeb[0]!.id)?.status).toBe('resolved');
  });

  it('splits the same skewed stream without the grace period (what the grace guards against)', () => {
    const g = new IncidentGrouper({ ...DEFAULT_GROUPER_CONFIG, minAnomalies: 1, resolveAfterMs: 10 * MIN, windowMs: 5 * MIN, graceMs: 0 });
    const G = graph();
    g.add([an('web', 2), an('web', 3)], G, 0);
    g.add(Array.from({ length: 60 }, (_, i) => an('billing', 60 + i)), G, 0);
    g.flush(G, [], T0 + 120 * MIN, 0);
    g.add([an('db', 0), an('api', 1)], G, 0);
    const ids = new Set(g.flush(G, [], T0 + 120 * MIN, 0).filter((i) => i.services.includes('db')).map((i) => i.id));
    expect(ids.size).toBe(1);
    expect(g.snapshot().incidents.filter((i) => i.evidence['web']).some((i) => i.evidence['db'])).toBe(false);
  });
});

describe('incident merging', () => {
  it('merges incidents that one anomaly links, keeps the earliest id and announces the merge', () => {
    const g = new IncidentGrouper({ ...DEFAULT_GROUPER_CONFIG, minAnomalies: 1, maxHops: 1 });
    const G = graph();
    // db and web are two hops apart (maxHops 1): two incidents, until api links them.
    g.add([an('db', 0), an('db', 1)], G);
    g.add([an('web', 2), an('web', 3)], G);
    const first = g.flush(G, []);
    expect(first).toHaveLength(2);
    const dbIncident = first.find((i) => i.services.includes('db'))!;
    const webIncident = first.find((i) => i.services.includes('web'))!;
    g.add([an('api', 1)], G);
    const out = g.flush(G, []);
    const survivor = out.find((i) => i.status === 'open')!;
    const gone = out.find((i) => i.status === 'merged')!;
    expect(survivor.id).toBe(dbIncident.id);
    expect(survivor.services).toEqual(['api', 'db', 'web']);
    expect(survivor.anomalyCount).toBe(5);
    expect(survivor.rootCauses[0]!.service).toBe('db');
    expect(survivor.groupingReasons.join(' ')).toContain(`merged ${webIncident.id}`);
    expect(gone.id).toBe(webIncident.id);
    expect(gone.mergedInto).toBe(dbIncident.id);
    expect(gone.version).toBe(webIncident.version + 1);
    // Later anomalies on web go to the survivor.
    g.add([an('web', 4)], G);
    expect(g.flush(G, []).map((i) => i.id)).toEqual([dbIncident.id]);
  });

  it('drops an absorbed incident silently when it was never published', () => {
    const g = new IncidentGrouper({ ...DEFAULT_GROUPER_CONFIG, minAnomalies: 2, maxHops: 1 });
    const G = graph();
    g.add([an('db', 0), an('db', 1)], G);
    g.add([an('web', 2)], G);
    g.add([an('api', 1)], G);
    const out = g.flush(G, []);
    expect(out).toHaveLength(1);
    expect(out[0]!.services).toEqual(['api', 'db', 'web']);
  });
});

describe('root-cause ranker', () => {
  const ev = (service: string, first: number, count = 5, maxScore = 0.99) => ({ service, firstTs: T0 + first * MIN, lastTs: T0 + (first + 10) * MIN, maxScore, count, subjects: ['latency'] });

  it('ranks the dependency that explains its callers first', () => {
    const ranked = rankRootCauses([ev('web', 2, 20), ev('api', 1, 20), ev('db', 0, 5)], graph(), []);
    expect(ranked.map((r) => r.service)).toEqual(['db', 'api', 'web']);
    expect(ranked[0]!.path).toEqual(['db', 'api', 'web']);
    expect(ranked[0]!.reasons.join(' ')).toContain('explains 2 of 2');
  });

  it('prefers the service whose deploy preceded its anomalies and names the deploy', () => {
    const change: ChangeEvent = { id: 'c1', tenant: 'default', ts: T0 - 3 * MIN, service: 'cache', kind: 'deploy', summary: 'deploy cache v2', source: 'ci', attributes: {} };
    const ranked = rankRootCauses([ev('db', 0), ev('cache', 0), ev('api', 1), ev('web', 2)], graph(), [change]);
    expect(ranked[0]!.service).toBe('cache');
    expect(ranked[0]!.changes.map((c) => c.id)).toEqual(['c1']);
    expect(ranked[0]!.reasons.some((r) => r.includes('deploy cache v2'))).toBe(true);
  });

  it('penalises a service whose own dependency went bad first', () => {
    const ranked = rankRootCauses([ev('api', 0, 50), ev('db', 0, 2, 0.6)], graph(), []);
    expect(ranked[0]!.service).toBe('db');
    expect(ranked[1]!.reasons.some((r) => r.includes('dependencies db'))).toBe(true);
  });
});
