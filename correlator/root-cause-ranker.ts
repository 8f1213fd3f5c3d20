// Ranks the services of one incident by how well each explains the whole incident.
// The heuristic (correlator/README.md) combines four pieces of evidence:
//   explain  — share of the other affected services that call it, directly or transitively
//              (a cause explains its callers' symptoms);
//   onset    — how early its first anomaly came, relative to the incident's span;
//   strength — how strong and how many its anomalies were;
//   change   — a deploy or config change on it shortly before its onset;
// minus a penalty when one of its own dependencies went bad first (then it is a victim).
import type { ChangeEvent, RootCauseCandidate } from '../platform/contracts/events.js';
import type { TopologyGraph } from './topology-graph.js';

export interface ServiceEvidence {
  service: string;
  firstTs: number;
  lastTs: number;
  maxScore: number;
  count: number;
  subjects: string[];
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
}

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
    reasons.push(`first anomaly at ${new Date(e.firstTs).toISOString()}, ${ordinal(order)} of ${evidence.length} services`);

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

  scored.sort((a, b) => b.score - a.score || a.e.firstTs - b.e.firstTs || a.e.service.localeCompare(b.e.service));
  if (outside.length > 0) {
    const rest = rankRootCauses(outside, graph, changes);
    const floor = Math.min(...scored.map((s) => s.score));
    for (const r of rest) {
      const e = outside.find((o) => o.service === r.service)!;
      scored.push({ e, score: Math.min(floor, r.score) - 1, reasons: [`not on a call path from ${opts.symptom}, whose symptom this is`, ...r.reasons], related: [] });
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
