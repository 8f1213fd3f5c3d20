// AIOPS_RETENTION_* parsing: a default, per-tenant overrides, for ever, and every problem reported.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../platform/config/config.js';
import { hasRetention, parseRetention } from '../../platform/store/retention.js';

const DAY = 86_400_000;

describe('retention settings', () => {
  it('reads a default with per-tenant overrides', () => {
    const problems: string[] = [];
    expect(parseRetention('X', '7d, acme=30d,beta=12h,keep=0', problems)).toEqual({ defaultMs: 7 * DAY, tenants: { acme: 30 * DAY, beta: 12 * 3_600_000, keep: null } });
    expect(problems).toEqual([]);
  });

  it('expires only the named tenants when there is no default', () => {
    const problems: string[] = [];
    const r = parseRetention('X', 'acme=1d', problems);
    expect(r).toEqual({ defaultMs: null, tenants: { acme: DAY } });
    expect(hasRetention({ metrics: r })).toBe(true);
    expect(hasRetention({ metrics: parseRetention('X', 'forever', problems) })).toBe(false);
  });

  it('reports every bad entry at once through the configuration', () => {
    let message = '';
    try {
      loadConfig({ AIOPS_RETENTION_METRICS: '7 days,acme=1d,bad tenant=2d', AIOPS_RETENTION_LOGS: 'acme=1d,3d' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('AIOPS_RETENTION_METRICS: expected a duration');
    expect(message).toContain('AIOPS_RETENTION_METRICS: "bad tenant" is not a tenant name');
    expect(message).toContain('AIOPS_RETENTION_LOGS: the default duration comes first');
  });

  it('puts the policy and interval in the configuration', () => {
    const c = loadConfig({ AIOPS_RETENTION_ANOMALIES: '30d', AIOPS_RETENTION_INTERVAL_MS: '60000' });
    expect(c.retention).toEqual({ policy: { anomalies: { defaultMs: 30 * DAY, tenants: {} } }, intervalMs: 60_000 });
  });
});
