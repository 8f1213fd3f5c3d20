// NAB harness: stream every DIR/<category>/<file>.csv row by row through a fresh detector, write
// OUTDIR/<category>/<file>.csv (timestamp,value,anomaly_score; same rows, same order) and, given
// label windows, score the results with the project's NAB scorer.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SeriesDetector } from '../../detectors/metrics/series-detector.js';
import type { SeriesDetectorConfig } from '../../detectors/metrics/config.js';
import { listNabFiles, readNabSeries, type NabProfiles, type NabSeries, type NabWindows } from './corpus.js';
import { scoreAllProfiles, scoreByCategory, summariseLoco, type CategoryResult, type LocoSummary, type ProfileResult, type ScorableFile } from './scorer.js';
import { WindowedGaussian } from './windowed-gaussian.js';

/** A per-file streaming scorer: one instance per series, fed rows in order. */
export interface StreamingScorer {
  update(tsMs: number, value: number): number;
}

export type NabDetectorName = 'series' | 'windowed-gaussian' | 'null';
export const NAB_DETECTORS: readonly NabDetectorName[] = ['series', 'windowed-gaussian', 'null'];

export function makeScorer(name: NabDetectorName, config?: Partial<SeriesDetectorConfig>): StreamingScorer {
  switch (name) {
    case 'series': {
      const d = new SeriesDetector(config);
      return { update: (t, v) => d.update(t, v).score };
    }
    case 'windowed-gaussian': {
      const g = new WindowedGaussian();
      return { update: (_t, v) => g.update(v) };
    }
    case 'null':
      return { update: () => 0.5 };
  }
}

export interface NabRunOptions {
  dataDir: string;
  outDir?: string;
  detector?: NabDetectorName;
  config?: Partial<SeriesDetectorConfig>;
  /** Called after each file with (filesDone, filesTotal, key). */
  onFile?: (done: number, total: number, key: string) => void;
}

export interface NabRunResult {
  files: Array<NabSeries & { scores: Float64Array }>;
  rows: number;
  elapsedMs: number;
}

function formatScore(x: number): string {
  // Round-trippable but compact; never NaN (the scorer and NAB reject empty/NaN cells).
  if (!Number.isFinite(x)) return '0';
  return String(x);
}

export function runNab(opts: NabRunOptions): NabRunResult {
  const keys = listNabFiles(opts.dataDir);
  const detector = opts.detector ?? 'series';
  const files: NabRunResult['files'] = [];
  let rows = 0;
  let elapsed = 0;
  keys.forEach((key, idx) => {
    const series = readNabSeries(opts.dataDir, key);
    const n = series.values.length;
    const scores = new Float64Array(n);
    const scorer = makeScorer(detector, opts.config);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) scores[i] = scorer.update(series.timestamps[i] as number, series.values[i] as number);
    elapsed += performance.now() - t0;
    rows += n;
    if (opts.outDir !== undefined) {
      const out = join(opts.outDir, key);
      mkdirSync(dirname(out), { recursive: true });
      const lines = ['timestamp,value,anomaly_score'];
      for (let i = 0; i < n; i++) {
        const v = series.values[i] as number;
        lines.push(`${series.timestampText[i]},${Number.isNaN(v) ? '' : String(v)},${formatScore(scores[i] as number)}`);
      }
      writeFileSync(out, `${lines.join('\n')}\n`);
    }
    files.push({ ...series, scores });
    opts.onFile?.(idx + 1, keys.length, key);
  });
  return { files, rows, elapsedMs: elapsed };
}

function scorableFiles(run: NabRunResult, windows: NabWindows): ScorableFile[] {
  return run.files.map((f) => ({ key: f.key, timestamps: f.timestamps, scores: f.scores, windows: windows.get(f.key) ?? [] }));
}

/** Scores a run against label windows; files without an entry in the windows map count as anomaly-free. */
export function scoreNabRun(run: NabRunResult, windows: NabWindows, profiles: NabProfiles): ProfileResult[] {
  return scoreAllProfiles(scorableFiles(run, windows), profiles);
}

/** Per-category contribution and leave-one-category-out scores of a scored run. */
export function scoreNabCategories(run: NabRunResult, windows: NabWindows, profiles: NabProfiles, corpus: readonly ProfileResult[]): CategoryResult[] {
  return scoreByCategory(scorableFiles(run, windows), profiles, corpus);
}

/** Leave-one-category-out mean and minimum fold per profile. */
export function summariseNabLoco(categories: readonly CategoryResult[], profiles: NabProfiles): LocoSummary[] {
  return summariseLoco(categories, profiles);
}
