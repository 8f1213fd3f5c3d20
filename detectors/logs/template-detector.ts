// Log template detectors on the stream, one template miner per (tenant, service):
//   log-new-template    a message of a new kind (a template that generalises nothing the miner
//                       knew) once the service is past its warm-up;
//   log-template-rate   the per-minute count of a template leaves its baseline (the metric
//                       SeriesDetector, one per template, fed every closed minute, zeros included).
// Each anomaly carries the template, its id, sample lines and the parameters of the first sample.
// Records must come in event-time order per service; a record older than the open minute is
// mined but not counted. State is bounded (services, templates per miner, rate series per
// service) and serialisable per service for checkpoints.
import type { Anomaly, LogRecord, SeverityText } from '../../platform/contracts/events.js';
import { stableId } from '../../platform/contracts/ids.js';
import { AiopsError } from '../../platform/errors/aiops-error.js';
import { SeriesDetector, type SeriesDetectorConfig, type SeriesDetectorState, type SeriesVerdict } from '../metrics/index.js';
import { TemplateMiner } from './template-miner/miner.js';
import type { TemplateMinerOptions } from './template-miner/options.js';
import type { MinerSnapshot } from './template-miner/state.js';
import type { MinerSource } from './template-miner/metrics.js';

export const NOVELTY_DETECTOR = 'log-new-template';
export const RATE_DETECTOR = 'log-template-rate';

export interface LogTemplateDetectorConfig {
  /** Messages a service must have sent before new templates are reported. Default 1,000. */
  warmupMessages: number;
  /** Event time a service must have been seen for before new templates are reported. Default 1 h. */
  warmupMs: number;
  /** Rate bucket. Default one minute. */
  bucketMs: number;
  /** A rate anomaly needs the count to differ from the expected one by at least this. Default 5. */
  minRateChange: number;
  /** Rate series kept per service (least recently seen templates dropped first). Default 200. */
  maxRateSeries: number;
  /** Services (tenant, service) held at once (least recently seen dropped first). Default 1,000. */
  maxServices: number;
  /** Sample lines kept per template and minute, and put in the evidence. Default 3. */
  sampleLines: number;
  /** Options of each service's miner. Default maxClusters 2,000. */
  miner: TemplateMinerOptions;
  /** Options of each template's rate detector. */
  series: Partial<SeriesDetectorConfig>;
}

export const DEFAULT_LOG_TEMPLATE_DETECTOR_CONFIG: Readonly<LogTemplateDetectorConfig> = Object.freeze({
  warmupMessages: 1_000,
  warmupMs: 3_600_000,
  bucketMs: 60_000,
  minRateChange: 5,
  maxRateSeries: 200,
  maxServices: 1_000,
  sampleLines: 3,
  miner: { maxClusters: 2_000, cacheSize: 5_000 },
  series: {},
});

const SAMPLE_CHARS = 500;
const PARAMS_CHARS = 2_000;
/** Empty minutes filled with zeros when a service was silent (longer gaps are skipped). */
const MAX_GAP_BUCKETS = 60;

interface MinuteCount {
  count: number;
  samples: string[];
  params: Record<string, string> | undefined;
}

interface Bucket {
  start: number;
  counts: Map<string, MinuteCount>;
}

interface RateSeries {
  detector: SeriesDetector;
  template: string;
}

interface ServiceState {
  tenant: string;
  service: string;
  miner: TemplateMiner;
  messages: number;
  firstTs: number;
  /** Ids of templates ever reported or seen (bounded, oldest first), so an evicted template coming back is not novel. */
  seen: Map<string, true>;
  bucket: Bucket | undefined;
  /** Insertion order = least recently counted first. */
  rates: Map<string, RateSeries>;
}

/** JSON-safe state of one service, for checkpoints. */
export interface LogServiceSnapshot {
  version: 1;
  tenant: string;
  service: string;
  messages: number;
  firstTs: number;
  miner: MinerSnapshot;
  seen: string[];
  bucket?: { start: number; counts: [string, MinuteCount][] };
  rates: [string, { template: string; detector: SeriesDetectorState }][];
}

const truncate = (s: string, n: number): string => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);
const key = (tenant: string, service: string): string => `${tenant}\u0000${service}`;

export class LogTemplateDetector {
  readonly config: Readonly<LogTemplateDetectorConfig>;
  private readonly services = new Map<string, ServiceState>();

  constructor(config: Partial<LogTemplateDetectorConfig> = {}) {
    this.config = { ...DEFAULT_LOG_TEMPLATE_DETECTOR_CONFIG, ...config };
    for (const k of ['warmupMessages', 'warmupMs', 'minRateChange'] as const) {
      if (!(this.config[k] >= 0)) throw new AiopsError('CONFIG_INVALID', `log template detector: ${k} must be >= 0`);
    }
    for (const k of ['bucketMs', 'maxRateSeries', 'maxServices', 'sampleLines'] as const) {
      if (!(Number.isInteger(this.config[k]) && this.config[k] >= 1)) throw new AiopsError('CONFIG_INVALID', `log template detector: ${k} must be an integer >= 1`);
    }
  }

  /**
   * The id the service's miner gives `body` now, without learning from it; undefined when the
   * service has no miner yet or no template accepts the line (the session detector's event ids).
   */
  templateIdOf(tenant: string, service: string, body: string): string | undefined {
    return this.services.get(key(tenant, service))?.miner.match(body)?.clusterId;
  }

  /** Mine and score a batch (event-time order per service); returns the anomalies it raised. */
  process(records: readonly LogRecord[]): Anomaly[] {
    const out: Anomaly[] = [];
    for (const r of records) this.processOne(r, out);
    return out;
  }

  private processOne(r: LogRecord, out: Anomaly[]): void {
    const s = this.state(r.tenant, r.service, r.ts);
    const cfg = this.config;
    const start = Math.floor(r.ts / cfg.bucketMs) * cfg.bucketMs;
    if (s.bucket === undefined) s.bucket = { start, counts: new Map() };
    else if (start > s.bucket.start) this.closeBuckets(s, start, out);
    const mined = s.miner.add(r.body);
    s.messages++;
    const id = mined.clusterId;
    const warm = s.messages > cfg.warmupMessages && r.ts - s.firstTs >= cfg.warmupMs;
    if (mined.isNovel && warm && !s.seen.has(id)) out.push(this.novelty(s, r, id, mined.template, mined.params));
    this.remember(s, id);
    if (start !== s.bucket.start) return; // late record: mined, not counted
    let c = s.bucket.counts.get(id);
    if (c === undefined) s.bucket.counts.set(id, (c = { count: 0, samples: [], params: undefined }));
    c.count++;
    if (c.samples.length < cfg.sampleLines) {
      c.samples.push(truncate(r.body, SAMPLE_CHARS));
      if (c.params === undefined) c.params = mined.params;
    }
  }

  private state(tenant: string, service: string, ts: number): ServiceState {
    const k = key(tenant, service);
    let s = this.services.get(k);
    if (s !== undefined) {
      this.services.delete(k); // LRU: most recently seen last
      this.services.set(k, s);
      return s;
    }
    s = {
      tenant,
      service,
      miner: new TemplateMiner(this.config.miner),
      messages: 0,
      firstTs: ts,
      seen: new Map(),
      bucket: undefined,
      rates: new Map(),
    };
    this.services.set(k, s);
    while (this.services.size > this.config.maxServices) this.services.delete(this.services.keys().next().value!);
    return s;
  }

  private remember(s: ServiceState, id: string): void {
    if (s.seen.has(id)) return;
    s.seen.set(id, true);
    const cap = 4 * s.miner.options.maxClusters;
    while (s.seen.size > cap) s.seen.delete(s.seen.keys().next().value!);
  }

  /** Close the open minute (and fill silent minutes with zeros) up to the minute starting at `until`. */
  private closeBuckets(s: ServiceState, until: number, out: Anomaly[]): void {
    const cfg = this.config;
    const b = s.bucket!;
    this.scoreMinute(s, b.start, b.counts, out);
    let gaps = 0;
    for (let t = b.start + cfg.bucketMs; t < until && gaps < MAX_GAP_BUCKETS; t += cfg.bucketMs, gaps++) this.scoreMinute(s, t, new Map(), out);
    s.bucket = { start: until, counts: new Map() };
  }

  private scoreMinute(s: ServiceState, start: number, raw: Map<string, MinuteCount>, out: Anomaly[]): void {
    const cfg = this.config;
    // Counts under the ids templates have now (a template may have been widened since).
    const counts = new Map<string, MinuteCount>();
    for (const [id, c] of raw) {
      const cur = s.miner.resolveId(id) ?? id;
      const prev = counts.get(cur);
      if (prev === undefined) counts.set(cur, c);
      else {
        prev.count += c.count;
        for (const line of c.samples) if (prev.samples.length < cfg.sampleLines) prev.samples.push(line);
      }
    }
    // Rate series follow widened templates too; series of evicted templates are dropped.
    for (const id of [...s.rates.keys()]) {
      const cur = s.miner.resolveId(id);
      if (cur === id) continue;
      const series = s.rates.get(id)!;
      s.rates.delete(id);
      if (cur !== undefined && !s.rates.has(cur)) s.rates.set(cur, series);
    }
    for (const id of counts.keys()) {
      const series = s.rates.get(id) ?? { detector: new SeriesDetector(cfg.series), template: '' };
      s.rates.delete(id); // LRU: re-inserted as the most recently counted
      series.template = s.miner.getCluster(id)?.template ?? series.template;
      s.rates.set(id, series);
    }
    while (s.rates.size > cfg.maxRateSeries) s.rates.delete(s.rates.keys().next().value!);
    const ts = start + cfg.bucketMs;
    for (const [id, series] of s.rates) {
      const c = counts.get(id);
      const v = series.detector.update(start, c?.count ?? 0);
      if (!v.isAnomaly || Math.abs(v.observed - v.expected) < cfg.minRateChange) continue;
      out.push(this.rateAnomaly(s, id, series.template, ts, v, c));
    }
  }

  private novelty(s: ServiceState, r: LogRecord, id: string, template: string, params: Record<string, string>): Anomaly {
    return {
      id: stableId('an', s.tenant, s.service, NOVELTY_DETECTOR, id),
      tenant: s.tenant,
      ts: r.ts,
      service: s.service,
      signal: 'log',
      subject: `template:${id}`,
      detector: NOVELTY_DETECTOR,
      score: noveltyScore(r.severity),
      observed: 1,
      expected: 0,
      lower: 0,
      upper: 0,
      direction: 'up',
      evidence: {
        template: truncate(template, 8_000),
        template_id: id,
        sample_lines: JSON.stringify([truncate(r.body, SAMPLE_CHARS)]),
        parameters: truncate(JSON.stringify(params), PARAMS_CHARS),
        severity: r.severity,
        messages_before: String(s.messages - 1),
      },
    };
  }

  private rateAnomaly(s: ServiceState, id: string, template: string, ts: number, v: SeriesVerdict, c: MinuteCount | undefined): Anomaly {
    return {
      id: stableId('an', s.tenant, s.service, RATE_DETECTOR, id, ts),
      tenant: s.tenant,
      ts,
      service: s.service,
      signal: 'log',
      subject: `template:${id}`,
      detector: `${RATE_DETECTOR}:${v.detector}`,
      score: Math.min(1, Math.max(0, v.score)),
      observed: v.observed,
      expected: v.expected,
      lower: v.lower,
      upper: v.upper,
      direction: v.direction,
      evidence: {
        template: truncate(template, 8_000),
        template_id: id,
        sample_lines: JSON.stringify(c?.samples ?? []),
        parameters: truncate(JSON.stringify(c?.params ?? {}), PARAMS_CHARS),
        count_per_bucket: String(c?.count ?? 0),
        bucket_ms: String(this.config.bucketMs),
      },
    };
  }

  // ------------------------------------------------------------------ inspection and state

  /** The live miners, for metrics (registerTemplateMinerMetrics). */
  *miners(): IterableIterator<MinerSource> {
    for (const s of this.services.values()) yield { tenant: s.tenant, service: s.service, stats: () => s.miner.stats() };
  }

  /** Services held, as [tenant, service]. */
  keys(): [string, string][] {
    return [...this.services.values()].map((s) => [s.tenant, s.service]);
  }

  snapshotService(tenant: string, service: string): LogServiceSnapshot | undefined {
    const s = this.services.get(key(tenant, service));
    if (s === undefined) return undefined;
    const snap: LogServiceSnapshot = {
      version: 1,
      tenant,
      service,
      messages: s.messages,
      firstTs: s.firstTs,
      miner: s.miner.snapshot(),
      seen: [...s.seen.keys()],
      rates: [...s.rates].map(([id, r]) => [id, { template: r.template, detector: r.detector.snapshot() }]),
    };
    if (s.bucket !== undefined) snap.bucket = { start: s.bucket.start, counts: [...s.bucket.counts] };
    return snap;
  }

  /** Put a service back from snapshotService() (e.g. after a restart or a rebalance). */
  restoreService(snap: LogServiceSnapshot): void {
    if (snap?.version !== 1 || typeof snap.tenant !== 'string' || typeof snap.service !== 'string') {
      throw new AiopsError('INPUT_INVALID', 'log template detector state: not a version 1 service snapshot');
    }
    const s = this.state(snap.tenant, snap.service, snap.firstTs);
    s.miner = TemplateMiner.restore(snap.miner, { maxClusters: this.config.miner.maxClusters, cacheSize: this.config.miner.cacheSize });
    s.messages = snap.messages;
    s.firstTs = snap.firstTs;
    s.seen = new Map(snap.seen.map((id) => [id, true]));
    s.bucket = snap.bucket === undefined ? undefined : { start: snap.bucket.start, counts: new Map(snap.bucket.counts) };
    s.rates = new Map(snap.rates.map(([id, r]) => [id, { template: r.template, detector: SeriesDetector.restore(r.detector, this.config.series) }]));
  }
}

/** A new kind of message matters more at a higher severity. */
function noveltyScore(severity: SeverityText): number {
  switch (severity) {
    case 'fatal':
    case 'error':
      return 0.9;
    case 'warn':
      return 0.75;
    default:
      return 0.6;
  }
}
