// Anomaly episodes: one anomaly per stretch of time a series spends out of its band, not one per
// point. Prometheus alerting does the same with `for:` (the sustained rule, before a point is
// anomalous at all) and with resolve (`keep_firing_for`): a firing alert is one alert however many
// evaluations it spans. Without this, a 5 s scrape of a host under a fault yields hundreds of
// anomalies a minute, and every count downstream (API, incidents, pages) counts points.
//
// Lifecycle, all in event time (the points' timestamps, so a replay takes the same steps):
//   open   — the first anomalous point of a series with no open episode; published at once;
//   update — further anomalous points fold in (points, peak, latest value); the episode is
//            published again at most once per `updateEveryMs`, and once as soon as it reaches
//            `confirmPoints` (the points the correlator needs before an incident): otherwise a
//            single-series fault waits a whole update interval for its incident;
//   close  — after `closeAfterMs` of non-anomalous points (back in band), or when the next point
//            comes after a silence longer than that (the series went away meanwhile), or when an
//            anomalous point lies on the other side of expected (a drop below the band and a later
//            rise above it are two symptoms, as a low and a high alert rule are two alerts: one
//            episode would carry the drop's significance into the rise, or the rise's into the
//            drop); published once more with status `closed`. A later anomalous point opens a new
//            episode.
// The state is small and JSON-serialisable: it rides in the series' detector checkpoint.
import type { Anomaly, AnomalyEpisode, Significance } from '../platform/contracts/events.js';
import { stableId } from '../platform/contracts/ids.js';
import type { SeriesVerdict } from './metrics/series-detector.js';
import type { SustainedVerdict } from './sustained-deviation.js';

export interface EpisodeRule {
  /** Least event time between two publications of one open episode. */
  updateEveryMs: number;
  /** Event time back in band (or silent) after which an episode closes. */
  closeAfterMs: number;
  /** Points at which an open episode is published once more, whatever the interval: the correlator's minimum. */
  confirmPoints: number;
}

export const DEFAULT_EPISODE_RULE: EpisodeRule = { updateEveryMs: 60_000, closeAfterMs: 300_000, confirmPoints: 3 };

/** One anomalous point, as the detector saw it. */
export interface EpisodePoint {
  ts: number;
  observed: number;
  expected: number;
  lower: number;
  upper: number;
  direction: 'up' | 'down' | 'none';
  detector: string;
  score: number;
  evidence: Record<string, string>;
}

export interface EpisodeState {
  openedAt: number;
  lastAt: number;
  points: number;
  version: number;
  peakScore: number;
  /** Distance of the peak point from expected, in band half-widths. */
  peakDeviation: number;
  /** The point furthest out of band: the published anomaly carries its values. */
  peak: EpisodePoint;
  lastValue: number;
  /** Event time of the last publication. */
  publishedAt: number;
  /** Folded points not yet published. */
  pending: boolean;
  /** First non-anomalous point since the last anomalous one. */
  inBandSince?: number;
}

/** What to publish: the episode and the point whose values the anomaly carries. */
export interface EpisodeEmission {
  episode: Omit<AnomalyEpisode, 'id'>;
  peak: EpisodePoint;
}

export interface EpisodeStep {
  state: EpisodeState | undefined;
  emissions: EpisodeEmission[];
}

const deviation = (p: EpisodePoint): number => {
  const half = (p.upper - p.lower) / 2;
  return half > 0 && Number.isFinite(p.observed) && Number.isFinite(p.expected) ? Math.abs(p.observed - p.expected) / half : 0;
};

/** Which side of expected a point lies on: 1 above, -1 below, 0 on it. */
const sideOf = (p: EpisodePoint): number => Math.sign(p.observed - p.expected) || 0;

function emission(s: EpisodeState, status: 'open' | 'closed', closedAt?: number): EpisodeEmission {
  const episode: Omit<AnomalyEpisode, 'id'> = {
    status,
    version: s.version,
    openedAt: s.openedAt,
    lastAt: s.lastAt,
    points: s.points,
    peakScore: Math.min(1, Math.max(0, s.peakScore)),
    peakValue: s.peak.observed,
    peakAt: s.peak.ts,
    lastValue: s.lastValue,
  };
  if (closedAt !== undefined) episode.closedAt = closedAt;
  return { episode, peak: s.peak };
}

function publish(s: EpisodeState, ts: number, status: 'open' | 'closed', closedAt?: number): EpisodeEmission {
  s.version += 1;
  s.publishedAt = ts;
  s.pending = false;
  return emission(s, status, closedAt);
}

/**
 * Folds one point of a series into its episode. `point` is the point when it was anomalous,
 * undefined when it was not (in band, or not yet out for long enough). Mutates and returns the
 * state (undefined once closed) with what to publish, oldest first.
 */
export function stepEpisode(state: EpisodeState | undefined, ts: number, point: EpisodePoint | undefined, rule: EpisodeRule = DEFAULT_EPISODE_RULE): EpisodeStep {
  const emissions: EpisodeEmission[] = [];
  let s = state;
  // A silence longer than the resolve time closes the episode as if the series had been in band:
  // a series that went away (a pod replaced) must not keep an episode open for days.
  if (s && ts - Math.max(s.lastAt, s.inBandSince ?? -Infinity) > rule.closeAfterMs) {
    emissions.push(publish(s, ts, 'closed', Math.min(ts, (s.inBandSince ?? s.lastAt) + rule.closeAfterMs)));
    s = undefined;
  }
  if (point && s && sideOf(point) !== 0 && sideOf(point) === -sideOf(s.peak)) {
    emissions.push(publish(s, ts, 'closed', Math.min(ts, s.inBandSince ?? ts)));
    s = undefined;
  }
  if (point) {
    if (!s) {
      s = {
        openedAt: ts, lastAt: ts, points: 1, version: 0, peakScore: point.score, peakDeviation: deviation(point),
        peak: point, lastValue: point.observed, publishedAt: ts, pending: true,
      };
      emissions.push(publish(s, ts, 'open'));
      return { state: s, emissions };
    }
    s.points += 1;
    s.lastAt = ts;
    s.lastValue = point.observed;
    s.peakScore = Math.max(s.peakScore, point.score);
    const d = deviation(point);
    if (d > s.peakDeviation) (s.peakDeviation = d), (s.peak = point);
    delete s.inBandSince;
    s.pending = true;
  } else if (s) {
    s.inBandSince ??= ts;
    if (ts - s.inBandSince >= rule.closeAfterMs) {
      emissions.push(publish(s, ts, 'closed', ts));
      return { state: undefined, emissions };
    }
  }
  if (s && s.pending && (ts - s.publishedAt >= rule.updateEveryMs || (point && s.points === rule.confirmPoints))) emissions.push(publish(s, ts, 'open'));
  return { state: s, emissions };
}

/** One anomalous point from the detector's and the paging rule's verdicts. */
export function episodePoint(ts: number, v: SeriesVerdict, s: SustainedVerdict, evidence: Record<string, string>): EpisodePoint {
  if (s.detector === 'sustained-deviation') evidence = { ...evidence, consecutive_points_outside_band: String(s.run) };
  return { ts, observed: v.observed, expected: v.expected, lower: v.lower, upper: v.upper, direction: v.direction, detector: s.detector, score: Math.min(1, Math.max(0, s.score)), evidence };
}

/** The episode id of a series (its key) opened at `openedAt`: a replay maps to the same one. */
export const episodeId = (tenant: string, key: string, openedAt: number): string => stableId('an', tenant, key, openedAt);

/**
 * The anomaly published for one step of an episode. Its id is the episode's (for the opening
 * point, the id the per-point anomaly had); `ts` is the opening time; the values are the peak
 * point's, so a consumer that ignores `episode` still sees the worst of it.
 */
export function episodeAnomaly(tenant: string, service: string, key: string, subject: string, signal: Anomaly['signal'], e: EpisodeEmission, significance?: Significance): Anomaly {
  const id = episodeId(tenant, key, e.episode.openedAt);
  const p = e.peak;
  const a: Anomaly = {
    id, tenant, ts: e.episode.openedAt, service, signal, subject,
    detector: p.detector,
    score: e.episode.peakScore,
    observed: p.observed, expected: p.expected, lower: p.lower, upper: p.upper, direction: p.direction,
    evidence: { ...p.evidence },
    episode: { id, ...e.episode },
  };
  if (significance) a.significance = significance;
  return a;
}
