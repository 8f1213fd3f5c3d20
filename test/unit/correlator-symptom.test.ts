// rankRootCauses with a user-facing symptom (an alert on `web`): scope, strength and noise.
import { describe, expect, it } from 'vitest';
import { rankRootCauses, evidenceFromAnomalies, deviationOf, type ServiceEvidence } from '../../correlator/root-cause-ranker.js';
import { TopologyGraph } from '../../correlator/topology-graph.js';
import type { Anomaly } from '../../platform/contracts/events.js';

// web -> api -> db, web -> search; batch -> db (batch is not on a path from web).
const graph = new TopologyGraph({
  tenant: 't',
  version: 1,
  services: [{ name: 'web', userFacing: true }, { name: 'api' }, { name: 'db' }, { name: 'search' }, { name: 'batch' }],
  edges: [
    { from: 'web', to: 'api' },
    { from: 'api', to: 'db' },
    { from: 'web', to: 'search' },
    { from: 'batch', to: 'db' },
  ],
});

const T = 1_700_000_000_000;
const ev = (service: string, maxDeviation: number, firstTs = T): ServiceEvidence => ({ service, firstTs, lastTs: firstTs + 600_000, maxScore: 0.9, count: 3, subjects: ['latency_p90'], maxDeviation });

describe('rankRootCauses with a symptom', () => {
  it('ranks the deepest strongly deviating dependency first; its callers are victims', () => {
    const ranked = rankRootCauses([ev('web', 5), ev('api', 20), ev('db', 30)], graph, [], { symptom: 'web' });
    expect(ranked.map((r) => r.service)).toEqual(['db', 'api', 'web']);
    expect(ranked[0]!.reasons.join(' ')).toMatch(/explains 2 of 2/);
  });

  it('a dependency drifting no more than normal noise does not turn its caller into a victim', () => {
    const evidence = [ev('web', 5), ev('api', 25), ev('db', 2.5)];
    expect(rankRootCauses(evidence, graph, [], { symptom: 'web', noiseDeviation: 4 })[0]!.service).toBe('api');
    // Without a noise level the weak db still explains api and web.
    expect(rankRootCauses(evidence, graph, [], { symptom: 'web' })[0]!.service).toBe('db');
  });

  it('services the symptom does not reach rank after those it does', () => {
    const ranked = rankRootCauses([ev('web', 5), ev('search', 8), ev('batch', 90, T - 600_000)], graph, [], { symptom: 'web' });
    expect(ranked.map((r) => r.service)).toEqual(['search', 'web', 'batch']);
    expect(ranked[2]!.reasons[0]).toMatch(/not on a call path from web/);
  });

  it('without a symptom the ranking is the plain heuristic', () => {
    const evidence = [ev('web', 5), ev('api', 20), ev('db', 30), ev('batch', 10)];
    const plain = rankRootCauses(evidence, graph, []);
    const withUnknown = rankRootCauses(evidence, graph, [], { symptom: 'nowhere' });
    expect(withUnknown.map((r) => r.service)).toEqual(plain.map((r) => r.service));
    expect(plain[0]!.service).toBe('db');
  });

  it('evidence from anomalies carries the largest deviation in band half-widths', () => {
    const a = (service: string, observed: number): Anomaly =>
      ({ id: `${service}${observed}`, tenant: 't', ts: T, service, signal: 'metric', subject: 'latency_p90', detector: 'sustained-deviation', score: 0.8, observed, expected: 10, lower: 8, upper: 12, direction: 'up', evidence: {} }) as Anomaly;
    expect(deviationOf(a('x', 16))).toBe(3);
    const [e] = evidenceFromAnomalies([a('api', 16), a('api', 30)]);
    expect(e).toMatchObject({ service: 'api', count: 2, maxDeviation: 10 });
  });
});

describe('rankRootCauses with impacts', () => {
  it('a service carrying a negligible share of the largest impact is no cause, however far out of band', () => {
    // search and a load balancer in front of api both serve web. The load balancer passed one
    // slow request, far out of its band; api (on a wide seasonal band) carries the request-seconds.
    const lb = { ...ev('search', 5, T + 600_000), impact: 0.026 };
    const api = { ...ev('api', 2, T), impact: 22.7 };
    const ranked = rankRootCauses([ev('web', 0), lb, api], graph, [], { symptom: 'web', noiseDeviation: 4, impactUnit: 'request-seconds' });
    expect(ranked[0]!.service).toBe('api');
    expect(ranked.find((r) => r.service === 'search')!.reasons.join(' ')).toMatch(/too little to explain it/);
    // Without impacts the far-out load balancer leads on deviation.
    const bare = rankRootCauses([ev('web', 0), ev('search', 5, T + 600_000), ev('api', 2, T)], graph, [], { symptom: 'web', noiseDeviation: 4 });
    expect(bare[0]!.service).toBe('search');
  });
});

describe('incidents holding an external alert', () => {
  const an = (service: string, minute: number, observed: number, signal: Anomaly['signal'] = 'metric'): Anomaly => ({
    id: `a_${service}_${minute}_${signal}`, tenant: 't', ts: T + minute * 60_000, service, signal, subject: signal === 'alert' ? 'HighLatency{service="web"}' : 'latency',
    detector: signal === 'alert' ? 'alertmanager' : 'test', score: 0.95, observed, expected: 100, lower: 90, upper: 110, direction: 'up', evidence: {},
  });

  it('are ranked to explain the alerted service: a stronger anomaly off its call paths ranks after', async () => {
    const { IncidentGrouper, DEFAULT_GROUPER_CONFIG } = await import('../../correlator/incident-grouper.js');
    // batch calls db and deviates most; web's alert is explained by search, which web calls.
    const anomalies = [an('batch', 0, 900), an('db', 1, 200), an('search', 1, 400), an('web', 2, 300), an('web', 3, 0, 'alert')];
    const rank = (list: Anomaly[]) => {
      const g = new IncidentGrouper({ ...DEFAULT_GROUPER_CONFIG, minAnomalies: 1, graceMs: 0 });
      g.add(list, graph, 0);
      return g.flush(graph, [], T + 4 * 60_000, 0);
    };
    const withAlert = rank(anomalies);
    expect(withAlert).toHaveLength(1);
    // search, which web calls, deviates most on web's call paths.
    expect(withAlert[0]!.rootCauses[0]!.service).toBe('search');
    expect(withAlert[0]!.groupingReasons.at(-1)).toMatch(/explain the alert on web/);
    const order = withAlert[0]!.rootCauses.map((r) => r.service);
    for (const inScope of ['web', 'search', 'db']) expect(order.indexOf('batch')).toBeGreaterThan(order.indexOf(inScope));
    // The same anomalies without the alert: nothing says which symptom matters, and batch ranks among the rest.
    const without = rank(anomalies.filter((a) => a.signal !== 'alert'))[0]!.rootCauses.map((r) => r.service);
    expect(without.indexOf('batch')).toBeLessThan(without.indexOf('web'));
    expect(without[0]).not.toBe('search');
  });

  it('rank from the signal family the alert is about: an error alert is explained by errors, not by a CPU jump', async () => {
    const { IncidentGrouper, DEFAULT_GROUPER_CONFIG } = await import('../../correlator/incident-grouper.js');
    const on = (service: string, minute: number, subject: string, observed: number, signal: Anomaly['signal'] = 'metric'): Anomaly => ({
      ...an(service, minute, observed, signal), id: `b_${service}_${minute}_${subject}`, subject,
    });
    // api (which web calls) saturates its CPU far out of band; search (also called by web) fails
    // more requests than usual, less far out of band.
    const anomalies = [on('api', 0, 'process_cpu_utilization_percent', 900), on('search', 1, 'http_server_error_ratio', 300), on('web', 2, 'http_server_error_ratio', 200)];
    const rank = (alertSubject: string) => {
      const g = new IncidentGrouper({ ...DEFAULT_GROUPER_CONFIG, minAnomalies: 1, graceMs: 0 });
      g.add([...anomalies, on('web', 3, alertSubject, 0, 'alert')], graph, 0);
      return g.flush(graph, [], T + 4 * 60_000, 0)[0]!.rootCauses;
    };
    const errors = rank('HighErrorRate{service="web"}');
    expect(errors[0]!.service).toBe('search');
    expect(errors[0]!.reasons[0]).toMatch(/ranked on errors evidence/);
    const api = errors.find((r) => r.service === 'api')!;
    expect(api.reasons[0]).toMatch(/no errors anomaly/);
    expect(api.rank).toBe(errors.length);
    // An alert whose name names no family is ranked from all evidence, where the CPU jump leads.
    expect(rank('WebIsUnhappy{service="web"}')[0]!.service).toBe('api');
  });
});

