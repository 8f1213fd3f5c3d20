import { describe, expect, it } from 'vitest';
import type { SeriesVerdict } from '../../detectors/metrics/series-detector.js';
import { applySustainedRule, type SustainedState } from '../../detectors/sustained-deviation.js';

const verdict = (observed: number, isAnomaly = false): SeriesVerdict => ({
  score: isAnomaly ? 0.8 : 0.1, isAnomaly, observed, expected: 10, lower: 8, upper: 12, direction: observed > 10 ? 'up' : 'down', detector: isAnomaly ? 'spike' : 'none',
});
const rule = { settlePoints: 5, minRun: 3, loneBeyond: 1 };
const fresh = (): SustainedState => ({ seen: 0, run: 0 });

describe('sustained deviation rule', () => {
  it('stays quiet while the band settles, even far outside it', () => {
    const s = fresh();
    for (let i = 0; i < 5; i++) expect(applySustainedRule(s, verdict(100, true), rule).anomalous).toBe(false);
  });

  it('reports from the third consecutive out-of-band point, every point while it lasts', () => {
    const s: SustainedState = { seen: 10, run: 0 };
    const flags = [13, 13, 13, 13, 11, 13].map((x) => applySustainedRule(s, verdict(x), rule));
    expect(flags.map((f) => f.anomalous)).toEqual([false, false, true, true, false, false]);
    expect(flags[2]!.detector).toBe('sustained-deviation');
    expect(flags[2]!.score).toBeGreaterThanOrEqual(0.5);
    expect(flags[2]!.score).toBeLessThan(1);
  });

  it('counts downward deviations too', () => {
    const s: SustainedState = { seen: 10, run: 0 };
    const last = [1, 1, 1].map((x) => applySustainedRule(s, verdict(x), rule)).at(-1)!;
    expect(last.anomalous).toBe(true);
  });

  it('passes a lone detector alarm only when it is far outside the band', () => {
    const s: SustainedState = { seen: 10, run: 0 };
    expect(applySustainedRule(s, verdict(12.5, true), rule).anomalous).toBe(false);
    const far = applySustainedRule({ seen: 10, run: 0 }, verdict(20, true), rule);
    expect(far.anomalous).toBe(true);
    expect(far.detector).toBe('spike');
  });

  it('scores larger deviations higher', () => {
    const a = { seen: 10, run: 2 };
    const b = { seen: 10, run: 2 };
    expect(applySustainedRule(b, verdict(30), rule).score).toBeGreaterThan(applySustainedRule(a, verdict(13), rule).score);
  });
});
