// `aiops bench sessions --train TRAIN.csv --in FILE.csv --out PREDS.csv`: fit the session model
// (DeepLog-style LSTM + count-vector evidence, detectors/sessions) on the label == 0 rows of
// TRAIN with the frozen settings and seed, score every row of FILE, write `session_id,pred`
// (1 = anomalous) in FILE's row order. Formats: ../shared/bench/hdfs/README.md.
import type { Command } from 'commander';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import cliProgress from 'cli-progress';
import { AiopsError } from '../../../platform/errors/aiops-error.js';
import type { SessionRow } from '../../../detectors/sessions/index.js';

// Imported when the bench runs: the session model pulls in the LSTM and is not needed for `--help`.
type Sessions = typeof import('../../../detectors/sessions/index.js');

interface SessionsOptions {
  train: string;
  in: string;
  out: string;
  saveModel?: string;
  seed?: string;
}

function readRows({ readSessionCsv, SessionCsvError }: Sessions, file: string, what: string): SessionRow[] {
  if (!existsSync(file)) throw new AiopsError('INPUT_NOT_FOUND', `${what} file not found: ${file}`);
  try {
    return readSessionCsv(file);
  } catch (err) {
    if (err instanceof SessionCsvError) throw new AiopsError('INPUT_INVALID', err.message);
    throw err;
  }
}

export function registerSessionsBench(bench: Command): Command {
  return bench
    .command('sessions')
    .description(
      'Fit the session detector (next-event LSTM + count-vector evidence, frozen settings, fixed seed) on the ' +
        'label == 0 rows of TRAIN, score every row of FILE and write PREDS.csv with the columns session_id,pred ' +
        '(1 = anomalous). CSV columns: pos,session_id,label,n_events,events (events separated by spaces).',
    )
    .requiredOption('--train <file>', 'training sessions CSV; only rows with label 0 are used')
    .requiredOption('--in <file>', 'sessions CSV to score (its labels are not read)')
    .requiredOption('--out <file>', 'predictions CSV to write: session_id,pred')
    .option('--save-model <dir>', 'also save the fitted model (versioned artifact) to this directory')
    .option('--seed <n>', 'override the frozen seed (default 42)')
    .action(async (opts: SessionsOptions) => {
      const sessions = await import('../../../detectors/sessions/index.js');
      const { SessionModel } = sessions;
      const train = readRows(sessions, opts.train, '--train');
      const input = readRows(sessions, opts.in, '--in');
      const normals = train.filter((r) => r.label === 0).map((r) => r.events);
      if (normals.length === 0) throw new AiopsError('INPUT_INVALID', `${opts.train}: no rows with label 0 to fit on`);
      let seed: number | undefined;
      if (opts.seed !== undefined) {
        seed = Number(opts.seed);
        if (!Number.isInteger(seed)) throw new AiopsError('INPUT_INVALID', `--seed must be an integer, found '${opts.seed}'`);
      }
      const bar = process.stderr.isTTY
        ? new cliProgress.SingleBar({ stream: process.stderr, format: 'sessions {phase} {bar} {value}/{total}', hideCursor: true }, cliProgress.Presets.shades_classic)
        : undefined;
      let barStarted = false;
      const started = performance.now();
      const model = await SessionModel.fit(normals, seed === undefined ? {} : { lstm: { seed } }, (epoch, epochs) => {
        if (bar === undefined) return;
        if (!barStarted) {
          bar.start(epochs, 0, { phase: 'train epochs' });
          barStarted = true;
        }
        bar.update(epoch);
      });
      const trainSeconds = (performance.now() - started) / 1000;
      const chunk = 2_000;
      if (bar !== undefined) bar.start(input.length, 0, { phase: 'score sessions' });
      const scoreStarted = performance.now();
      const preds: string[] = ['session_id,pred'];
      let flagged = 0;
      for (let i = 0; i < input.length; i += chunk) {
        const rows = input.slice(i, i + chunk);
        const verdicts = model.score(rows.map((r) => r.events));
        rows.forEach((r, j) => {
          const a = verdicts[j]?.anomalous === true;
          if (a) flagged++;
          preds.push(`${r.sessionId},${a ? 1 : 0}`);
        });
        bar?.update(Math.min(input.length, i + chunk));
      }
      bar?.stop();
      const scoreMs = performance.now() - scoreStarted;
      const outDir = dirname(opts.out);
      if (outDir !== '' && !existsSync(outDir)) mkdirSync(outDir, { recursive: true });
      writeFileSync(opts.out, `${preds.join('\n')}\n`);
      if (opts.saveModel !== undefined) await model.save(opts.saveModel);
      process.stdout.write(
        `sessions: fit on ${normals.length} normal sessions in ${trainSeconds.toFixed(1)} s (backend ${model.trainReport?.backend ?? '?'}), ` +
          `scored ${input.length} sessions (${input.length > 0 ? (scoreMs / input.length).toFixed(3) : '0'} ms each), ${flagged} flagged; predictions in ${opts.out}\n`,
      );
      model.dispose();
    });
}
