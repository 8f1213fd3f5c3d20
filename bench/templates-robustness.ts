// Robustness and tuning sections of `npm run bench:templates` (kept apart from bench/templates.ts):
//   - robustness: the dev logs with every variable field rewritten to another kind of value
//     (bench/loghub/rewrite-variables.ts), GA / FGA next to the original's, per dataset and mean;
//   - leave-one-dataset-out: each tuned miner parameter is chosen on 7 datasets (original and
//     rewritten, mean GA) and scored on the 8th; the mean and the minimum fold are printed.
import { TemplateMiner, labelMessages, type TemplateMinerOptions } from '../detectors/logs/template-miner/index.js';
import { loadLoghubDataset, type LoghubRow } from './loghub/dataset.js';
import { rewriteVariables, type RewriteResult } from './loghub/rewrite-variables.js';
import { scoreParsing } from './loghub/score.js';

export const ROBUSTNESS_SEEDS = [1, 2, 3];

export interface GroupScore {
  ga: number;
  fga: number;
}

export interface RobustnessRow {
  original: GroupScore;
  /** Mean over ROBUSTNESS_SEEDS. */
  rewritten: GroupScore;
  /** Lowest GA over the seeds. */
  rewrittenMinGa: number;
  unmatchedLines: number;
}

export interface Corpus {
  dataset: string;
  rows: LoghubRow[];
  rewrites: RewriteResult[];
}

export function loadCorpora(dir: string, datasets: readonly string[]): Corpus[] {
  return datasets.map((dataset) => {
    const rows = loadLoghubDataset(dir, dataset);
    const labelled = rows.map((r) => ({ content: r.content, event: r.eventId, template: r.eventTemplate }));
    return { dataset, rows, rewrites: ROBUSTNESS_SEEDS.map((s) => rewriteVariables(labelled, s)) };
  });
}

export function groupScore(rows: readonly LoghubRow[], input: readonly string[], options: TemplateMinerOptions = {}): GroupScore {
  const labels = labelMessages(input, new TemplateMiner(options));
  const s = scoreParsing({ truth: rows.map((r) => r.eventId), predicted: labels.map((l) => l.cluster) });
  return { ga: s.ga, fga: s.fga };
}

export function robustnessRow(c: Corpus, options: TemplateMinerOptions = {}): RobustnessRow {
  const original = groupScore(c.rows, c.rows.map((r) => r.content), options);
  const runs = c.rewrites.map((w) => groupScore(c.rows, w.lines, options));
  const mean = (k: keyof GroupScore): number => runs.reduce((a, r) => a + r[k], 0) / runs.length;
  return {
    original,
    rewritten: { ga: mean('ga'), fga: mean('fga') },
    rewrittenMinGa: Math.min(...runs.map((r) => r.ga)),
    unmatchedLines: c.rewrites[0]?.unmatched ?? 0,
  };
}

/** The objective a parameter is tuned on: mean of original and rewritten GA. */
function objective(r: RobustnessRow): number {
  return (r.original.ga + r.rewritten.ga) / 2;
}

type TunedName = 'variableMinValues' | 'leadingVariableMinValues' | 'maxVariablePositions' | 'variablePositionsMaxRepeat';

export interface TunedParameter {
  name: TunedName;
  grid: readonly number[];
}

/** Every miner parameter whose default was chosen on data. */
export const TUNED: readonly TunedParameter[] = [
  { name: 'variableMinValues', grid: [3, 4, 5, 6, 8] },
  { name: 'leadingVariableMinValues', grid: [5, 8, 12] },
  { name: 'maxVariablePositions', grid: [1, 2, 3, 4] },
  { name: 'variablePositionsMaxRepeat', grid: [1, 2, 4, 8] },
];

export interface FoldResult {
  heldOut: string;
  chosen: number;
  heldOutOriginalGa: number;
  heldOutRewrittenGa: number;
}

export interface LeaveOneOut {
  parameter: string;
  default: number;
  folds: FoldResult[];
  meanOriginalGa: number;
  minOriginalGa: number;
  meanRewrittenGa: number;
  minRewrittenGa: number;
  /** How many folds chose the shipped default. */
  foldsChoosingDefault: number;
}

/** Leave-one-dataset-out for one parameter (the others at their defaults). */
export function leaveOneOut(corpora: readonly Corpus[], p: TunedParameter, defaultValue: number): LeaveOneOut {
  // rows[value][dataset]
  const table = p.grid.map((v) => corpora.map((c) => robustnessRow(c, { [p.name]: v })));
  const folds: FoldResult[] = corpora.map((c, held) => {
    let best = 0;
    let bestScore = -1;
    p.grid.forEach((_, vi) => {
      const rows = table[vi]!.filter((_r, d) => d !== held);
      const score = rows.reduce((a, r) => a + objective(r), 0) / rows.length;
      // Ties go to the value nearest the default (the earlier choice stands unless beaten).
      if (score > bestScore + 1e-9 || (Math.abs(score - bestScore) <= 1e-9 && Math.abs(p.grid[vi]! - defaultValue) < Math.abs(p.grid[best]! - defaultValue))) {
        best = vi;
        bestScore = score;
      }
    });
    const r = table[best]![held]!;
    return { heldOut: c.dataset, chosen: p.grid[best]!, heldOutOriginalGa: r.original.ga, heldOutRewrittenGa: r.rewritten.ga };
  });
  const orig = folds.map((f) => f.heldOutOriginalGa);
  const rew = folds.map((f) => f.heldOutRewrittenGa);
  return {
    parameter: p.name,
    default: defaultValue,
    folds,
    meanOriginalGa: orig.reduce((a, b) => a + b, 0) / orig.length,
    minOriginalGa: Math.min(...orig),
    meanRewrittenGa: rew.reduce((a, b) => a + b, 0) / rew.length,
    minRewrittenGa: Math.min(...rew),
    foldsChoosingDefault: folds.filter((f) => f.chosen === defaultValue).length,
  };
}

export interface RobustnessReport {
  seeds: number[];
  perDataset: Record<string, RobustnessRow>;
  mean: { original: GroupScore; rewritten: GroupScore };
  /** Rewritten mean GA within 0.1 of the original's and no dataset below 0.75. */
  passes: boolean;
  leaveOneOut: LeaveOneOut[];
}

const f4 = (x: number): string => x.toFixed(4);

/** Both sections, printed; `defaults` are the shipped values of the TUNED parameters. */
export function runRobustness(dir: string, datasets: readonly string[], defaults: Readonly<Required<Pick<TemplateMinerOptions, TunedName>>>): RobustnessReport {
  const corpora = loadCorpora(dir, datasets);
  console.log(`\nrobustness: variable fields rewritten to other kinds of values (seeds ${ROBUSTNESS_SEEDS.join(', ')}; GA / FGA, rewritten = mean over seeds)`);
  console.log('dataset       orig GA  orig FGA  rewr GA  rewr FGA  rewr min GA');
  const perDataset: Record<string, RobustnessRow> = {};
  for (const c of corpora) {
    const r = robustnessRow(c);
    perDataset[c.dataset] = r;
    console.log(`${c.dataset.padEnd(12)}  ${f4(r.original.ga)}   ${f4(r.original.fga)}    ${f4(r.rewritten.ga)}   ${f4(r.rewritten.fga)}    ${f4(r.rewrittenMinGa)}`);
  }
  const rows = Object.values(perDataset);
  const avg = (f: (r: RobustnessRow) => number): number => rows.reduce((a, r) => a + f(r), 0) / rows.length;
  const mean = {
    original: { ga: avg((r) => r.original.ga), fga: avg((r) => r.original.fga) },
    rewritten: { ga: avg((r) => r.rewritten.ga), fga: avg((r) => r.rewritten.fga) },
  };
  console.log(`${'mean'.padEnd(12)}  ${f4(mean.original.ga)}   ${f4(mean.original.fga)}    ${f4(mean.rewritten.ga)}   ${f4(mean.rewritten.fga)}`);
  const passes = mean.original.ga - mean.rewritten.ga <= 0.1 && rows.every((r) => r.rewritten.ga >= 0.75);
  console.log(`robustness suite ${passes ? 'passes' : 'FAILS'} (rewritten mean GA within 0.1 of the original's, every dataset >= 0.75)`);

  console.log('\nleave-one-dataset-out (each parameter chosen on 7 datasets by mean of original and rewritten GA, scored on the 8th):');
  console.log('parameter                    default  chosen per fold           orig GA mean / min fold   rewr GA mean / min fold');
  const loo = TUNED.map((p) => leaveOneOut(corpora, p, defaults[p.name]));
  for (const l of loo) {
    console.log(
      `${l.parameter.padEnd(28)} ${String(l.default).padEnd(8)} ${l.folds.map((f) => f.chosen).join(',').padEnd(25)} ` +
        `${f4(l.meanOriginalGa)} / ${f4(l.minOriginalGa)}        ${f4(l.meanRewrittenGa)} / ${f4(l.minRewrittenGa)}   (${l.foldsChoosingDefault}/${l.folds.length} folds chose the default)`,
    );
  }
  return { seeds: ROBUSTNESS_SEEDS, perDataset, mean, passes, leaveOneOut: loo };
}
