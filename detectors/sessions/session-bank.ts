// The detect stage's session detection: one SessionDetector per service that has a trained model
// (loaded from AIOPS_SESSION_MODELS_DIR/<service>/ at start), fed the log lines that carry a
// sessionId, mapped to event ids by the stage's template miner. Open sessions are checkpointed per
// (tenant, service) under detect.sessions.v1 and restored on first sight, so a restart or a
// rebalance does not split a session; records the bus replays after a restore (at-least-once) are
// recognised by their event time and id and not appended twice.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import type { Anomaly, LogRecord } from '../../platform/contracts/events.js';
import { validate } from '../../platform/contracts/validate.js';
import { AiopsError } from '../../platform/errors/aiops-error.js';
import { CheckpointVersions } from '../../platform/store/checkpoint-version.js';
import type { Checkpoint, Store } from '../../platform/store/store.js';
import { SessionDetector, type OpenSessionState, type SessionDetectorConfig, type SessionDetectorStats } from './session-detector.js';
import { putPerTenant, rememberServices, unknownServices } from '../service-checkpoints.js';
import { validateSnapshot, type MinerSnapshot } from '../logs/template-miner/index.js';
import { SessionModel } from './session-model.js';

export const SESSION_CHECKPOINT_NAMESPACE = 'detect.sessions.v1';
/** The template miner a model was trained with (aiops train-sessions), beside session-model.json. */
export const SESSION_MINER_FILE = 'miner.json';
/** Ids kept of the records at a service's newest event time (to skip their replay after a restore). */
const MAX_IDS_AT_WATERMARK = 1_000;
const CHECKPOINT_ROWS_PER_PUT = 500;

const SessionsCheckpoint = Type.Object({
  version: Type.Literal(1),
  /** Newest event time applied, and the ids of the records applied at exactly that time. */
  watermark: Type.Number(),
  atWatermark: Type.Array(Type.String()),
  sessions: Type.Array(
    Type.Object({
      sessionId: Type.String(),
      firstTs: Type.Number(),
      lastTs: Type.Number(),
      events: Type.Array(Type.String()),
      dropped: Type.Integer({ minimum: 0 }),
    }),
  ),
});

interface Watermark {
  ts: number;
  ids: Set<string>;
}

export interface SessionBankOptions {
  detector?: Partial<SessionDetectorConfig>;
  /** Called for a checkpoint row that does not parse or match the schema (it is skipped). */
  onInvalidCheckpoint?: (tenant: string, service: string, error: string) => void;
}

export interface LoadedSessionModels {
  /** Service -> model. */
  models: Map<string, SessionModel>;
  /** Service -> the miner state the model was trained with (when the artifact has miner.json). */
  miners: Map<string, MinerSnapshot>;
}

/**
 * Loads every model under `dir`: one sub-directory per service, named after it, holding a
 * SessionModel artifact (session-model.json, lstm/, and miner.json when trained from a log file).
 * A missing `dir` means no models. Every problem is reported at once (MODEL_LOAD_FAILED).
 */
export async function loadSessionModels(dir: string): Promise<LoadedSessionModels> {
  const loaded: LoadedSessionModels = { models: new Map(), miners: new Map() };
  if (!existsSync(dir)) return loaded;
  if (!statSync(dir).isDirectory()) throw new AiopsError('MODEL_LOAD_FAILED', `${dir} is not a directory: AIOPS_SESSION_MODELS_DIR must name a directory of <service>/ model folders`);
  const problems: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!entry.isDirectory()) continue;
    const minerFile = join(dir, entry.name, SESSION_MINER_FILE);
    try {
      if (existsSync(minerFile)) loaded.miners.set(entry.name, validateSnapshot(readFileSync(minerFile, 'utf8')));
    } catch (err) {
      problems.push(`${minerFile}: ${(err as Error).message}; retrain it (aiops train-sessions) or delete the file`);
      continue;
    }
    try {
      loaded.models.set(entry.name, await SessionModel.load(join(dir, entry.name)));
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (problems.length > 0) {
    for (const m of loaded.models.values()) m.dispose();
    throw new AiopsError('MODEL_LOAD_FAILED', `session models in ${dir} do not load:\n  - ${problems.join('\n  - ')}`, { problems });
  }
  return loaded;
}

const pairKey = (tenant: string, service: string): string => `${tenant}\u0000${service}`;

export class SessionBank {
  private readonly detectors = new Map<string, SessionDetector>();
  /** tenant -> services restored from the store (or known to have no checkpoint). */
  private readonly known = new Map<string, Set<string>>();
  /** Per (tenant, service): what was restored; replayed records at or before it are skipped. */
  private readonly restored = new Map<string, Watermark>();
  /** Per (tenant, service): the newest event time applied, for the next checkpoint. */
  private readonly marks = new Map<string, Watermark>();
  private readonly dirty = new Set<string>();
  private readonly versions = new CheckpointVersions();

  constructor(
    private readonly store: Store | undefined,
    private readonly models: ReadonlyMap<string, SessionModel>,
    private readonly options: SessionBankOptions = {},
  ) {
    for (const [service, model] of models) this.detectors.set(service, new SessionDetector(model, options.detector));
  }

  /** Forgets every open session and restore mark (after a rebalance; see LogTemplateBank.reset). */
  reset(): void {
    for (const [service, model] of this.models) this.detectors.set(service, new SessionDetector(model, this.options.detector));
    this.known.clear();
    this.restored.clear();
    this.marks.clear();
    this.dirty.clear();
  }

  /** Services with a model. */
  get services(): string[] {
    return [...this.models.keys()];
  }

  get openSessions(): number {
    let n = 0;
    for (const d of this.detectors.values()) n += d.openSessions;
    return n;
  }

  /** Per service: open sessions now and the detector's running totals (for metrics). */
  *stats(): IterableIterator<{ service: string; open: number } & SessionDetectorStats> {
    for (const [service, d] of this.detectors) yield { service, open: d.openSessions, ...d.stats() };
  }

  hasModel(service: string): boolean {
    return this.detectors.has(service);
  }

  /**
   * Feeds the batch's session lines (logs in event-time order; `eventIds` gives each line's
   * template id) to their service's detector, then closes the sessions idle at the batch's newest
   * event time. Returns the anomalies of the sessions that closed abnormal.
   */
  async detect(logs: readonly LogRecord[], eventIds: (logs: readonly LogRecord[]) => ReadonlyArray<string | undefined>): Promise<Anomaly[]> {
    const lines = logs.filter((r) => r.sessionId !== undefined && r.sessionId !== '' && this.detectors.has(r.service));
    const out: Anomaly[] = [];
    if (lines.length > 0) {
      await this.ensure(lines);
      const ids = eventIds(lines);
      lines.forEach((r, i) => {
        const a = this.apply(r, ids[i]);
        if (a !== undefined) out.push(a);
      });
    }
    const newest = logs.reduce((m, r) => Math.max(m, r.ts), Number.NEGATIVE_INFINITY);
    if (newest > Number.NEGATIVE_INFINITY) out.push(...this.expire(newest));
    return out;
  }

  private apply(r: LogRecord, event: string | undefined): Anomaly | undefined {
    const k = pairKey(r.tenant, r.service);
    const restored = this.restored.get(k);
    if (restored !== undefined) {
      if (r.ts < restored.ts || (r.ts === restored.ts && restored.ids.has(r.id))) return undefined; // replayed
      if (r.ts > restored.ts) this.restored.delete(k);
    }
    const mark = this.marks.get(k);
    if (mark === undefined || r.ts > mark.ts) this.marks.set(k, { ts: r.ts, ids: new Set([r.id]) });
    else if (r.ts === mark.ts && mark.ids.size < MAX_IDS_AT_WATERMARK) mark.ids.add(r.id);
    this.dirty.add(k);
    const detector = this.detectors.get(r.service);
    // A line the miner no longer matches (its template was evicted) is an event the model never saw.
    return detector?.process({ tenant: r.tenant, service: r.service, sessionId: r.sessionId ?? '', ts: r.ts, event: event ?? '<unmatched>' });
  }

  /** Scores and closes every session idle at event time `now`. */
  expire(now: number): Anomaly[] {
    const out: Anomaly[] = [];
    for (const [service, d] of this.detectors) {
      const before = d.openSessions;
      out.push(...d.expire(now));
      if (d.openSessions !== before) this.markService(service);
    }
    return out;
  }

  /** Scores and closes every open session (the end of a replay). */
  flush(): Anomaly[] {
    const out: Anomaly[] = [];
    for (const [service, d] of this.detectors) {
      out.push(...d.flush());
      this.markService(service);
    }
    return out;
  }

  private markService(service: string): void {
    for (const [tenant, services] of this.known) if (services.has(service)) this.dirty.add(pairKey(tenant, service));
  }

  private async ensure(lines: readonly LogRecord[]): Promise<void> {
    for (const [tenant, services] of unknownServices(lines, this.known)) {
      const found = this.store ? await this.store.getCheckpoints(tenant, SESSION_CHECKPOINT_NAMESPACE, [...services]) : [];
      for (const c of found) this.restore(tenant, c.key, c.state);
      rememberServices(this.known, tenant, services);
    }
  }

  private restore(tenant: string, service: string, state: string): void {
    const detector = this.detectors.get(service);
    if (detector === undefined) return;
    let raw: unknown;
    try {
      raw = JSON.parse(state);
    } catch (err) {
      this.options.onInvalidCheckpoint?.(tenant, service, `not JSON: ${(err as Error).message}`);
      return;
    }
    const checked = validate(SessionsCheckpoint, raw);
    if (!checked.ok) {
      this.options.onInvalidCheckpoint?.(tenant, service, checked.error);
      return;
    }
    const snap = checked.value;
    detector.restoreSessions(tenant, service, snap.sessions);
    const mark: Watermark = { ts: snap.watermark, ids: new Set(snap.atWatermark) };
    this.restored.set(pairKey(tenant, service), mark);
    this.marks.set(pairKey(tenant, service), { ts: mark.ts, ids: new Set(mark.ids) });
  }

  /** Writes the open sessions of every (tenant, service) that changed since the last checkpoint. */
  async checkpoint(): Promise<number> {
    if (!this.store || this.dirty.size === 0) return 0;
    const byTenant = new Map<string, Checkpoint[]>();
    // One pass over each detector's open sessions (not one per dirty tenant).
    const open = new Map<string, Map<string, OpenSessionState[]>>();
    for (const k of this.dirty) {
      const [tenant, service] = k.split('\u0000') as [string, string];
      const detector = this.detectors.get(service);
      if (detector === undefined) continue;
      let grouped = open.get(service);
      if (grouped === undefined) open.set(service, (grouped = detector.openSessionsByTenant(service)));
      const mark = this.marks.get(k);
      const sessions: OpenSessionState[] = grouped.get(tenant) ?? [];
      const state = { version: 1, watermark: mark?.ts ?? 0, atWatermark: [...(mark?.ids ?? [])], sessions };
      const rows = byTenant.get(tenant) ?? [];
      rows.push({ key: service, version: this.versions.next(), state: JSON.stringify(state) });
      byTenant.set(tenant, rows);
    }
    this.dirty.clear();
    return putPerTenant(this.store, SESSION_CHECKPOINT_NAMESPACE, byTenant, CHECKPOINT_ROWS_PER_PUT);
  }

  dispose(): void {
    for (const m of this.models.values()) m.dispose();
  }
}
