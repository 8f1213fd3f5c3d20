// The stage's log template detector with its per-service state checkpointed to the store and
// restored on first sight, like the metric series (a restart or a rebalance keeps the templates
// learnt and the per-template rate baselines).
import type { Anomaly, LogRecord } from '../platform/contracts/events.js';
import type { Store } from '../platform/store/store.js';
import { CheckpointVersions } from '../platform/store/checkpoint-version.js';
import { putPerTenant, rememberServices, unknownServices } from './service-checkpoints.js';
import { LogTemplateDetector, type LogServiceSnapshot, type MinerSnapshot } from './logs/index.js';

export const LOG_TEMPLATE_CHECKPOINT_NAMESPACE = 'detect.logs.v1';

export class LogTemplateBank {
  detector = new LogTemplateDetector();
  /** tenant -> services already restored or known to have no checkpoint. */
  private readonly known = new Map<string, Set<string>>();
  private readonly dirty = new Set<string>();
  private readonly versions = new CheckpointVersions();

  /**
   * `minerSeeds`: per service, the miner a session model was trained with (aiops train-sessions).
   * A service with no checkpoint starts from it, so its template ids are the model's from the
   * first line (a cold miner would give not-yet-generalised templates other ids).
   */
  constructor(
    private readonly store: Store | undefined,
    private readonly minerSeeds: ReadonlyMap<string, MinerSnapshot> = new Map(),
  ) {}

  /** Mines and scores logs, which must come in event-time order (detectBatch sorts them). */
  async process(logs: readonly LogRecord[]): Promise<Anomaly[]> {
    if (logs.length === 0) return [];
    await this.ensure(logs);
    for (const r of logs) this.dirty.add(`${r.tenant}\u0000${r.service}`);
    return this.detector.process(logs);
  }

  /**
   * The id each record's template has now in its service's miner (the ids the detector reports),
   * undefined when no template accepts it (e.g. evicted). Call after process() mined the records:
   * the session detector's event ids. Looks up without learning.
   */
  templateIds(logs: readonly LogRecord[]): Array<string | undefined> {
    return logs.map((r) => this.detector.templateIdOf(r.tenant, r.service, r.body));
  }

  private async ensure(logs: readonly LogRecord[]): Promise<void> {
    for (const [tenant, services] of unknownServices(logs, this.known)) {
      const found = this.store ? await this.store.getCheckpoints(tenant, LOG_TEMPLATE_CHECKPOINT_NAMESPACE, [...services]) : [];
      for (const c of found) this.detector.restoreService(JSON.parse(c.state) as LogServiceSnapshot);
      for (const service of services) {
        const seed = this.minerSeeds.get(service);
        if (seed === undefined || found.some((c) => c.key === service)) continue;
        const firstTs = logs.find((r) => r.tenant === tenant && r.service === service)?.ts ?? 0;
        this.detector.restoreService({ version: 1, tenant, service, messages: 0, firstTs, miner: seed, seen: [], rates: [] });
      }
      rememberServices(this.known, tenant, services);
    }
  }

  /**
   * Forgets every service's state (after a rebalance): what this process handled since its last
   * checkpoint is replayed from the committed offsets, onto the state restored again from the store.
   */
  reset(): void {
    this.detector = new LogTemplateDetector();
    this.known.clear();
    this.dirty.clear();
  }

  async checkpoint(): Promise<number> {
    if (!this.store || this.dirty.size === 0) return 0;
    const byTenant = new Map<string, Array<{ key: string; version: number; state: string }>>();
    for (const id of this.dirty) {
      const [tenant, service] = id.split('\u0000') as [string, string];
      const snap = this.detector.snapshotService(tenant, service);
      if (!snap) continue;
      const rows = byTenant.get(tenant) ?? [];
      rows.push({ key: service, version: this.versions.next(), state: JSON.stringify(snap) });
      byTenant.set(tenant, rows);
    }
    this.dirty.clear();
    return putPerTenant(this.store, LOG_TEMPLATE_CHECKPOINT_NAMESPACE, byTenant, 500);
  }
}
