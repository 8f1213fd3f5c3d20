// The correlator over anomaly episodes: an incident counts episodes, not points; an episode's
// updates keep its incident open; internal series never open an incident alone.
import { describe, expect, it } from 'vitest';
import type { Anomaly, Significance } from '../../platform/contracts/events.js';
import { stableId } from '../../platform/contracts/ids.js';
import { DEFAULT_GROUPER_CONFIG, IncidentGrouper, type GrouperState } from '../../correlator/incident-grouper.js';
import { AlertDeduper } from '../../correlator/alert-deduper.js';
import { TopologyGraph } from '../../correlator/topology-graph.js';

const T0 = Date.UTC(2026, 10, 1);
const MIN = 60_000;
const graph = () => new TopologyGraph({
  tenant: 'default', version: 1,
  services: [{ name: 'web', userFacing: true }, { name: 'api' }, { name: 'db' }],
  edges: [{ from: 'web', to: 'api' }, { from: 'api', to: 'db' }],
});

/** Version `version` of the episode of `subject` on `service` opened at `openedMin`, `minutes` long so far, at 5 s points. */
function episode(service: string, subject: string, significance: Significance, openedMin: number, minutes: number, version: number, status: 'open' | 'closed' = 'open'): Anomaly {
  const openedAt = T0 + openedMin * MIN;
  const id = stableId('an', 'default', `${service}|${subject}`, openedAt);
  const lastAt = openedAt + minutes * MIN;
  return {
    id, tenant: 'default', ts: openedAt, service, signal: 'metric', subject, detector: 'sustained-deviation', score: 0.9,
    observed: 3, expected: 1, lower: 0.5, upper: 1.5, direction: 'up', evidence: {}, significance,
    episode: { id, status, version, openedAt, lastAt, points: 1 + minutes * 12, peakScore: 0.9, peakValue: 3, peakAt: openedAt, lastValue: 3, ...(status === 'closed' ? { closedAt: lastAt + 5 * MIN } : {}) },
  };
}

/** An hour-long episode: its opening and one update a minute. */
const versions = (service: string, subject: string, significance: Significance, openedMin: number, minutes: number) =>
  Array.from({ length: minutes + 1 }, (_, m) => episode(service, subject, significance, openedMin, m, m + 1));

describe('incidents over anomaly episodes', () => {
  it('internal series alone open no incident, however long they stay out of band', () => {
    const g = new IncidentGrouper({ ...DEFAULT_GROUPER_CONFIG, graceMs: 0 });
    const G = graph();
    for (const svc of ['api', 'db', 'web']) g.add(versions(svc, 'nodejs_heap_space_size_used_bytes', 'internal', 0, 60), G);
    g.add(versions('api', 'go_gc_duration_seconds', 'internal', 5, 30), G);
    expect(g.flush(G, [], T0 + 61 * MIN)).toEqual([]);
    expect(g.openCount()).toBe(0);
    expect(g.heldCount()).toBeGreaterThan(0);
  });

  it('a significant series opens one incident, counted in episodes, and attaches the internals held for it', () => {
    const g = new IncidentGrouper({ ...DEFAULT_GROUPER_CONFIG, graceMs: 0 });
    const G = graph();
    g.add(versions('db', 'process_virtual_memory_bytes', 'internal', 0, 4), G);
    expect(g.flush(G, [], T0 + 4 * MIN)).toEqual([]);
    // An hour of latency out of band on db, then an error episode on web.
    g.add(versions('db', 'http_server_request_duration_seconds', 'golden', 2, 60), G);
    g.add(versions('web', 'http_server_errors_total', 'golden', 10, 20), G);
    const out = g.flush(G, [], T0 + 62 * MIN);
    expect(out).toHaveLength(1);
    const inc = out[0]!;
    // Three episodes (db latency, db virtual memory, web errors), not 60 + 5 + 21 versions or ~1,000 points.
    expect(inc.anomalyCount).toBe(3);
    expect(new Set(inc.anomalyIds).size).toBe(3);
    expect(inc.services).toEqual(['db', 'web']);
    expect(inc.status).toBe('open');
    // db's latency opened it at minute 2; the virtual-memory episode held since 0 is evidence, not the start.
    expect(inc.openedAt).toBe(T0 + 2 * MIN);
    // The ongoing episode's updates keep the incident from resolving as a per-point count would not.
    expect(inc.updatedAt).toBe(T0 + 62 * MIN);
    expect(inc.rootCauses[0]!.service).toBe('db');
    expect(g.heldCount()).toBe(0);
  });

  it('an internal episode joins an incident that is already open', () => {
    const g = new IncidentGrouper({ ...DEFAULT_GROUPER_CONFIG, graceMs: 0 });
    const G = graph();
    g.add(versions('api', 'http_requests_total', 'golden', 0, 10), G);
    g.add(versions('api', 'nodejs_eventloop_lag_seconds', 'internal', 3, 5), G);
    const out = g.flush(G, [], T0 + 10 * MIN);
    expect(out).toHaveLength(1);
    expect(out[0]!.anomalyCount).toBe(2);
  });

  it('a replayed version is skipped, a newer one is not, and held internals survive a checkpoint', () => {
    const g = new IncidentGrouper({ ...DEFAULT_GROUPER_CONFIG, graceMs: 0 });
    const G = graph();
    const v = versions('db', 'go_memstats_heap_alloc_bytes', 'internal', 0, 3);
    g.add(v, G);
    expect(g.hasSeen(v[2]!)).toBe(true);
    expect(g.hasSeen(episode('db', 'go_memstats_heap_alloc_bytes', 'internal', 0, 4, 5))).toBe(false);
    const restored = IncidentGrouper.restore(JSON.parse(JSON.stringify(g.snapshot())) as GrouperState);
    expect(restored.heldCount()).toBe(1);
    restored.add(versions('db', 'http_server_request_duration_seconds', 'golden', 2, 3), G);
    const out = restored.flush(G, [], T0 + 6 * MIN);
    expect(out).toHaveLength(1);
    expect(out[0]!.anomalyCount).toBe(2);
  });

  it('an incident resolves when its last significant episode closes, at the closing time, not a quiet timeout later', () => {
    const g = new IncidentGrouper({ ...DEFAULT_GROUPER_CONFIG, graceMs: 0 });
    const G = graph();
    g.add(versions('db', 'http_server_request_duration_seconds', 'golden', 0, 10), G);
    g.add(versions('api', 'http_server_request_duration_seconds', 'golden', 1, 12), G);
    // An internal episode that stays out longer does not hold the incident open.
    g.add(versions('db', 'nodejs_heap_space_size_used_bytes', 'internal', 2, 40), G);
    g.add([episode('db', 'http_server_request_duration_seconds', 'golden', 0, 10, 12, 'closed')], G);
    expect(g.flush(G, [], T0 + 16 * MIN).map((i) => i.status)).toEqual(['open']);
    g.add([episode('api', 'http_server_request_duration_seconds', 'golden', 1, 12, 14, 'closed')], G);
    const [inc] = g.flush(G, [], T0 + 18 * MIN);
    // api's episode: opened at 1, last point at 13, closed 5 min later.
    expect(inc).toMatchObject({ status: 'resolved', resolvedAt: T0 + 18 * MIN });
  });

  it('after its episodes closed, an incident stays resolved while internals go on, and a significant anomaly reopens it', () => {
    const g = new IncidentGrouper({ ...DEFAULT_GROUPER_CONFIG, graceMs: 0 });
    const G = graph();
    // Latency on db from minute 0 to 3, closed at 8; db's RSS episode goes on.
    g.add(versions('db', 'http_server_request_duration_seconds', 'golden', 0, 3), G);
    g.add(versions('db', 'process_resident_memory_bytes', 'internal', 1, 8), G);
    g.add([episode('db', 'http_server_request_duration_seconds', 'golden', 0, 3, 5, 'closed')], G);
    const [first] = g.flush(G, [], T0 + 9 * MIN);
    expect(first).toMatchObject({ status: 'resolved', resolvedAt: T0 + 8 * MIN });
    g.add(versions('db', 'process_resident_memory_bytes', 'internal', 1, 12).slice(9), G);
    expect(g.flush(G, [], T0 + 12 * MIN)).toEqual([]);
    g.add(versions('web', 'http_server_request_duration_seconds', 'golden', 12, 2), G);
    const [again] = g.flush(G, [], T0 + 14 * MIN);
    expect(again).toMatchObject({ id: first!.id, status: 'open' });
  });

  it('a saturation episode opens an incident only once it has lasted 5 min; a shorter one joins the incident a symptom opens', () => {
    const g = new IncidentGrouper({ ...DEFAULT_GROUPER_CONFIG, graceMs: 0 });
    const G = graph();
    g.add(versions('db', 'node_disk_io_time_weighted_seconds_total', 'saturation', 0, 2), G);
    expect(g.flush(G, [], T0 + 2 * MIN)).toEqual([]);
    expect(g.heldCount()).toBe(1);
    g.add(versions('api', 'process_cpu_seconds_total', 'saturation', 10, 6), G);
    const [cpu] = g.flush(G, [], T0 + 16 * MIN);
    expect(cpu).toMatchObject({ services: ['api'], openedAt: T0 + 10 * MIN });
    const h = new IncidentGrouper({ ...DEFAULT_GROUPER_CONFIG, graceMs: 0 });
    h.add(versions('db', 'node_disk_io_time_weighted_seconds_total', 'saturation', 0, 2), G);
    h.add(versions('db', 'http_server_request_duration_seconds', 'golden', 1, 3), G);
    const [lat] = h.flush(G, [], T0 + 4 * MIN);
    expect(lat).toMatchObject({ services: ['db'], anomalyCount: 2 });
  });

  it('an alert counts an episode once and resolves when the episode closes', () => {
    const d = new AlertDeduper();
    d.add([...versions('api', 'http_requests_total', 'golden', 0, 10), episode('api', 'http_requests_total', 'golden', 0, 10, 12, 'closed')]);
    const [alert] = d.flush(T0 + 16 * MIN);
    expect(alert).toMatchObject({ count: 1, status: 'resolved', lastSeen: T0 + 10 * MIN });
    // The next episode of the same series fires it again and counts a second one.
    d.add(versions('api', 'http_requests_total', 'golden', 30, 2));
    const [again] = d.flush(T0 + 32 * MIN);
    expect(again).toMatchObject({ count: 2, status: 'firing' });
  });
});
