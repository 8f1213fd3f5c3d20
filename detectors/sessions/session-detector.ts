// Online session detector. Log lines that belong to a session (block id, trace id, request id:
// LogRecord.sessionId) arrive as events (the template id of the line). The detector keeps each
// open session's events; a session is scored by the SessionModel when it ends (an event with
// `end: true`, or `endSession`) or when it has been idle for `idleTimeoutMs` of event time
// (`expire(now)`). A flagged session yields one Anomaly (signal 'session') with evidence.
// Memory is bounded: at most maxOpenSessions (the least recently active is closed and scored
// first) and maxEventsPerSession events per session (later events are counted, not kept).
import type { Anomaly } from '../../platform/contracts/events.js';
import { stableId } from '../../platform/contracts/ids.js';
import type { SessionModel, SessionVerdict } from './session-model.js';

export const SESSION_DETECTOR = 'session-deeplog';

export interface SessionEvent {
  tenant: string;
  service: string;
  sessionId: string;
  ts: number;
  /** The event id: the template id of the log line. */
  event: string;
  /** This event closes the session (e.g. a request's final log line). */
  end?: boolean;
}

export interface SessionDetectorConfig {
  idleTimeoutMs: number;
  maxOpenSessions: number;
  maxEventsPerSession: number;
}

export const DEFAULT_SESSION_DETECTOR_CONFIG: Readonly<SessionDetectorConfig> = Object.freeze({
  idleTimeoutMs: 5 * 60_000,
  maxOpenSessions: 100_000,
  maxEventsPerSession: 2_000,
});

/** One open session as checkpointed: its events so far (a restart does not split it). */
export interface OpenSessionState {
  sessionId: string;
  firstTs: number;
  lastTs: number;
  events: string[];
  /** Events past maxEventsPerSession: counted, not kept. */
  dropped: number;
}

interface OpenSession extends OpenSessionState {
  tenant: string;
  service: string;
}

const sessionKey = (tenant: string, service: string, sessionId: string): string => `${tenant}\u001f${service}\u001f${sessionId}`;

const MAX_EVIDENCE_EVENTS = 200;

/** Running totals since start (for metrics). */
export interface SessionDetectorStats {
  /** Sessions closed and scored. */
  scored: number;
  /** Scored sessions that were abnormal (an anomaly each). */
  flagged: number;
  /** Sessions closed early by the maxOpenSessions cap. */
  evicted: number;
}

export class SessionDetector {
  private readonly config: SessionDetectorConfig;
  /** Insertion order = least recently active first (a session is re-inserted on every event). */
  private readonly open = new Map<string, OpenSession>();

  constructor(
    private readonly model: SessionModel,
    config: Partial<SessionDetectorConfig> = {},
  ) {
    this.config = { ...DEFAULT_SESSION_DETECTOR_CONFIG, ...config };
  }

  get openSessions(): number {
    return this.open.size;
  }

  /**
   * Adds one event. Returns the anomaly when this event ends its session and the session is
   * anomalous; sessions closed because the open-session cap was hit are returned by `drain()`.
   */
  process(rec: SessionEvent): Anomaly | undefined {
    const key = sessionKey(rec.tenant, rec.service, rec.sessionId);
    let s = this.open.get(key);
    if (s === undefined) {
      s = { tenant: rec.tenant, service: rec.service, sessionId: rec.sessionId, firstTs: rec.ts, lastTs: rec.ts, events: [], dropped: 0 };
    } else {
      this.open.delete(key);
    }
    this.open.set(key, s);
    s.lastTs = Math.max(s.lastTs, rec.ts);
    if (s.events.length < this.config.maxEventsPerSession) s.events.push(rec.event);
    else s.dropped++;
    if (rec.end === true) {
      this.open.delete(key);
      return this.close([s])[0];
    }
    if (this.open.size > this.config.maxOpenSessions) {
      const oldest = this.open.keys().next().value;
      const victim = oldest === undefined ? undefined : this.open.get(oldest);
      if (oldest !== undefined && victim !== undefined) {
        this.open.delete(oldest);
        this.pendingEvicted.push(victim);
        this.totals.evicted++;
      }
    }
    return undefined;
  }

  private pendingEvicted: OpenSession[] = [];
  private readonly totals: SessionDetectorStats = { scored: 0, flagged: 0, evicted: 0 };

  stats(): Readonly<SessionDetectorStats> {
    return this.totals;
  }

  /** Closes a session now (its end is known from elsewhere); returns its anomaly, if any. */
  endSession(tenant: string, service: string, sessionId: string): Anomaly | undefined {
    const key = sessionKey(tenant, service, sessionId);
    const s = this.open.get(key);
    if (s === undefined) return undefined;
    this.open.delete(key);
    return this.close([s])[0];
  }

  /** Closes (scores) every session idle for idleTimeoutMs at event time `now`, and any evicted ones. */
  expire(now: number): Anomaly[] {
    const due: OpenSession[] = this.pendingEvicted;
    this.pendingEvicted = [];
    for (const [key, s] of this.open) {
      if (now - s.lastTs >= this.config.idleTimeoutMs) {
        due.push(s);
        this.open.delete(key);
      }
    }
    return this.close(due);
  }

  /** Closes every open session (shutdown, end of a replay). */
  flush(): Anomaly[] {
    const all = [...this.pendingEvicted, ...this.open.values()];
    this.pendingEvicted = [];
    this.open.clear();
    return this.close(all);
  }

  /** One service's open sessions per tenant, least recently active first, for checkpoints. */
  openSessionsByTenant(service: string): Map<string, OpenSessionState[]> {
    const out = new Map<string, OpenSessionState[]>();
    for (const s of [...this.open.values(), ...this.pendingEvicted]) {
      if (s.service !== service) continue;
      const list = out.get(s.tenant) ?? [];
      list.push({ sessionId: s.sessionId, firstTs: s.firstTs, lastTs: s.lastTs, events: [...s.events], dropped: s.dropped });
      out.set(s.tenant, list);
    }
    return out;
  }

  /**
   * Puts checkpointed sessions back (after a restart or a rebalance). A session that is already
   * open here keeps its events and gets the checkpointed ones in front of them.
   */
  restoreSessions(tenant: string, service: string, sessions: readonly OpenSessionState[]): void {
    for (const r of sessions) {
      const key = sessionKey(tenant, service, r.sessionId);
      const live = this.open.get(key);
      const events = [...r.events, ...(live?.events ?? [])];
      const kept = events.slice(0, this.config.maxEventsPerSession);
      const s: OpenSession = {
        tenant,
        service,
        sessionId: r.sessionId,
        firstTs: Math.min(r.firstTs, live?.firstTs ?? r.firstTs),
        lastTs: Math.max(r.lastTs, live?.lastTs ?? r.lastTs),
        events: kept,
        dropped: r.dropped + (live?.dropped ?? 0) + (events.length - kept.length),
      };
      if (live === undefined) this.open.set(key, s);
      else Object.assign(live, s);
    }
  }

  private close(sessions: OpenSession[]): Anomaly[] {
    if (sessions.length === 0) return [];
    const verdicts = this.model.score(sessions.map((s) => s.events));
    this.totals.scored += sessions.length;
    const out: Anomaly[] = [];
    sessions.forEach((s, i) => {
      const v = verdicts[i];
      if (v !== undefined && v.anomalous) out.push(this.toAnomaly(s, v));
    });
    this.totals.flagged += out.length;
    return out;
  }

  private toAnomaly(s: OpenSession, v: SessionVerdict): Anomaly {
    const shown = s.events.slice(0, MAX_EVIDENCE_EVENTS).join(' ');
    return {
      id: stableId('an', s.tenant, s.service, SESSION_DETECTOR, s.sessionId),
      tenant: s.tenant,
      ts: s.lastTs,
      service: s.service,
      signal: 'session',
      subject: `session:${s.sessionId}`.slice(0, 1024),
      detector: SESSION_DETECTOR,
      score: Math.min(1, Math.max(0, v.score)),
      observed: v.worstStep.prob,
      expected: v.probThreshold,
      lower: v.probThreshold,
      upper: 1,
      direction: 'down',
      evidence: {
        session_id: s.sessionId.slice(0, 8192),
        reasons: v.reasons.join(','),
        n_events: String(s.events.length + s.dropped),
        events: (s.events.length > MAX_EVIDENCE_EVENTS ? `${shown} ...` : shown).slice(0, 8192),
        unknown_events: v.unknownEvents.join(' ').slice(0, 8192),
        nearest_count_l1: String(v.nearestCountL1),
        worst_step: String(v.worstStep.index),
        worst_event: v.worstStep.event.slice(0, 8192),
        worst_event_prob: v.worstStep.prob.toExponential(3),
        worst_event_rank: String(v.worstStep.rank),
        duration_ms: String(s.lastTs - s.firstTs),
      },
    };
  }
}
