// The session model: the DeepLog-style LSTM (models/session-lstm) plus count-vector evidence,
// fitted on normal sessions with one frozen configuration. A session is anomalous when
//   1. it holds an event id never seen in training (UNK), or
//   2. its count vector is at L1 distance >= countL1Threshold from every training count vector, or
//   3. the LSTM gives one of its steps (an event, or the session ending there) a probability
//      below probFactor x the lowest probability it gave any step of the training sessions.
// Rule 3's threshold comes from the training data (a step less likely than anything normal);
// countL1Threshold and probFactor were chosen on the HDFS dev validation splits and are frozen.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { AiopsError } from '../../platform/errors/aiops-error.js';
import { validate } from '../../platform/contracts/validate.js';
import { DEFAULT_LSTM_SETTINGS, SessionLstm, type LstmSettings, type StepScores, type TrainReport } from '../../models/session-lstm/model.js';
import { CountVectorIndex, type CountVectorState } from './count-vectors.js';

export const SESSION_MODEL_FORMAT = 'aiops-session-model';
export const SESSION_MODEL_VERSION = 1;

export interface SessionRuleSettings {
  /** Flag when the nearest training count vector is at least this far (L1). */
  countL1Threshold: number;
  /** Flag when a step's probability is below probFactor x the lowest training step probability. */
  probFactor: number;
}

export interface SessionModelSettings {
  lstm: LstmSettings;
  rules: SessionRuleSettings;
}

/** The frozen configuration (chosen on the dev validation splits; see models/session-lstm/MODEL_CARD.md). */
export const FROZEN_SESSION_SETTINGS: Readonly<SessionModelSettings> = Object.freeze({
  lstm: { ...DEFAULT_LSTM_SETTINGS },
  rules: { countL1Threshold: 2, probFactor: 0.01 },
});

export type SessionReason = 'unknown-event' | 'count-vector' | 'lstm-next-event';

export interface SessionVerdict {
  anomalous: boolean;
  /** 0..1: 0.95 for unknown events, else rising with the count distance and the LSTM surprise. */
  score: number;
  reasons: SessionReason[];
  unknownEvents: string[];
  nearestCountL1: number;
  /** The least likely step: its index (events.length = the session's end), event, probability and rank. */
  worstStep: { index: number; event: string; prob: number; rank: number };
  /** The probability threshold rule 3 used. */
  probThreshold: number;
  /** The highest rank (0 = the model's first guess) the LSTM gave any step: DeepLog's top-g evidence. */
  maxRank: number;
}

interface SavedModel {
  format: string;
  version: number;
  settings: SessionModelSettings;
  minTrainProb: number;
  counts: CountVectorState;
}

const Finite = Type.Number();
/** session-model.json as read from disk: checked before use (a file may be hand-edited or truncated). */
const SavedModelSchema = Type.Object({
  format: Type.Literal(SESSION_MODEL_FORMAT),
  version: Type.Literal(SESSION_MODEL_VERSION),
  settings: Type.Object({
    lstm: Type.Object({
      window: Type.Integer({ minimum: 1 }),
      hidden: Type.Integer({ minimum: 1 }),
      epochs: Type.Integer({ minimum: 0 }),
      batchSize: Type.Integer({ minimum: 1 }),
      learningRate: Finite,
      weightPower: Finite,
      seed: Type.Integer(),
    }),
    rules: Type.Object({ countL1Threshold: Finite, probFactor: Finite }),
  }),
  minTrainProb: Type.Number({ minimum: 0, maximum: 1 }),
  counts: Type.Object({ events: Type.Array(Type.String()), vectors: Type.Array(Type.Array(Type.Integer({ minimum: 0 }))) }),
});

export class SessionModel {
  private constructor(
    readonly lstm: SessionLstm,
    readonly counts: CountVectorIndex,
    readonly settings: SessionModelSettings,
    /** The lowest probability the LSTM gave any step of the training sessions. */
    readonly minTrainProb: number,
  ) {}

  get trainReport(): TrainReport | undefined {
    return this.lstm.trainReport;
  }

  static async fit(
    normalSessions: ReadonlyArray<readonly string[]>,
    settings: Partial<{ lstm: Partial<LstmSettings>; rules: Partial<SessionRuleSettings> }> = {},
    onEpoch?: (epoch: number, epochs: number, loss: number) => void,
  ): Promise<SessionModel> {
    if (normalSessions.length === 0) throw new Error('no normal sessions to fit on');
    const s: SessionModelSettings = {
      lstm: { ...FROZEN_SESSION_SETTINGS.lstm, ...settings.lstm },
      rules: { ...FROZEN_SESSION_SETTINGS.rules, ...settings.rules },
    };
    const lstm = await SessionLstm.train(normalSessions, s.lstm, onEpoch);
    // The lowest step probability over the distinct training sequences (duplicates score alike).
    const distinct = [...new Map(normalSessions.map((x) => [x.join(' '), x] as const)).values()];
    let minTrainProb = 1;
    for (const sc of lstm.scoreSessions(distinct)) for (const p of sc.probs) if (p < minTrainProb) minTrainProb = p;
    return new SessionModel(lstm, CountVectorIndex.fit(normalSessions), s, minTrainProb);
  }

  get probThreshold(): number {
    return this.minTrainProb * this.settings.rules.probFactor;
  }

  /** Scores whole sessions (batched through the LSTM). */
  score(sessions: ReadonlyArray<readonly string[]>): SessionVerdict[] {
    const steps = this.lstm.scoreSessions(sessions);
    return sessions.map((s, i) => this.verdict(s, steps[i] as StepScores));
  }

  private verdict(session: readonly string[], steps: StepScores): SessionVerdict {
    const unknownEvents = [...new Set(session.filter((e) => !this.lstm.vocab.has(e)))];
    const nearestCountL1 = this.counts.nearestL1(session);
    let worst = 0;
    for (let i = 1; i < steps.probs.length; i++) if ((steps.probs[i] ?? 1) < (steps.probs[worst] ?? 1)) worst = i;
    const worstProb = steps.probs[worst] ?? 1;
    const thr = this.probThreshold;
    const reasons: SessionReason[] = [];
    if (unknownEvents.length > 0) reasons.push('unknown-event');
    if (nearestCountL1 >= this.settings.rules.countL1Threshold) reasons.push('count-vector');
    if (worstProb < thr) reasons.push('lstm-next-event');
    let score = 0;
    if (unknownEvents.length > 0) score = 0.95;
    if (nearestCountL1 >= this.settings.rules.countL1Threshold) score = Math.max(score, Math.min(0.99, 0.6 + 0.05 * nearestCountL1));
    if (worstProb < thr) score = Math.max(score, Math.min(0.99, 0.6 + 0.05 * Math.log10(thr / Math.max(worstProb, 1e-12))));
    if (reasons.length === 0) {
      // Below 0.5 for sessions not flagged: how close they came to either threshold.
      const countPart = nearestCountL1 / this.settings.rules.countL1Threshold;
      const probPart = worstProb > 0 ? Math.min(1, thr / worstProb) : 1;
      score = 0.49 * Math.max(countPart, probPart);
    }
    return {
      anomalous: reasons.length > 0,
      score,
      reasons,
      unknownEvents,
      nearestCountL1,
      worstStep: { index: worst, event: worst < session.length ? (session[worst] ?? '') : '<end>', prob: worstProb, rank: steps.ranks[worst] ?? 0 },
      probThreshold: thr,
      maxRank: steps.ranks.reduce((m, r) => Math.max(m, r), 0),
    };
  }

  /** DIR/session-model.json (settings, thresholds, count vectors) and DIR/lstm/ (the LSTM artifact). */
  async save(dir: string): Promise<void> {
    mkdirSync(dir, { recursive: true });
    await this.lstm.save(join(dir, 'lstm'));
    const saved: SavedModel = {
      format: SESSION_MODEL_FORMAT,
      version: SESSION_MODEL_VERSION,
      settings: this.settings,
      minTrainProb: this.minTrainProb,
      counts: this.counts.snapshot(),
    };
    writeFileSync(join(dir, 'session-model.json'), `${JSON.stringify(saved)}\n`);
  }

  /** Loads an artifact written by save(); MODEL_LOAD_FAILED names the file and the problem. */
  static async load(dir: string): Promise<SessionModel> {
    const file = join(dir, 'session-model.json');
    const fail = (problem: string, cause?: unknown): AiopsError =>
      new AiopsError('MODEL_LOAD_FAILED', `${file}: ${problem}; retrain it (aiops train-sessions) or point to a valid artifact`, { file }, { cause });
    if (!existsSync(file)) throw fail('not found');
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw fail(`not valid JSON (${(err as Error).message})`, err);
    }
    const checked = validate(SavedModelSchema, raw);
    if (!checked.ok) throw fail(`not an ${SESSION_MODEL_FORMAT} v${SESSION_MODEL_VERSION} artifact (${checked.error})`);
    const saved: SavedModel = checked.value;
    if (saved.counts.vectors.some((v) => v.length !== saved.counts.events.length)) throw fail('a count vector does not match the event list');
    let lstm: SessionLstm;
    try {
      lstm = await SessionLstm.load(join(dir, 'lstm'));
    } catch (err) {
      throw fail(`its LSTM (lstm/model.json, lstm/weights.bin) does not load: ${(err as Error).message}`, err);
    }
    return new SessionModel(lstm, CountVectorIndex.restore(saved.counts), saved.settings, saved.minTrainProb);
  }

  dispose(): void {
    this.lstm.dispose();
  }
}
