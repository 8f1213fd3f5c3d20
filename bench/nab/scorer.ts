// NAB v1.1 scoring, written from the benchmark's published rules (see /work/shared/bench/nab/README.md):
//
// - Per row, a "sweep score": inside a label window the reward of alerting at that row,
//   tpWeight * S(-(right - i + 1) / width) / S(-1), S the scaled sigmoid 2/(1+e^(5x)) - 1, so the
//   window's left edge earns the full tpWeight; outside every window the cost
//   fpWeight * S(|i - prevRight| / (prevWidth - 1)) measured from the most recent window, or the full
//   -fpWeight before the file's first window.
// - The first min(floor(0.15 n), 750) rows of each file are probationary and ignored entirely.
// - Only the earliest alert of a window counts (a window's part is the max of its alerted rows' sweep
//   scores, or -fnWeight when none alerted); every false positive adds its (negative) sweep score.
// - One threshold for the whole corpus: rows of every file are swept from the highest anomaly score
//   down and the threshold with the highest total raw score wins.
// - Normalised: 100 * (raw - raw_null) / (raw_perfect - raw_null), raw_null = -fnWeight * windows,
//   raw_perfect = tpWeight * windows.
// Window bounds are matched to rows by timestamp (first matching row), as NAB does.
import type { CostMatrix, NabProfiles } from './corpus.js';

export interface ScorableFile {
  key: string;
  /** Row timestamps (epoch ms), in file order. */
  timestamps: ArrayLike<number>;
  /** Detector output per row, same order; higher = more anomalous. */
  scores: ArrayLike<number>;
  /** Label windows [startMs, endMs], both inclusive, sorted by start. */
  windows: ReadonlyArray<readonly [number, number]>;
}

export const NAB_PROBATION_PERCENT = 0.15;

/** NAB's scaled sigmoid: +0.987 at -1 (window's left edge), 0 at 0, -1 from 3 on. */
export function scaledSigmoid(x: number): number {
  if (x >= 3.0) return -1.0;
  return 2 / (1 + Math.exp(5 * x)) - 1;
}

export function probationaryLength(numRows: number, probationPercent = NAB_PROBATION_PERCENT): number {
  return Math.min(Math.floor(probationPercent * numRows), probationPercent * 5000);
}

/** Row-wise sweep scores. windowOf[i]: window index within the file, -1 outside windows, -2 probationary. */
export interface SweepRows {
  sweep: Float64Array;
  windowOf: Int32Array;
  /** Windows that have at least one scorable (non-probationary) row. */
  scorableWindows: number;
}

function firstIndexOf(ts: ArrayLike<number>, t: number): number {
  for (let i = 0; i < ts.length; i++) if (ts[i] === t) return i;
  return -1;
}

export function sweepRows(file: ScorableFile, cost: CostMatrix, probationPercent = NAB_PROBATION_PERCENT): SweepRows {
  const n = file.timestamps.length;
  if (file.scores.length !== n) {
    throw new Error(`${file.key}: ${file.scores.length} scores for ${n} rows (need exactly one per row)`);
  }
  const sweep = new Float64Array(n);
  const windowOf = new Int32Array(n);
  const maxTP = scaledSigmoid(-1.0);
  const probation = probationaryLength(n, probationPercent);
  const pending = file.windows.slice();
  let nextWindow = 0;
  let cur = -1;
  let curEnd = 0;
  let curRight = -1;
  let curWidth = 0;
  let prevRight = -1;
  let prevWidth = 0;
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    const t = file.timestamps[i] as number;
    const next = pending[nextWindow];
    if (cur < 0 && next !== undefined && t === next[0]) {
      cur = nextWindow++;
      curEnd = next[1];
      curRight = firstIndexOf(file.timestamps, next[1]);
      curWidth = curRight - firstIndexOf(file.timestamps, next[0]) + 1;
    }
    let s: number;
    if (cur >= 0) {
      const pos = -(curRight - i + 1) / curWidth;
      s = (scaledSigmoid(pos) * cost.tpWeight) / maxTP;
    } else {
      const pos = prevRight < 0 ? 3.0 : Math.abs(prevRight - i) / (prevWidth - 1);
      s = scaledSigmoid(pos) * cost.fpWeight;
    }
    sweep[i] = s;
    if (i < probation) windowOf[i] = -2;
    else {
      windowOf[i] = cur;
      if (cur >= 0) seen.add(cur);
    }
    if (cur >= 0 && t === curEnd) {
      prevRight = i;
      prevWidth = curWidth;
      cur = -1;
    }
  }
  return { sweep, windowOf, scorableWindows: seen.size };
}

export interface ThresholdResult {
  threshold: number;
  raw: number;
  tp: number;
  fp: number;
  fn: number;
}

export interface ProfileResult {
  profile: string;
  threshold: number;
  raw: number;
  rawNull: number;
  rawPerfect: number;
  /** Normalised NAB score (0 = never alert, 100 = perfect). */
  score: number;
  tp: number;
  fp: number;
  fn: number;
  perFile: Array<{ key: string; raw: number; tp: number; fp: number; fn: number }>;
}

/**
 * Sweeps every distinct anomaly score from the highest down, over all files at once, and returns
 * the raw score at each threshold (a row alerts when score >= threshold). The first entry is the
 * "alert on nothing" threshold 1.1 (or above the max score).
 */
export function scoreByThreshold(files: readonly ScorableFile[], cost: CostMatrix): ThresholdResult[] {
  let total = 0;
  for (const f of files) total += f.timestamps.length;
  const anomaly = new Float64Array(total);
  const sweep = new Float64Array(total);
  const win = new Int32Array(total);
  let off = 0;
  let windowBase = 0;
  for (const f of files) {
    const rows = sweepRows(f, cost);
    for (let i = 0; i < f.timestamps.length; i++) {
      const a = Number(f.scores[i]);
      if (!Number.isFinite(a)) throw new Error(`${f.key}: row ${i + 1} has a non-finite anomaly score`);
      anomaly[off + i] = a;
      sweep[off + i] = rows.sweep[i] as number;
      const w = rows.windowOf[i] as number;
      win[off + i] = w >= 0 ? windowBase + w : w;
    }
    off += f.timestamps.length;
    windowBase += f.windows.length;
  }
  // Window parts: -fnWeight until detected, then the best (earliest) alerted row's sweep score.
  const part = new Float64Array(windowBase);
  const active = new Uint8Array(windowBase);
  let raw = 0;
  let scorable = 0;
  for (let i = 0; i < total; i++) {
    const w = win[i] as number;
    if (w >= 0 && active[w] === 0) {
      active[w] = 1;
      part[w] = -cost.fnWeight;
      raw -= cost.fnWeight;
      scorable++;
    }
  }
  const order: number[] = [];
  for (let i = 0; i < total; i++) if ((win[i] as number) !== -2) order.push(i);
  order.sort((a, b) => (anomaly[b] as number) - (anomaly[a] as number) || a - b);
  const out: ThresholdResult[] = [];
  let threshold = 1.1;
  let tp = 0;
  let fp = 0;
  let fn = scorable;
  const detected = new Uint8Array(windowBase);
  for (const i of order) {
    const a = anomaly[i] as number;
    if (a !== threshold) {
      out.push({ threshold, raw, tp, fp, fn });
      threshold = a;
    }
    const w = win[i] as number;
    const s = sweep[i] as number;
    if (w < 0) {
      raw += s;
      fp++;
    } else {
      if (detected[w] === 0) {
        detected[w] = 1;
        tp++;
        fn--;
      }
      const p = part[w] as number;
      if (s > p) {
        raw += s - p;
        part[w] = s;
      }
    }
  }
  out.push({ threshold, raw, tp, fp, fn });
  return out;
}

/** Raw score of one file at a fixed threshold (for per-file breakdowns). */
export function scoreFileAtThreshold(
  file: ScorableFile,
  cost: CostMatrix,
  threshold: number,
): { raw: number; tp: number; fp: number; fn: number } {
  const rows = sweepRows(file, cost);
  const best = new Map<number, number>();
  let raw = 0;
  let fp = 0;
  const windowsSeen = new Set<number>();
  for (let i = 0; i < file.timestamps.length; i++) {
    const w = rows.windowOf[i] as number;
    if (w === -2) continue;
    if (w >= 0) windowsSeen.add(w);
    if ((file.scores[i] as number) < threshold) continue;
    const s = rows.sweep[i] as number;
    if (w < 0) {
      raw += s;
      fp++;
    } else {
      best.set(w, Math.max(best.get(w) ?? -Infinity, s));
    }
  }
  let tp = 0;
  let fn = 0;
  for (const w of windowsSeen) {
    const b = best.get(w);
    if (b === undefined) {
      raw -= cost.fnWeight;
      fn++;
    } else {
      raw += b;
      tp++;
    }
  }
  return { raw, tp, fp, fn };
}

/** Optimises the shared threshold for one profile and normalises against the null and perfect detectors. */
export function scoreProfile(files: readonly ScorableFile[], profile: string, cost: CostMatrix): ProfileResult {
  const sweepResults = scoreByThreshold(files, cost);
  let best = sweepResults[0] as ThresholdResult;
  for (const r of sweepResults) if (r.raw > best.raw) best = r;
  let windows = 0;
  for (const f of files) windows += f.windows.length;
  const rawNull = -cost.fnWeight * windows;
  const rawPerfect = cost.tpWeight * windows;
  const score = rawPerfect === rawNull ? 0 : (100 * (best.raw - rawNull)) / (rawPerfect - rawNull);
  const perFile = files.map((f) => ({ key: f.key, ...scoreFileAtThreshold(f, cost, best.threshold) }));
  return { profile, threshold: best.threshold, raw: best.raw, rawNull, rawPerfect, score, tp: best.tp, fp: best.fp, fn: best.fn, perFile };
}

export function scoreAllProfiles(files: readonly ScorableFile[], profiles: NabProfiles): ProfileResult[] {
  return Object.entries(profiles).map(([name, cost]) => scoreProfile(files, name, cost));
}

export interface CategoryResult {
  category: string;
  files: number;
  windows: number;
  /** Per profile: raw score of the category's files at the corpus-wide threshold. */
  rawAtCorpusThreshold: Record<string, number>;
  /**
   * Per profile: the category's own normalised score at the corpus-wide threshold (100 perfect, 0 the null
   * detector); null for a category without windows, where only false positives can count.
   */
  scoreAtCorpusThreshold: Record<string, number | null>;
  /** Per profile: normalised score of the corpus without this category (threshold re-optimised): a LOCO fold. */
  scoreWithout: Record<string, number>;
}

/** Leave-one-category-out summary of one profile: the folds' mean and the weakest fold. */
export interface LocoSummary {
  profile: string;
  folds: number;
  mean: number;
  min: number;
  /** Category left out in the weakest fold. */
  minWithout: string;
}

/** Mean and minimum of the leave-one-category-out folds, per profile (the figure to tune against is the minimum). */
export function summariseLoco(categories: readonly CategoryResult[], profiles: NabProfiles): LocoSummary[] {
  return Object.keys(profiles).map((profile) => {
    let sum = 0;
    let min = Number.POSITIVE_INFINITY;
    let minWithout = '';
    for (const c of categories) {
      const v = c.scoreWithout[profile] ?? 0;
      sum += v;
      if (v < min) {
        min = v;
        minWithout = c.category;
      }
    }
    const folds = categories.length;
    return { profile, folds, mean: folds === 0 ? 0 : sum / folds, min: folds === 0 ? 0 : min, minWithout };
  });
}

/** Category of a "<category>/<file>.csv" key. */
export function categoryOf(key: string): string {
  const slash = key.indexOf('/');
  return slash < 0 ? '' : key.slice(0, slash);
}

/**
 * Per-category breakdown: what each category contributes at the corpus-wide threshold, and the
 * leave-one-category-out score. A change that helps the corpus but not the leave-out scores of most
 * categories is riding on one category, which is how a held-out category would see it.
 */
export function scoreByCategory(files: readonly ScorableFile[], profiles: NabProfiles, corpus: readonly ProfileResult[]): CategoryResult[] {
  const categories = [...new Set(files.map((f) => categoryOf(f.key)))].sort();
  return categories.map((category) => {
    const inside = files.filter((f) => categoryOf(f.key) === category);
    const rest = files.filter((f) => categoryOf(f.key) !== category);
    const rawAtCorpusThreshold: Record<string, number> = {};
    for (const r of corpus) {
      rawAtCorpusThreshold[r.profile] = r.perFile.filter((p) => categoryOf(p.key) === category).reduce((a, p) => a + p.raw, 0);
    }
    const windows = inside.reduce((a, f) => a + f.windows.length, 0);
    const scoreAtCorpusThreshold: Record<string, number | null> = {};
    for (const [name, cost] of Object.entries(profiles)) {
      const raw = rawAtCorpusThreshold[name] ?? 0;
      // Same normalisation as the corpus: the null detector misses every window, the perfect one finds each.
      scoreAtCorpusThreshold[name] = windows === 0 ? null : (100 * (raw + windows * cost.fnWeight)) / (windows * (cost.tpWeight + cost.fnWeight));
    }
    const scoreWithout: Record<string, number> = {};
    for (const [name, cost] of Object.entries(profiles)) scoreWithout[name] = rest.length === 0 ? 0 : scoreProfile(rest, name, cost).score;
    return { category, files: inside.length, windows, rawAtCorpusThreshold, scoreAtCorpusThreshold, scoreWithout };
  });
}
