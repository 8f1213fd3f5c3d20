// The RCA harness: streams a PetShop-layout scenario through the real detect stage
// (detectBatch on a SeriesBank) and correlator (IncidentGrouper, rankRootCauses, TopologyGraph)
// and returns, per case, every graph node ranked best first. It never reads labels.json.
//
// Per case:
//   1. Warm-up. With a normal file, the bank learns it once; its checkpoint (an in-memory store)
//      seeds a fresh bank per case, and the case is moved forward by whole days to just after
//      the normal data (the time of day, hence the daily seasonality, is kept). Without one, the
//      only normal data are the rows before each case's alert (no labels needed to know that):
//      those of every case, in time order, are cycled on the data's grid until the paging rule
//      has settled, and the case follows.
//   2. The case's rows go through detectBatch one row at a time, as a live stream would.
//   3. The alert becomes an `alert` anomaly on its node, as an Alertmanager alert does at ingest.
//   4. IncidentGrouper folds the anomalies; the incident holding the alert is ranked by
//      rankRootCauses with the alert as the user-facing symptom, from the anomalies consistent
//      with it (its statistic, e.g. latency Average, and direction: latency up, availability
//      down). Each affected node's impact is the strength the ranker compares: the detect stage
//      notes the node's request count on its anomalies, and the correlator turns the excess per
//      request into failed requests or request-seconds (correlator/request-impact.ts), as in the
//      live pipeline.
//   5. The ranked candidates come first; the other graph nodes follow, those on a call path from
//      the symptom by hop distance, then the rest.
import type { Anomaly, MetricPoint } from '../../platform/contracts/events.js';
import type { Checkpoint, Store, TenantCheckpoint } from '../../platform/store/store.js';
import { stableId } from '../../platform/contracts/ids.js';
import { SeriesBank, detectBatch } from '../../detectors/stage.js';
import { IncidentGrouper, DEFAULT_GROUPER_CONFIG } from '../../correlator/incident-grouper.js';
import { deviationOf, evidenceFromAnomalies, rankRootCauses, type SYMPTOM_WEIGHTS } from '../../correlator/root-cause-ranker.js';
import { TopologyGraph } from '../../correlator/topology-graph.js';
import type { CallGraph, MetricsTable, RcaAlert, RcaCase, RcaScenario } from './scenario.js';

const TENANT = 'rca-bench';
const DAY_MS = 86_400_000;
/** Points the paging rule wants before it trusts a band (DEFAULT_SUSTAINED_RULE.settlePoints), with a margin. */
const SETTLE_ROWS = 200;

/** The part of the store the detector bank uses: its checkpoints, held in memory. */
class CheckpointMemory {
  private readonly rows = new Map<string, Checkpoint>();
  async getCheckpoints(tenant: string, namespace: string, keys?: readonly string[]): Promise<Checkpoint[]> {
    const out: Checkpoint[] = [];
    for (const k of keys ?? []) {
      const c = this.rows.get(`${tenant}\u0000${namespace}\u0000${k}`);
      if (c) out.push(c);
    }
    return out;
  }
  async putCheckpoints(tenant: string, namespace: string, rows: readonly Checkpoint[]): Promise<void> {
    for (const r of rows) this.rows.set(`${tenant}\u0000${namespace}\u0000${r.key}`, r);
  }
  async putTenantCheckpoints(namespace: string, rows: readonly TenantCheckpoint[]): Promise<void> {
    for (const r of rows) this.rows.set(`${r.tenant}\u0000${namespace}\u0000${r.key}`, r);
  }
  async getTenantCheckpoints(namespace: string, wanted: ReadonlyMap<string, readonly string[]>): Promise<TenantCheckpoint[]> {
    const out: TenantCheckpoint[] = [];
    for (const [tenant, keys] of wanted) for (const c of await this.getCheckpoints(tenant, namespace, keys)) out.push({ ...c, tenant });
    return out;
  }
  asStore(): Store {
    return this as unknown as Store;
  }
}

export function topologyOf(graph: CallGraph): TopologyGraph {
  const g = new TopologyGraph();
  for (const n of graph.nodes) g.addService(n);
  for (const [from, to] of graph.edges) g.addEdge(from, to);
  return g;
}

/** One row of a metrics table as gauge points (empty cells skipped), moved by `shift` ms. */
export function rowPoints(t: MetricsTable, row: number, shift: number, at = t.ts[row]! + shift): MetricPoint[] {
  const out: MetricPoint[] = [];
  for (const c of t.columns) {
    const v = c.values[row]!;
    if (Number.isNaN(v)) continue;
    const name = `${c.metric}_${c.stat}`.toLowerCase();
    out.push({ id: stableId('mp', TENANT, c.node, name, at), tenant: TENANT, ts: at, service: c.node, name, kind: 'gauge', value: v, labels: {} });
  }
  return out;
}

function gridOf(ts: readonly number[]): number {
  const steps: number[] = [];
  for (let i = 1; i < ts.length; i++) if (ts[i]! > ts[i - 1]!) steps.push(ts[i]! - ts[i - 1]!);
  steps.sort((a, b) => a - b);
  return steps[Math.floor(steps.length / 2)] ?? 300_000;
}

/** Direction in which a metric family hurts users. */
export function harmfulDirection(metric: string): 'up' | 'down' | undefined {
  const m = metric.toLowerCase();
  if (m.startsWith('latency') || m.startsWith('error') || m.includes('duration')) return 'up';
  if (m.startsWith('availability') || m.startsWith('success')) return 'down';
  return undefined;
}

export interface CaseResult {
  ranking: string[];
  /**
   * Whether the correlator named a root cause. The ranking is its best guess either way (without
   * one named, ranked by whatever moved, below the noise level too).
   */
  named: boolean;
  anomalies: number;
  incidentServices: string[];
}

export interface RcaRun {
  rankings: Record<string, string[]>;
  cases: Record<string, CaseResult>;
  warmup: 'normal-file' | 'pre-alert-rows';
  elapsedMs: number;
}

export interface RcaRunOptions {
  onCase?: (done: number, total: number, name: string) => void;
  /** Tuning only: ranker weights and noise quantile other than the defaults. */
  weights?: Partial<typeof SYMPTOM_WEIGHTS>;
  noiseQuantile?: number;
}

/** Warm-up checkpoints: every series' detector after learning the normal data. */
async function warmNormal(normal: MetricsTable, rows = normal.ts.length): Promise<Warm> {
  const mem = new CheckpointMemory();
  const bank = new SeriesBank(mem.asStore());
  const noise: Anomaly[] = [];
  for (let r = 0; r < rows; r++) noise.push(...(await detectBatch(bank, rowPoints(normal, r, 0), [])));
  await bank.checkpoint();
  return { mem, noise };
}

/** Detector state after the warm-up, and the anomalies the warm-up raised (false alarms, on normal data). */
interface Warm {
  mem: CheckpointMemory;
  noise: Anomaly[];
}

/** Share of the warm-up's false alarms (on the alert's series) a case's deviation must exceed to count as strength. */
export const NOISE_QUANTILE = 0.8;
/** Fewer false alarms than this give no usable noise level. */
const MIN_NOISE_SAMPLES = 10;
/**
 * The noise level when the warm-up gave too few false alarms to measure one (no normal file):
 * deviations of a few band half-widths are what the detectors' alarms on normal data typically
 * reach (on the PetShop normal file, 80% of them stay below 4.7).
 */
export const FALLBACK_NOISE_DEVIATION = 4;

/**
 * The deviation that `NOISE_QUANTILE` of the warm-up's false alarms on the alert's series stay
 * below: its statistic when it names one (the evidence is that statistic alone; tail quantiles
 * raise wider false alarms than means), else its metric family.
 */
export function noiseLevel(noise: readonly Anomaly[], alert: Pick<RcaAlert, 'metric' | 'agg'>, quantile = NOISE_QUANTILE): number {
  const subject = alertSubject(alert);
  const devs = noise.filter((a) => (alert.agg ? a.subject === subject : a.subject.startsWith(subject))).map(deviationOf).sort((a, b) => a - b);
  if (devs.length < MIN_NOISE_SAMPLES) return FALLBACK_NOISE_DEVIATION;
  return devs[Math.min(devs.length - 1, Math.floor(devs.length * quantile))]!;
}

/** Without a normal file: the pre-alert rows of every case, time-ordered, cycled on the grid. */
async function warmPreAlert(cases: readonly RcaCase[], endBefore: number): Promise<Warm & { endTs: number }> {
  const rows: Array<{ t: MetricsTable; r: number; ts: number }> = [];
  for (const c of cases) for (let r = 0; r < c.metrics.ts.length; r++) if (c.metrics.ts[r]! < c.alert.ts) rows.push({ t: c.metrics, r, ts: c.metrics.ts[r]! });
  rows.sort((a, b) => a.ts - b.ts);
  const mem = new CheckpointMemory();
  const bank = new SeriesBank(mem.asStore());
  const grid = gridOf(cases[0]?.metrics.ts ?? []);
  const total = rows.length === 0 ? 0 : Math.max(SETTLE_ROWS, rows.length);
  const start = endBefore - (total + 1) * grid;
  const noise: Anomaly[] = [];
  for (let i = 0; i < total; i++) {
    const { t, r } = rows[i % rows.length]!;
    noise.push(...(await detectBatch(bank, rowPoints(t, r, 0, start + i * grid), [])));
  }
  await bank.checkpoint();
  return { mem, noise, endTs: start + total * grid };
}

export async function rankCase(c: RcaCase, warm: Warm, shift: number, graph: TopologyGraph, nodes: readonly string[], opts: RcaRunOptions = {}): Promise<CaseResult> {
  const bank = new SeriesBank(warm.mem.asStore());
  const anomalies: Anomaly[] = [];
  for (let r = 0; r < c.metrics.ts.length; r++) anomalies.push(...(await detectBatch(bank, rowPoints(c.metrics, r, shift), [])));
  const { ranked, named, services } = rankWithAlert(anomalies, alertAnomaly(c.alert, shift), c.alert.metric, graph, {
    noiseDeviation: noiseLevel(warm.noise, c.alert, opts.noiseQuantile),
    namingWindowMs: gridOf(c.metrics.ts),
    ...(opts.weights ? { weights: opts.weights } : {}),
  });
  return { ranking: completeRanking(ranked, c.alert.node, graph, nodes), named, anomalies: anomalies.length, incidentServices: services };
}

export interface AlertRankOptions {
  /** See RankOptions.noiseDeviation. */
  noiseDeviation?: number;
  weights?: Partial<typeof SYMPTOM_WEIGHTS>;
  /**
   * How long before the alert a deviation may lie and still name a cause (one sampling interval
   * of the data): a symptom firing now is not explained by a deviation that was over before it,
   * and a cause that still deviates is reported again at the alert's rows. Default: no limit.
   */
  namingWindowMs?: number;
}

/**
 * Groups the anomalies with the alert and ranks the alert's incident. `named` says whether a
 * root cause is named at all.
 */
export function rankWithAlert(anomalies: readonly Anomaly[], alert: Anomaly, metric: string, graph: TopologyGraph, opts: AlertRankOptions = {}): { ranked: string[]; named: boolean; services: string[] } {
  const noiseDeviation = opts.noiseDeviation ?? 0;
  const all = [...anomalies, alert];
  const grouper = new IncidentGrouper({ ...DEFAULT_GROUPER_CONFIG, minAnomalies: 1, graceMs: 0 });
  grouper.add(all, graph, 0);
  const incident = grouper.flush(graph, [], alert.ts, 0).find((i) => i.anomalyIds.includes(alert.id));
  const members = new Set(incident?.anomalyIds ?? [alert.id]);
  const want = harmfulDirection(metric);
  const family = metric.toLowerCase();
  // The alert names its statistic (latency Average): only that statistic is consistent with it.
  // Other statistics of a low-traffic node jump with a handful of requests (a p90 over 50
  // requests is its 5th slowest), which made a load balancer in front of the faulty service
  // look stronger than the service.
  const sameSeries = (s: string) => (alert.subject === family ? s.startsWith(family) : s === alert.subject);
  const consistent = all.filter((a) => members.has(a.id) && (a === alert || (sameSeries(a.subject) && (want === undefined || a.direction === want))));
  const evidence = evidenceFromAnomalies(consistent);
  const scope = new Set([alert.service, ...graph.downstreamOf(alert.service).keys()]);
  // A root cause is named only when something on the symptom's call paths deviates beyond what
  // normal noise reaches, around the time the alert fires; the alert alone, borderline alarms or
  // a blip that was over before the alert name none.
  const since = alert.ts - (opts.namingWindowMs ?? Infinity);
  const named = consistent.some((a) => a !== alert && scope.has(a.service) && deviationOf(a) > noiseDeviation && a.ts >= since);
  // The ranking is the best guess either way; naming is the separate decision whether to trust
  // it. With none named, no deviation qualified, so the guess ranks by whatever moved at all
  // (noise level 0) rather than by strengths the noise level would all set to 0.
  const ranked = rankRootCauses(evidence, graph, [], {
    symptom: alert.service,
    noiseDeviation: named ? noiseDeviation : 0,
    ...(opts.weights ? { weights: opts.weights } : {}),
  });
  return { ranked: ranked.map((r) => r.service), named, services: incident?.services ?? [] };
}

/** The series subject an alert is on: `latency_average` for latency with agg Average. */
function alertSubject(a: Pick<RcaAlert, 'metric' | 'agg'>): string {
  return `${a.metric}${a.agg ? `_${a.agg}` : ''}`.toLowerCase();
}

function alertAnomaly(a: RcaAlert, shift: number): Anomaly {
  const ts = a.ts + shift;
  const subject = alertSubject(a);
  const dir = harmfulDirection(a.metric);
  return {
    id: stableId('an', TENANT, 'alert', a.node, subject, ts),
    tenant: TENANT,
    ts,
    service: a.node,
    signal: 'alert',
    subject,
    detector: 'alert',
    score: 1,
    observed: 0,
    expected: 0,
    lower: 0,
    upper: 0,
    direction: dir ?? 'none',
    evidence: { source: 'alert.json' },
  };
}

/** Ranked candidates, then nodes the symptom reaches by hop count, then the rest (by name). */
export function completeRanking(ranked: readonly string[], symptom: string, graph: TopologyGraph, nodes: readonly string[]): string[] {
  const out = [...ranked];
  const seen = new Set(out);
  const reach = [...graph.downstreamOf(symptom)].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
  for (const [n] of reach) if (!seen.has(n)) (seen.add(n), out.push(n));
  if (!seen.has(symptom) && graph.has(symptom)) (seen.add(symptom), out.push(symptom));
  for (const n of [...nodes].sort()) if (!seen.has(n)) (seen.add(n), out.push(n));
  return out;
}

export async function runRca(s: RcaScenario, opts: RcaRunOptions = {}): Promise<RcaRun> {
  const started = Date.now();
  const graph = topologyOf(s.graph);
  const rankings: Record<string, string[]> = {};
  const cases: Record<string, CaseResult> = {};
  let warm: Warm;
  let shiftOf: (c: RcaCase) => number;
  if (s.normal) {
    warm = await warmNormal(s.normal);
    const end = s.normal.ts[s.normal.ts.length - 1]!;
    const grid = gridOf(s.normal.ts);
    // Whole days, so the case keeps its time of day; strictly after the warm-up's last point.
    shiftOf = (c) => Math.max(0, Math.ceil((end + grid - c.metrics.ts[0]!) / DAY_MS)) * DAY_MS;
  } else {
    const first = Math.min(...s.cases.map((c) => c.metrics.ts[0]!));
    const pre = await warmPreAlert(s.cases, first);
    warm = pre;
    // Each case is replayed right after the warm-up (its own pre-alert rows lead into it).
    shiftOf = (c) => pre.endTs + gridOf(c.metrics.ts) - c.metrics.ts[0]!;
  }
  let done = 0;
  for (const c of s.cases) {
    const r = await rankCase(c, warm, shiftOf(c), graph, s.graph.nodes, opts);
    rankings[c.name] = r.ranking;
    cases[c.name] = r;
    opts.onCase?.(++done, s.cases.length, c.name);
  }
  return { rankings, cases, warmup: s.normal ? 'normal-file' : 'pre-alert-rows', elapsedMs: Date.now() - started };
}

export interface SpecificityRun {
  slices: number;
  /** Per alert kind: slices in which no root cause was named, and their share. */
  byKind: Record<string, { quiet: number; specificity: number }>;
  specificity: number;
}

/**
 * Specificity on normal data: the detectors learn the first `warmShare` of the normal file, then
 * every following run of `sliceRows` rows is streamed as a case would be, with each kind of alert
 * the scenario's cases raise (their node and metric, from alert.json) placed where a case's alert
 * sits (after its first two rows). A slice is correct when no root cause is named.
 */
export async function normalSpecificity(s: RcaScenario, sliceRows = 5, warmShare = 0.5): Promise<SpecificityRun> {
  const normal = s.normal;
  if (!normal) return { slices: 0, byKind: {}, specificity: 1 };
  const topo = topologyOf(s.graph);
  const kinds = [...new Map(s.cases.map((c) => [`${c.alert.node}\u0000${c.alert.metric}`, c.alert])).values()];
  const warmRows = Math.max(SETTLE_ROWS, Math.floor(normal.ts.length * warmShare));
  const grid = gridOf(normal.ts);
  const warm = await warmNormal(normal, Math.min(warmRows, normal.ts.length));
  let slices = 0;
  const quiet = new Map<string, number>();
  let quietAll = 0;
  for (let start = warmRows; start + sliceRows <= normal.ts.length; start += sliceRows) {
    const b = new SeriesBank(warm.mem.asStore());
    const anomalies: Anomaly[] = [];
    for (let r = start; r < start + sliceRows; r++) anomalies.push(...(await detectBatch(b, rowPoints(normal, r, 0), [])));
    slices += 1;
    const at = normal.ts[start + Math.min(2, sliceRows - 1)]! - 1_000;
    for (const k of kinds) {
      const { named } = rankWithAlert(anomalies, alertAnomaly({ ...k, ts: at }, 0), k.metric, topo, { noiseDeviation: noiseLevel(warm.noise, k), namingWindowMs: grid });
      if (!named) {
        quiet.set(k.metric, (quiet.get(k.metric) ?? 0) + 1);
        quietAll += 1;
      }
    }
  }
  const r = (x: number) => Math.round(x * 1000) / 1000;
  const byKind: SpecificityRun['byKind'] = {};
  for (const k of kinds) byKind[k.metric] = { quiet: quiet.get(k.metric) ?? 0, specificity: slices === 0 ? 1 : r((quiet.get(k.metric) ?? 0) / slices) };
  return { slices, byKind, specificity: slices === 0 || kinds.length === 0 ? 1 : r(quietAll / (slices * kinds.length)) };
}

