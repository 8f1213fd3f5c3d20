// The stage's log template detector with its per-service state checkpointed to the store and
// restored on first sight, like the metric series (a restart or a rebalance keeps the templates
// learnt and the per-template rate baselines).
import type { Anomaly, LogRecord } from '../platform/contracts/events.js';
import type { Store } from '../platform/store/store.js';
import { CheckpointVersions } from '../platform/store/checkpoint-version.js';
import { LogTemplateDetector, type LogServiceSnapshot } from './logs/index.js';

export const LOG_TEMPLATE_CHECKPOINT_NAMESPACE = 'detect.logs.v1';

export class LogTemplateBank {
  readonly detector = new LogTemplateDetector();
  /** tenant -> services already restored or known to have no checkpoint. */
  private readonly known = new Map<string, Set<string>>();
  private readonly dirty = new Set<string>();
  private readonly versions = new CheckpointVersions();

  constructor(private readonly store: Store | undefined) {}

  /** Mines and scores logs, which must come in event-time order (detectBatch sorts them). */
  async process(logs: readonly LogRecord[]): Promise<Anomaly[]> {
    if (logs.length === 0) return [];
    await this.ensure(logs);
    for (const r of logs) this.dirty.add(`${r.tenant}\u0000${r.service}`);
    return this.detector.process(logs);
  }

  private async ensure(logs: readonly LogRecord[]): Promise<void> {
    const missing = new Map<string, Set<string>>();
    for (const r of logs) {
      if (this.known.get(r.tenant)?.has(r.service)) continue;
      const m = missing.get(r.tenant) ?? new Set<string>();
      m.add(r.service);
      missing.set(r.tenant, m);
    }
    for (const [tenant, services] of missing) {
      const found = this.store ? await this.store.getCheckpoints(tenant, LOG_TEMPLATE_CHECKPOINT_NAMESPACE, [...services]) : [];
      for (const c of found) this.detector.restoreService(JSON.parse(c.state) as LogServiceSnapshot);
      const k = this.known.get(tenant) ?? new Set<string>();
      for (const s of services) k.add(s);
      this.known.set(tenant, k);
    }
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
    let n = 0;
    for (const [tenant, rows] of byTenant) {
      for (let i = 0; i < rows.length; i += 500) await this.store.putCheckpoints(tenant, LOG_TEMPLATE_CHECKPOINT_NAMESPACE, rows.slice(i, i + 500));
      n += rows.length;
    }
    return n;
  }
}
