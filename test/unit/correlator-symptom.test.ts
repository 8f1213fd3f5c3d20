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
