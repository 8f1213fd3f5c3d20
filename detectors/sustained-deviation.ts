// The paging rule on top of the per-series detector. The detector's own alarms are tuned for
// NAB (one alarm per anomaly window, then suppressed), but an operator watching a service wants
// a symptom reported for as long as it lasts, like Prometheus' `for:` clause. So a point is also
// anomalous when it sits outside the detector's learned band (expected ± 4σ) for `minRun`
// consecutive points, once the detector's warm-up is over (a verdict from 'warmup' never counts; it ends
// on points or on 30 minutes of event time, whatever the interval) and the series has `settlePoints`.
// The detector holds its band at the pre-deviation baseline while the series stays out of it, so a
// lasting fault is reported for as long as it lasts (up to the detector's maxHoldMs, 6 h by default).
import type { SeriesVerdict } from './metrics/series-detector.js';

export interface SustainedRule {
  /** Points a series must have seen before its band is trusted (a floor; the detector's warm-up decides). */
  settlePoints: number;
  /** Consecutive out-of-band points before the deviation is reported. */
  minRun: number;
  /** Band half-widths beyond the band a lone alarmed point must reach. */
  loneBeyond: number;
}

export const DEFAULT_SUSTAINED_RULE: SustainedRule = { settlePoints: 20, minRun: 3, loneBeyond: 1 };

/** Per-series counters; small and JSON-serialisable (part of the detector checkpoint). */
export interface SustainedState {
  seen: number;
  run: number;
  /**
   * The previous point was reported and this run is still outside the band: the run's next points are
   * reported too, even before minRun (a lone alarm that opens a lasting deviation). Optional: states
   * checkpointed before it existed read as false.
   */
  open?: boolean;
}

export interface SustainedVerdict {
  anomalous: boolean;
  /** Why: 'sustained-deviation' for the band rule, else the detector component that alarmed. */
  detector: string;
  score: number;
  run: number;
}

export function applySustainedRule(state: SustainedState, v: SeriesVerdict, rule: SustainedRule = DEFAULT_SUSTAINED_RULE): SustainedVerdict {
  state.seen += 1;
  const settled = state.seen > rule.settlePoints && v.detector !== 'warmup';
  const outside = settled && (v.observed > v.upper || v.observed < v.lower);
  state.run = outside ? state.run + 1 : 0;
  const verdict = judge(state, v, rule, outside);
  state.open = verdict.anomalous && outside;
  return verdict;
}

function judge(state: SustainedState, v: SeriesVerdict, rule: SustainedRule, outside: boolean): SustainedVerdict {
  // Distance beyond the band in band half-widths (0 inside it).
  const half = Math.max(1e-12, (v.upper - v.lower) / 2);
  const beyond = !outside ? 0 : v.observed > v.upper ? (v.observed - v.upper) / half : (v.lower - v.observed) / half;
  if (state.run >= rule.minRun || (outside && state.open === true)) {
    // Mapped onto [0.5, 1): comparable across series.
    const score = Math.max(v.score, 0.5 + 0.5 * (1 - Math.exp(-beyond)));
    return { anomalous: true, detector: 'sustained-deviation', score, run: state.run };
  }
  // A lone point counts only when the detector alarmed and the point is far outside the band
  // (twice its half-width from expected): a high likelihood inside or near the band is a
  // change in noise, not a symptom worth a page.
  if (v.isAnomaly && beyond >= rule.loneBeyond) return { anomalous: true, detector: v.detector, score: v.score, run: state.run };
  return { anomalous: false, detector: v.detector, score: v.score, run: state.run };
}
