// The detect stage: metric points and logs in, anomalies out. Each series (metric series, or
// a service's log error ratio) has its own streaming detector whose state is checkpointed to
// the store and restored lazily on first sight, so a restart or a rebalance keeps baselines.
import { randomUUID } from 'node:crypto';
import type { Anomaly, Feedback, LogRecord, MetricPoint } from '../platform/contracts/events.js';
import { TOPICS } from '../platform/contracts/topics.js';
import { tenantKey, type Subscription } from '../platform/bus/bus.js';
import { consumeValidated, type TypedRecord } from '../platform/bus/consume-validated.js';
import type { RunningStage, StageContext, StageModule } from '../platform/runtime/stage.js';
import { serialQueue } from '../platform/runtime/serial.js';
import type { Store } from '../platform/store/store.js';
import { CheckpointVersions } from '../platform/store/checkpoint-version.js';
import { putTenantCheckpoints } from '../platform/store/tenant-checkpoints.js';
import { SeriesDetector } from './metrics/series-detector.js';
import { resolveConfig, type SeriesDetectorConfig } from './metrics/config.js';
import { StateSlab } from './metrics/state-slab.js';
import { counterRate, type CounterState } from './counter-rate.js';
import { addCounts, addToBucket, BUCKET_MS, MIN_ERROR_LINES, type BucketState, type ClosedBucket } from './log-error-rate.js';
import { MIN_ERROR_REQUESTS, requestFamily, requestsAdded, type RequestFamily } from './request-error-ratio.js';
import { seriesKey, seriesSubject } from './series-key.js';
import { LogTemplateBank } from './log-template-bank.js';
import { registerTemplateMinerMetrics } from './logs/index.js';
import { SessionBank, loadSessionModels } from './sessions/session-bank.js';
import { registerSessionMetrics } from './sessions/metrics.js';
import { RequestVolumes, isRequestVolume } from './request-volume.js';
import { applySustainedRule, type SustainedState } from './sustained-deviation.js';
import { DEFAULT_EPISODE_RULE, episodeAnomaly, episodePoint, stepEpisode, type EpisodeEmission, type EpisodePoint, type EpisodeRule, type EpisodeState } from './episodes.js';
import { loadSignificanceFile, significanceClassifier, type SignificanceClassifier } from './significance.js';
import { episodeSignificance } from './practical-significance.js';

export const DETECT_CHECKPOINT_NAMESPACE = 'detect.v1';
/**
 * Also checkpoint whenever this much event time was processed since the last checkpoint. Offsets
 * are committed with each checkpoint, so after a crash the state resumes from the checkpoint and
 * the bus replays what came after it. Catching up a backlog covers an hour of event time per
 * second of wall time, so a wall-clock interval alone would leave hours to replay (and hold back
 * the committed offsets as long).
 */
export const CHECKPOINT_EVENT_SPAN_MS = 5 * 60_000;

/**
 * One per series held. Every field exists from creation on (newSeriesState), so all states share one
 * shape and none grows a separate property store when a field is first set; `episode` is cleared, not
 * deleted (a delete turns the object into a dictionary).
 */
interface SeriesState extends Required<SustainedState> {
  detector: SeriesDetector;
  counter?: CounterState;
  bucket?: BucketState;
  // The paging rule's counters (seen, run, open) are the state's own fields: no object of their own.
  /** The series' open anomaly episode (episodes.ts), if any. */
  episode?: EpisodeState;
  /** Newest point applied; older or equal points are replays already in the state. */
  lastTs: number;
  /** lastTs when the state was last checkpointed (or the first point's time). */
  checkpointedTs: number;
  dirty: boolean;
  /** Ids of the feedback already applied (newest last): a replayed verdict is applied once. */
  feedback?: string[];
  /** Whether the series counts its service's requests (from its name; not checkpointed). */
  volume?: boolean;
}

interface SerializedSeries {
  detector: ReturnType<SeriesDetector['snapshot']>;
  counter?: CounterState;
  bucket?: BucketState;
  sustained?: SustainedState;
  episode?: EpisodeState;
  lastTs?: number;
  feedback?: string[];
}

/** Feedback for series this process has not loaded yet is kept this long (wall clock), at most MAX_PENDING_FEEDBACK. */
const PENDING_FEEDBACK_MS = 24 * 3_600_000;
const MAX_PENDING_FEEDBACK = 1_000;
/** Applied feedback ids remembered per series (the checkpoint carries them). */
const APPLIED_FEEDBACK_IDS = 32;

function newSeriesState(detector: SeriesDetector, sustained: SustainedState | undefined, lastTs: number): SeriesState {
  return {
    detector,
    counter: undefined,
    bucket: undefined,
    seen: sustained?.seen ?? 0,
    run: sustained?.run ?? 0,
    open: sustained?.open ?? false,
    episode: undefined,
    lastTs,
    checkpointedTs: lastTs,
    dirty: false,
    feedback: undefined,
    volume: undefined,
  };
}

/**
 * A series key as a flat string of its own. Keys are built by concatenation (seriesKey), which V8
 * keeps as a rope; held for the life of the series, the rope and its flattened copy both stay.
 */
function ownKey(key: string): string {
  return JSON.parse(JSON.stringify(key)) as string;
}

/** Holds every series' detector for one process, with lazy restore and periodic checkpoints. */

export class SeriesBank {
  /** Tenant -> series key -> state: no per-series tenant-prefixed key string. */
  private readonly series = new Map<string, Map<string, SeriesState>>();
  private held = 0;
  /** Detector states of this bank's series (state-slab.ts); replaced on reset, so old chunks are freed. */
  private slab = new StateSlab();
  private readonly detectorConfig: SeriesDetectorConfig;
  private pendingFeedback: Array<{ f: Feedback; at: number }> = [];
  private readonly versions = new CheckpointVersions();
  /** Most event time any series advanced since its last checkpoint. */
  uncheckpointedSpan = 0;
  /** Each service's recent request volume, noted on its metric anomalies. */
  readonly volumes = new RequestVolumes();

  /** How anomalous points fold into episodes. */
  readonly episodeRule: EpisodeRule;
  /** Which series may open incidents (significance.ts). */
  readonly significance: SignificanceClassifier;

  constructor(
    private readonly store: Store | undefined,
    detectorConfig?: Partial<SeriesDetectorConfig>,
    options: { episodes?: Partial<EpisodeRule>; significance?: SignificanceClassifier } = {},
  ) {
    // Resolved once: every series shares the one config object.
    this.detectorConfig = resolveConfig(detectorConfig);
    this.episodeRule = { ...DEFAULT_EPISODE_RULE, ...options.episodes };
    this.significance = options.significance ?? significanceClassifier();
  }

  get size(): number {
    return this.held;
  }

  private tenantSeries(tenant: string): Map<string, SeriesState> {
    let m = this.series.get(tenant);
    if (m === undefined) {
      m = new Map();
      this.series.set(tenant, m);
    }
    return m;
  }

  private add(held: Map<string, SeriesState>, key: string, state: SeriesState): void {
    held.set(ownKey(key), state);
    this.held += 1;
  }

  /** Loads checkpoints for keys this process has not seen yet, in one query for many tenants. */
  async ensure(keys: Map<string, string[]>): Promise<void> {
    const wanted = new Map<string, string[]>();
    for (const [tenant, list] of keys) {
      const missing = list.filter((k) => !this.tenantSeries(tenant).has(k));
      if (missing.length > 0) wanted.set(tenant, missing);
    }
    if (wanted.size === 0) return;
    const found = this.store ? await this.store.getTenantCheckpoints(DETECT_CHECKPOINT_NAMESPACE, wanted) : [];
    for (const c of found) {
      const tenant = c.tenant;
      const held = this.tenantSeries(tenant);
      if (held.has(c.key)) continue;
      const s = JSON.parse(c.state) as SerializedSeries;
      const state = newSeriesState(SeriesDetector.restore(s.detector, this.detectorConfig, this.slab), s.sustained, s.lastTs ?? -Infinity);
      if (s.counter) state.counter = s.counter;
      if (s.bucket) state.bucket = s.bucket;
      if (s.episode) state.episode = s.episode;
      if (s.feedback) state.feedback = s.feedback;
      this.add(held, c.key, state);
      for (const p of this.pendingFeedback) if (feedbackMatches(p.f, tenant, c.key)) applyToSeries(state, p.f);
    }
    for (const [tenant, missing] of wanted) {
      const held = this.tenantSeries(tenant);
      for (const k of missing) {
        if (!held.has(k)) this.add(held, k, newSeriesState(new SeriesDetector(this.detectorConfig, this.slab), undefined, -Infinity));
      }
    }
  }

  /**
   * Applies an operator's verdict to the matching series this process holds (the owner of a series
   * holds it once one of its points arrived); the verdict is also kept for a day so a series
   * restored later (after a restart or a rebalance) gets it too. Returns the series it changed.
   */
  applyFeedback(f: Feedback, now = Date.now()): string[] {
    const changed: string[] = [];
    for (const [key, state] of this.series.get(f.tenant) ?? []) {
      if (!feedbackMatches(f, f.tenant, key)) continue;
      if (applyToSeries(state, f)) changed.push(key);
    }
    this.pendingFeedback = this.pendingFeedback.filter((p) => now - p.at < PENDING_FEEDBACK_MS).slice(-(MAX_PENDING_FEEDBACK - 1));
    this.pendingFeedback.push({ f, at: now });
    return changed;
  }

  /**
   * Forgets every series (after a rebalance): each is restored from its checkpoint on its next
   * point, and what this process applied since is replayed from the committed offsets. Verdicts
   * for series not loaded are kept.
   */
  reset(): void {
    this.series.clear();
    this.held = 0;
    this.slab = new StateSlab();
    this.volumes.clear();
    this.uncheckpointedSpan = 0;
  }

  get(tenant: string, key: string): SeriesState {
    const s = this.series.get(tenant)?.get(key);
    if (!s) throw new Error(`series ${key} was not ensured`);
    return s;
  }

  /** Records that a series applied a point; per series, because partitions run skewed in event time. */
  advanced(s: SeriesState, ts: number): void {
    if (s.checkpointedTs === -Infinity) s.checkpointedTs = ts;
    s.lastTs = ts;
    if (ts - s.checkpointedTs > this.uncheckpointedSpan) this.uncheckpointedSpan = ts - s.checkpointedTs;
  }

  async checkpoint(): Promise<number> {
    this.uncheckpointedSpan = 0;
    if (!this.store) return 0;
    const byTenant = new Map<string, Array<{ key: string; version: number; state: string }>>();
    for (const [tenant, held] of this.series) {
      const list: Array<{ key: string; version: number; state: string }> = [];
      for (const [key, s] of held) {
        if (!s.dirty) continue;
        s.dirty = false;
        s.checkpointedTs = s.lastTs;
        const payload: SerializedSeries = { detector: s.detector.snapshot(), sustained: { seen: s.seen, run: s.run, open: s.open }, lastTs: s.lastTs };
        if (s.counter) payload.counter = s.counter;
        if (s.bucket) payload.bucket = s.bucket;
        if (s.episode) payload.episode = s.episode;
        if (s.feedback) payload.feedback = s.feedback;
        list.push({ key, version: this.versions.next(), state: JSON.stringify(payload) });
      }
      if (list.length > 0) byTenant.set(tenant, list);
    }
    return putTenantCheckpoints(this.store, DETECT_CHECKPOINT_NAMESPACE, byTenant, 5_000);
  }
}

function feedbackMatches(f: Feedback, tenant: string, key: string): boolean {
  if (f.tenant !== tenant) return false;
  return f.subject !== undefined ? key === `${f.service}|${f.subject}` : key.startsWith(`${f.service}|`);
}

/** Applies a verdict once per series; false when the series had it already (a replay). */
function applyToSeries(state: SeriesState, f: Feedback): boolean {
  if (state.feedback?.includes(f.id)) return false;
  if (f.kind === 'incident') state.detector.markIncident(f.from, f.to);
  else state.detector.markFalsePositive(f.from, f.to);
  state.feedback = [...(state.feedback ?? []), f.id].slice(-APPLIED_FEEDBACK_IDS);
  state.dirty = true;
  return true;
}

/**
 * Runs detection over one batch; pure apart from the banks. Exported for tests and the demo.
 * With `sessions` (and `templates`, whose miner gives the event ids), log lines with a sessionId
 * of a service that has a session model go to the session detector; idle sessions are closed
 * after the batch.
 */
/**
 * A point stamped this far past the wall clock cannot be a measurement (ingest already refuses points
 * more than AIOPS_INGEST_FUTURE_GRACE_MS ahead); applied, it would move the series' replay watermark
 * (`lastTs`) into the future and every later point would be skipped as a replay, for good.
 */
export const DETECT_FUTURE_LIMIT_MS = 24 * 3_600_000;

export async function detectBatch(
  bank: SeriesBank,
  allMetrics: readonly MetricPoint[],
  allLogs: readonly LogRecord[],
  templates?: LogTemplateBank,
  sessions?: SessionBank,
  now = Date.now(),
): Promise<Anomaly[]> {
  const futureBound = now + DETECT_FUTURE_LIMIT_MS;
  const metrics = allMetrics.some((p) => p.ts > futureBound) ? allMetrics.filter((p) => p.ts <= futureBound) : allMetrics;
  const logs = allLogs.some((r) => r.ts > futureBound) ? allLogs.filter((r) => r.ts <= futureBound) : allLogs;
  const wanted = new Map<string, string[]>();
  const want = (tenant: string, key: string) => {
    const l = wanted.get(tenant) ?? [];
    l.push(key);
    wanted.set(tenant, l);
  };
  // Each request counter point's error-ratio family, found once per batch (the loop below needs it too).
  const families = new Map<MetricPoint, RequestFamily>();
  for (const p of metrics) {
    want(p.tenant, seriesKey(p.service, p.name, p.labels));
    const family = p.kind === 'counter' ? requestFamily(p.service, p.name, p.labels) : undefined;
    if (family) {
      families.set(p, family);
      want(p.tenant, family.key);
    }
  }
  for (const r of logs) want(r.tenant, `${r.service}|log_error_ratio`);
  await bank.ensure(wanted);

  const out: Anomaly[] = [];
  // A metric anomaly gets its service's request volume once every point of its time is in (a
  // request count sampled at the same time may come later in the batch).
  // The volume is the peak point's (whose values the anomaly carries), noted on the episode's
  // peak too: later versions of the episode, published after the volume history moved on, keep it.
  let pending: Array<{ a: Anomaly; peak: EpisodePoint }> = [];
  let pendingFrom = Infinity;
  const noteVolumes = (before: number) => {
    const keep: typeof pending = [];
    for (const x of pending) {
      if (x.peak.ts >= before) {
        keep.push(x);
        continue;
      }
      if (x.peak.evidence.requests !== undefined) continue;
      const volume = bank.volumes.at(x.a.tenant, x.a.service, x.peak.ts);
      if (!volume) continue;
      const noted = { requests: String(Math.round(volume.requests * 1000) / 1000), requests_basis: volume.basis };
      Object.assign(x.a.evidence, noted);
      Object.assign(x.peak.evidence, noted);
    }
    pending = keep;
    pendingFrom = keep.reduce((m, x) => Math.min(m, x.peak.ts), Infinity);
  };
  for (const p of [...metrics].sort((a, b) => a.ts - b.ts)) {
    if (pending.length > 0 && p.ts > pendingFrom) noteVolumes(p.ts);
    const key = seriesKey(p.service, p.name, p.labels);
    const s = bank.get(p.tenant, key);
    // At-least-once delivery replays what a checkpoint may already hold (after a crash, or a
    // rebalance): applying a point twice would skew the baseline, so replays are skipped. The
    // checkpoint is written after the anomalies of its points were published, so none is lost.
    if (p.ts <= s.lastTs) continue;
    bank.advanced(s, p.ts);
    let value: number | undefined = p.value;
    if (p.kind === 'counter') {
      const family = families.get(p);
      if (family) out.push(...requestErrorRatio(bank, p.tenant, p.service, family, s.counter, p.ts, p.value, pending));
      value = counterRate(s.counter, p.ts, p.value);
      s.counter = { ts: p.ts, value: p.value };
    }
    s.dirty = true;
    if (value === undefined) continue;
    if ((s.volume ??= isRequestVolume(p.name))) bank.volumes.record(p.tenant, p.service, key, p.kind === 'counter' ? 'per_second' : 'per_point', p.ts, value);
    const v = s.detector.update(p.ts, value);
    const verdict = applySustainedRule(s, v);
    const step = stepEpisode(s.episode, p.ts, verdict.anomalous ? episodePoint(p.ts, v, verdict, { kind: p.kind }) : undefined, bank.episodeRule);
    s.episode = step.state;
    if (step.emissions.length > 0) {
      const subject = seriesSubject(p.name, p.labels);
      const significance = bank.significance.classify(subject);
      for (const e of step.emissions) {
        const a = episodeAnomaly(p.tenant, p.service, key, subject, 'metric', e, episodeSignificance(subject, significance, e.peak));
        out.push(a);
        pending.push({ a, peak: e.peak });
        pendingFrom = Math.min(pendingFrom, e.peak.ts);
      }
    }
  }
  noteVolumes(Infinity);
  const sortedLogs = [...logs].sort((a, b) => a.ts - b.ts);
  if (templates) out.push(...(await templates.process(sortedLogs)));
  if (templates && sessions) out.push(...(await sessions.detect(sortedLogs, (lines) => templates.templateIds(lines))));
  for (const r of sortedLogs) {
    const key = `${r.service}|log_error_ratio`;
    const s = bank.get(r.tenant, key);
    const { state, closed } = addToBucket(s.bucket, r);
    s.bucket = state;
    if (r.ts > s.lastTs) bank.advanced(s, r.ts);
    s.dirty = true;
    for (const b of closed) {
      const emissions = judgeErrorMinute(bank, s, b, MIN_ERROR_LINES, () => {
        const evidence: Record<string, string> = { errors: String(b.errors), total: String(b.total), window: `${new Date(b.start).toISOString()}/1m` };
        b.samples.forEach((line, i) => (evidence[`sample_${i + 1}`] = line));
        return evidence;
      });
      // An error ratio is an error signal, whatever the service's series are called.
      for (const e of emissions) out.push(episodeAnomaly(r.tenant, r.service, key, 'log_error_ratio', 'log', e, 'golden'));
    }
  }
  return out;
}

/**
 * Judges one closed minute of an error ratio (log lines or requests) and folds it into the series'
 * episode: anomalous only above expected and with at least `minErrors` errors in the minute.
 */
function judgeErrorMinute(bank: SeriesBank, s: SeriesState, b: ClosedBucket, minErrors: number, evidence: () => Record<string, string>): EpisodeEmission[] {
  const ts = b.start + BUCKET_MS;
  const v = s.detector.update(ts, b.ratio);
  const verdict = applySustainedRule(s, v);
  const point = verdict.anomalous && v.observed > v.expected && b.errors >= minErrors ? episodePoint(ts, v, verdict, evidence()) : undefined;
  const step = stepEpisode(s.episode, ts, point, bank.episodeRule);
  s.episode = step.state;
  return step.emissions;
}

/**
 * Folds one request counter sample into its family's error ratio (request-error-ratio.ts); a closed
 * minute is judged like any series and pages only when the ratio rose with at least
 * MIN_ERROR_REQUESTS failed requests. Its anomalies wait in `pending` for the request volume.
 */
function requestErrorRatio(bank: SeriesBank, tenant: string, service: string, family: RequestFamily, prev: CounterState | undefined, ts: number, value: number, pending: Array<{ a: Anomaly; peak: EpisodePoint }>): Anomaly[] {
  const f = bank.get(tenant, family.key);
  // Known: the family had requests in an earlier minute, so a series it did not have was created since.
  const known = f.bucket !== undefined && f.bucket.start < Math.floor(ts / BUCKET_MS) * BUCKET_MS;
  const increase = requestsAdded(prev, ts, value, known);
  const { state, closed } = addCounts(f.bucket, ts, increase ?? 0, family.error ? (increase ?? 0) : 0);
  f.bucket = state;
  if (ts > f.lastTs) bank.advanced(f, ts);
  f.dirty = true;
  const out: Anomaly[] = [];
  for (const b of closed) {
    const emissions = judgeErrorMinute(bank, f, b, MIN_ERROR_REQUESTS, () => ({
      errors: String(Math.round(b.errors)), requests_in_window: String(Math.round(b.total)), window: `${new Date(b.start).toISOString()}/1m`,
    }));
    for (const e of emissions) {
      const a = episodeAnomaly(tenant, service, family.key, family.subject, 'metric', e, 'golden');
      out.push(a);
      pending.push({ a, peak: e.peak });
    }
  }
  return out;
}

export const detectStage: StageModule = {
  name: 'detect',
  needsStore: true,
  description: 'Learn per-series baselines for metrics and log error ratios; emit anomalies.',
  async start(ctx: StageContext): Promise<RunningStage> {
    const { bus, metrics, config, logger } = ctx;
    const labels = { stage: 'detect', component: 'series_detector' };
    const significance = config.significanceFile ? loadSignificanceFile(config.significanceFile) : significanceClassifier();
    const bank = new SeriesBank(ctx.store, undefined, { episodes: config.episodes, significance });
    const sessionModels = await loadSessionModels(config.sessionModelsDir);
    const templates = new LogTemplateBank(ctx.store, sessionModels.miners);
    const unregister = registerTemplateMinerMetrics(metrics.registry, () => templates.detector.miners());
    const sessions = new SessionBank(ctx.store, sessionModels.models, {
      onInvalidCheckpoint: (tenant, service, error) => {
        metrics.dropped.inc({ ...labels, reason: 'invalid_session_checkpoint' });
        logger.warn({ tenant, service, error }, 'session checkpoint skipped: it does not match detect.sessions.v1');
      },
    });
    const unregisterSessions = registerSessionMetrics(metrics.registry, sessions);
    logger.info({ dir: config.sessionModelsDir, services: sessions.services }, sessions.services.length > 0 ? 'session models loaded' : 'no session models');
    let lastCheckpoint = Date.now();
    let sub: Subscription | undefined;
    // Handling, checkpoints and reassignments take turns.
    const serial = serialQueue();
    /**
     * Writes the state of every batch handled so far, then commits exactly those batches' offsets:
     * after a crash or a rebalance, whoever holds a series restores this checkpoint and consumes
     * from the commit, so no point is lost and none applied twice (a log line would be counted
     * twice in its minute's error ratio). Called between batches, never in the middle of one.
     */
    const checkpoint = async (force: boolean) => {
      if (!force && Date.now() - lastCheckpoint < config.checkpointIntervalMs && bank.uncheckpointedSpan < CHECKPOINT_EVENT_SPAN_MS) return;
      lastCheckpoint = Date.now();
      const n = await bank.checkpoint();
      const t = await templates.checkpoint();
      const o = await sessions.checkpoint();
      await sub?.commit();
      logger.debug({ series: n, templateServices: t, sessionServices: o }, 'checkpointed detector state');
    };
    const handle = async (records: TypedRecord[]) => {
      await checkpoint(false);
      const end = metrics.batchSeconds.startTimer(labels);
      const points: MetricPoint[] = [];
      const logs: LogRecord[] = [];
      for (const r of records) {
        if (r.topic === TOPICS.metrics) points.push(r.value);
        else if (r.topic === TOPICS.logs) logs.push(r.value);
      }
      metrics.received.inc(labels, records.length);
      const anomalies = await detectBatch(bank, points, logs, templates, sessionModels.models.size > 0 ? sessions : undefined);
      if (anomalies.length > 0) {
        await bus.publish(TOPICS.anomalies, anomalies.map((a) => ({ key: tenantKey(a), value: a })));
        metrics.sent.inc(labels, anomalies.length);
      }
      end();
    };
    sub = await consumeValidated({
      bus,
      group: 'aiops-detect',
      topics: [TOPICS.metrics, TOPICS.logs],
      manualCommit: true,
      // Kafka restarts every assigned partition from its committed offset after a rebalance, so
      // state held here is dropped and restored from the checkpoints aligned with those offsets
      // (a series that left and came back must not resume from what this process last saw).
      onAssigned: () => void serial(async () => {
        bank.reset();
        templates.reset();
        sessions.reset();
      }).catch((err: unknown) => logger.error({ err }, 'dropping detector state after a rebalance failed')),
      onInvalid: () => metrics.dropped.inc({ ...labels, reason: 'invalid_record' }),
      handler: (records) => serial(() => handle(records)),
    });
    // Quiet partitions still get their handled offsets committed.
    const timer = setInterval(() => {
      serial(() => checkpoint(false)).catch((err: unknown) => logger.error({ err }, 'periodic detector checkpoint failed'));
    }, Math.max(1_000, config.checkpointIntervalMs));
    timer.unref();
    // Every instance reads every verdict (it applies them to the series it holds), from the
    // topic's start: a fresh group per start, since verdicts are rare and applied once per series.
    const feedbackSub = await consumeValidated({
      bus,
      group: `aiops-detect-feedback-${randomUUID()}`,
      topics: [TOPICS.feedback],
      onInvalid: () => metrics.dropped.inc({ stage: 'detect', component: 'feedback', reason: 'invalid_record' }),
      handler: async (records) => {
        for (const r of records) {
          if (r.topic !== TOPICS.feedback) continue;
          const changed = bank.applyFeedback(r.value);
          metrics.received.inc({ stage: 'detect', component: 'feedback' });
          if (changed.length > 0) logger.info({ tenant: r.value.tenant, service: r.value.service, kind: r.value.kind, feedback: r.value.id, series: changed.length }, 'feedback applied');
        }
      },
    });
    let ready = true;
    return {
      name: 'detect',
      ready: () => ready,
      async stop() {
        ready = false;
        clearInterval(timer);
        // Checkpoint and commit while still in the group; then once more for a batch handled while
        // leaving (its offsets stay uncommitted and are replayed; the in-process bus replays nothing).
        // Open sessions are kept for the next start, not scored: a restart does not split them.
        await serial(() => checkpoint(true));
        await sub?.stop();
        await feedbackSub.stop();
        await serial(() => checkpoint(true));
        sessions.dispose();
        unregisterSessions();
        unregister();
      },
    };
  },
};
