// Training helpers shared by `aiops train-sessions` (from a log file, with the stage's miner) and
// models/train-sessions.ts (from a sessions CSV): fit the session model on normal sessions, save
// the artifact and its train-report.json.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AiopsError } from '../../platform/errors/aiops-error.js';
import { SessionModel } from './session-model.js';

export interface TrainOverrides {
  epochs?: string | undefined;
  seed?: string | undefined;
}

/** Parses --epochs / --seed (CLI strings) into LSTM setting overrides; INPUT_INVALID when not integers. */
export function lstmOverrides(o: TrainOverrides): { epochs?: number; seed?: number } {
  const out: { epochs?: number; seed?: number } = {};
  if (o.epochs !== undefined) {
    const n = Number(o.epochs);
    if (!Number.isInteger(n) || n < 1) throw new AiopsError('INPUT_INVALID', `--epochs must be an integer >= 1, found '${o.epochs}'`);
    out.epochs = n;
  }
  if (o.seed !== undefined) {
    const n = Number(o.seed);
    if (!Number.isInteger(n)) throw new AiopsError('INPUT_INVALID', `--seed must be an integer, found '${o.seed}'`);
    out.seed = n;
  }
  return out;
}

/** Fits on `normals`, saves the artifact to `out` with train-report.json (`report` merged in); returns the report. */
export async function trainAndSave(
  normals: ReadonlyArray<readonly string[]>,
  out: string,
  overrides: TrainOverrides,
  report: Record<string, unknown>,
  onEpoch?: (epoch: number, epochs: number, loss: number) => void,
): Promise<Record<string, unknown>> {
  if (normals.length === 0) throw new AiopsError('INPUT_INVALID', 'no normal sessions to train on');
  const model = await SessionModel.fit(normals, { lstm: lstmOverrides(overrides) }, onEpoch);
  try {
    await model.save(out);
    const full = { ...report, normals: normals.length, probThreshold: model.probThreshold, countVectors: model.counts.size, ...model.trainReport };
    writeFileSync(join(out, 'train-report.json'), `${JSON.stringify(full, null, 2)}\n`);
    return full;
  } finally {
    model.dispose();
  }
}
