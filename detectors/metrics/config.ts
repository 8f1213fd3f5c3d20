// Configuration of the per-series streaming detector. Every knob has a default tuned once for all
// series (NAB uses one threshold for every file, and so does paging); nothing here is per-series.

export type Seasonality = 'auto' | 'none' | 'daily' | 'weekly';

export interface SeriesDetectorConfig {
  /** Score at or above which `isAnomaly` is true (the paging threshold; also used by alarm suppression). */
  threshold: number;
  /**
   * Cold start: a series is judged (alarms, records, the paging band) once it has `warmupPoints`
   * points or `warmupMs` of event time, whichever comes first, but never on fewer than
   * `minWarmupPoints`. Points alone made warm-up depend on the scrape interval (120 points are 10 min
   * at 5 s but 2 h at 60 s); time alone would judge a 1-minute series on a handful of points.
   */
  warmupPoints: number;
  warmupMs: number;
  minWarmupPoints: number;
  /**
   * Hold: while a judged series is outside its band the baselines do not learn (the deviation is judged
   * against the pre-deviation baseline). The hold ends after `holdReleasePoints` consecutive points back
   * in band, or is accepted as a new normal after `maxHoldMs` of event time (or a false-positive mark
   * covering it): the levels then re-anchor at the current value.
   */
  maxHoldMs: number;
  holdReleasePoints: number;
  /**
   * Clock sanity: a point more than max(maxClockJumpMs, 100 typical intervals) ahead of the series'
   * clock is not scored or adopted unless the next point confirms the jump; `clockResyncPoints`
   * consecutive points behind the clock mean the clock itself was wrong, and it resyncs to them.
   */
  maxClockJumpMs: number;
  clockResyncPoints: number;
  /** EW weight of the fast level (recent-value predictor). */
  fastAlpha: number;
  /** EW weight of the slow level (seasonal predictor's base and level-shift reference). */
  slowAlpha: number;
  /** EW weight of residual scales (robust MAD-like spread). */
  scaleAlpha: number;
  /** Residuals are winsorised at this many scales before updating baselines (robustness to outliers). */
  clipZ: number;
  /** 'auto' learns daily and weekly profiles and uses them unless their error is twice the local predictor's. */
  seasonality: Seasonality;
  /** Slots of the daily profile (24 = hourly). */
  slotsPerDay: number;
  /** IANA zone for day/week boundaries (DST-safe local time), e.g. "Europe/Paris". */
  timeZone: string;
  /** Level shifts: EW weights of the two windowed means of the residual from the slow baseline. */
  shiftFastAlpha: number;
  shiftSlowAlpha: number;
  /** Raw component z at which the raw score reaches ~0.63 (1 - e^-1). */
  rawZScale: number;
  /** Anomaly likelihood: EW weight of the long-run mean/variance of raw scores. */
  likelihoodAlpha: number;
  /** Anomaly likelihood: length of the short moving average of raw scores (max 8). */
  likelihoodShortWindow: number;
  /** Records: starting record |z| per component/direction, per-point decay, and score slope per doubling. */
  recordPrior: number;
  recordDecay: number;
  recordSlope: number;
  /**
   * A spike or seasonal residual is a new record only when it beats the decayed record by this factor
   * (level-shift records need none). With decay 0.9999 per point a repeat of the same spike 200 points
   * later is 2% above the decayed record: a tie, not a record.
   */
  recordMargin: number;
  /** New extremes beyond the learned range by this fraction of the range are flagged ("range" detector). */
  rangeTolerance: number;
  /** After an alarm, scores are damped for this many points (repeat alarms add nothing). */
  suppressPoints: number;
  /** Damping factor applied to scores during suppression. */
  suppressFactor: number;
  /** Treat the series as a monotonic counter: values become increments, a drop is a reset. */
  counter: boolean;
  /** A step longer than gapFactor x the typical interval is a gap: short-term memory is reset. */
  gapFactor: number;
  /** Each false-positive mark multiplies the fired pattern's tolerance by this (sensitivity down). */
  falsePositiveStep: number;
  /** Upper bound of a pattern's tolerance multiplier. */
  maxTolerance: number;
}

export const DEFAULT_SERIES_DETECTOR_CONFIG: SeriesDetectorConfig = Object.freeze({
  threshold: 0.5,
  warmupPoints: 120,
  warmupMs: 30 * 60_000,
  minWarmupPoints: 20,
  maxHoldMs: 6 * 3_600_000,
  holdReleasePoints: 3,
  maxClockJumpMs: 86_400_000,
  clockResyncPoints: 8,
  fastAlpha: 0.1,
  slowAlpha: 0.002,
  scaleAlpha: 0.01,
  clipZ: 4,
  seasonality: 'auto',
  slotsPerDay: 24,
  timeZone: 'UTC',
  shiftFastAlpha: 1 / 16,
  shiftSlowAlpha: 1 / 64,
  rawZScale: 3,
  likelihoodAlpha: 0.002,
  likelihoodShortWindow: 8,
  recordPrior: 4,
  recordDecay: 0.9999,
  recordSlope: 0.25,
  recordMargin: 1.05,
  rangeTolerance: 0.05,
  suppressPoints: 100,
  suppressFactor: 0.5,
  counter: false,
  gapFactor: 6,
  falsePositiveStep: 1.3,
  maxTolerance: 8,
}) as SeriesDetectorConfig;

/**
 * Resolved configs by the object they were resolved from (and by themselves): a bank that passes the
 * same overrides to every series shares one config instead of holding a copy per series.
 */
const resolvedConfigs = new WeakMap<Partial<SeriesDetectorConfig>, SeriesDetectorConfig>();

export function resolveConfig(partial?: Partial<SeriesDetectorConfig>): SeriesDetectorConfig {
  // The (frozen) default is shared by every detector that does not override anything.
  if (partial === undefined || Object.keys(partial).length === 0) return DEFAULT_SERIES_DETECTOR_CONFIG;
  const known = resolvedConfigs.get(partial);
  if (known !== undefined) return known;
  const c = validated(Object.freeze({ ...DEFAULT_SERIES_DETECTOR_CONFIG, ...partial }));
  resolvedConfigs.set(c, c);
  // Only a frozen partial cannot change after it was resolved.
  if (Object.isFrozen(partial)) resolvedConfigs.set(partial, c);
  return c;
}

function validated(c: SeriesDetectorConfig): SeriesDetectorConfig {
  if (!(c.slotsPerDay >= 1 && c.slotsPerDay <= 48 && Number.isInteger(c.slotsPerDay))) {
    throw new RangeError(`slotsPerDay must be an integer in 1..48 (got ${c.slotsPerDay})`);
  }
  if (!(c.likelihoodShortWindow >= 1 && c.likelihoodShortWindow <= 8 && Number.isInteger(c.likelihoodShortWindow))) {
    throw new RangeError(`likelihoodShortWindow must be an integer in 1..8 (got ${c.likelihoodShortWindow})`);
  }
  if (!(c.recordMargin >= 1)) throw new RangeError(`recordMargin must be at least 1 (got ${c.recordMargin})`);
  for (const k of ['warmupPoints', 'minWarmupPoints', 'holdReleasePoints', 'clockResyncPoints'] as const) {
    if (!(c[k] >= 1 && Number.isInteger(c[k]))) throw new RangeError(`${k} must be a positive integer (got ${c[k]})`);
  }
  for (const k of ['warmupMs', 'maxHoldMs', 'maxClockJumpMs'] as const) {
    if (!(c[k] > 0)) throw new RangeError(`${k} must be positive (got ${c[k]})`);
  }
  for (const k of ['fastAlpha', 'slowAlpha', 'scaleAlpha', 'likelihoodAlpha'] as const) {
    if (!(c[k] > 0 && c[k] <= 1)) throw new RangeError(`${k} must be in (0, 1] (got ${c[k]})`);
  }
  return c;
}
