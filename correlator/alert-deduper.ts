// Folds repeated anomalies into alerts, like Alertmanager folds repeated notifications: one
// alert per fingerprint, with a count, first and last seen, firing/resolved transitions and
// flap detection. Pure state, no I/O: the correlate stage feeds it and publishes what changed.
import type { Alert, Anomaly } from '../platform/contracts/events.js';
import type { Attributes } from '../platform/contracts/common.js';
import { hash } from 'node:crypto';
import { stableId } from '../platform/contracts/ids.js';

export interface DeduperConfig {
  /** An alert from our own detectors resolves after this much event time without an anomaly. */
  resolveAfterMs: number;
  /** Transitions counted for flapping within this window... */
  flapWindowMs: number;
  /** ...and this many of them make the alert flapping. */
  flapTransitions: number;
  /** Alerts held (least recently seen dropped first). */
  capacity: number;
}

export const DEFAULT_DEDUPER_CONFIG: DeduperConfig = { resolveAfterMs: 5 * 60_000, flapWindowMs: 30 * 60_000, flapTransitions: 4, capacity: 100_000 };

/**
 * Fingerprint recipes, versioned: fields are hashed with a separator and a length prefix
 * (stableId), so ("ab","c") and ("a","bc") never collide. A new recipe gets a new name.
 *  - anomaly.v1:      tenant, service, signal, subject. The same series misbehaving is one
 *                     alert, whichever rule flagged it.
 *  - alertmanager.v1: tenant and the alert's sorted label set, as Alertmanager identifies alerts.
 */
/** Labels an alertmanager alert keeps (ingest's AIOPS_INGEST_MAX_LABELS_PER_SERIES defaults to 30). */
export const MAX_ALERT_LABELS = 1000;

/** stableId(prefix, ...parts) for a parts array of any length. */
function stableIdOf(prefix: string, parts: readonly string[]): string {
  let input = '';
  for (const p of parts) input += `${p.length}\u001f${p}\u001f`;
  return `${prefix}_${hash('sha256', input, 'hex').slice(0, 24)}`;
}

export function fingerprintOf(a: Anomaly): { recipe: string; fingerprint: string; labels: Attributes } {
  if (a.signal === 'alert') {
    const labels: Attributes = {};
    const keys: string[] = [];
    for (const k in a.evidence) {
      if (!k.startsWith('label.')) continue;
      labels[k.slice(6)] = a.evidence[k]!;
      keys.push(k.slice(6));
    }
    keys.sort();
    // Ingest refuses alerts over the labels-per-series limit; one restored from older state keeps
    // its first MAX_ALERT_LABELS labels, so its alert stays bounded in size.
    if (keys.length > MAX_ALERT_LABELS) {
      for (const k of keys.splice(MAX_ALERT_LABELS)) delete labels[k];
    }
    // stableId's input built in a loop: spreading 100k labels as arguments overflowed the stack.
    const parts: string[] = ['alertmanager.v1', a.tenant];
    for (const k of keys) parts.push(k, labels[k]!);
    return { recipe: 'alertmanager.v1', fingerprint: stableIdOf('fp', parts).slice(3), labels };
  }
  return {
    recipe: 'anomaly.v1',
    fingerprint: stableId('fp', 'anomaly.v1', a.tenant, a.service, a.signal, a.subject).slice(3),
    labels: { detector: a.detector, direction: a.direction },
  };
}

interface AlertState {
  alert: Alert;
  /** Event times of recent transitions (for flapping). */
  recent: number[];
  dirty: boolean;
  /** Id of the newest anomaly episode folded in: its updates count once. */
  episode?: string;
}

export interface DeduperState {
  version: 1;
  alerts: Array<{ alert: Alert; recent: number[]; episode?: string }>;
}

export class AlertDeduper {
  private readonly alerts = new Map<string, AlertState>();

  constructor(private readonly config: DeduperConfig = DEFAULT_DEDUPER_CONFIG) {}

  get size(): number {
    return this.alerts.size;
  }

  /** Folds anomalies in (any order); call `flush` for the alerts that changed. */
  add(anomalies: readonly Anomaly[]): void {
    for (const a of [...anomalies].sort((x, y) => x.ts - y.ts)) this.addOne(a);
  }

  private addOne(a: Anomaly): void {
    const { recipe, fingerprint, labels } = fingerprintOf(a);
    const id = `alr_${fingerprint}`;
    const resolvedByAlertmanager = a.signal === 'alert' && a.evidence.status === 'resolved';
    let s = this.alerts.get(id);
    if (!s) {
      if (resolvedByAlertmanager) return; // nothing firing to resolve
      s = {
        alert: {
          id, tenant: a.tenant, version: 0, fingerprint, recipe, service: a.service, signal: a.signal, subject: a.subject,
          status: 'firing', firstSeen: a.ts, lastSeen: a.ts, count: 0, transitions: 0, flapping: false, maxScore: 0, lastAnomalyId: a.id, labels,
        },
        recent: [],
        dirty: true,
      };
      this.alerts.set(id, s);
      this.evict();
    } else {
      // Least recently seen first: move to the end.
      this.alerts.delete(id);
      this.alerts.set(id, s);
    }
    const al = s.alert;
    if (resolvedByAlertmanager) {
      if (al.status === 'firing') this.transition(s, 'resolved', a.ts);
      al.lastSeen = Math.max(al.lastSeen, a.ts);
      s.dirty = true;
      return;
    }
    // An episode is published again as it grows (detectors/episodes.ts): one episode counts once,
    // seen until its newest point, and its closing resolves the alert as Prometheus' resolve does.
    const at = a.episode?.lastAt ?? a.ts;
    const newEpisode = !a.episode || a.episode.id !== s.episode;
    if (a.episode) s.episode = a.episode.id;
    const closing = a.episode?.status === 'closed' && !newEpisode;
    if (al.status === 'resolved' && at > al.lastSeen && !closing) this.transition(s, 'firing', at);
    if (newEpisode) al.count += 1;
    al.firstSeen = Math.min(al.firstSeen, a.ts);
    if (at >= al.lastSeen) al.lastAnomalyId = a.id;
    al.lastSeen = Math.max(al.lastSeen, at);
    al.maxScore = Math.max(al.maxScore, Math.min(1, Math.max(0, a.score)));
    if (a.episode?.status === 'closed' && al.status === 'firing') this.transition(s, 'resolved', a.episode.closedAt ?? at);
    s.dirty = true;
  }

  private transition(s: AlertState, to: Alert['status'], ts: number): void {
    s.alert.status = to;
    s.alert.transitions += 1;
    s.recent = [...s.recent.filter((t) => ts - t <= this.config.flapWindowMs), ts];
    s.alert.flapping = s.recent.length >= this.config.flapTransitions;
  }

  /**
   * Resolves our own alerts quiet for `resolveAfterMs` of event time (Alertmanager's come with
   * their own resolution), clears flapping once transitions stop, and returns every alert that
   * changed since the last flush with a new version.
   */
  flush(now: number): Alert[] {
    const out: Alert[] = [];
    for (const s of this.alerts.values()) {
      const al = s.alert;
      if (al.status === 'firing' && al.signal !== 'alert' && now - al.lastSeen > this.config.resolveAfterMs) {
        this.transition(s, 'resolved', al.lastSeen + this.config.resolveAfterMs);
        s.dirty = true;
      }
      if (al.flapping && s.recent.every((t) => now - t > this.config.flapWindowMs)) {
        al.flapping = false;
        s.dirty = true;
      }
      if (!s.dirty) continue;
      s.dirty = false;
      al.version += 1;
      out.push({ ...al, labels: { ...al.labels } });
    }
    return out;
  }

  snapshot(): DeduperState {
    return { version: 1, alerts: [...this.alerts.values()].map((s) => ({ alert: s.alert, recent: s.recent, ...(s.episode ? { episode: s.episode } : {}) })) };
  }

  static restore(state: DeduperState, config: DeduperConfig = DEFAULT_DEDUPER_CONFIG): AlertDeduper {
    const d = new AlertDeduper(config);
    if (state?.version !== 1) return d;
    for (const { alert, recent, episode } of state.alerts) d.alerts.set(alert.id, { alert, recent, dirty: false, ...(episode ? { episode } : {}) });
    return d;
  }

  private evict(): void {
    while (this.alerts.size > this.config.capacity) this.alerts.delete(this.alerts.keys().next().value as string);
  }
}
