// `npm run bench:sessions`: the session detector (detectors/sessions: next-event LSTM + count-vector
// evidence, frozen settings, seed 42) on both tracks of the HDFS session benchmark.
//   deeplog:  main figure F1* (prevalence-corrected F1, DeepLog's 16,838 / 553,366 test sizes)
//   hdfs100k: main figure F1 over all sessions, plus F1_visible
// For each track: fit on train.csv label == 0, score the evaluation split, report TP/FP/FN/TN,
// P, R, F1, FPR, P*, F1*, ablations (LSTM rule alone, count rule alone, each with the unknown-event
// rule), training seconds and scoring ms per session. Writes bench/results/sessions.json.
//   env: HDFS_BENCH (default ../shared/bench/hdfs, then /work/shared/bench/hdfs),
//        BENCH_SPLIT (default val; the held-out evaluation runs the same command on its split),
//        BENCH_TRACKS (default deeplog,hdfs100k)
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { sourceDir } from '../platform/runtime/source-dir.js';
import { FROZEN_SESSION_SETTINGS, SessionModel, readSessionCsv, type SessionRow, type SessionVerdict } from '../detectors/sessions/index.js';

// The source folder even when run compiled from dist/bench: results go to bench/results.
const here = sourceDir(import.meta.url);
const root = resolve(here, '..');
const DL_ANOMALOUS = 16_838;
const DL_NORMAL = 553_366;

function dataDir(): string {
  const candidates = [process.env.HDFS_BENCH, resolve(root, '../shared/bench/hdfs'), '/work/shared/bench/hdfs'];
  const dir = candidates.find((d): d is string => d !== undefined && existsSync(d));
  if (dir === undefined) throw new Error('HDFS session benchmark not found: set HDFS_BENCH to the folder holding deeplog/ and hdfs100k/');
  return dir;
}

export interface Counts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export function metrics(c: Counts): Record<string, number> {
  const p = c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : 0;
  const r = c.tp + c.fn > 0 ? c.tp / (c.tp + c.fn) : 0;
  const f1 = p + r > 0 ? (2 * p * r) / (p + r) : 0;
  const fpr = c.fp + c.tn > 0 ? c.fp / (c.fp + c.tn) : 0;
  const pStar = r * DL_ANOMALOUS + fpr * DL_NORMAL > 0 ? (r * DL_ANOMALOUS) / (r * DL_ANOMALOUS + fpr * DL_NORMAL) : 0;
  const f1Star = pStar + r > 0 ? (2 * pStar * r) / (pStar + r) : 0;
  return { ...c, precision: p, recall: r, f1, fpr, pStar, f1Star };
}

function count(labels: number[], preds: boolean[], keep: (i: number) => boolean = () => true): Counts {
  const c: Counts = { tp: 0, fp: 0, fn: 0, tn: 0 };
  labels.forEach((l, i) => {
    if (!keep(i)) return;
    const p = preds[i] === true;
    if (p && l === 1) c.tp++;
    else if (p) c.fp++;
    else if (l === 1) c.fn++;
    else c.tn++;
  });
  return c;
}

const round = (x: number, d = 4): number => Math.round(x * 10 ** d) / 10 ** d;
const roundAll = (m: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, round(v)]));

/**
 * Why the anomalies the detector misses although their sequence is not a training normal's are
 * missed (labels used for this report only, never for fitting or settings): for each one, whether
 * its count vector is a training normal's, how many eval normals share that count vector in an
 * order unseen in training (a reordering like it), and how many eval normals the LSTM finds less
 * likely (lower worst-step probability) or ranks worse (higher max rank).
 */
function missedVisible(rows: readonly SessionRow[], verdicts: readonly SessionVerdict[], normals: ReadonlyArray<readonly string[]>): Array<Record<string, unknown>> {
  const seen = new Set(normals.map((s) => s.join(' ')));
  const vectorKey = (e: readonly string[]): string => [...e].sort().join(' ');
  const normalIdx = rows.map((r, i) => (r.label === 0 ? i : -1)).filter((i) => i >= 0);
  return rows.flatMap((r, i) => {
    const v = verdicts[i];
    if (r.label !== 1 || v === undefined || v.anomalous || seen.has(r.events.join(' '))) return [];
    const key = vectorKey(r.events);
    const reordered = normalIdx.filter((j) => vectorKey(rows[j]?.events ?? []) === key && !seen.has(rows[j]?.events.join(' ') ?? '')).length;
    const lessLikely = normalIdx.filter((j) => (verdicts[j]?.worstStep.prob ?? 1) < v.worstStep.prob).length;
    const rankedWorse = normalIdx.filter((j) => (verdicts[j]?.maxRank ?? 0) > v.maxRank).length;
    return [{ sessionId: r.sessionId, events: r.events.join(' '), nearestCountL1: v.nearestCountL1, evalNormalsSameVectorUnseenOrder: reordered, evalNormalsLessLikely: lessLikely, evalNormalsRankedWorse: rankedWorse, worstStepProb: round(v.worstStep.prob, 5), maxRank: v.maxRank }];
  });
}

async function runTrack(dir: string, track: string, split: string): Promise<Record<string, unknown>> {
  const train = readSessionCsv(join(dir, track, 'train.csv'));
  const evalRows = readSessionCsv(join(dir, track, `${split}.csv`));
  const normals = train.filter((r) => r.label === 0).map((r) => r.events);
  const t0 = performance.now();
  const model = await SessionModel.fit(normals);
  const trainSeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const verdicts: SessionVerdict[] = model.score(evalRows.map((r) => r.events));
  const scoreMsPerSession = (performance.now() - t1) / Math.max(1, evalRows.length);
  const labels = evalRows.map((r) => r.label);
  const has = (v: SessionVerdict, reason: string): boolean => v.reasons.includes(reason as never);
  const preds = verdicts.map((v) => v.anomalous);
  const lstmOnly = verdicts.map((v) => has(v, 'unknown-event') || has(v, 'lstm-next-event'));
  const countOnly = verdicts.map((v) => has(v, 'unknown-event') || has(v, 'count-vector'));
  const normalSeqs = new Set(normals.map((s) => s.join(' ')));
  const visible = (i: number): boolean => !(labels[i] === 1 && normalSeqs.has(evalRows[i]?.events.join(' ') ?? ''));
  const main = metrics(count(labels, preds));
  // DeepLog's top-g rule with g calibrated on the training normals (never on eval labels): the
  // smallest g that passes 99.9% of them (each step's next event among the model's g+1 first guesses).
  const trainMaxRanks = model.score(normals).map((v) => v.maxRank).sort((a, b) => a - b);
  const topG = trainMaxRanks[Math.min(trainMaxRanks.length - 1, Math.ceil(0.999 * trainMaxRanks.length) - 1)] ?? 0;
  const topGOnly = verdicts.map((v) => has(v, 'unknown-event') || v.maxRank > topG);
  const withTopG = verdicts.map((v) => v.anomalous || v.maxRank > topG);
  const result: Record<string, unknown> = {
    track,
    split,
    sessions: evalRows.length,
    anomalous: labels.filter((l) => l === 1).length,
    trainNormals: normals.length,
    detector: roundAll(main),
    ...(track === 'hdfs100k' ? { visible: roundAll(metrics(count(labels, preds, visible))), invisibleAnomalies: labels.filter((_, i) => !visible(i)).length } : {}),
    ablation: {
      lstmAndUnknown: roundAll(metrics(count(labels, lstmOnly))),
      countAndUnknown: roundAll(metrics(count(labels, countOnly))),
      topGTrainCalibratedAndUnknown: { g: topG, ...roundAll(metrics(count(labels, topGOnly))) },
      finalPlusTopGTrainCalibrated: { g: topG, ...roundAll(metrics(count(labels, withTopG))) },
    },
    missedVisible: missedVisible(evalRows, verdicts, normals),
    flaggedBy: {
      unknownEvent: verdicts.filter((v) => has(v, 'unknown-event')).length,
      countVector: verdicts.filter((v) => has(v, 'count-vector')).length,
      lstmNextEvent: verdicts.filter((v) => has(v, 'lstm-next-event')).length,
    },
    lstmProbThreshold: model.probThreshold,
    train: model.trainReport,
    trainSeconds: round(trainSeconds, 2),
    scoreMsPerSession: round(scoreMsPerSession, 4),
  };
  model.dispose();
  return result;
}

async function main(): Promise<void> {
  const dir = dataDir();
  const split = process.env.BENCH_SPLIT ?? 'val';
  const tracks = (process.env.BENCH_TRACKS ?? 'deeplog,hdfs100k').split(',').filter((t) => t !== '');
  const results: Record<string, unknown>[] = [];
  for (const track of tracks) {
    const r = await runTrack(dir, track, split);
    results.push(r);
    const d = r.detector as Record<string, number>;
    const main = track === 'deeplog' ? `F1* ${d.f1Star?.toFixed(4)} (raw F1 ${d.f1?.toFixed(4)}, FPR ${d.fpr?.toFixed(4)})` : `F1 ${d.f1?.toFixed(4)} (F1_visible ${(r.visible as Record<string, number>).f1?.toFixed(4)})`;
    process.stdout.write(
      `${track.padEnd(9)} ${split}: ${main}  tp ${d.tp} fp ${d.fp} fn ${d.fn} tn ${d.tn}  train ${String(r.trainSeconds)} s  score ${String(r.scoreMsPerSession)} ms/session\n`,
    );
    const ab = r.ablation as Record<string, Record<string, number>>;
    const g = ab.finalPlusTopGTrainCalibrated;
    const fig = (m: Record<string, number> | undefined): string => (track === 'deeplog' ? `F1* ${m?.f1Star?.toFixed(4)}` : `F1 ${m?.f1?.toFixed(4)}`);
    process.stdout.write(`${''.padEnd(9)} ablations: LSTM top-g (g = ${g?.g} from training) + unknown ${fig(ab.topGTrainCalibratedAndUnknown)}; final + top-g ${fig(g)}; missed visible anomalies ${(r.missedVisible as unknown[]).length}\n`);
  }
  const cpu = cpus();
  const out = {
    date: new Date().toISOString(),
    command: 'npm run bench:sessions',
    split,
    settings: FROZEN_SESSION_SETTINGS,
    finalDetector:
      'flag a session when it has an event unseen in training, OR its count vector is at L1 >= countL1Threshold from every training count vector, ' +
      'OR the LSTM gives one of its steps (end included) a probability below probFactor x the lowest it gave any training step',
    hardware: { cpus: cpu.length, model: cpu[0]?.model ?? 'unknown', loadavg1: round(loadavg()[0] ?? 0, 2), node: process.version },
    targets: { deeplogValF1Star: 0.97, hdfs100kValF1: 0.78 },
    tracks: results,
  };
  const file = join(root, 'bench/results/sessions.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`results in ${file}\n`);
}

await main();
