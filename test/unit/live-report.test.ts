// The live-bench report: healthy episodes per 100 series-hours (significant ones apart), and per
// fault its incident and, apart from grouping, whether the fault's service showed a symptom at all.
import { describe, expect, it } from 'vitest';
import { buildReport, WARMUP_MS, type AnomalyView, type IncidentView } from '../../bench/live/report.js';

const T0 = Date.UTC(2026, 11, 2, 18, 0);
const MIN = 60_000;

describe('live bench report', () => {
  it('counts healthy episodes after the warm-up and reports a fault seen but folded into an earlier incident', () => {
    const healthyEndMs = T0 + WARMUP_MS + 60 * MIN;
    const latency = { name: 'latency', service: 'payments', startMs: healthyEndMs, endMs: healthyEndMs + 3 * MIN };
    const errors = { name: 'errors', service: 'checkout', startMs: healthyEndMs + 5 * MIN, endMs: healthyEndMs + 8 * MIN };
    const anomalies: AnomalyView[] = [
      { id: 'a1', ts: T0 + 1 * MIN, service: 'payments', significance: 'golden' }, // in warm-up: not judged
      { id: 'a2', ts: T0 + WARMUP_MS + 10 * MIN, service: 'payments', significance: 'internal' },
      { id: 'a3', ts: T0 + WARMUP_MS + 20 * MIN, service: 'frontend', significance: 'golden' },
      { id: 'a4', ts: latency.startMs + 3_000, service: 'payments', significance: 'golden', subject: 'http_request_duration_seconds_sum' },
      { id: 'a5', ts: errors.startMs + 53_000, service: 'checkout', significance: 'golden', subject: 'http_requests_total:error_ratio' },
    ];
    const incidents: IncidentView[] = [{ id: 'i1', status: 'open', openedAt: latency.startMs + 3_000, services: ['payments', 'checkout'], rootCauses: [{ service: 'payments', rank: 1 }] }];
    const r = buildReport({ healthyStartMs: T0, healthyEndMs, faults: [latency, errors], seriesIn: () => 100, dataEndMs: errors.endMs + 10 * MIN, incidents, anomalies });
    expect(r.healthyHours).toBeCloseTo(1, 6);
    expect(r.episodes).toBe(2);
    expect(r.significantEpisodes).toBe(1);
    expect(r.significantEpisodesPer100SeriesHours).toBeCloseTo(1, 6);
    expect(r.faults[0]).toMatchObject({ incidentsOpened: 1, incidentId: 'i1', timeToIncidentS: 3, trueCauseRank: 1, timeToFirstAnomalyS: 3 });
    expect(r.faults[1]).toMatchObject({ incidentsOpened: 0, incidentId: null, timeToFirstAnomalyS: 53, firstAnomalySubject: 'http_requests_total:error_ratio' });
  });
});
