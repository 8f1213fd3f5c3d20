// Ranks the services of one incident by how well each explains the whole incident.
// The heuristic (correlator/README.md) combines four pieces of evidence:
//   explain  — share of the other affected services that call it, directly or transitively
//              (a cause explains its callers' symptoms);
//   onset    — how early its first anomaly came, relative to the incident's span;
//   strength — how strong and how many its anomalies were (with a symptom: its deviation, or its
//              impact, a count that adds up along calls, when every service beyond noise has one);
//   change   — a deploy or config change on it shortly before its onset;
// minus a penalty when one of its own dependencies went bad first (then it is a victim).
import type { Anomaly, ChangeEvent, RootCauseCandidate } from '../platform/contracts/events.js';
import type { TopologyGraph } from './topology-graph.js';
import { impactOf } from './request-impact.js';

export interface ServiceEvidence {
  service: string;
  firstTs: number;
  lastTs: number;
  maxScore: number;
  count: number;
  subjects: string[];
  /**
   * Largest distance of an anomaly from its expected value, in band half-widths (1 = the band's
   * edge). Optional: the grouper does not track it yet; `evidenceFromAnomalies` fills it in.
   */
  maxDeviation?: number;
  /**
   * How much of the symptom the service carries, in a unit that adds up along calls: e.g. failed
   * requests beyond its usual count. A callee's failures include those its callers see through
   * it, whereas a rate (or a deviation in band half-widths) is larger on a small stream (a load
   * balancer seen by one caller) than on the service behind it, which serves every caller.
   * Optional: when every ranked service has it, it replaces `maxDeviation` as the strength.
   */
  impact?: number;
  /**
   * The largest impact per unit among the service's anomalies (request-impact.ts), from which the
   * ranker takes `impact` in the unit the incident's services share.
   */
  impacts?: Record<string, number>;
  /**
   * The same evidence per signal family (signal-family.ts) of the service's anomalies: an alert
   * about errors is ranked from the services' error evidence alone.
   */
  families?: Record<string, FamilyEvidence>;
}

export type FamilyEvidence = Omit<ServiceEvidence, 'service' | 'subjects' | 'families'>;

/** Folds one piece of evidence into another of the same service (or family). */
export function foldInto(into: FamilyEvidence, ev: FamilyEvidence): void {
  into.firstTs = Math.min(into.firstTs, ev.firstTs);
  into.lastTs = Math.max(into.lastTs, ev.lastTs);
  into.maxScore = Math.max(into.maxScore, ev.maxScore);
  into.maxDeviation = Math.max(into.maxDeviation ?? 0, ev.maxDeviation ?? 0);
  into.count += ev.count;
  addImpacts(into, ev.impacts);
}

/** Keeps the larger impact per unit. */
export function addImpacts(into: Pick<ServiceEvidence, 'impacts'>, impacts: Readonly<Record<string, number>> | undefined): void {
  if (!impacts) return;
  for (const [unit, v] of Object.entries(impacts)) {
    into.impacts ??= {};
    into.impacts[unit] = Math.max(into.impacts[unit] ?? 0, v);
  }
}

/** One anomaly's impact as an `impacts` record, or undefined when it has none. */
export function impactsOfAnomaly(a: Anomaly): Record<string, number> | undefined {
  const i = impactOf(a);
  return i ? { [i.unit]: i.value } : undefined;
}

/** Per-service evidence from a set of anomalies, as the grouper keeps it, plus `maxDeviation`. */
export function evidenceFromAnomalies(anomalies: readonly Anomaly[]): ServiceEvidence[] {
  const by = new Map<string, ServiceEvidence>();
  for (const a of anomalies) {
    let e = by.get(a.service);
    if (!e) by.set(a.service, (e = { service: a.service, firstTs: a.ts, lastTs: a.ts, maxScore: 0, count: 0, subjects: [], maxDeviation: 0 }));
    e.firstTs = Math.min(e.firstTs, a.ts);
    e.lastTs = Math.max(e.lastTs, a.ts);
    e.maxScore = Math.max(e.maxScore, a.score);
    e.count += 1;
    if (!e.subjects.includes(a.subject)) e.subjects.push(a.subject);
    e.maxDeviation = Math.max(e.maxDeviation ?? 0, deviationOf(a));
    addImpacts(e, impactsOfAnomaly(a));
  }
  return [...by.values()];
}

/** |observed − expected| in band half-widths; 0 when the anomaly carries no band (an alert). */
export function deviationOf(a: Pick<Anomaly, 'observed' | 'expected' | 'lower' | 'upper'>): number {
  const half = (a.upper - a.lower) / 2;
  if (!(half > 0) || !Number.isFinite(a.observed) || !Number.isFinite(a.expected)) return 0;
  return Math.abs(a.observed - a.expected) / half;
}

export const RANKER_WEIGHTS = { explain: 0.4, onset: 0.2, strength: 0.15, change: 0.25, victim: 0.35 } as const;
/** A change counts when it lands this long before the service's first anomaly (or just after). */
export const CHANGE_LOOKBACK_MS = 60 * 60_000;
export const CHANGE_LOOKAHEAD_MS = 5 * 60_000;
/** A dependency whose onset is within this of the service's own still counts as "first". */
export const ONSET_TOLERANCE_MS = 2 * 60_000;

export interface RankOptions {
  /**
   * The user-facing service whose symptom the incident is about (an alert on it). Only it and
   * the services it calls, directly or transitively, can explain that symptom: the others are
   * ranked after them, and `explain` and `victim` count only affected services in that scope.
   */
  symptom?: string;
  /**
   * Deviation (band half-widths) that anomalies reach on normal data, e.g. a high quantile of
   * the false alarms seen while the detectors warmed up. With a symptom, strength counts only
   * what lies beyond it, so a service drifting as much as normal noise neither looks like a
   * cause nor makes the services calling it look like victims.
   */
  noiseDeviation?: number;
  /**
   * The unit of `ServiceEvidence.impacts` to compare (e.g. "failed requests"). Default: the unit
   * most of the services that moved beyond noise have.
   */
  impactUnit?: string;
  /** Overrides of SYMPTOM_WEIGHTS (for tuning). */
  weights?: Partial<typeof SYMPTOM_WEIGHTS>;
}

/**
 * With a symptom, how strongly each service deviated matters as much as the topology: the
 * culprit's own metrics move hard, while a weakly deviating dependency (a slow drift, a
 * borderline alarm) must not turn a strongly hit service into its "victim". So:
 *   explain  — share of the other affected services' strength that it explains (they call it);
 *   strength — its deviation (log of band half-widths) relative to the incident's largest;
 *   onset    — as without a symptom;
 *   victim   — an affected dependency that went bad no later, weighted by how its strength
 *              compares to this service's own (1 when at least as strong).
 */
export const SYMPTOM_WEIGHTS = { explain: 0.9, strength: 0.35, onset: 0.1, victim: 0.35, change: 0.25 };

/**
 * In impact units, a service needs at least this share of the incident's largest impact to count
 * as strength. PetShop dev: AC@1 is the same for any share from 0.5% to 30%; below 0.5% the load
 * balancer in front of a slow container (1 request) is named instead of it.
 */
export const MIN_IMPACT_SHARE = 0.02;

export function rankRootCauses(all: readonly ServiceEvidence[], graph: TopologyGraph, changes: readonly ChangeEvent[], opts: RankOptions = {}): RootCauseCandidate[] {
  if (all.length === 0) return [];
  const scope = opts.symptom !== undefined && graph.has(opts.symptom) ? new Set([opts.symptom, ...graph.downstreamOf(opts.symptom).keys()]) : undefined;
  const evidence = scope ? all.filter((e) => scope.has(e.service)) : all;
  const outside = scope ? all.filter((e) => !scope.has(e.service)) : [];
  if (evidence.length === 0) return rankRootCauses(all, graph, changes);
  const affected = new Map(evidence.map((e) => [e.service, e]));
  const affectedSet = new Set(affected.keys());
  const tMin = Math.min(...evidence.map((e) => e.firstTs));
  const tMax = Math.max(...evidence.map((e) => e.firstTs));
  const maxCount = Math.max(...evidence.map((e) => e.count));
  const others = Math.max(1, evidence.length - 1);

  if (scope) {
    const noise = opts.noiseDeviation ?? 0;
    const { withImpact, unit } = resolveImpact(evidence, noise, opts.impactUnit);
    return finish(scoreForSymptom(withImpact, graph, changes, { ...SYMPTOM_WEIGHTS, ...opts.weights }, noise, unit), outside, opts.symptom!, graph, changes, affectedSet);
  }

  const scored = evidence.map((e) => {
    const reasons: string[] = [];
    const upstream = graph.upstreamOf(e.service);
    const explained = [...upstream.keys()].filter((s) => affectedSet.has(s));
    const explain = evidence.length === 1 ? 1 : explained.length / others;
    if (explained.length > 0) reasons.push(`explains ${explained.length} of ${others} other affected services, which depend on it: ${explained.sort().join(', ')}`);

    const downstream = graph.downstreamOf(e.service);
    const earlierDeps = [...downstream.keys()].filter((s) => {
      const d = affected.get(s);
      return d !== undefined && d.firstTs <= e.firstTs + ONSET_TOLERANCE_MS;
    });
    const victim = earlierDeps.length > 0 ? 1 : 0;
    if (victim) reasons.push(`its dependencies ${earlierDeps.sort().join(', ')} were affected as early or earlier`);
    else reasons.push('none of its dependencies was affected first');

    const onset = tMax === tMin ? 1 : 1 - (e.firstTs - tMin) / (tMax - tMin);
    const order = evidence.filter((o) => o.firstTs < e.firstTs).length + 1;
    // "1st of 1 services" says nothing: the order only for an incident of several.
    reasons.push(`first anomaly at ${new Date(e.firstTs).toISOString()}${evidence.length > 1 ? `, ${ordinal(order)} of ${evidence.length} services` : ''}`);

    const strength = 0.5 * e.maxScore + 0.5 * (Math.log1p(e.count) / Math.log1p(maxCount));
    const related = changes.filter((c) => c.service === e.service && c.ts >= e.firstTs - CHANGE_LOOKBACK_MS && c.ts <= e.firstTs + CHANGE_LOOKAHEAD_MS);
    const change = related.length > 0 ? 1 : 0;
    for (const c of related) {
      const mins = Math.round((e.firstTs - c.ts) / 60_000);
      reasons.push(`${c.kind} "${c.summary}" ${mins >= 0 ? `${mins} min before` : `${-mins} min after`} its first anomaly`);
    }
    const w = RANKER_WEIGHTS;
    const score = w.explain * explain + w.onset * onset + w.strength * strength + w.change * change - w.victim * victim;
    return { e, score, reasons, related };
  });

  return finish(scored, [], undefined, graph, changes, affectedSet);
}

interface Scored {
  e: ServiceEvidence;
  score: number;
  reasons: string[];
  related: ChangeEvent[];
}

function relatedChanges(e: ServiceEvidence, changes: readonly ChangeEvent[], reasons: string[]): ChangeEvent[] {
  const related = changes.filter((c) => c.service === e.service && c.ts >= e.firstTs - CHANGE_LOOKBACK_MS && c.ts <= e.firstTs + CHANGE_LOOKAHEAD_MS);
  for (const c of related) {
    const mins = Math.round((e.firstTs - c.ts) / 60_000);
    reasons.push(`${c.kind} "${c.summary}" ${mins >= 0 ? `${mins} min before` : `${-mins} min after`} its first anomaly`);
  }
  return related;
}

/** Band half-widths beyond the noise level, on a log scale; 0 for a service within normal noise. */
function beyondNoiseOf(e: ServiceEvidence, noise: number): number {
  return Math.max(0, Math.log1p(e.maxDeviation ?? 0) - Math.log1p(noise));
}

/**
 * Copies of the evidence with `impact` taken from `impacts` in one unit: the one asked for, else
 * the one most services beyond noise have (impacts in different units cannot be compared).
 */
function resolveImpact(evidence: readonly ServiceEvidence[], noise: number, asked: string | undefined): { withImpact: ServiceEvidence[]; unit: string | undefined } {
  let unit = asked;
  if (unit === undefined) {
    const votes = new Map<string, number>();
    for (const e of evidence) if (beyondNoiseOf(e, noise) > 0) for (const u of Object.keys(e.impacts ?? {})) votes.set(u, (votes.get(u) ?? 0) + 1);
    unit = [...votes].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
  }
  if (unit === undefined) return { withImpact: [...evidence], unit };
  const u = unit;
  return { withImpact: evidence.map((e) => (e.impact === undefined && e.impacts?.[u] !== undefined ? { ...e, impact: e.impacts[u] } : e)), unit };
}

function scoreForSymptom(evidence: readonly ServiceEvidence[], graph: TopologyGraph, changes: readonly ChangeEvent[], w: typeof SYMPTOM_WEIGHTS, noise: number, impactUnit = 'units'): Scored[] {
  const affected = new Map(evidence.map((e) => [e.service, e]));
  // Impact only when every service that moved beyond noise has it: strengths on two scales cannot
  // be compared. A service within noise has strength 0 on either scale, so it needs none (the
  // alerted service often has only the alert, which carries none). The deviation still decides
  // whether a service moved beyond normal noise at all; the impact then says how much of the
  // symptom it carries.
  const beyondNoise = (e: ServiceEvidence) => beyondNoiseOf(e, noise);
  const byImpact = evidence.some((e) => e.impact !== undefined) && evidence.every((e) => e.impact !== undefined || beyondNoise(e) === 0);
  // A service carrying a negligible share of the incident's largest impact explains none of it,
  // however far out of band it is: a load balancer passing 1 slow request is no cause.
  const maxImpact = byImpact ? Math.max(0, ...evidence.map((e) => e.impact ?? 0)) : 0;
  const negligible = (e: ServiceEvidence) => (e.impact ?? 0) < MIN_IMPACT_SHARE * maxImpact;
  const d = byImpact ? (e: ServiceEvidence) => (beyondNoise(e) > 0 && !negligible(e) ? Math.log1p(Math.max(0, e.impact ?? 0)) : 0) : beyondNoise;
  const dMax = Math.max(1e-9, ...evidence.map(d));
  const total = evidence.reduce((n, e) => n + d(e), 0);
  const tMin = Math.min(...evidence.map((e) => e.firstTs));
  const tMax = Math.max(...evidence.map((e) => e.firstTs));
  return evidence.map((e) => {
    const reasons: string[] = [];
    const own = d(e);
    const explained = [...graph.upstreamOf(e.service).keys()].filter((s) => affected.has(s));
    const others = total - own;
    // A service that moved no more than normal noise explains nobody's symptom, however many of
    // its callers are hit (the mirror of the victim rule below): a database drifting within its
    // band under a slow caller is not that caller's cause.
    const quiet = own === 0 && total > 0;
    // In impact units a cause carries at least what it explains (its callers' failures or
    // request-seconds through it are part of its own), so a caller's impact is explained only up
    // to the service's own: a database 0.06 request-seconds over its usual does not explain a
    // container 22 request-seconds over. Deviations in band half-widths have no such bound.
    const share = (c: ServiceEvidence) => (byImpact ? Math.min(d(c), own) : d(c));
    const explain = evidence.length === 1 ? 1 : quiet ? 0 : others > 0 ? explained.reduce((n, s) => n + share(affected.get(s)!), 0) / others : explained.length > 0 ? 1 : 0;
    if (quiet && explained.length > 0) reasons.push(`explains none of the affected services that depend on it (${explained.sort().join(', ')}): it moved no more than normal noise`);
    else if (explained.length > 0) reasons.push(`explains ${explained.length} of ${evidence.length - 1} other affected services (${Math.round(explain * 100)}% of their deviation), which depend on it: ${explained.sort().join(', ')}`);
    let victim = 0;
    const earlier: string[] = [];
    for (const s of graph.downstreamOf(e.service).keys()) {
      const dep = affected.get(s);
      if (!dep || dep.firstTs > e.firstTs + ONSET_TOLERANCE_MS) continue;
      earlier.push(s);
      victim = Math.max(victim, own > 0 ? Math.min(1, d(dep) / own) : 1);
    }
    if (earlier.length > 0) reasons.push(`its dependencies ${earlier.sort().join(', ')} were affected as early or earlier (victim weight ${victim.toFixed(2)})`);
    else reasons.push('none of its dependencies was affected first');
    const strength = own / dMax;
    // An external alert carries no band: "deviates 0.0 band half-widths" would read as "normal".
    if ((e.maxDeviation ?? 0) > 0) reasons.push(`deviates ${e.maxDeviation!.toFixed(1)} band half-widths from expected${noise > 0 ? ` (normal noise reaches ${noise.toFixed(1)})` : ''}`);
    else reasons.push('no deviation from a band measured on it (an external alert, or a pattern with no band)');
    if (e.impact !== undefined) reasons.push(`${round(e.impact)} ${impactUnit} beyond its usual${byImpact ? (negligible(e) ? `, under ${MIN_IMPACT_SHARE * 100}% of the incident's largest: too little to explain it` : ' (the strength compared)') : ''}`);
    const onset = tMax === tMin ? 1 : 1 - (e.firstTs - tMin) / (tMax - tMin);
    reasons.push(`first anomaly at ${new Date(e.firstTs).toISOString()}`);
    const related = relatedChanges(e, changes, reasons);
    const score = w.explain * explain + w.strength * strength + w.onset * onset + w.change * (related.length > 0 ? 1 : 0) - w.victim * victim;
    return { e, score, reasons, related };
  });
}

function finish(scored: Scored[], outside: readonly ServiceEvidence[], symptom: string | undefined, graph: TopologyGraph, changes: readonly ChangeEvent[], affectedSet: ReadonlySet<string>): RootCauseCandidate[] {
  scored.sort((a, b) => b.score - a.score || a.e.firstTs - b.e.firstTs || a.e.service.localeCompare(b.e.service));
  if (outside.length > 0) {
    const rest = rankRootCauses(outside, graph, changes);
    const floor = Math.min(...scored.map((s) => s.score));
    for (const r of rest) {
      const e = outside.find((o) => o.service === r.service)!;
      scored.push({ e, score: Math.min(floor, r.score) - 1, reasons: [`not on a call path from ${symptom}, whose symptom this is`, ...r.reasons], related: changes.filter((c) => r.changes.some((x) => x.id === c.id)) });
    }
  }
  return scored.map((s, i) => ({
    service: s.e.service,
    rank: i + 1,
    score: round(s.score),
    path: graph.pathToUserFacing(s.e.service, affectedSet),
    firstAnomalyAt: s.e.firstTs,
    changes: s.related.map((c) => ({ id: c.id, ts: c.ts, kind: c.kind, summary: c.summary })),
    signals: s.e.subjects.slice(0, 20),
    reasons: s.reasons,
  }));
}

function ordinal(n: number): string {
  const s = ['th', 'st', 'nd', 'rd'];
  const v = n % 100;
  return `${n}${s[(v - 20) % 10] ?? s[v] ?? s[0]}`;
}

const round = (x: number) => Math.round(x * 1000) / 1000;
