// Layout of a series detector's state: one Float64Array, so the state is small (no boxed numbers),
// O(1) in the series length, and serialises exactly (base64 of the bytes) for checkpoints.

export const STATE_VERSION = 2;
/** Version 1 lacked the tail slots (T); restore() migrates it. */
export const STATE_VERSION_V1 = 1;

/** Scalar slots. */
export const S = {
  N: 0, // valid points seen
  LAST_TS: 1,
  LAST_RAW: 2, // last raw input (counter mode)
  DT: 3, // EW typical sampling interval (ms)
  FAST: 4, // fast level (local predictor)
  FAST_SCALE: 5, // EW mean |residual| of the local predictor
  SLOW: 6, // slow level (base of the seasonal predictor)
  SEAS_SCALE: 7, // EW mean |residual| of the seasonal predictor
  SLOW_SCALE: 8, // EW mean |x - slow| (level-shift scale)
  SHIFT_FAST: 9, // EW mean (1/16) of the residual from the slow baseline
  SHIFT_SLOW: 10, // EW mean (1/64) of the same residual
  MIN: 11,
  MAX: 12,
  LIK_MEAN: 13,
  LIK_VAR: 14,
  SHORT_SUM: 15,
  SHORT_HEAD: 16,
  SHORT_COUNT: 17,
  SUPPRESS_LEFT: 18,
  LAST_SCORE: 19,
  SEAS_POINTS: 20, // points that updated the seasonal profile
  ALARM_HEAD: 21,
  INCIDENT_HEAD: 22,
  SHADOW_TS: 23, // timestamp of the older calm-point baseline copy (128-256 points old)
  FAST_TREND: 24, // EW slope of the fast level (per point)
  STEP_COUNT: 25, // regular steps seen (for DT warm-up)
  SHIFT_FAST_SCALE: 26, // EW mean |SHIFT_FAST| (its own spread: autocorrelation-aware)
  SHIFT_SLOW_SCALE: 27,
  REC_SPIKE_UP: 28, // decaying record of |z| per component and direction ("biggest seen lately")
  REC_SPIKE_DOWN: 29,
  REC_SHIFT_UP: 30,
  REC_SHIFT_DOWN: 31,
  PENDING_N: 32, // point count at which the pending baseline copy was taken
  PENDING_TS: 33,
} as const;

const SCALARS = 34;

/**
 * Scalars added in version 2. They sit after the arrays, so a version-1 state is a prefix of a
 * version-2 one and migrates by appending them.
 */
export const T = {
  FIRST_TS: 0, // event time of the first point (time-based warm-up)
  RUN_TS: 1, // event time of the first point of the current out-of-band run (NaN: in band)
  OUT_RUN: 2, // consecutive out-of-band points (a hold once it reaches HOLD_START_POINTS)
  IN_RUN: 3, // consecutive in-band points during a hold
  AHEAD_TS: 4, // a far-ahead timestamp waiting for confirmation (NaN: none)
  BEHIND_RUN: 5, // consecutive points behind the series' clock
  YOUNG_SCALE: 6, // running mean |x - local prediction| while the series is young (the EW spreads start at 0)
  PRE: 7, // the baseline just before the current out-of-band run (PRE_SLOTS): the band of a hold
} as const;

/** The baseline a hold judges against, and restores when the series comes back into it. */
export const PRE_SLOTS = [S.FAST, S.FAST_TREND, S.FAST_SCALE, S.SLOW, S.SEAS_SCALE, S.SLOW_SCALE, S.SHIFT_FAST, S.SHIFT_SLOW] as const;
export const PRE_INDEX = { FAST: 0, FAST_TREND: 1, FAST_SCALE: 2, SLOW: 3, SEAS_SCALE: 4 } as const;
export const TAIL = 7 + PRE_SLOTS.length;

/** Baseline slots copied to the shadow at calm points (restored when an incident is marked late). */
export const BASELINE_SLOTS = [S.FAST, S.FAST_SCALE, S.SLOW, S.SEAS_SCALE, S.SLOW_SCALE, S.MIN, S.MAX, S.FAST_TREND] as const;

/** Pattern ids: component x direction. Each has a tolerance multiplier lowered by false-positive feedback. */
export const PATTERNS = ['spike-up', 'spike-down', 'seasonal-up', 'seasonal-down', 'level-shift-up', 'level-shift-down', 'range-up', 'range-down'] as const;
export type PatternName = (typeof PATTERNS)[number];

export const SHORT_RING = 8;
export const ALARM_RING = 4; // (ts, pattern) pairs
export const INCIDENT_RING = 4; // (start, end) pairs
export const WEEK_DAYS = 7;

/** Offsets of the blocks every layout holds. */
interface Blocks {
  shadow: number;
  pending: number;
  short: number;
  day: number;
  week: number;
  /** Offset of the version-2 scalars (T); in Layout also the byte length / 8 of a version-1 state. */
  tail: number;
  length: number;
  slotsPerDay: number;
}

/**
 * Where the blocks sit in a detector's resident state (its slice of the slab). The pattern
 * tolerances, the alarm ring and the incident ring live apart from it: they keep their fresh values
 * (all 1, no alarm, no incident) until feedback or an alarm changes them, which most series never
 * see, so a series shares the fresh tolerances and holds no rings until then (832 instead of 1,024
 * bytes at 24 slots a day). Checkpoints keep the full layout (Layout), unchanged since version 2.
 */
export interface ResidentLayout extends Blocks {
  /** [resident offset, checkpoint offset, length] of each run of slots both layouts hold. */
  segments: ReadonlyArray<readonly [number, number, number]>;
}

/** The checkpoint layout. */
export interface Layout extends Blocks {
  tolerance: number;
  alarms: number;
  incidents: number;
  resident: ResidentLayout;
}

/** One layout per slotsPerDay, shared by every detector that uses it. */
const layouts = new Map<number, Layout>();

export function layoutFor(slotsPerDay: number): Layout {
  let layout = layouts.get(slotsPerDay);
  if (layout === undefined) {
    layout = Object.freeze(computeLayout(slotsPerDay));
    layouts.set(slotsPerDay, layout);
  }
  return layout;
}

function computeLayout(slotsPerDay: number): Layout {
  let off = SCALARS;
  const tolerance = off;
  off += PATTERNS.length;
  const shadow = off;
  off += BASELINE_SLOTS.length;
  const pending = off;
  off += BASELINE_SLOTS.length;
  const alarms = off;
  off += ALARM_RING * 2;
  const incidents = off;
  off += INCIDENT_RING * 2;
  const short = off;
  off += SHORT_RING;
  const day = off;
  off += slotsPerDay;
  const week = off;
  off += WEEK_DAYS;
  const tail = off;
  off += TAIL;
  // Resident: the same blocks in the same order, without tolerance, alarms and incidents.
  const baselines = 2 * BASELINE_SLOTS.length;
  const rShadow = SCALARS;
  const rShort = rShadow + baselines;
  const rest = off - short;
  const resident: ResidentLayout = Object.freeze({
    shadow: rShadow,
    pending: rShadow + BASELINE_SLOTS.length,
    short: rShort,
    day: rShort + (day - short),
    week: rShort + (week - short),
    tail: rShort + (tail - short),
    length: rShort + rest,
    slotsPerDay,
    segments: Object.freeze([[0, 0, SCALARS], [rShadow, shadow, baselines], [rShort, short, rest]] as const),
  });
  return { tolerance, shadow, pending, alarms, incidents, short, day, week, tail, length: off, slotsPerDay, resident };
}
