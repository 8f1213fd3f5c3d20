import { describe, expect, it } from 'vitest';
import { probationaryLength, scaledSigmoid, scoreAllProfiles, scoreByCategory, scoreProfile, summariseLoco, sweepRows, type ScorableFile } from '../../bench/nab/scorer.js';
import { NAB_DEFAULT_PROFILES, parseNabTimestamp } from '../../bench/nab/corpus.js';
import { WindowedGaussian } from '../../bench/nab/windowed-gaussian.js';
import { erfc } from '../../detectors/metrics/normal-distribution.js';

const STD = NAB_DEFAULT_PROFILES.standard!;
const LOW_FN = NAB_DEFAULT_PROFILES.reward_low_FN_rate!;
const MIN = 60_000;

/** 100 rows one minute apart with one window over rows 40..49; alerts (score 1) at the given rows. */
function file(alerts: number[], key = 'cat/a.csv', n = 100, windows: Array<[number, number]> = [[40, 49]]): ScorableFile {
  const timestamps = Array.from({ length: n }, (_, i) => i * MIN);
  const scores = Array.from({ length: n }, (_, i) => (alerts.includes(i) ? 1 : 0));
  return { key, timestamps, scores, windows: windows.map(([a, b]) => [a * MIN, b * MIN] as [number, number]) };
}

describe('NAB scaled sigmoid and probation', () => {
  it('matches the published reference points', () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.98661, 5);
    expect(scaledSigmoid(-0.5)).toBeCloseTo(0.84828, 5);
    expect(scaledSigmoid(0)).toBeCloseTo(0, 10);
    expect(scaledSigmoid(1)).toBeCloseTo(-0.98661, 5);
    expect(scaledSigmoid(3)).toBe(-1);
  });

  it('is 15% of the rows, at most 750', () => {
    expect(probationaryLength(100)).toBe(15);
    expect(probationaryLength(4032)).toBe(604);
    expect(probationaryLength(22695)).toBe(750);
  });
});

describe('NAB scorer', () => {
  it('gives 100 to an alert at the left edge of every window and 0 to never alerting', () => {
    expect(scoreProfile([file([40])], 'standard', STD).score).toBeCloseTo(100, 6);
    expect(scoreProfile([file([])], 'standard', STD).score).toBeCloseTo(0, 6);
  });

  it('rewards earlier detection more, following the sigmoid inside the window', () => {
    const early = scoreProfile([file([42])], 'standard', STD).raw;
    const late = scoreProfile([file([48])], 'standard', STD).raw;
    expect(early).toBeGreaterThan(late);
    // Row 48: position -(49 - 48 + 1)/10 = -0.2.
    expect(late).toBeCloseTo(scaledSigmoid(-0.2) / scaledSigmoid(-1), 10);
  });

  it('counts only the earliest alert in a window', () => {
    expect(scoreProfile([file([40, 41, 45, 49])], 'standard', STD).raw).toBeCloseTo(1, 10);
  });

  it('charges the full fpWeight before the first window and a sigmoid-scaled cost after it', () => {
    const before = scoreProfile([file([20, 40])], 'standard', STD);
    expect(before.raw).toBeCloseTo(1 - 0.11, 10);
    expect(before.score).toBeCloseTo((100 * (0.89 + 1)) / 2, 6);
    const rowsAfter = sweepRows(file([]), STD);
    // Just after the window: |49 - 50| / (10 - 1) window widths.
    expect(rowsAfter.sweep[50]).toBeCloseTo(scaledSigmoid(1 / 9) * 0.11, 10);
    expect(rowsAfter.sweep[99]).toBeCloseTo(-0.11, 10);
  });

  it('ignores alerts in the probationary period', () => {
    expect(scoreProfile([file([5, 40])], 'standard', STD).raw).toBeCloseTo(1, 10);
  });

  it('picks one threshold for all files, the best total', () => {
    const a = file([], 'cat/a.csv');
    const b = file([], 'cat/b.csv');
    const aScores = Array.from({ length: 100 }, () => 0);
    aScores[40] = 0.9; // hit
    aScores[90] = 0.95; // false positive far after the window
    const bScores = Array.from({ length: 100 }, () => 0);
    bScores[45] = 0.8; // later hit
    bScores[30] = 0.85; // false positive before the window
    const r = scoreProfile([{ ...a, scores: aScores }, { ...b, scores: bScores }], 'standard', STD);
    // threshold 0.8 catches both windows and both false positives: 1 + S(-0.5)/S(-1) - 0.22.
    expect(r.threshold).toBe(0.8);
    expect(r.raw).toBeCloseTo(1 + scaledSigmoid(-0.5) / scaledSigmoid(-1) - 0.22, 10);
    expect(r.tp).toBe(2);
    expect(r.fp).toBe(2);
    expect(r.perFile.map((f) => f.tp)).toEqual([1, 1]);
  });

  it('normalises each profile against its own null and perfect scores', () => {
    const r = scoreProfile([file([48])], 'reward_low_FN_rate', LOW_FN);
    expect(r.rawNull).toBe(-2);
    expect(r.rawPerfect).toBe(1);
    expect(r.score).toBeCloseTo((100 * (r.raw + 2)) / 3, 10);
  });

  it('matches window ends to the first row of a repeated timestamp, as NAB does', () => {
    const f = file([]);
    const ts = f.timestamps as number[];
    ts[50] = ts[49] as number; // duplicate of the window's end
    const rows = sweepRows(f, STD);
    expect(rows.windowOf[49]).toBe(0);
    expect(rows.windowOf[50]).toBe(-1);
  });

  it('breaks a corpus down by category: raw at the corpus threshold and the score without each category', () => {
    const files = [file([40], 'good/a.csv'), file([45], 'good/b.csv'), file([20, 49], 'noisy/c.csv')];
    const profiles = { standard: STD };
    const corpus = scoreAllProfiles(files, profiles);
    const byCat = scoreByCategory(files, profiles, corpus);
    expect(byCat.map((c) => [c.category, c.files, c.windows])).toEqual([
      ['good', 2, 2],
      ['noisy', 1, 1],
    ]);
    const sum = byCat.reduce((a, c) => a + (c.rawAtCorpusThreshold.standard ?? 0), 0);
    expect(sum).toBeCloseTo(corpus[0]?.raw ?? Number.NaN, 10);
    expect(byCat[0]?.scoreWithout.standard).toBeCloseTo(scoreProfile([files[2] as ScorableFile], 'standard', STD).score, 10);
    expect(byCat[1]?.scoreWithout.standard).toBeCloseTo(scoreProfile(files.slice(0, 2), 'standard', STD).score, 10);
  });

  it('normalises each category at the corpus threshold and summarises the LOCO folds by mean and minimum', () => {
    const files = [file([40], 'good/a.csv'), file([45], 'good/b.csv'), file([20, 49], 'noisy/c.csv'), file([], 'quiet/d.csv', 100, [])];
    const profiles = { standard: STD };
    const byCat = scoreByCategory(files, profiles, scoreAllProfiles(files, profiles));
    const good = byCat.find((c) => c.category === 'good');
    const quiet = byCat.find((c) => c.category === 'quiet');
    // The category's own score: (raw - null) / (perfect - null) over its windows.
    const raw = good?.rawAtCorpusThreshold.standard ?? Number.NaN;
    expect(good?.scoreAtCorpusThreshold.standard).toBeCloseTo((100 * (raw + 2 * STD.fnWeight)) / (2 * (STD.tpWeight + STD.fnWeight)), 10);
    expect(quiet?.scoreAtCorpusThreshold.standard).toBeNull();
    const [loco] = summariseLoco(byCat, profiles);
    const folds = byCat.map((c) => c.scoreWithout.standard ?? Number.NaN);
    expect(loco?.folds).toBe(3);
    expect(loco?.min).toBe(Math.min(...folds));
    expect(loco?.mean).toBeCloseTo(folds.reduce((a, b) => a + b, 0) / 3, 10);
    expect(loco?.minWithout).toBe(byCat[folds.indexOf(Math.min(...folds))]?.category);
  });

  it('refuses results with a different number of rows', () => {
    const f = file([]);
    expect(() => scoreProfile([{ ...f, scores: [1, 2, 3] }], 'standard', STD)).toThrow(/one per row/);
  });
});

describe('NAB reference pieces', () => {
  it('parses NAB timestamps with and without fractional seconds as UTC', () => {
    expect(parseNabTimestamp('2014-04-10 07:15:00')).toBe(Date.UTC(2014, 3, 10, 7, 15));
    expect(parseNabTimestamp('2014-04-10 07:15:00.000000')).toBe(Date.UTC(2014, 3, 10, 7, 15));
    expect(Number.isNaN(parseNabTimestamp('yesterday'))).toBe(true);
  });

  it('computes erfc to near machine precision', () => {
    expect(erfc(0)).toBe(1);
    expect(erfc(1)).toBeCloseTo(0.157299207050285, 14);
    expect(erfc(3) / 2.209049699858544e-5).toBeCloseTo(1, 12);
    expect(erfc(-1)).toBeCloseTo(1.842700792949715, 14);
  });

  it('reproduces the windowed Gaussian baseline row by row (values checked against NAB shipped results)', () => {
    // First rows of realTraffic/speed_7578.csv and NAB's shipped windowedGaussian scores for them.
    const values = [73, 62, 66, 69, 65, 76, 65, 62];
    const shipped = [0, 0, 0.392531434274, 0.670010205067, 0.267571726199, 0.991921534369, 0.23235104997, 0.0959674507618];
    const g = new WindowedGaussian();
    values.forEach((v, i) => expect(g.update(v)).toBeCloseTo(shipped[i] as number, 10));
  });
});
