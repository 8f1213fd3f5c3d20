// Per-series streaming anomaly detector with O(1) state (one Float64Array, < 1 KB).
//
// Per point:
//   1. input hygiene: NaN/Infinity skipped, counter resets turned into increments, gaps detected,
//      duplicate timestamps processed as ordinary points (no clock advance needed);
//   2. two predictors: a local one (fast robust EW level + trend) and a seasonal one (slow level + daily
//      profile + day-of-week offsets in local, DST-safe time); the seasonal one gives the "expected"
//      value unless its running error is more than twice the local one's;
//   3. an ensemble of raw components: robust z of each predictor's residual, a two-sided CUSUM for
//      level shifts, and a range check for new extremes;
//   4. Numenta-style anomaly likelihood: the short moving average of raw scores against the long-run
//      EW mean/variance of that average, Gaussian tail probability, log-scaled to [0, 1] so one
//      threshold fits every series;
//   5. repeat-alarm suppression for a while after an alarm.
// Baselines are updated with winsorised residuals, and not at all inside incident windows.
import { resolveConfig, type SeriesDetectorConfig, DEFAULT_SERIES_DETECTOR_CONFIG } from './config.js';
import * as localTime from './local-time.js';
import type { LocalClock } from './local-time.js';
import * as normal from './normal-distribution.js';
import type { StateSlab } from './state-slab.js';
import * as layout from './state-layout.js';
import type { Layout, PatternName, ResidentLayout } from './state-layout.js';

// The hot path's imports, bound to module constants once: a loader that compiles modules with
// export getters (tsx under `node --import tsx`, vitest) made every S.X and helper call a getter
// call, 35% of the self time in a profile and about half the throughput.
const { ALARM_RING, BASELINE_SLOTS, INCIDENT_RING, PATTERNS, PRE_INDEX, PRE_SLOTS, S, SHORT_RING, STATE_VERSION, STATE_VERSION_V1, T, WEEK_DAYS, layoutFor } = layout;
const { clockFor, dayOfWeek, daySlot } = localTime;
const { normalTail } = normal;

export { DEFAULT_SERIES_DETECTOR_CONFIG };
export type { SeriesDetectorConfig };

export type Direction = 'up' | 'down' | 'none';

/** Which component drove the score. */
export type DetectorComponent = 'spike' | 'seasonal' | 'level-shift' | 'range' | 'none' | 'warmup' | 'invalid-input';

export interface SeriesVerdict {
  /** Calibrated anomaly score in [0, 1] (log-scaled anomaly likelihood); comparable across series. */
  score: number;
  /** score >= config.threshold. */
  isAnomaly: boolean;
  /** The value that was scored (the increment, for counters). */
  observed: number;
  /** What the better predictor expected. */
  expected: number;
  /** Band of normal values around expected. */
  lower: number;
  upper: number;
  direction: Direction;
  /** Component that fired (or dominated the score). */
  detector: DetectorComponent;
}

export interface SeriesDetectorState {
  version: number;
  /** slotsPerDay the state was laid out for (part of the layout). */
  slotsPerDay: number;
  /** Little-endian Float64 state, base64. */
  data: string;
}

const ONE_DAY = 86_400_000;
const MAD_TO_SIGMA = 1.2533; // sigma / mean-absolute-deviation for a Gaussian
const BAND_Z = 4;
const SEASON_ALPHA = 0.05; // per visit of a daily slot
/**
 * 'auto' keeps the seasonal predictor (slow level + daily profile + weekday offsets) until its running
 * error exceeds this multiple of the local predictor's. A one-step tracker always has the smaller error
 * on autocorrelated data, but it follows an anomaly within a few points, so a plain "lower error wins"
 * rule (0.9 before) mostly picked it and hid sustained deviations. NAB dev subset: 73.5 -> 75.1
 * (standard); any ratio from 1.3 to 10 scores 75.0 to 75.3, and always-seasonal loses 1.7.
 */
const SEASONAL_ERROR_RATIO = 2;
const WEEK_ALPHA = 0.01;
const LIK_MEAN_FLOOR = 0.03; // Numenta's lower bounds on the raw-score distribution
const LIK_VAR_FLOOR = 0.0003;
const LOG_P_FLOOR = 1e-10;
/** Output score of the weakest alarm; non-alarms stay below QUIET_MAX. */
export const ALARM_SCORE = 0.5;
const QUIET_MAX = 0.45;
const SHADOW_ROTATE = 128;
/** Band widening while young: half-width x (1 + BAND_YOUTH / sqrt(points)); x1.67 at 20 points, x1.14 at 480. */
const BAND_YOUTH = 3;
/**
 * While young (YOUTH_POINTS), the band's sigma is at least a running-mean spread, fading out over those
 * points: the EW spreads start at zero and need a few 1/scaleAlpha points to grow into place.
 */
const YOUTH_POINTS = 480;
/**
 * A hold this many out-of-band points long stops the daily profile learning (it has no copy), and one
 * RESTORE_POINTS long restores the scoring baseline to the pre-deviation copy when it ends. Shorter
 * ones are mostly heavy tails: doing either from the third point on cost NAB dev 0.4 (profile) and
 * 3.7 (restore) points of the standard score; 10 / 30 cost nothing (10 to 20 / 30 to 100 all score 77.9-78.0).
 */
const PROFILE_FREEZE_POINTS = 10;
const RESTORE_POINTS = 30;
/** Largest factor by which an accepted new level widens the spreads. */
const MAX_REANCHOR_RATIO = 10;
/** Consecutive out-of-band points that make a hold (the paging rule's minRun). */
const HOLD_START_POINTS = 3;

const PAT: Record<PatternName, number> = Object.fromEntries(PATTERNS.map((p, i) => [p, i])) as Record<PatternName, number>;

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/**
 * What every detector of one config shares: the config, both layouts and the zone's clock (one
 * object per config, so a detector holds one reference instead of four).
 */
interface Kind {
  readonly config: SeriesDetectorConfig;
  /** Resident layout: offsets into the detector's own state. */
  readonly L: ResidentLayout;
  /** Checkpoint layout. */
  readonly W: Layout;
  readonly clock: LocalClock;
}

const kinds = new WeakMap<SeriesDetectorConfig, Kind>();

function kindOf(config: SeriesDetectorConfig): Kind {
  let k = kinds.get(config);
  if (k === undefined) {
    const W = layoutFor(config.slotsPerDay);
    k = Object.freeze({ config, L: W.resident, W, clock: clockFor(config.timeZone) });
    kinds.set(config, k);
  }
  return k;
}

/** Fresh pattern tolerances, what a detector without a side block reads. Never written. */
const FRESH_TOLERANCE = new Float64Array(PATTERNS.length).fill(1);
/** The side block: pattern tolerances, then the (ts, pattern) alarm ring, then the (start, end) incident ring. */
const SIDE_ALARMS = PATTERNS.length;
const SIDE_INCIDENTS = SIDE_ALARMS + ALARM_RING * 2;
const SIDE_LENGTH = SIDE_INCIDENTS + INCIDENT_RING * 2;

function freshSide(): Float64Array {
  const x = new Float64Array(SIDE_LENGTH).fill(Number.NaN);
  x.set(FRESH_TOLERANCE);
  return x;
}

function rawFromZ(z: number, scale: number): number {
  const q = z / scale;
  return 1 - Math.exp(-0.5 * q * q);
}

export class SeriesDetector {
  private readonly k: Kind;
  /** The state: `s[o]` to `s[o + L.length - 1]` (a slab chunk, or an array of its own with o = 0). */
  private readonly s: Float64Array;
  private readonly o: number;
  /**
   * Tolerances, alarm ring and incident ring (SIDE_*), from the first alarm, feedback or incident
   * mark on; before that they hold their fresh values, so there is nothing to hold.
   */
  private x: Float64Array | undefined = undefined;

  /**
   * `slab`: carve the state out of a shared buffer (a bank of many series) instead of an ArrayBuffer
   * of its own; the numbers and the results are the same either way.
   */
  constructor(config?: Partial<SeriesDetectorConfig>, slab?: StateSlab) {
    this.k = kindOf(resolveConfig(config));
    const L = this.k.L;
    if (slab !== undefined) {
      const at = slab.take(L.length);
      this.s = at.data;
      this.o = at.offset;
    } else {
      this.s = new Float64Array(L.length);
      this.o = 0;
    }
    const s = this.s;
    const o = this.o;
    s[o + S.LAST_TS] = Number.NaN;
    s[o + S.LAST_RAW] = Number.NaN;
    s[o + S.MIN] = Number.POSITIVE_INFINITY;
    s[o + S.MAX] = Number.NEGATIVE_INFINITY;
    s[o + S.LIK_MEAN] = Number.NaN;
    s.fill(this.config.recordPrior, o + S.REC_SPIKE_UP, o + S.REC_SHIFT_DOWN + 1);
    s[o + S.SHADOW_TS] = Number.NaN;
    s[o + S.PENDING_TS] = Number.NaN;
    s.fill(Number.NaN, o + L.day, o + L.day + L.slotsPerDay);
    s.fill(0, o + L.week, o + L.week + WEEK_DAYS);
    this.initTail();
  }

  get config(): SeriesDetectorConfig {
    return this.k.config;
  }

  /** Version-2 scalars at their fresh values (also what a migrated version-1 state gets). */
  private initTail(): void {
    const s = this.s;
    const o = this.o;
    const t = this.k.L.tail;
    s[o + t + T.FIRST_TS] = Number.NaN;
    s[o + t + T.RUN_TS] = Number.NaN;
    s[o + t + T.OUT_RUN] = 0;
    s[o + t + T.IN_RUN] = 0;
    s[o + t + T.AHEAD_TS] = Number.NaN;
    s[o + t + T.BEHIND_RUN] = 0;
    s[o + t + T.YOUNG_SCALE] = 0;
    s.fill(Number.NaN, o + t + T.PRE, o + t + T.PRE + PRE_SLOTS.length);
  }

  /**
   * The series' clock: the latest event time it has adopted (NaN before the first point). A caller
   * that drops out-of-order points should compare against this rather than the largest timestamp it
   * has seen, which one far-future point can poison for good.
   */
  get clockMs(): number {
    return this.s[this.o + S.LAST_TS] as number;
  }

  /** Event time since which the series has been outside its band (NaN when it is not). */
  get holdSinceMs(): number {
    const s = this.s;
    const o = this.o;
    // -Infinity: a false-positive mark accepted the hold; it ends at the next point outside the band.
    return (s[o + this.k.L.tail + T.OUT_RUN] as number) >= HOLD_START_POINTS ? (s[o + this.k.L.tail + T.RUN_TS] as number) : Number.NaN;
  }

  /** Bytes of numeric state this series holds (the shared fresh tolerances not counted). */
  get stateBytes(): number {
    return (this.k.L.length + (this.x === undefined ? 0 : SIDE_LENGTH)) * Float64Array.BYTES_PER_ELEMENT;
  }

  /** Scores one point. Rows must come in time order; equal timestamps are fine. Never throws on data. */
  update(tsMs: number, value: number): SeriesVerdict {
    const s = this.s;
    const o = this.o;
    const c = this.k.config;
    const L = this.k.L;
    if (!Number.isFinite(value) || !Number.isFinite(tsMs)) return this.invalidVerdict(value);
    const tl = L.tail;
    if (!this.clockSane(tsMs)) return this.invalidVerdict(value);
    if (Number.isNaN(s[o + tl + T.FIRST_TS] as number)) s[o + tl + T.FIRST_TS] = tsMs;

    // Counter mode: a monotonic counter becomes increments; a drop is a reset (the new value is the increment).
    let x = value;
    if (c.counter) {
      const prev = s[o + S.LAST_RAW] as number;
      s[o + S.LAST_RAW] = value;
      if (Number.isNaN(prev)) {
        s[o + S.LAST_TS] = tsMs;
        return this.warmupVerdict(value, value);
      }
      x = value >= prev ? value - prev : value;
    }

    const n = s[o + S.N] as number;
    // Cold start ends on points or on event time (the series' sane clock), whichever comes first, but
    // never on too few points.
    const judged = n >= c.warmupPoints || (n >= c.minWarmupPoints && Math.max(tsMs, s[o + S.LAST_TS] as number) - (s[o + tl + T.FIRST_TS] as number) >= c.warmupMs);
    // Sampling interval and gaps.
    const lastTs = s[o + S.LAST_TS] as number;
    const step = tsMs - lastTs;
    let gap = false;
    if (n > 0 && step > 0) {
      const dt = s[o + S.DT] as number;
      if (dt > 0 && step > c.gapFactor * dt && (s[o + S.STEP_COUNT] as number) >= 8) {
        gap = true;
      } else {
        s[o + S.DT] = dt > 0 ? dt + 0.05 * (Math.min(step, 4 * dt) - dt) : step;
        s[o + S.STEP_COUNT] = (s[o + S.STEP_COUNT] as number) + 1;
      }
    }
    if (gap) {
      // Short-term memory does not carry across a gap.
      s[o + S.SHORT_SUM] = 0;
      s[o + S.SHORT_COUNT] = 0;
      s[o + S.FAST_TREND] = 0;
    }
    if (!(tsMs <= lastTs)) s[o + S.LAST_TS] = tsMs;

    if (n === 0) {
      s[o + S.FAST] = x;
      s[o + S.SLOW] = x;
      s[o + S.MIN] = x;
      s[o + S.MAX] = x;
      s[o + S.N] = 1;
      return this.warmupVerdict(x, x);
    }

    // Calendar position (local, DST-safe).
    const local = this.k.clock.local(tsMs);
    const slot = L.day + daySlot(local, L.slotsPerDay);
    const dow = L.week + dayOfWeek(local);

    // Predictors.
    const fast = s[o + S.FAST] as number;
    const trend = s[o + S.FAST_TREND] as number;
    const slow = s[o + S.SLOW] as number;
    const range = (s[o + S.MAX] as number) - (s[o + S.MIN] as number);
    const floor = 1e-9 + 1e-3 * range + 1e-6 * Math.abs(slow);
    const predLocal = fast + trend;
    const sigLocal = MAD_TO_SIGMA * (s[o + S.FAST_SCALE] as number) + floor;
    const dayVal = s[o + slot] as number;
    const seasReady = c.seasonality !== 'none' && !Number.isNaN(dayVal) && (s[o + S.SEAS_POINTS] as number) >= this.pointsPerDay() * 2;
    const useWeek = c.seasonality === 'weekly' || c.seasonality === 'auto';
    const predSeas = slow + (Number.isNaN(dayVal) ? 0 : dayVal) + (useWeek ? (s[o + dow] as number) : 0);
    const sigSeas = MAD_TO_SIGMA * (s[o + S.SEAS_SCALE] as number) + floor;
    const seasonalBetter = seasReady && (c.seasonality !== 'auto' || sigSeas < SEASONAL_ERROR_RATIO * sigLocal);
    const expected = seasonalBetter ? predSeas : predLocal;
    const sigma = seasonalBetter ? sigSeas : sigLocal;

    // Components (each divided by its pattern's tolerance, raised by false-positive feedback).
    const tol = this.x ?? FRESH_TOLERANCE;
    const zL = (x - predLocal) / sigLocal;
    const zLt = zL / (tol[zL >= 0 ? PAT['spike-up'] : PAT['spike-down']] as number);
    let rawSpike = rawFromZ(zLt, c.rawZScale);
    let rawSeas = 0;
    let zS = 0;
    if (seasReady) {
      zS = (x - predSeas) / sigSeas;
      const zSt = zS / (tol[zS >= 0 ? PAT['seasonal-up'] : PAT['seasonal-down']] as number);
      rawSeas = rawFromZ(zSt, c.rawZScale);
      // Trust the better predictor; the other one's surprise is discounted.
      if (seasonalBetter) rawSpike *= 0.5;
      else rawSeas *= 0.5;
    }
    // Level shift: windowed means of the residual from the slow (deseasonalised) baseline, each
    // standardised by its own long-run spread (so autocorrelated series are not over-alarmed).
    const shiftBase = seasReady ? predSeas : slow;
    const sigShift = MAD_TO_SIGMA * (s[o + S.SLOW_SCALE] as number) + floor;
    const eShift = clamp(x - shiftBase, -c.clipZ * sigShift, c.clipZ * sigShift);
    const mF = (s[o + S.SHIFT_FAST] as number) + c.shiftFastAlpha * (eShift - (s[o + S.SHIFT_FAST] as number));
    const mS = (s[o + S.SHIFT_SLOW] as number) + c.shiftSlowAlpha * (eShift - (s[o + S.SHIFT_SLOW] as number));
    const zF = mF / (MAD_TO_SIGMA * (s[o + S.SHIFT_FAST_SCALE] as number) + floor);
    const zSl = mS / (MAD_TO_SIGMA * (s[o + S.SHIFT_SLOW_SCALE] as number) + floor);
    const zShift = Math.abs(zF) >= Math.abs(zSl) ? zF : zSl;
    const shiftUp = zShift >= 0;
    const rawShift = rawFromZ(zShift / (tol[shiftUp ? PAT['level-shift-up'] : PAT['level-shift-down']] as number), c.rawZScale);

    let raw = rawSpike;
    let comp: DetectorComponent = 'spike';
    let zDir = zL;
    if (rawSeas > raw) {
      raw = rawSeas;
      comp = 'seasonal';
      zDir = zS;
    }
    if (rawShift > raw) {
      raw = rawShift;
      comp = 'level-shift';
      zDir = shiftUp ? 1 : -1;
    }

    // Anomaly likelihood on the short average of raw scores.
    const k = c.likelihoodShortWindow;
    const head = s[o + S.SHORT_HEAD] as number;
    const cnt = s[o + S.SHORT_COUNT] as number;
    let sum = s[o + S.SHORT_SUM] as number;
    if (cnt >= k) sum -= s[o + L.short + ((head - k + SHORT_RING) % SHORT_RING)] as number;
    s[o + L.short + head] = raw;
    sum += raw;
    s[o + S.SHORT_SUM] = sum;
    s[o + S.SHORT_HEAD] = (head + 1) % SHORT_RING;
    const used = Math.min(cnt + 1, k);
    s[o + S.SHORT_COUNT] = used;
    const avg = sum / used;
    const la = c.likelihoodAlpha;
    const pAvg = this.likelihood(S.LIK_MEAN, S.LIK_VAR, avg, la);
    let score = Math.min(1, Math.log(pAvg + LOG_P_FLOOR) / Math.log(LOG_P_FLOOR));

    // Records: a residual bigger than anything this series did lately (per component and direction).
    // Records are kept only from the end of the warm-up on: before that the scales are still growing
    // from zero, so early residuals have absurd z (1e5 on a traffic sensor) and such a record would
    // outlive the series (decay 0.9999 per point) and mute every later record alarm.
    const zMain = seasonalBetter ? zS : zL;
    const zMainT = zMain / (tol[seasonalBetter ? (zMain >= 0 ? PAT['seasonal-up'] : PAT['seasonal-down']) : zMain >= 0 ? PAT['spike-up'] : PAT['spike-down']] as number);
    const zShiftT = zShift / (tol[shiftUp ? PAT['level-shift-up'] : PAT['level-shift-down']] as number);
    // Records and the range need a long-run picture (the scales' size, the learnt range): they start on
    // the points rule even when event time ended the warm-up earlier.
    const longRun = n >= c.warmupPoints;
    const recordsOn = longRun;
    // A residual must beat its record by recordMargin: a spike the size of the last one, once the record
    // has decayed a little, is a tie, not a record. The windowed means climb smoothly, so their first
    // crossing of the record is always marginal; they need no margin.
    const recSpike = recordsOn ? this.record(zMainT >= 0 ? S.REC_SPIKE_UP : S.REC_SPIKE_DOWN, Math.abs(zMainT), c.recordMargin) : 0;
    const recShift = recordsOn ? this.record(shiftUp ? S.REC_SHIFT_UP : S.REC_SHIFT_DOWN, Math.abs(zShiftT), 1) : 0;
    const recScore = Math.max(recSpike, recShift);
    if (recScore > score) {
      score = recScore;
      if (recShift > recSpike) {
        comp = 'level-shift';
        zDir = zShift;
      } else {
        comp = seasonalBetter ? 'seasonal' : 'spike';
        zDir = zMain;
      }
    }

    // Range: a new extreme well beyond everything seen.
    const rmin = s[o + S.MIN] as number;
    const rmax = s[o + S.MAX] as number;
    if (longRun) {
      const tUp = c.rangeTolerance * (tol[PAT['range-up']] as number);
      const tDn = c.rangeTolerance * (tol[PAT['range-down']] as number);
      if (x > rmax + tUp * range && range > 0) {
        score = 1;
        comp = 'range';
        zDir = 1;
      } else if (x < rmin - tDn * range && range > 0) {
        score = 1;
        comp = 'range';
        zDir = -1;
      }
    }

    // False-positive feedback discounts the evidence of the pattern that would fire.
    {
      const base = comp === 'spike' ? 0 : comp === 'seasonal' ? 2 : comp === 'level-shift' ? 4 : 6; // PATTERNS order
      score /= tol[base + (zDir >= 0 ? 0 : 1)] as number;
    }

    // Cold start.
    if (!judged) {
      score = 0;
      comp = 'warmup';
    }

    // Repeat-alarm suppression, then the output mapping: alarms land in [0.5, 1], everything else in
    // [0, 0.45), so the paging decision is exactly score >= 0.5 whatever the internal threshold.
    const left = s[o + S.SUPPRESS_LEFT] as number;
    let fired = false;
    if (left > 0) {
      score *= c.suppressFactor;
      s[o + S.SUPPRESS_LEFT] = left - 1;
    }
    if (score >= c.threshold) {
      fired = true;
      s[o + S.SUPPRESS_LEFT] = c.suppressPoints;
      score = ALARM_SCORE + (1 - ALARM_SCORE) * ((score - c.threshold) / (1 - c.threshold || 1));
    } else {
      score = QUIET_MAX * (score / c.threshold);
    }
    const direction: Direction = zDir > 0 ? 'up' : zDir < 0 ? 'down' : 'none';
    if (fired) this.recordAlarm(tsMs, comp, direction);
    s[o + S.LAST_SCORE] = score;

    // The paging band: during a hold, the pre-deviation baseline's; otherwise the scoring one's, widened
    // while the series is young (its spreads are still growing from zero) so early bands do not flood.
    const holding = (s[o + tl + T.OUT_RUN] as number) >= HOLD_START_POINTS;
    let bandExpected = expected;
    let bandSigma: number;
    if (holding) {
      const pre = tl + T.PRE;
      const hLocal = (s[o + pre + PRE_INDEX.FAST] as number) + (s[o + pre + PRE_INDEX.FAST_TREND] as number);
      const hSigLocal = MAD_TO_SIGMA * (s[o + pre + PRE_INDEX.FAST_SCALE] as number) + floor;
      const hSeas = predSeas - slow + (s[o + pre + PRE_INDEX.SLOW] as number);
      const hSigSeas = MAD_TO_SIGMA * (s[o + pre + PRE_INDEX.SEAS_SCALE] as number) + floor;
      const hSeasBetter = seasReady && (c.seasonality !== 'auto' || hSigSeas < SEASONAL_ERROR_RATIO * hSigLocal);
      bandExpected = hSeasBetter ? hSeas : hLocal;
      bandSigma = hSeasBetter ? hSigSeas : hSigLocal;
    } else bandSigma = sigma;
    const young = n < YOUTH_POINTS;
    if (young) {
      const ys = MAD_TO_SIGMA * (s[o + tl + T.YOUNG_SCALE] as number) * (1 - n / YOUTH_POINTS);
      bandSigma = Math.max(bandSigma, ys) * (1 + BAND_YOUTH / Math.sqrt(n));
    }
    const half = BAND_Z * bandSigma;
    const outside = judged && (x > bandExpected + half || x < bandExpected - half);
    // The young spread learns from in-band points only (a fault must not widen the band that judges it).
    if (young && !outside && !holding) {
      const ys = s[o + tl + T.YOUNG_SCALE] as number;
      s[o + tl + T.YOUNG_SCALE] = ys + (Math.abs(x - predLocal) - ys) / n;
    }
    // Inside a marked incident nothing is accepted as normal, however long it lasts.
    const incident = this.inIncident(tsMs);
    const accepted = this.holdStep(tsMs, outside, incident);
    if (accepted === 'operator') this.reanchor(x, bandExpected, slot, dow, seasReady);

    // Learn, unless inside an incident window. A level-shift alarm re-anchors the slow level only once
    // the series has its long-run picture (an event-time warm-up can end on 20 points: NAB dev 78.0 -> 76.9
    // when young alarms re-anchored it). The scoring baseline keeps learning during a hold (its
    // score is the NAB-tuned one, which wants one alarm per anomaly), but not the daily profile, which has
    // no copy; the hold's own band stays the pre-deviation one, and holdStep restores it on the way out.
    // The point that restored the pre-deviation baseline is not learnt: its predictions were taken from
    // the baseline that followed the fault, and learning from them would write that one back.
    if (!incident && accepted !== 'restored') {
      this.learn(x, zL, sigLocal, predLocal, predSeas, sigSeas, slot, dow, seasReady, mF, mS, comp === 'level-shift' && fired && longRun, holding && (s[o + tl + T.OUT_RUN] as number) >= PROFILE_FREEZE_POINTS);
      if (score < 0.3 * ALARM_SCORE && left <= 0) this.saveShadow(tsMs);
    }
    s[o + S.N] = n + 1;

    return {
      score,
      isAnomaly: fired,
      observed: x,
      expected: bandExpected,
      lower: bandExpected - half,
      upper: bandExpected + half,
      direction,
      detector: !judged ? 'warmup' : score > 0 ? comp : 'none',
    };
  }

  /**
   * Clock sanity. Returns false for a point that must be ignored: more than a bounded amount ahead of
   * the series' clock and not (yet) confirmed by the next point, so one far-future timestamp cannot drag
   * the clock away. Points behind the clock are scored; a run of them resyncs the clock (it was wrong).
   */
  private clockSane(tsMs: number): boolean {
    const s = this.s;
    const o = this.o;
    const c = this.k.config;
    const tl = this.k.L.tail;
    const lastTs = s[o + S.LAST_TS] as number;
    if (Number.isNaN(lastTs)) return true;
    const dt = s[o + S.DT] as number;
    const bound = Math.max(c.maxClockJumpMs, 100 * (dt > 0 ? dt : 0));
    if (tsMs - lastTs > bound) {
      const ahead = s[o + tl + T.AHEAD_TS] as number;
      // Confirmed when the previous point jumped too, to about the same time: the series really moved on.
      if (!(Math.abs(tsMs - ahead) <= bound)) {
        s[o + tl + T.AHEAD_TS] = tsMs;
        return false;
      }
    }
    s[o + tl + T.AHEAD_TS] = Number.NaN;
    if (tsMs < lastTs) {
      const behind = (s[o + tl + T.BEHIND_RUN] as number) + 1;
      if (behind >= c.clockResyncPoints) {
        s[o + S.LAST_TS] = tsMs;
        s[o + tl + T.BEHIND_RUN] = 0;
      } else s[o + tl + T.BEHIND_RUN] = behind;
    } else s[o + tl + T.BEHIND_RUN] = 0;
    return true;
  }

  /**
   * The hold rule, on a judged point's position against the paging band. HOLD_START_POINTS consecutive
   * points outside it make a hold: the band is then the baseline copied just before the run, so a lasting
   * fault stays measured against the pre-fault normal instead of being learnt within minutes.
   * holdReleasePoints points back inside end it, and the scoring baseline goes back to that copy too
   * (what it learnt from the fault is forgotten). A hold that lasts maxHoldMs of event time is a new
   * normal ('time'): it ends, and the band is the scoring baseline's, which has been following the new
   * level all along. One that a false-positive mark accepted (RUN_TS = -Infinity) ends too ('operator'),
   * and the caller re-anchors the baseline at the current value at once. (Re-anchoring on 'time' as
   * well cost NAB dev 3.4 points: a level held for 6 h is mostly a drift the scoring baseline tracked.)
   */
  private holdStep(tsMs: number, outside: boolean, incident: boolean): 'no' | 'time' | 'operator' | 'restored' {
    const s = this.s;
    const o = this.o;
    const tl = this.k.L.tail;
    const run = s[o + tl + T.OUT_RUN] as number;
    const holding = run >= HOLD_START_POINTS;
    if (outside) {
      s[o + tl + T.IN_RUN] = 0;
      if (run === 0) {
        s[o + tl + T.RUN_TS] = tsMs;
        for (let i = 0; i < PRE_SLOTS.length; i++) s[o + tl + T.PRE + i] = s[o + (PRE_SLOTS[i] as number)] as number;
      }
      s[o + tl + T.OUT_RUN] = run + 1;
      const since = s[o + tl + T.RUN_TS] as number;
      if (!incident && run + 1 >= HOLD_START_POINTS && tsMs - since >= this.k.config.maxHoldMs) {
        this.endHold();
        return since === Number.NEGATIVE_INFINITY ? 'operator' : 'time';
      }
      return 'no';
    }
    if (!holding) {
      if (run > 0) this.endHold();
      return 'no';
    }
    const inRun = (s[o + tl + T.IN_RUN] as number) + 1;
    if (inRun < this.k.config.holdReleasePoints) {
      s[o + tl + T.IN_RUN] = inRun;
      return 'no';
    }
    const restore = (s[o + tl + T.OUT_RUN] as number) >= RESTORE_POINTS;
    if (restore) for (let i = 0; i < PRE_SLOTS.length; i++) s[o + (PRE_SLOTS[i] as number)] = s[o + tl + T.PRE + i] as number;
    this.endHold();
    return restore ? 'restored' : 'no';
  }

  /**
   * Accepts x as the new normal level. Telemetry noise mostly scales with its level (latency, error
   * counts), so the spreads grow by the level ratio when the level went up; they never shrink here.
   */
  private reanchor(x: number, oldExpected: number, slot: number, dow: number, seasReady: boolean): void {
    const s = this.s;
    const o = this.o;
    s[o + S.FAST] = x;
    s[o + S.FAST_TREND] = 0;
    const day = s[o + slot] as number;
    s[o + S.SLOW] = seasReady && !Number.isNaN(day) ? x - day - (s[o + dow] as number) : x;
    s[o + S.SHIFT_FAST] = 0;
    s[o + S.SHIFT_SLOW] = 0;
    const ratio = oldExpected > 0 && x > oldExpected ? Math.min(x / oldExpected, MAX_REANCHOR_RATIO) : 1;
    for (const k of [S.FAST_SCALE, S.SEAS_SCALE, S.SLOW_SCALE] as const) s[o + k] = (s[o + k] as number) * ratio;
  }

  private endHold(): void {
    const s = this.s;
    const o = this.o;
    const tl = this.k.L.tail;
    s[o + tl + T.RUN_TS] = Number.NaN;
    s[o + tl + T.OUT_RUN] = 0;
    s[o + tl + T.IN_RUN] = 0;
  }


  /** Gaussian tail probability of v under the slot pair's EW mean/variance, then updates them. */
  private likelihood(meanSlot: number, varSlot: number, v: number, alpha: number): number {
    const s = this.s;
    const o = this.o;
    let mean = s[o + meanSlot] as number;
    let variance = s[o + varSlot] as number;
    if (Number.isNaN(mean)) {
      mean = v;
      variance = 0;
    }
    const mu = Math.max(mean, LIK_MEAN_FLOOR);
    const sd = Math.sqrt(Math.max(variance, LIK_VAR_FLOOR));
    const p = normalTail((v - mu) / sd);
    const d = v - mean;
    s[o + meanSlot] = mean + alpha * d;
    s[o + varSlot] = (1 - alpha) * (variance + alpha * d * d);
    return p;
  }

  /** Score of |z| against the slot's decaying record times margin (0.5 = beats it by exactly margin), then updates the record. */
  private record(slot: number, absZ: number, margin: number): number {
    const s = this.s;
    const o = this.o;
    const c = this.k.config;
    const rec = s[o + slot] as number;
    const score = absZ > 0 ? clamp(0.5 + c.recordSlope * Math.log2(absZ / (rec * margin)), 0, 1) : 0;
    s[o + slot] = Math.max(c.recordPrior, rec * c.recordDecay, absZ);
    return score;
  }

  private pointsPerDay(): number {
    const dt = this.s[this.o + S.DT] as number;
    return dt > 0 ? Math.min(ONE_DAY / dt, 2880) : Number.POSITIVE_INFINITY;
  }

  private learn(
    x: number,
    zL: number,
    sigLocal: number,
    predLocal: number,
    predSeas: number,
    sigSeas: number,
    slot: number,
    dow: number,
    seasReady: boolean,
    mF: number,
    mS: number,
    shiftFired: boolean,
    deviating: boolean,
  ): void {
    const s = this.s;
    const o = this.o;
    const c = this.k.config;
    const clip = c.clipZ;
    // Local predictor: winsorised EW level with a damped trend.
    const eL = clamp(zL, -clip, clip) * sigLocal;
    const fastOld = s[o + S.FAST] as number;
    const fastNew = predLocal + c.fastAlpha * eL;
    s[o + S.FAST] = fastNew;
    s[o + S.FAST_TREND] = 0.9 * ((s[o + S.FAST_TREND] as number) + 0.02 * (fastNew - fastOld - (s[o + S.FAST_TREND] as number)));
    const sa = c.scaleAlpha;
    s[o + S.FAST_SCALE] = (s[o + S.FAST_SCALE] as number) + sa * (Math.min(Math.abs(x - predLocal), clip * sigLocal) - (s[o + S.FAST_SCALE] as number));

    // Seasonal predictor.
    const slow = s[o + S.SLOW] as number;
    const sigShift = MAD_TO_SIGMA * (s[o + S.SLOW_SCALE] as number);
    if (c.seasonality !== 'none' && !deviating) {
      const dayVal = s[o + slot] as number;
      const weekVal = s[o + dow] as number;
      const resid = x - slow - weekVal;
      if (Number.isNaN(dayVal)) s[o + slot] = resid;
      else {
        const lim = clip * sigSeas;
        s[o + slot] = dayVal + SEASON_ALPHA * (clamp(resid, dayVal - lim, dayVal + lim) - dayVal);
      }
      if (seasReady) {
        const eS = x - predSeas;
        s[o + S.SEAS_SCALE] = (s[o + S.SEAS_SCALE] as number) + sa * (Math.min(Math.abs(eS), clip * sigSeas) - (s[o + S.SEAS_SCALE] as number));
        if (c.seasonality === 'weekly' || c.seasonality === 'auto') {
          s[o + dow] = weekVal + WEEK_ALPHA * clamp(eS, -clip * sigSeas, clip * sigSeas);
        }
      } else {
        // Until the seasonal predictor is ready its error is unknown: start it from the spread around
        // its own base (the slow level, daily swing still in it), never below the local predictor's.
        // A scale that starts too wide shrinks into place within a few 1/scaleAlpha points, and 'auto'
        // switches once it has; one that starts too narrow (the local one-step error, as before)
        // inflates every seasonal z right after the switch: ordinary points raise record alarms then,
        // and the records they set mute the seasonal residual's record alarms for days after.
        s[o + S.SEAS_SCALE] = Math.max(s[o + S.FAST_SCALE] as number, s[o + S.SLOW_SCALE] as number);
      }
      s[o + S.SEAS_POINTS] = (s[o + S.SEAS_POINTS] as number) + 1;
    }
    // Slow level and its scale (the seasonal part is removed first when ready).
    const dayNow = s[o + slot] as number;
    const base = seasReady && !Number.isNaN(dayNow) ? x - dayNow - (s[o + dow] as number) : x;
    const eSlow = base - slow;
    const limSlow = clip * (sigShift > 0 ? sigShift : Math.abs(eSlow));
    s[o + S.SLOW] = slow + c.slowAlpha * clamp(eSlow, -limSlow, limSlow);
    s[o + S.SLOW_SCALE] = (s[o + S.SLOW_SCALE] as number) + sa * (Math.min(Math.abs(eSlow), limSlow || Math.abs(eSlow)) - (s[o + S.SLOW_SCALE] as number));

    // Windowed residual means and their spreads; after a detected shift the slow level jumps to
    // the new level and the means restart.
    if (shiftFired) {
      s[o + S.SHIFT_FAST] = 0;
      s[o + S.SHIFT_SLOW] = 0;
      s[o + S.SLOW] = seasReady && !Number.isNaN(dayNow) ? (s[o + S.FAST] as number) - dayNow - (s[o + dow] as number) : (s[o + S.FAST] as number);
    } else {
      // The windowed means' spreads warm up as running means (1/n), then settle to their EW weight.
      const ssa = Math.max(sa / 2, 1 / ((s[o + S.N] as number) + 1));
      const fs = s[o + S.SHIFT_FAST_SCALE] as number;
      const ls = s[o + S.SHIFT_SLOW_SCALE] as number;
      s[o + S.SHIFT_FAST_SCALE] = fs + ssa * (Math.min(Math.abs(mF), clip * MAD_TO_SIGMA * fs || Math.abs(mF)) - fs);
      s[o + S.SHIFT_SLOW_SCALE] = ls + ssa * (Math.min(Math.abs(mS), clip * MAD_TO_SIGMA * ls || Math.abs(mS)) - ls);
      s[o + S.SHIFT_FAST] = mF;
      s[o + S.SHIFT_SLOW] = mS;
    }
    // Range.
    if (x < (s[o + S.MIN] as number)) s[o + S.MIN] = x;
    if (x > (s[o + S.MAX] as number)) s[o + S.MAX] = x;
  }

  private invalidVerdict(value: number): SeriesVerdict {
    const e = this.s[this.o + S.FAST] as number;
    return { score: 0, isAnomaly: false, observed: value, expected: e, lower: e, upper: e, direction: 'none', detector: 'invalid-input' };
  }

  private warmupVerdict(x: number, e: number): SeriesVerdict {
    return { score: 0, isAnomaly: false, observed: x, expected: e, lower: e, upper: e, direction: 'none', detector: 'warmup' };
  }

  private recordAlarm(tsMs: number, comp: DetectorComponent, direction: Direction): void {
    const name = `${comp}-${direction}` as PatternName;
    const pat = PAT[name];
    if (pat === undefined) return;
    this.pushPair(S.ALARM_HEAD, SIDE_ALARMS, ALARM_RING, tsMs, pat);
  }

  /** Writes (a, b) at the head of a ring of the side block (allocating it) and advances the head. */
  private pushPair(headSlot: number, ring: number, pairs: number, a: number, b: number): void {
    const s = this.s;
    const o = this.o;
    const x = (this.x ??= freshSide());
    const h = s[o + headSlot] as number;
    x[ring + 2 * h] = a;
    x[ring + 2 * h + 1] = b;
    s[o + headSlot] = (h + 1) % pairs;
  }

  private inIncident(tsMs: number): boolean {
    const x = this.x;
    if (x === undefined) return false;
    for (let i = SIDE_INCIDENTS; i < SIDE_LENGTH; i += 2) {
      const a = x[i] as number;
      if (a === a && tsMs >= a && tsMs <= (x[i + 1] as number)) return true;
    }
    return false;
  }

  /** Calm-point baseline copies: 'pending' (0-128 points old) rotates into 'shadow' (128-256 old). */
  private saveShadow(tsMs: number): void {
    const s = this.s;
    const o = this.o;
    const n = s[o + S.N] as number;
    const pendingN = s[o + S.PENDING_N] as number;
    if (n - pendingN < SHADOW_ROTATE && s[o + S.PENDING_TS] === s[o + S.PENDING_TS]) return;
    const sh = this.k.L.shadow;
    const pe = this.k.L.pending;
    for (let i = 0; i < BASELINE_SLOTS.length; i++) {
      s[o + sh + i] = s[o + pe + i] as number;
      s[o + pe + i] = s[o + (BASELINE_SLOTS[i] as number)] as number;
    }
    s[o + S.SHADOW_TS] = s[o + S.PENDING_TS] as number;
    s[o + S.PENDING_TS] = tsMs;
    s[o + S.PENDING_N] = n;
  }

  /**
   * Marks [startMs, endMs] as an incident: points inside it never update the baselines. When the
   * window has already started, the baselines roll back to the last calm point before it (if that
   * copy predates the window), so what was learnt from the incident is forgotten.
   */
  markIncident(startMs: number, endMs: number): void {
    if (!(endMs >= startMs)) throw new RangeError(`incident end (${endMs}) must not precede start (${startMs})`);
    this.pushPair(S.INCIDENT_HEAD, SIDE_INCIDENTS, INCIDENT_RING, startMs, endMs);
    const s = this.s;
    const o = this.o;
    if (!(startMs <= (s[o + S.LAST_TS] as number))) return;
    // Roll back to the newest calm copy taken before the incident started.
    const pendingTs = s[o + S.PENDING_TS] as number;
    const shadowTs = s[o + S.SHADOW_TS] as number;
    const from = pendingTs < startMs ? this.k.L.pending : shadowTs < startMs ? this.k.L.shadow : -1;
    if (from >= 0) {
      for (let i = 0; i < BASELINE_SLOTS.length; i++) s[o + (BASELINE_SLOTS[i] as number)] = s[o + from + i] as number;
      s[o + S.SHIFT_FAST] = 0;
      s[o + S.SHIFT_SLOW] = 0;
    }
    this.forgetSeasonal(startMs, s[o + S.LAST_TS] as number);
  }

  /**
   * The daily profile and weekday offsets have no calm copy (too big for the state), so the slots an
   * incident already touched are forgotten: a daily slot becomes unknown (the local predictor is used
   * at that time of day until the slot's next visit relearns it) and a weekday offset goes back to 0.
   */
  private forgetSeasonal(fromMs: number, toMs: number): void {
    const s = this.s;
    const o = this.o;
    const L = this.k.L;
    if (toMs - fromMs >= 7 * ONE_DAY) {
      s.fill(Number.NaN, o + L.day, o + L.day + L.slotsPerDay);
      s.fill(0, o + L.week, o + L.week + WEEK_DAYS);
      return;
    }
    // Half-slot steps, so no local slot is skipped across a DST change.
    const step = ONE_DAY / L.slotsPerDay / 2;
    for (let t = fromMs; ; t += step) {
      const at = Math.min(t, toMs);
      const local = this.k.clock.local(at);
      s[o + L.day + daySlot(local, L.slotsPerDay)] = Number.NaN;
      s[o + L.week + dayOfWeek(local)] = 0;
      if (at >= toMs) break;
    }
  }

  /**
   * Marks [startMs, endMs] as a false positive: every alarm pattern (component and direction) that
   * fired inside the window gets less sensitive by config.falsePositiveStep (bounded by maxTolerance).
   * Returns the patterns that were adjusted.
   */
  markFalsePositive(startMs: number, endMs: number): PatternName[] {
    const s = this.s;
    const o = this.o;
    const c = this.k.config;
    const adjusted: PatternName[] = [];
    // An operator calling an ongoing deviation a false positive accepts its level as the new normal:
    // the next point outside the band re-anchors the baseline at its value.
    const holdTs = this.holdSinceMs;
    if (holdTs === holdTs && endMs >= holdTs && startMs <= (s[o + S.LAST_TS] as number)) s[o + this.k.L.tail + T.RUN_TS] = Number.NEGATIVE_INFINITY;
    const x = this.x;
    for (let i = 0; x !== undefined && i < ALARM_RING; i++) {
      const ts = x[SIDE_ALARMS + 2 * i] as number;
      const pat = x[SIDE_ALARMS + 2 * i + 1] as number;
      if (!(ts >= startMs && ts <= endMs) || pat !== pat) continue;
      const name = PATTERNS[pat];
      if (name === undefined) continue;
      // A new extreme is also a large residual: the same pattern seen by the residual detectors.
      const related: PatternName[] =
        name === 'range-up' ? ['range-up', 'spike-up', 'seasonal-up'] : name === 'range-down' ? ['range-down', 'spike-down', 'seasonal-down'] : [name];
      for (const r of related) {
        if (adjusted.includes(r)) continue;
        const slot = PAT[r];
        x[slot] = Math.min(c.maxTolerance, (x[slot] as number) * c.falsePositiveStep);
        adjusted.push(r);
      }
    }
    return adjusted;
  }

  /** Current tolerance multiplier of each alarm pattern (1 = default sensitivity). */
  tolerances(): Record<PatternName, number> {
    return Object.fromEntries(PATTERNS.map((p, i) => [p, (this.x ?? FRESH_TOLERANCE)[i] as number])) as Record<PatternName, number>;
  }

  /** JSON-serialisable, versioned checkpoint of everything the detector has learnt (the full Layout). */
  snapshot(): SeriesDetectorState {
    const { L, W } = this.k;
    const w = new Float64Array(W.length);
    for (const [from, to, n] of L.segments) w.set(this.s.subarray(this.o + from, this.o + from + n), to);
    const x = this.x ?? freshSide();
    w.set(x.subarray(0, SIDE_ALARMS), W.tolerance);
    w.set(x.subarray(SIDE_ALARMS, SIDE_INCIDENTS), W.alarms);
    w.set(x.subarray(SIDE_INCIDENTS, SIDE_LENGTH), W.incidents);
    return { version: STATE_VERSION, slotsPerDay: L.slotsPerDay, data: Buffer.from(w.buffer, w.byteOffset, w.byteLength).toString('base64') };
  }

  /** Rebuilds a detector from a snapshot; config may differ except for slotsPerDay (part of the layout). */
  static restore(state: SeriesDetectorState, config?: Partial<SeriesDetectorConfig>, slab?: StateSlab): SeriesDetector {
    if (state === null || typeof state !== 'object' || (state.version !== STATE_VERSION && state.version !== STATE_VERSION_V1)) {
      throw new RangeError(
        `unsupported series detector state version ${String((state as { version?: unknown } | null)?.version)} (expected ${STATE_VERSION_V1} or ${STATE_VERSION})`,
      );
    }
    // The caller's resolved config when it has the state's layout: a copy per restored series cost
    // about 400 bytes each.
    const resolved = resolveConfig(config);
    const d = new SeriesDetector(resolved.slotsPerDay === state.slotsPerDay ? resolved : { ...resolved, slotsPerDay: state.slotsPerDay }, slab);
    const { L, W } = d.k;
    const buf = Buffer.from(state.data, 'base64');
    // Version 1 is version 2 without the tail (the last block): it keeps the fresh tail.
    const expected = (state.version === STATE_VERSION ? W.length : W.tail) * 8;
    if (buf.byteLength !== expected) {
      throw new RangeError(`series detector state has ${buf.byteLength} bytes, expected ${expected}`);
    }
    const w = new Float64Array(expected / 8);
    new Uint8Array(w.buffer).set(buf);
    for (const [to, from, n] of L.segments) d.s.set(w.subarray(from, Math.min(from + n, w.length)), d.o + to);
    const x = freshSide();
    x.set(w.subarray(W.tolerance, W.tolerance + SIDE_ALARMS), 0);
    x.set(w.subarray(W.alarms, W.alarms + ALARM_RING * 2), SIDE_ALARMS);
    x.set(w.subarray(W.incidents, W.incidents + INCIDENT_RING * 2), SIDE_INCIDENTS);
    // Fresh values (all 1, then NaN) need no side block.
    const fresh = freshSide();
    if (x.some((v, i) => !Object.is(v, fresh[i]))) d.x = x;
    if (state.version === STATE_VERSION_V1) {
      // A version-1 series had no event-time warm-up: it is judged when its points say so, and its
      // clock is whatever it had adopted (the resync rule repairs a poisoned one).
      const s = d.s;
      const o = d.o;
      s[o + L.tail + T.FIRST_TS] = s[o + S.LAST_TS] as number;
    }
    return d;
  }
}
