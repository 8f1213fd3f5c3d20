// Train the session model on normal sessions and save it as a versioned artifact:
//   npx tsx models/train-sessions.ts --train TRAIN.csv --out models/artifacts/session-hdfs-deeplog/v1
// TRAIN.csv: pos,session_id,label,n_events,events (../shared/bench/hdfs format); only label == 0
// rows are used. The artifact: session-model.json (format/version, settings, thresholds, count
// vectors), lstm/model.json + lstm/weights.bin (TensorFlow.js layers model), train-report.json.
// Load it with SessionModel.load(dir) and hand it to a SessionDetector. To train from a log file
// with the detect stage's template miner instead, use `aiops train-sessions`.
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { readSessionCsv } from '../detectors/sessions/index.js';
import { trainAndSave } from '../detectors/sessions/train.js';
import { AiopsError } from '../platform/errors/aiops-error.js';

const program = new Command('train-sessions')
  .description('Fit the session model (next-event LSTM + count vectors) on the label == 0 rows of a sessions CSV and save it.')
  .requiredOption('--train <file>', 'sessions CSV (pos,session_id,label,n_events,events)')
  .requiredOption('--out <dir>', 'artifact directory to write')
  .option('--epochs <n>', 'override the frozen number of epochs')
  .option('--seed <n>', 'override the frozen seed')
  .action(async (opts: { train: string; out: string; epochs?: string; seed?: string }) => {
    if (!existsSync(opts.train)) throw new AiopsError('INPUT_NOT_FOUND', `--train file not found: ${opts.train}`);
    const normals = readSessionCsv(opts.train).filter((r) => r.label === 0).map((r) => r.events);
    const report = await trainAndSave(normals, opts.out, opts, { trainFile: opts.train }, (e, n, loss) => process.stderr.write(`epoch ${e}/${n} loss ${loss.toFixed(4)}\n`));
    process.stdout.write(`${JSON.stringify(report)}\n`);
  });

await program.parseAsync(process.argv);
