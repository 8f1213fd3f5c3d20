// The store keeps one row per anomaly episode, its newest version, and a store created before
// episodes existed moves to the episode table by migration 0002.
import { afterEach, describe, expect, it } from 'vitest';
import { DuckDbStore } from '../../platform/store/duckdb-store.js';
import type { Store } from '../../platform/store/store.js';
import type { Anomaly } from '../../platform/contracts/events.js';

const T0 = Date.UTC(2026, 10, 1);
const MIN = 60_000;

function version(v: number, status: 'open' | 'closed' = 'open'): Anomaly {
  const lastAt = T0 + (v - 1) * MIN;
  return {
    id: 'an_ep1', tenant: 't', ts: T0, service: 'api', signal: 'metric', subject: 'http_requests_total', detector: 'sustained-deviation',
    score: 0.9, observed: 3 + v, expected: 1, lower: 0.5, upper: 1.5, direction: 'up', evidence: { kind: 'counter' }, significance: 'golden',
    episode: { id: 'an_ep1', status, version: v, openedAt: T0, lastAt, points: v * 12, peakScore: 0.9, peakValue: 3 + v, peakAt: lastAt, lastValue: 3 + v, ...(status === 'closed' ? { closedAt: lastAt + 5 * MIN } : {}) },
  };
}

let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});
const command = (s: Store, statement: string) => (s as unknown as { command(x: string): Promise<void> }).command(statement);

describe('anomaly episodes in the store', () => {
  it('keeps the newest version of an episode, whatever order the versions arrive in', async () => {
    store = await DuckDbStore.open(':memory:');
    await store.migrate();
    await store.insertAnomalies([version(1), version(2)]);
    await store.insertAnomalies([version(4, 'closed')]);
    await store.insertAnomalies([version(3)]); // a replay of an older version
    const page = await store.queryAnomalies({ tenant: 't', limit: 10 });
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toEqual(version(4, 'closed'));
    expect(await store.count('t', 'anomalies')).toBe(1);
    expect((await store.listServices('t')).find((s) => s.name === 'api')?.anomalies).toBe(1);
  });

  it('migration 0002 moves a store made before it to the episode layout, old anomalies kept without an episode', async () => {
    store = await DuckDbStore.open(':memory:');
    await store.migrate();
    // Back to the 0001 layout: migration 2 not applied, an anomaly in the 0001 table.
    await command(store, 'DROP TABLE anomalies_v2');
    await command(store, 'DELETE FROM schema_migrations WHERE version = 2');
    await command(store, `INSERT INTO anomalies (tenant, id, day, ts, service, signal, subject, detector, score, observed, expected, lower, upper, direction, evidence_keys, evidence_values)
      VALUES ('t', 'an_old', '2026-10-31', ${T0 - MIN}, 'api', 'metric', 'latency', 'htm', 0.7, 2, 1, 0.5, 1.5, 'up', ['why'], ['above band'])`);
    expect(await store.migrate()).toEqual(['0002_anomaly_episodes']);
    await store.insertAnomalies([version(2)]);
    const items = (await store.queryAnomalies({ tenant: 't', limit: 10 })).items;
    expect(items.map((a) => a.id).sort()).toEqual(['an_ep1', 'an_old']);
    expect(items.find((a) => a.id === 'an_old')).toEqual({
      id: 'an_old', tenant: 't', ts: T0 - MIN, service: 'api', signal: 'metric', subject: 'latency', detector: 'htm',
      score: 0.7, observed: 2, expected: 1, lower: 0.5, upper: 1.5, direction: 'up', evidence: { why: 'above band' },
    });
    expect(items.find((a) => a.id === 'an_ep1')).toEqual(version(2));
    expect(await store.migrate()).toEqual([]);
  });
});
