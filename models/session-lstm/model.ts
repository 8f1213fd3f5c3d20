// DeepLog-style next-event model (Du et al., CCS'17): an LSTM reads the last `window` tokens of a
// session (left-padded with START) and predicts the next token, END included. Training sees
// normal sessions only; at scoring time an event is suspicious when it is not among the model's
// top-g predictions (its rank is >= g), and a session is suspicious when any of its steps is.
//
// Training is a small custom loop (not model.fit) so that it is deterministic for a seed: seeded
// initialisers, a seeded shuffle, and the (window, next token) pairs deduplicated with their
// counts (HDFS repeats the same sequences very often), each pair weighted by count^weightPower.
import type * as tfTypes from '@tensorflow/tfjs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTf, type Tf } from '../tf-backend.js';
import { shuffleInPlace, xorshift32 } from './prng.js';
import { END, RESERVED, UNK, Vocabulary, sessionWindows } from './vocab.js';

export const ARTIFACT_FORMAT = 'aiops-session-lstm';
export const ARTIFACT_VERSION = 1;

export interface LstmSettings {
  /** Tokens of history the model sees (DeepLog's h). */
  window: number;
  hidden: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Each distinct (window, next) pair is weighted by count^weightPower (1 = plain frequency). */
  weightPower: number;
  seed: number;
}

export const DEFAULT_LSTM_SETTINGS: Readonly<LstmSettings> = Object.freeze({
  window: 10,
  hidden: 32,
  epochs: 20,
  batchSize: 256,
  learningRate: 0.01,
  weightPower: 0.5,
  seed: 42,
});

export interface TrainReport {
  sessions: number;
  pairs: number;
  distinctPairs: number;
  epochs: number;
  finalLoss: number;
  seconds: number;
  backend: string;
}

/** Per-session output of the LSTM: one entry per step (every event, then END). */
export interface StepScores {
  /** Rank of the actual next token among the model's predictions (0 = most likely). */
  ranks: Int32Array;
  /** Probability the model gave the actual next token. */
  probs: Float32Array;
  /** Steps whose event was never seen in training (UNK). */
  unknown: number;
}

interface SavedMeta {
  format: string;
  version: number;
  settings: LstmSettings;
  events: string[];
  modelTopology: unknown;
  weightSpecs: tfTypes.io.WeightsManifestEntry[];
  train?: TrainReport;
}

// Input: the window one-hot encoded ([window, vocab]). An Embedding layer would be the usual
// choice, but its gradient needs the UnsortedSegmentSum kernel, which the wasm backend lacks; with
// a vocabulary of tens of events the one-hot input costs nothing.
function buildModel(tf: Tf, vocabSize: number, s: LstmSettings): tfTypes.LayersModel {
  const model = tf.sequential();
  model.add(
    tf.layers.lstm({
      inputShape: [s.window, vocabSize],
      units: s.hidden,
      kernelInitializer: tf.initializers.glorotUniform({ seed: s.seed + 2 }),
      // glorot rather than orthogonal: tfjs's orthogonal initializer warns (and is slow) past 2,000 elements.
      recurrentInitializer: tf.initializers.glorotUniform({ seed: s.seed + 3 }),
    }),
  );
  // Logits: softmax is applied in the loss and at scoring time.
  model.add(tf.layers.dense({ units: vocabSize, kernelInitializer: tf.initializers.glorotUniform({ seed: s.seed + 4 }) }));
  return model;
}

export class SessionLstm {
  private constructor(
    private readonly tf: Tf,
    readonly model: tfTypes.LayersModel,
    readonly vocab: Vocabulary,
    readonly settings: LstmSettings,
    public trainReport: TrainReport | undefined,
  ) {}

  encode(session: readonly string[]): number[] {
    return session.map((e) => this.vocab.encode(e));
  }

  /** Fits a new model on normal sessions (lists of event ids). */
  static async train(
    sessions: ReadonlyArray<readonly string[]>,
    settings: Partial<LstmSettings> = {},
    onEpoch?: (epoch: number, epochs: number, loss: number) => void,
  ): Promise<SessionLstm> {
    const { tf, backend } = await loadTf();
    const s: LstmSettings = { ...DEFAULT_LSTM_SETTINGS, ...settings };
    const started = performance.now();
    const vocab = Vocabulary.fromSessions(sessions);
    // Distinct (window, next) pairs with their counts.
    const pairs = new Map<string, { window: number[]; target: number; count: number }>();
    let total = 0;
    for (const session of sessions) {
      const { windows, targets } = sessionWindows(session.map((e) => vocab.encode(e)), s.window);
      for (let i = 0; i < targets.length; i++) {
        const w = windows.slice(i * s.window, (i + 1) * s.window);
        const target = targets[i] ?? END;
        const key = `${w.join(',')}>${target}`;
        const p = pairs.get(key);
        if (p === undefined) pairs.set(key, { window: w, target, count: 1 });
        else p.count++;
        total++;
      }
    }
    // Map order is insertion order, which follows the input: sort for independence from row order.
    const distinct = [...pairs.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, p]) => p);
    const model = buildModel(tf, vocab.size, s);
    const optimizer = tf.train.adam(s.learningRate);
    const rand = xorshift32(s.seed);
    const order = distinct.map((_, i) => i);
    let finalLoss = Number.NaN;
    for (let epoch = 0; epoch < s.epochs; epoch++) {
      shuffleInPlace(order, rand);
      let lossSum = 0;
      let weightSum = 0;
      for (let b = 0; b < order.length; b += s.batchSize) {
        const idx = order.slice(b, b + s.batchSize);
        const xsData = new Int32Array(idx.length * s.window);
        const ysData = new Int32Array(idx.length);
        const wData = new Float32Array(idx.length);
        idx.forEach((j, r) => {
          const p = distinct[j];
          if (p === undefined) return;
          xsData.set(p.window, r * s.window);
          ysData[r] = p.target;
          wData[r] = Math.pow(p.count, s.weightPower);
        });
        const batchWeight = wData.reduce((a, v) => a + v, 0);
        const lossValue = tf.tidy(() => {
          const xs = tf.oneHot(tf.tensor2d(xsData, [idx.length, s.window], 'int32'), vocab.size);
          const ys = tf.oneHot(tf.tensor1d(ysData, 'int32'), vocab.size);
          const w = tf.tensor1d(wData);
          const loss = optimizer.minimize(() => {
            const logits = model.apply(xs, { training: true }) as tfTypes.Tensor2D;
            const ce = tf.losses.softmaxCrossEntropy(ys, logits, undefined, undefined, tf.Reduction.NONE);
            return tf.div(tf.sum(tf.mul(ce, w)), batchWeight) as tfTypes.Scalar;
          }, true);
          return loss === null ? Number.NaN : loss.dataSync()[0] ?? Number.NaN;
        });
        lossSum += lossValue * batchWeight;
        weightSum += batchWeight;
      }
      finalLoss = lossSum / Math.max(weightSum, 1e-12);
      onEpoch?.(epoch + 1, s.epochs, finalLoss);
    }
    optimizer.dispose();
    const report: TrainReport = {
      sessions: sessions.length,
      pairs: total,
      distinctPairs: distinct.length,
      epochs: s.epochs,
      finalLoss,
      seconds: (performance.now() - started) / 1000,
      backend,
    };
    return new SessionLstm(tf, model, vocab, s, report);
  }

  /** Scores many sessions in batched forward passes. */
  scoreSessions(sessions: ReadonlyArray<readonly string[]>, chunkPairs = 4096): StepScores[] {
    const h = this.settings.window;
    const V = this.vocab.size;
    const encoded = sessions.map((s) => this.encode(s));
    const out: StepScores[] = encoded.map((tokens) => ({
      ranks: new Int32Array(tokens.length + 1),
      probs: new Float32Array(tokens.length + 1),
      unknown: tokens.reduce((n, t) => n + (t === UNK ? 1 : 0), 0),
    }));
    // Flatten every step of every session; score in chunks.
    let pendingWindows: number[] = [];
    let pendingTargets: number[] = [];
    let pendingOwner: Array<[number, number]> = [];
    const flush = (): void => {
      const n = pendingTargets.length;
      if (n === 0) return;
      const probs = this.tf.tidy(() => {
        const xs = this.tf.oneHot(this.tf.tensor2d(pendingWindows, [n, h], 'int32'), V);
        return this.tf.softmax(this.model.predict(xs) as tfTypes.Tensor2D).dataSync() as Float32Array;
      });
      for (let i = 0; i < n; i++) {
        const target = pendingTargets[i] ?? END;
        const row = probs.subarray(i * V, (i + 1) * V);
        const p = row[target] ?? 0;
        let rank = 0;
        // UNK is never a training target: an unknown event gets the worst rank outright.
        if (target === UNK) rank = V;
        else for (let k = 0; k < V; k++) if ((row[k] ?? 0) > p) rank++;
        const [si, step] = pendingOwner[i] ?? [0, 0];
        const o = out[si];
        if (o !== undefined) {
          o.ranks[step] = rank;
          o.probs[step] = p;
        }
      }
      pendingWindows = [];
      pendingTargets = [];
      pendingOwner = [];
    };
    encoded.forEach((tokens, si) => {
      const { windows, targets } = sessionWindows(tokens, h);
      for (let i = 0; i < windows.length; i++) pendingWindows.push(windows[i] ?? 0);
      targets.forEach((t, step) => {
        pendingTargets.push(t);
        pendingOwner.push([si, step]);
      });
      if (pendingTargets.length >= chunkPairs) flush();
    });
    flush();
    return out;
  }

  /** Writes DIR/model.json (format, version, settings, vocabulary, topology, weight specs) and DIR/weights.bin. */
  async save(dir: string): Promise<void> {
    mkdirSync(dir, { recursive: true });
    await this.model.save(
      this.tf.io.withSaveHandler(async (artifacts) => {
        const weightData = artifacts.weightData;
        const buffers = weightData === undefined ? [] : Array.isArray(weightData) ? weightData : [weightData];
        const meta: SavedMeta = {
          format: ARTIFACT_FORMAT,
          version: ARTIFACT_VERSION,
          settings: this.settings,
          events: [...this.vocab.events],
          modelTopology: artifacts.modelTopology,
          weightSpecs: artifacts.weightSpecs ?? [],
          ...(this.trainReport === undefined ? {} : { train: this.trainReport }),
        };
        writeFileSync(join(dir, 'model.json'), `${JSON.stringify(meta, null, 1)}\n`);
        writeFileSync(join(dir, 'weights.bin'), Buffer.concat(buffers.map((b) => Buffer.from(b))));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
  }

  static async load(dir: string): Promise<SessionLstm> {
    const { tf } = await loadTf();
    const meta = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as SavedMeta;
    if (meta.format !== ARTIFACT_FORMAT || meta.version !== ARTIFACT_VERSION) {
      throw new Error(`${dir}/model.json: expected ${ARTIFACT_FORMAT} v${ARTIFACT_VERSION}, found ${meta.format} v${meta.version}`);
    }
    const bin = readFileSync(join(dir, 'weights.bin'));
    const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: meta.modelTopology as object, weightSpecs: meta.weightSpecs, weightData }),
    );
    return new SessionLstm(tf, model, new Vocabulary(meta.events), meta.settings, meta.train);
  }

  dispose(): void {
    this.model.dispose();
  }
}

export { RESERVED };
