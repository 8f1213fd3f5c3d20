// `aiops bench nab --data DIR --out OUTDIR [--windows FILE]`: stream every NAB CSV through the
// per-series detector, write one results CSV per data file and, with --windows, print NAB's three
// profile scores from the project's scorer, each category's score, and the leave-one-category-out
// folds' mean and minimum (the generalisation figure: tune against the minimum), also written as JSON.
import type { Command } from 'commander';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import cliProgress from 'cli-progress';
import { AiopsError } from '../../../platform/errors/aiops-error.js';
import { NAB_DETECTORS, runNab, scoreNabCategories, scoreNabRun, summariseNabLoco, type NabDetectorName } from '../../../bench/nab/harness.js';
import { readNabProfiles, readNabWindows } from '../../../bench/nab/corpus.js';

interface NabOptions {
  data: string;
  out: string;
  windows?: string;
  profiles?: string;
  detector: string;
  perFile?: boolean;
  byCategory?: boolean;
  json: string | false;
}

/** Where the last run's scores are recorded (the repository's benchmark results). */
const DEFAULT_JSON = 'bench/results/nab.json';

export function registerNabBench(bench: Command): Command {
  return bench
    .command('nab')
    .description(
      'Run the streaming series detector over a NAB corpus (DIR/<category>/<file>.csv, columns timestamp,value), ' +
        'write OUTDIR/<category>/<file>.csv (timestamp,value,anomaly_score) and, with --windows, print the NAB ' +
        'standard / reward_low_FP_rate / reward_low_FN_rate scores.',
    )
    .requiredOption('--data <dir>', 'NAB data directory (DIR/<category>/<file>.csv)')
    .requiredOption('--out <dir>', 'results directory, written as OUTDIR/<category>/<file>.csv')
    .option('--windows <file>', 'combined_windows.json with the label windows; enables scoring')
    .option('--profiles <file>', 'profiles.json with the cost matrices (default: beside --windows, else the NAB defaults)')
    .option('--detector <name>', `detector to run: ${NAB_DETECTORS.join(', ')} (reference baselines for checking the scorer)`, 'series')
    .option('--per-file', 'also print the raw standard-profile score of each file')
    .option('--by-category', 'also print each category\'s raw score at the corpus threshold')
    .option('--json <file>', 'write the scores as JSON (corpus, per category, LOCO folds)', DEFAULT_JSON)
    .option('--no-json', 'do not write the JSON scores')
    .action((opts: NabOptions) => {
      if (!NAB_DETECTORS.includes(opts.detector as NabDetectorName)) {
        throw new AiopsError('INPUT_INVALID', `unknown --detector ${opts.detector} (use one of ${NAB_DETECTORS.join(', ')})`);
      }
      if (opts.windows !== undefined && !existsSync(opts.windows)) {
        throw new AiopsError('INPUT_NOT_FOUND', `windows file not found: ${opts.windows}`);
      }
      mkdirSync(opts.out, { recursive: true });
      const bar = process.stderr.isTTY
        ? new cliProgress.SingleBar({ stream: process.stderr, format: 'nab {bar} {value}/{total} files | {file}', hideCursor: true }, cliProgress.Presets.shades_classic)
        : undefined;
      let started = false;
      const run = runNab({
        dataDir: opts.data,
        outDir: opts.out,
        detector: opts.detector as NabDetectorName,
        onFile: (done, total, key) => {
          if (bar === undefined) return;
          if (!started) {
            bar.start(total, 0, { file: key });
            started = true;
          }
          bar.update(done, { file: key });
        },
      });
      bar?.stop();
      const rate = run.elapsedMs > 0 ? (run.rows / run.elapsedMs) * 1000 : 0;
      process.stdout.write(
        `nab: ${run.files.length} files, ${run.rows} rows, detector ${opts.detector}, ${Math.round(rate).toLocaleString('en-US')} points/s; results in ${opts.out}\n`,
      );
      if (opts.windows === undefined) return;
      const windows = readNabWindows(opts.windows);
      const profiles = readNabProfiles(opts.profiles ?? join(dirname(opts.windows), 'profiles.json'));
      const results = scoreNabRun(run, windows, profiles);
      for (const r of results) {
        process.stdout.write(
          `${r.profile.padEnd(20)} ${r.score.toFixed(1).padStart(6)}   (threshold ${r.threshold.toFixed(4)}, windows detected ${r.tp}/${r.tp + r.fn}, false positives ${r.fp})\n`,
        );
      }
      if (opts.perFile === true) {
        const std = results[0];
        for (const f of std?.perFile ?? []) {
          process.stdout.write(`  ${f.raw.toFixed(3).padStart(8)}  tp ${f.tp} fp ${f.fp} fn ${f.fn}  ${f.key}\n`);
        }
      }
      const categories = scoreNabCategories(run, windows, profiles, results);
      const loco = summariseNabLoco(categories, profiles);
      const names = results.map((r) => r.profile);
      const fmt = (v: number | null | undefined): string => (v === null || v === undefined ? '    -' : v.toFixed(1).padStart(5));
      process.stdout.write(`per category: score at the corpus threshold | LOCO fold, the corpus without it (${names.join(' / ')})\n`);
      for (const c of categories) {
        const own = names.map((p) => fmt(c.scoreAtCorpusThreshold[p])).join(' ');
        const without = names.map((p) => fmt(c.scoreWithout[p])).join(' ');
        const raw = opts.byCategory === true ? `  raw ${names.map((p) => (c.rawAtCorpusThreshold[p] ?? 0).toFixed(2).padStart(7)).join(' ')}` : '';
        process.stdout.write(`  ${c.category.padEnd(24)} ${String(c.files).padStart(3)} files ${String(c.windows).padStart(3)} windows  ${own} | ${without}${raw}\n`);
      }
      for (const l of loco) {
        process.stdout.write(`LOCO ${l.profile.padEnd(20)} mean ${l.mean.toFixed(1).padStart(5)}  min ${l.min.toFixed(1).padStart(5)} (without ${l.minWithout}, ${l.folds} folds)\n`);
      }
      if (opts.json !== false) {
        mkdirSync(dirname(opts.json), { recursive: true });
        writeFileSync(
          opts.json,
          `${JSON.stringify(
            { detector: opts.detector, files: run.files.length, rows: run.rows, pointsPerSecond: rate, profiles: results.map(({ perFile, ...rest }) => ({ ...rest, perFile })), categories, loco },
            null,
            2,
          )}\n`,
        );
      }
    });
}
