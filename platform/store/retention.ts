// Retention per table and tenant (AIOPS_RETENTION_<TABLE>): parsing the setting and the timer
// that applies it. Each store deletes its own way: ClickHouse drops whole day partitions (and
// deletes rows of tenants kept shorter than the longest setting); DuckDB deletes old rows and
// checkpoints, so their blocks are reused and the file stops growing under a steady load.
import type { Logger } from 'pino';

export const RETENTION_TABLES = ['logs', 'metrics', 'changes', 'anomalies'] as const;
export type RetentionTable = (typeof RETENTION_TABLES)[number];

export interface TableRetention {
  /** Milliseconds kept for tenants without an override; null keeps for ever. */
  defaultMs: number | null;
  /** Per-tenant overrides; null keeps that tenant's rows for ever. */
  tenants: Record<string, number | null>;
}
export type RetentionPolicy = Partial<Record<RetentionTable, TableRetention>>;

export interface RetentionPass {
  table: RetentionTable;
  /** Rows deleted (DuckDB) or day partitions dropped plus tenant deletes issued (ClickHouse). */
  removed: number;
  detail: string;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
const TENANT_RE = /^[A-Za-z0-9_.-]{1,128}$/;

function duration(raw: string): number | null | undefined {
  if (raw === '0' || raw === 'forever') return null;
  const m = /^(\d+)(s|m|h|d|w)$/.exec(raw);
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : undefined;
}

/**
 * `7d` (every tenant), `7d,acme=30d,beta=1d` (overrides after the default) or `acme=1d` (only
 * acme expires). Units s m h d w; `0` or `forever` keeps for ever. Problems go to `problems`.
 */
export function parseRetention(name: string, raw: string, problems: string[]): TableRetention {
  const out: TableRetention = { defaultMs: null, tenants: {} };
  raw.split(',').map((s) => s.trim()).filter(Boolean).forEach((part, i) => {
    const eq = part.indexOf('=');
    const tenant = eq < 0 ? undefined : part.slice(0, eq).trim();
    const d = duration(eq < 0 ? part : part.slice(eq + 1).trim());
    if (d === undefined) problems.push(`${name}: expected a duration like 7d, 12h or 0 (for ever), got ${JSON.stringify(part)}`);
    else if (tenant === undefined) {
      if (i > 0) problems.push(`${name}: the default duration comes first, got ${JSON.stringify(part)} after overrides`);
      else out.defaultMs = d;
    } else if (!TENANT_RE.test(tenant)) problems.push(`${name}: ${JSON.stringify(tenant)} is not a tenant name`);
    else out.tenants[tenant] = d;
  });
  return out;
}

export const hasRetention = (p: RetentionPolicy): boolean =>
  Object.values(p).some((t) => t && (t.defaultMs !== null || Object.values(t.tenants).some((v) => v !== null)));

interface Expiring {
  applyRetention(policy: RetentionPolicy, now: number): Promise<RetentionPass[]>;
}

/** Applies the policy now and then every intervalMs; a failed pass is logged and retried next time. */
export function startRetention(store: Expiring, policy: RetentionPolicy, intervalMs: number, logger: Logger): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const pass = (): void => {
    running = running.then(async () => {
      try {
        const passes = await store.applyRetention(policy, Date.now());
        const removed = passes.filter((p) => p.removed > 0);
        if (removed.length > 0) logger.info({ retention: removed }, 'retention removed old rows');
      } catch (err) {
        logger.error({ err }, 'retention pass failed; it runs again at the next interval');
      }
    });
  };
  pass();
  const timer = setInterval(pass, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
