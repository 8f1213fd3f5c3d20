// rankRootCauses with a symptom and per-service impact (a count that adds up along calls, such as
// failed requests): a load balancer in front of a service, with no edge to it in the topology.
import { describe, expect, it } from 'vitest';
import { rankRootCauses, type ServiceEvidence } from '../../correlator/root-cause-ranker.js';
import { topologyOf } from '../../bench/rca/harness.js';

// web -> lb (a load balancer: the graph does not know what is behind it), web -> search,
// worker -> search, search -> db.
const graph = topologyOf({
  nodes: ['web', 'lb', 'search', 'worker', 'db'],
  edges: [
    ['web', 'lb'],
    ['web', 'search'],
    ['worker', 'search'],
    ['search', 'db'],
  ],
});

const T = 1_700_000_000_000;
const ev = (service: string, maxDeviation: number, impact?: number): ServiceEvidence => ({
  service,
  firstTs: T,
  lastTs: T + 600_000,
  maxScore: 1,
  count: 2,
  subjects: ['availability_average'],
  maxDeviation,
  ...(impact === undefined ? {} : { impact }),
});

describe('rankRootCauses with impact', () => {
  it('a dependency explains a caller only up to its own impact', () => {
    // search is 22 request-seconds over its usual; db, which search calls, deviates a little (0.06).
    const ranked = rankRootCauses([ev('web', 0, 22), ev('search', 3.8, 22), ev('db', 1.7, 0.06)], graph, [], { symptom: 'web', impactUnit: 'request-seconds' });
    expect(ranked[0]!.service).toBe('search');
    // With as much impact as search, db explains it and leads.
    const deep = rankRootCauses([ev('web', 0, 22), ev('search', 3.8, 22), ev('db', 1.7, 30)], graph, [], { symptom: 'web', impactUnit: 'request-seconds' });
    expect(deep[0]!.service).toBe('db');
  });

  it('ranks the service that failed the most requests above the load balancer whose error rate moved more', () => {
    // lb: 12% of its 60 requests failed (7); search: 3% of 780 (23); web: 11 of 480.
    const withImpact = rankRootCauses([ev('web', 5, 11), ev('lb', 16_000, 7), ev('search', 7_000, 23)], graph, [], { symptom: 'web', noiseDeviation: 4, impactUnit: 'failed requests' });
    expect(withImpact.map((r) => r.service)).toEqual(['search', 'lb', 'web']);
    expect(withImpact[0]!.reasons.join(' ')).toMatch(/23 failed requests beyond its usual \(the strength compared\)/);
    // By deviation alone (band half-widths of a rate), the load balancer wins.
    const byDeviation = rankRootCauses([ev('web', 5), ev('lb', 16_000), ev('search', 7_000)], graph, [], { symptom: 'web', noiseDeviation: 4 });
    expect(byDeviation[0]!.service).toBe('lb');
  });

  it('compares impact only when every service has one', () => {
    const mixed = rankRootCauses([ev('web', 5, 11), ev('lb', 16_000), ev('search', 7_000, 23)], graph, [], { symptom: 'web', noiseDeviation: 4 });
    expect(mixed[0]!.service).toBe('lb');
  });

  it('a dependency within normal noise gets no strength from its impact, so its callers are not its victims', () => {
    // db moved no more than normal noise (deviation 2.5 < 4) though its traffic is large.
    const ranked = rankRootCauses([ev('web', 5, 11), ev('search', 40, 24), ev('db', 2.5, 9)], graph, [], { symptom: 'web', noiseDeviation: 4 });
    expect(ranked[0]!.service).toBe('search');
  });

  it('a dependency within normal noise explains none of its callers, though a stronger service elsewhere is also hit', () => {
    // search is slow (a little beyond noise, the most request-seconds); db under it drifts within
    // its band; lb, which web also calls, moved more but carries little.
    const evidence = [ev('web', 5, 10), ev('lb', 9, 1), ev('search', 5.6, 25), ev('db', 2.7, 0.1)];
    const ranked = rankRootCauses(evidence, graph, [], { symptom: 'web', noiseDeviation: 4 });
    expect(ranked[0]!.service).toBe('search');
    expect(ranked.find((r) => r.service === 'db')!.reasons.join(' ')).toMatch(/explains none .* moved no more than normal noise/);
  });
});
