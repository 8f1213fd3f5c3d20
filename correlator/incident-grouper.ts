// Folds anomalies into incidents: an anomaly joins an open incident when it is close in time
// and close in the topology (or shares a service); otherwise it opens a new one. Pure state,
// no I/O: the stage feeds it and publishes what it returns.
//
// Anomalies are episodes (detectors/episodes.ts): the same id comes again, with a higher
// `episode.version`, while its series stays out of band. An incident counts each episode once
// (`anomalyCount`), its evidence counts points (the ranker weighs how much each service
// misbehaved), and an update keeps the incident alive as its series stays out. An anomaly whose
// series is an internal (`significance: internal`, detectors/significance.ts) never opens an
// incident: it joins one that is open, or waits one window for a significant one to open.
import type { Anomaly, ChangeEvent, Incident } from '../platform/contracts/events.js';
import { stableId } from '../platform/contracts/ids.js';
import { deviationOf, foldInto, impactsOfAnomaly, rankRootCauses, type FamilyEvidence, type ServiceEvidence } from './root-cause-ranker.js';
import { familyOf, type SignalFamily } from './signal-family.js';
import type { TopologyGraph } from './topology-graph.js';
import { incidentTitle, peakOf, type Peak } from './incident-title.js';

export interface GrouperConfig {
  windowMs: number;
  minAnomalies: number;
  resolveAfterMs: number;
  /** Topology hops (either direction) within which services are related. */
  maxHops: number;
  /** Anomaly versions remembered for dedup of replays. */
  seenCapacity: number;
  /**
   * Wall-clock time an incident must have gone without a new anomaly before it may resolve or be
   * forgotten. Event time alone is not enough: after a restart a consumer catches up partition
   * by partition, so one service's anomalies can run an hour of event time ahead of another's;
   * resolving on that skewed watermark would split one incident in two.
   */
  graceMs: number;
  /**
   * Event time a saturation episode must have lasted before it opens an incident by itself (as a
   * Prometheus rule's `for:`; the node-exporter mixin waits 15 to 30 min on its saturation alerts).
   * Pages go on symptoms: latency, traffic and errors open at once; a brief I/O stall or CPU burst
   * on a shared host does not, but joins the incident a symptom opens.
   */
  saturationForMs: number;
}

export const DEFAULT_GROUPER_CONFIG: GrouperConfig = { windowMs: 600_000, minAnomalies: 3, resolveAfterMs: 1_800_000, maxHops: 2, seenCapacity: 200_000, graceMs: 60_000, saturationForMs: 300_000 };

interface OpenIncident {
  id: string;
  tenant: string;
  version: number;
  status: 'open' | 'resolved' | 'merged';
  mergedInto?: string;
  openedAt: number;
  lastAnomalyAt: number;
  /** Wall clock of the last anomaly joined (processing time, for the grace period). */
  touchedWall?: number;
  resolvedAt?: number;
  evidence: Record<string, ServiceEvidence>;
  /**
   * Services an external alert (signal `alert`, e.g. from Alertmanager) fired on, with its first
   * time: the symptom users see, which the ranking explains (absent in older checkpoints).
   */
  alerted?: Record<string, number>;
  /** Per alerted service, the signal family its first alert is about (absent in older checkpoints). */
  alertFamily?: Record<string, SignalFamily>;
  anomalyIds: string[];
  /** Points per folded episode id (bounded like anomalyIds; absent in older checkpoints). */
  episodePoints?: Record<string, number>;
  /** Distinct episodes folded in (absent in older checkpoints: anomalyIds.length). */
  episodes?: number;
  /** Points folded in: what minAnomalies is measured against (absent in older checkpoints). */
  points?: number;
  /**
   * Significant episodes not yet closed, by id, with their newest point. When every significant
   * anomaly of an incident came as an episode, the incident resolves as its last episode closes.
   */
  openEpisodes?: Record<string, number>;
  /** Latest closing time of its episodes. */
  episodesClosedAt?: number;
  /** A significant anomaly without an episode (a log pattern, an external alert) joined: only the quiet timeout resolves it. */
  pointAnomalies?: boolean;
  reasons: string[];
  dirty: boolean;
  /** Per service and signal family, the strongest anomaly: what the title says (absent in older checkpoints). */
  peaks?: Record<string, Record<string, Peak>>;
  /** External alerts firing in it, by fingerprint (or subject), with their start (absent in older checkpoints). */
  firingAlerts?: Record<string, number>;
  /** A detector's anomaly joined: it is not made of external alerts alone. */
  detected?: boolean;
  /** A critical external alert joined: published (and paged) at its first anomaly. */
  critical?: boolean;
}

export interface GrouperState {
  version: 1;
  incidents: OpenIncident[];
  seen: string[];
  watermark: number;
  /** Internal-only anomalies waiting for a significant one to open an incident. */
  held?: Anomaly[];
}

/** Event time an anomaly speaks for: an episode's newest point, else its own time. */
export const lastAt = (a: Anomaly): number => a.episode?.lastAt ?? a.ts;
/** One key per published version of an anomaly: a replay is skipped, an episode's update is not. */
export const versionKey = (a: Pick<Anomaly, 'id' | 'episode'>): string => (a.episode ? `${a.id}#${a.episode.version}` : a.id);
/** Internals are evidence, not a reason to page (detectors/significance.ts). */
const opensIncidents = (a: Anomaly): boolean => a.significance !== 'internal';
const MAX_HELD = 10_000;
/** An external alert's identity across its firing and resolved notices. */
const alertKey = (a: Anomaly): string => a.evidence.fingerprint || a.subject;
const isResolvedAlert = (a: Anomaly): boolean => a.signal === 'alert' && a.evidence.status === 'resolved';
/**
 * Alertmanager's `severity` label `critical` (or `page`): the alert already decided someone must be
 * woken, so it opens an incident on its own, below AIOPS_CORRELATOR_MIN_ANOMALIES.
 */
const isCriticalAlert = (a: Anomaly): boolean => a.signal === 'alert' && /^(critical|page)$/i.test(a.evidence['label.severity'] ?? '');

const MAX_IDS_PER_INCIDENT = 5_000;

/** Folds the episode bookkeeping of a merged incident into its survivor. */
function mergeEpisodeState(into: OpenIncident, gone: OpenIncident): void {
  if (gone.openEpisodes) into.openEpisodes = { ...into.openEpisodes, ...gone.openEpisodes };
  if (gone.pointAnomalies) into.pointAnomalies = true;
  if (gone.episodesClosedAt !== undefined) into.episodesClosedAt = Math.max(into.episodesClosedAt ?? 0, gone.episodesClosedAt);
}

/** Every significant anomaly of the incident was an episode, and the last of them has closed. */
const episodesOver = (i: OpenIncident): boolean =>
  !i.pointAnomalies && i.episodesClosedAt !== undefined && i.openEpisodes !== undefined && Object.keys(i.openEpisodes).length === 0;
const MAX_SUBJECTS = 50;

/** Adds one service's evidence (one anomaly's, or a merged incident's) into an incident's. */
function foldEvidence(evidence: Record<string, ServiceEvidence>, ev: ServiceEvidence): void {
  const into = evidence[ev.service];
  if (!into) {
    evidence[ev.service] = structuredClone({ ...ev, subjects: ev.subjects.slice(0, MAX_SUBJECTS) });
    return;
  }
  foldInto(into, ev);
  for (const sub of ev.subjects) if (!into.subjects.includes(sub) && into.subjects.length < MAX_SUBJECTS) into.subjects.push(sub);
  for (const [family, fe] of Object.entries(ev.families ?? {})) {
    into.families ??= {};
    const known = into.families[family];
    if (known) foldInto(known, fe);
    else into.families[family] = structuredClone(fe);
  }
}

/**
 * The evidence an alert about `family` on `symptom` is ranked from: each service's evidence of
 * that family alone. Undefined when no other service has any (then all evidence is used).
 */
function focusOn(evidence: readonly ServiceEvidence[], family: SignalFamily, symptom: string): { focus: ServiceEvidence[]; rest: ServiceEvidence[] } | undefined {
  if (family === 'other' || !evidence.some((e) => e.service !== symptom && e.families?.[family])) return undefined;
  const focus: ServiceEvidence[] = [];
  const rest: ServiceEvidence[] = [];
  for (const e of evidence) {
    const fe = e.families?.[family];
    if (fe) focus.push({ ...fe, service: e.service, subjects: e.subjects });
    else rest.push(e);
  }
  return { focus, rest };
}
const MAX_REASONS = 50;

/** Keeps the service's strongest anomaly of the peak's family (by deviation; an alert only where nothing was measured). */
function notePeak(inc: OpenIncident, service: string, p: Peak, family: string = p.signal === 'alert' ? 'alert' : familyOf(p)): void {
  const byFamily = ((inc.peaks ??= {})[service] ??= {});
  const key = p.signal === 'alert' ? 'alert' : family;
  const known = byFamily[key];
  if (!known || p.deviation > known.deviation) byFamily[key] = p;
}

function noteAlert(inc: OpenIncident, service: string, ts: number, family: SignalFamily | undefined): void {
  inc.alerted ??= {};
  const known = inc.alerted[service];
  if (known === undefined || ts < known) {
    inc.alerted[service] = ts;
    if (family !== undefined) (inc.alertFamily ??= {})[service] = family;
  }
}

/**
 * The service whose external alert the ranking explains: a user-facing one when an alert fired on
 * one, else the first alerted service the topology knows; earliest first, then by name.
 */
function symptomOf(inc: OpenIncident, graph: TopologyGraph): string | undefined {
  const alerted = Object.entries(inc.alerted ?? {}).filter(([svc]) => graph.has(svc));
  alerted.sort((a, b) => Number(graph.isUserFacing(b[0])) - Number(graph.isUserFacing(a[0])) || a[1] - b[1] || a[0].localeCompare(b[0]));
  return alerted[0]?.[0];
}

export class IncidentGrouper {
  private incidents: OpenIncident[] = [];
  /** Absorbed by a merge since the last flush. */
  private merged: OpenIncident[] = [];
  private seen = new Set<string>();
  private watermark = 0;
  private held = new Map<string, Anomaly>();

  constructor(private readonly config: GrouperConfig = DEFAULT_GROUPER_CONFIG) {}

  /** Adds anomalies (any order within a batch); returns nothing: call `flush` to get updates. */
  add(anomalies: readonly Anomaly[], graph: TopologyGraph, wallNow = Date.now()): void {
    const sorted = [...anomalies].sort((a, b) => lastAt(a) - lastAt(b));
    for (const a of sorted) {
      const key = versionKey(a);
      if (this.seen.has(key)) continue;
      this.remember(key);
      if (isResolvedAlert(a)) {
        this.alertResolved(a);
        continue;
      }
      if (a.score <= 0) continue;
      this.watermark = Math.max(this.watermark, lastAt(a));
      const matches = this.findIncidents(a, graph);
      if (matches.length === 0) {
        if (!this.mayOpen(a)) {
          this.hold(a);
          continue;
        }
        const inc = this.open(a, wallNow);
        this.attachHeld(inc, graph, wallNow);
        continue;
      }
      this.held.delete(a.id);
      const target = matches.length > 1 ? this.merge(matches, a) : matches[0]!;
      this.join(target.incident, a, target.reason, wallNow);
    }
  }

  /**
   * Resolves quiet incidents and returns every incident whose content changed since the last
   * flush and that has reached the minimum size, ranked and with a new version.
   */
  flush(graph: TopologyGraph, changes: readonly ChangeEvent[], now = this.watermark, wallNow = Date.now()): Incident[] {
    const out: Incident[] = [];
    const settled = (i: OpenIncident) => wallNow - (i.touchedWall ?? 0) >= this.config.graceMs;
    for (const inc of this.merged) {
      // Published before: say once that it now lives on in the survivor. Never published: drop.
      if (inc.version > 0) {
        inc.version += 1;
        out.push(this.toIncident(inc, graph, changes));
      }
    }
    this.merged = [];
    for (const inc of this.incidents) {
      if (inc.status === 'open' && episodesOver(inc)) {
        // Each series reported its own return to band, in its own event time: no watermark, so
        // no skew between partitions, can resolve this early and no grace period is needed.
        inc.status = 'resolved';
        inc.resolvedAt = inc.episodesClosedAt;
        inc.dirty = true;
      } else if (inc.status === 'open' && now - inc.lastAnomalyAt > this.config.resolveAfterMs && settled(inc)) {
        inc.status = 'resolved';
        inc.resolvedAt = inc.lastAnomalyAt + this.config.resolveAfterMs;
        inc.dirty = true;
      }
      if (!inc.dirty) continue;
      inc.dirty = false;
      // Points, not episodes: one series out of band for minAnomalies points is worth an incident;
      // a critical external alert is one on its own.
      if ((inc.points ?? inc.anomalyIds.length) < this.config.minAnomalies && inc.version === 0 && !inc.critical) continue;
      inc.version += 1;
      out.push(this.toIncident(inc, graph, changes));
    }
    // Resolved incidents past the window cannot be joined again: forget them.
    this.incidents = this.incidents.filter((i) => i.status === 'open' || now - (i.resolvedAt ?? 0) < this.config.windowMs || (!settled(i) && !episodesOver(i)));
    return out;
  }

  /**
   * Alertmanager says an alert resolved: an incident made of external alerts alone resolves when
   * the last of them does (at the alert's end), rather than after the quiet timeout. An incident
   * holding a detector's anomaly keeps the quiet-timeout rule: its anomalies must go quiet too.
   */
  private alertResolved(a: Anomaly): void {
    const key = alertKey(a);
    for (const inc of this.incidents) {
      if (inc.status !== 'open' || inc.firingAlerts?.[key] === undefined) continue;
      delete inc.firingAlerts[key];
      if (Object.keys(inc.firingAlerts).length > 0 || inc.detected) continue;
      inc.status = 'resolved';
      inc.resolvedAt = Math.max(lastAt(a), inc.lastAnomalyAt);
      if (inc.reasons.length < MAX_REASONS) inc.reasons.push(`resolved: every external alert in it resolved (last ${a.subject})`);
      inc.dirty = true;
    }
  }

  /** Whether this version of an anomaly was folded already (a replay after a restart or a rebalance). */
  hasSeen(a: Pick<Anomaly, 'id' | 'episode'>): boolean {
    return this.seen.has(versionKey(a));
  }

  /** Internal anomalies waiting for an incident, for tests and metrics. */
  heldCount(): number {
    return this.held.size;
  }

  /** Keeps an internal anomaly (its newest version) for one window, for an incident to attach. */
  private hold(a: Anomaly): void {
    const known = this.held.get(a.id);
    if (known && (known.episode?.version ?? 0) > (a.episode?.version ?? 0)) return;
    this.held.delete(a.id);
    this.held.set(a.id, a);
    for (const [id, h] of this.held) {
      if (this.held.size <= MAX_HELD && lastAt(h) >= this.watermark - this.config.windowMs) break;
      this.held.delete(id);
    }
  }

  /** Attaches the held internals related to a newly opened incident (same service or close in the topology). */
  private attachHeld(inc: OpenIncident, graph: TopologyGraph, wallNow: number): void {
    for (const [id, h] of [...this.held].sort((x, y) => lastAt(x[1]) - lastAt(y[1]))) {
      if (lastAt(h) < this.watermark - this.config.windowMs) {
        this.held.delete(id);
        continue;
      }
      const m = this.findIncidents(h, graph).find((f) => f.incident === inc);
      if (!m) continue;
      this.held.delete(id);
      this.join(inc, h, m.reason, wallNow);
    }
  }

  /** The incidents currently held, for metrics. */
  openCount(): number {
    return this.incidents.filter((i) => i.status === 'open').length;
  }

  snapshot(): GrouperState {
    // Merged incidents not yet flushed ride along, so a restart still announces the merge.
    const state: GrouperState = { version: 1, incidents: [...this.incidents, ...this.merged], seen: [...this.seen], watermark: this.watermark };
    if (this.held.size > 0) state.held = [...this.held.values()];
    return state;
  }

  static restore(state: GrouperState, config: GrouperConfig = DEFAULT_GROUPER_CONFIG): IncidentGrouper {
    const g = new IncidentGrouper(config);
    if (state.version !== 1) return g;
    g.incidents = state.incidents.filter((i) => i.status !== 'merged');
    g.merged = state.incidents.filter((i) => i.status === 'merged');
    g.seen = new Set(state.seen);
    g.watermark = state.watermark;
    for (const a of state.held ?? []) g.held.set(a.id, a);
    return g;
  }

  /**
   * The incidents held that were published, as they stand: what a replica taking the tenant over
   * tells its notification log about (a resolve due for one resolved before a crash).
   */
  published(graph: TopologyGraph, changes: readonly ChangeEvent[]): Incident[] {
    return [...this.incidents, ...this.merged].filter((i) => i.version > 0).map((i) => this.toIncident(i, graph, changes));
  }

  /** Event time: the newest anomaly folded in. */
  eventTime(): number {
    return this.watermark;
  }

  /** Ids of the incidents held (open, recently resolved, or merged and not yet announced). */
  incidentIds(): string[] {
    return [...this.incidents, ...this.merged].map((i) => i.id);
  }

  /**
   * Raises an incident's version to one already published: a checkpoint can be older than what
   * its writer published afterwards (before a crash or a rebalance), and the next version must
   * still be newer than every published one, or the store would keep the stale copy.
   */
  atLeastVersion(id: string, version: number): void {
    for (const i of [...this.incidents, ...this.merged]) if (i.id === id && i.version < version) i.version = version;
  }

  /** Whether the anomaly may open an incident by itself: significant, and a saturation episode only once it has lasted. */
  private mayOpen(a: Anomaly): boolean {
    if (!opensIncidents(a)) return false;
    return a.significance !== 'saturation' || !a.episode || a.episode.lastAt - a.episode.openedAt >= this.config.saturationForMs;
  }

  /** Every incident the anomaly may join, best first (closest in the topology, then most recent). */
  private findIncidents(a: Anomaly, graph: TopologyGraph): Array<{ incident: OpenIncident; reason: string }> {
    const found: Array<{ incident: OpenIncident; reason: string; rank: number }> = [];
    // Resolved incidents stay joinable for one window after their resolution: a related significant
    // anomaly reopens them (the same incident, not a new one). Not evidence: an internal series,
    // which never pages on its own, must not bring back a page. (Not reopening an incident whose
    // episodes all closed was tried: a fault whose symptoms come and go, or a detector restarted
    // mid-fault, then split into incidents that each held part of the evidence and ranked the
    // wrong cause first in test/integration/distributed.test.ts.)
    for (const inc of this.incidents) {
      if (inc.status === 'resolved' && !opensIncidents(a)) continue;
      const last = inc.status === 'resolved' ? Math.max(inc.lastAnomalyAt, inc.resolvedAt ?? 0) : inc.lastAnomalyAt;
      const at = lastAt(a);
      if (at > last + this.config.windowMs || at < inc.openedAt - this.config.windowMs) continue;
      let rank = Infinity;
      let reason = '';
      if (inc.evidence[a.service]) {
        rank = 0;
        reason = `${a.service} is already part of it`;
      } else {
        for (const s of Object.keys(inc.evidence)) {
          const d = graph.distance(a.service, s, this.config.maxHops);
          if (d < rank) {
            rank = d;
            reason = `${a.service} is ${d} hop${d === 1 ? '' : 's'} from ${s} in the topology`;
          }
        }
        if (rank === Infinity && !graph.has(a.service)) {
          // Unknown to the topology: time proximity is the only evidence we have.
          rank = this.config.maxHops + 1;
          reason = `${a.service} is not in the topology; joined by time`;
        }
      }
      if (rank !== Infinity) found.push({ incident: inc, reason, rank });
    }
    return found.sort((x, y) => x.rank - y.rank || y.incident.lastAnomalyAt - x.incident.lastAnomalyAt);
  }

  /**
   * One anomaly relates to several incidents: they are one incident seen in pieces (typically
   * anomalies arriving out of order after a consumer caught up). The earliest-opened survives,
   * so its id stays stable; the others are marked merged into it.
   */
  private merge(matches: Array<{ incident: OpenIncident; reason: string }>, a: Anomaly): { incident: OpenIncident; reason: string } {
    const byAge = [...matches].sort((x, y) => x.incident.openedAt - y.incident.openedAt || (x.incident.id < y.incident.id ? -1 : 1));
    const survivor = byAge[0]!.incident;
    for (const { incident: gone } of byAge.slice(1)) {
      for (const ev of Object.values(gone.evidence)) foldEvidence(survivor.evidence, ev);
      for (const [svc, ts] of Object.entries(gone.alerted ?? {})) noteAlert(survivor, svc, ts, gone.alertFamily?.[svc]);
      const points = survivor.episodePoints ?? {};
      for (const id of gone.anomalyIds) {
        if (points[id] !== undefined) continue;
        if (survivor.anomalyIds.length < MAX_IDS_PER_INCIDENT) survivor.anomalyIds.push(id);
        points[id] = gone.episodePoints?.[id] ?? 1;
      }
      survivor.episodePoints = points;
      survivor.episodes = (survivor.episodes ?? survivor.anomalyIds.length) + (gone.episodes ?? gone.anomalyIds.length);
      survivor.points = (survivor.points ?? survivor.anomalyIds.length) + (gone.points ?? gone.anomalyIds.length);
      survivor.openedAt = Math.min(survivor.openedAt, gone.openedAt);
      survivor.lastAnomalyAt = Math.max(survivor.lastAnomalyAt, gone.lastAnomalyAt);
      for (const [svc, byFamily] of Object.entries(gone.peaks ?? {})) for (const p of Object.values(byFamily)) notePeak(survivor, svc, p);
      if (gone.firingAlerts) survivor.firingAlerts = { ...survivor.firingAlerts, ...gone.firingAlerts };
      survivor.detected ||= gone.detected;
      survivor.critical ||= gone.critical;
      mergeEpisodeState(survivor, gone);
      if (survivor.reasons.length < MAX_REASONS) survivor.reasons.push(`merged ${gone.id}: ${a.signal} anomaly on ${a.service} (${a.subject}) relates to both`);
      survivor.status = 'open';
      delete survivor.resolvedAt;
      survivor.dirty = true;
      gone.status = 'merged';
      gone.mergedInto = survivor.id;
      if (gone.reasons.length < MAX_REASONS) gone.reasons.push(`merged into ${survivor.id}`);
      this.merged.push(gone);
    }
    const goneIds = new Set(byAge.slice(1).map((m) => m.incident.id));
    this.incidents = this.incidents.filter((i) => !goneIds.has(i.id));
    const best = matches.find((m) => m.incident === survivor);
    return { incident: survivor, reason: best?.reason ?? matches[0]!.reason };
  }

  private open(a: Anomaly, wallNow: number): OpenIncident {
    const inc: OpenIncident = {
      id: stableId('inc', a.tenant, a.id),
      tenant: a.tenant,
      version: 0,
      status: 'open',
      openedAt: a.ts,
      lastAnomalyAt: a.ts,
      evidence: {},
      anomalyIds: [],
      reasons: [`opened by ${a.signal} anomaly on ${a.service} (${a.subject})`],
      dirty: true,
    };
    this.incidents.push(inc);
    this.join(inc, a, '', wallNow);
    return inc;
  }

  private join(inc: OpenIncident, a: Anomaly, reason: string, wallNow: number): void {
    const known = inc.evidence[a.service];
    if (!known && reason && inc.reasons.length < MAX_REASONS) inc.reasons.push(`${reason}, within ${Math.round(this.config.windowMs / 60_000)} min`);
    if (inc.status === 'resolved' && inc.reasons.length < MAX_REASONS) inc.reasons.push(`reopened by ${a.signal} anomaly on ${a.service} (${a.subject})`);
    const impacts = impactsOfAnomaly(a);
    // A new episode counts once; every version adds the points it grew by.
    const points = inc.episodePoints ?? {};
    const before = points[a.id];
    const now = a.episode?.points ?? 1;
    const added = Math.max(0, now - (before ?? 0));
    const isNew = before === undefined && !(a.episode && a.episode.version > 1 && inc.anomalyIds.length >= MAX_IDS_PER_INCIDENT);
    if (before === undefined && inc.anomalyIds.length < MAX_IDS_PER_INCIDENT) points[a.id] = now;
    else if (before !== undefined) points[a.id] = Math.max(before, now);
    inc.episodePoints = points;
    inc.points = (inc.points ?? inc.anomalyIds.length) + added;
    const end = lastAt(a);
    const own: FamilyEvidence = { firstTs: a.ts, lastTs: end, maxScore: a.score, maxDeviation: deviationOf(a), count: added, ...(impacts ? { impacts } : {}) };
    const family = familyOf(a);
    foldEvidence(inc.evidence, { ...own, service: a.service, subjects: [a.subject], families: { [family]: own } });
    if (a.signal === 'alert') {
      noteAlert(inc, a.service, a.ts, family);
      (inc.firingAlerts ??= {})[alertKey(a)] = a.ts;
      if (isCriticalAlert(a)) inc.critical = true;
    } else inc.detected = true;
    notePeak(inc, a.service, peakOf(a, own.maxDeviation ?? 0), family);
    if (isNew) {
      inc.episodes = (inc.episodes ?? inc.anomalyIds.length) + 1;
      if (inc.anomalyIds.length < MAX_IDS_PER_INCIDENT) inc.anomalyIds.push(a.id);
      else inc.anomalyIds[MAX_IDS_PER_INCIDENT - 1] = a.id;
    }
    // Evidence does not keep an incident alive: only its significant anomalies count towards the
    // quiet timeout and the join window (a process's RSS episode can stay open for hours), and
    // only they reopen it.
    const significant = opensIncidents(a);
    if (significant) {
      inc.lastAnomalyAt = Math.max(inc.lastAnomalyAt, end);
      if (!a.episode) inc.pointAnomalies = true;
      else if (a.episode.status !== 'closed') (inc.openEpisodes ??= {})[a.id] = end;
    }
    if (a.episode?.status === 'closed' && inc.openEpisodes?.[a.id] !== undefined) {
      delete inc.openEpisodes[a.id];
      inc.episodesClosedAt = Math.max(inc.episodesClosedAt ?? 0, a.episode.closedAt ?? end);
    }
    // Evidence attached later (a heap or RSS episode open since long before, internal or a cause
    // such as saturation) must not move the opening back: the incident opened with its symptom.
    if (significant && a.significance !== 'saturation') inc.openedAt = Math.min(inc.openedAt, a.ts);
    inc.touchedWall = wallNow;
    if (significant) {
      inc.status = 'open';
      delete inc.resolvedAt;
    }
    inc.dirty = true;
  }

  private remember(id: string): void {
    this.seen.add(id);
    if (this.seen.size > this.config.seenCapacity) {
      // Sets iterate in insertion order: drop the oldest tenth.
      let n = Math.floor(this.config.seenCapacity / 10);
      for (const k of this.seen) {
        this.seen.delete(k);
        if (--n <= 0) break;
      }
    }
  }

  private toIncident(inc: OpenIncident, graph: TopologyGraph, changes: readonly ChangeEvent[]): Incident {
    const evidence = Object.values(inc.evidence);
    const symptom = symptomOf(inc, graph);
    const tenantChanges = changes.filter((c) => c.tenant === inc.tenant);
    const family = symptom ? inc.alertFamily?.[symptom] : undefined;
    const focused = symptom && family ? focusOn(evidence, family, symptom) : undefined;
    let rootCauses = rankRootCauses(focused?.focus ?? evidence, graph, tenantChanges, symptom ? { symptom } : {});
    if (focused) {
      // The services with no anomaly of the alert's family come after, in their own order.
      const floor = Math.min(0, ...rootCauses.map((r) => r.score));
      const rest = rankRootCauses(focused.rest, graph, tenantChanges).map((r, i) => ({
        ...r,
        rank: rootCauses.length + i + 1,
        score: Math.round((floor - 1 - i / 1000) * 1000) / 1000,
        reasons: [`no ${family} anomaly, which the alert on ${symptom} is about`, ...r.reasons],
      }));
      rootCauses = [...rootCauses.map((r) => ({ ...r, reasons: [`ranked on ${family} evidence, which the alert on ${symptom} is about`, ...r.reasons] })), ...rest];
    }
    const services = evidence.map((e) => e.service).sort();
    const userFacing = services.filter((s) => graph.isUserFacing(s));
    const userFacingKnown = graph.knowsUserFacing();
    const top = rootCauses[0];
    const named = top?.service ?? services[0];
    const anomalyCount = inc.episodes ?? evidence.reduce((n, e) => n + e.count, 0);
    const incident: Incident = {
      id: inc.id,
      tenant: inc.tenant,
      version: inc.version,
      status: inc.status,
      title: incidentTitle({ service: named, peaks: Object.values(inc.peaks?.[named ?? ''] ?? {}), openedAt: inc.openedAt, services, userFacing, userFacingKnown }),
      openedAt: inc.openedAt,
      updatedAt: inc.lastAnomalyAt,
      services,
      userFacing,
      anomalyCount,
      anomalyIds: [...inc.anomalyIds],
      rootCauses,
      groupingReasons: [
        ...inc.reasons,
        ...(symptom ? [`root causes ranked to explain the alert on ${symptom}: only it and the services it calls can`] : []),
        ...(userFacingKnown ? [] : ['no topology: which services are user-facing is unknown (declare userFacing or edges in the topology)']),
      ],
    };
    if (inc.resolvedAt !== undefined) incident.resolvedAt = inc.resolvedAt;
    if (inc.mergedInto !== undefined) incident.mergedInto = inc.mergedInto;
    return incident;
  }
}
