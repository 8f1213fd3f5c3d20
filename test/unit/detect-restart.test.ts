// A detector restarted from its checkpoint, with the bus replaying what it had already seen
// (at-least-once), reports exactly the anomalies an uninterrupted detector reports.
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_SPEC, Scenario, type MinuteSlice } from '../../demo/scenario.js';
import { detectBatch, SeriesBank } from '../../detectors/stage.js';
import { DuckDbStore } from '../../platform/store/duckdb-store.js';
import type { Store } from '../../platform/store/store.js';

const stores: Store[] = [];
afterAll(async () => {
  for (const s of stores) await s.close();
});

async function run(bank: SeriesBank, slices: MinuteSlice[]): Promise<string[]> {
  const ids: string[] = [];
  // 20-minute batches, like a consumer's fetches.
  for (let i = 0; i < slices.length; i += 20) {
    const part = slices.slice(i, i + 20);
    const out = await detectBatch(bank, part.flatMap((s) => s.metrics), part.flatMap((s) => s.logs));
    ids.push(...out.map((a) => a.id));
  }
  return ids;
}

describe('detect stage restart', () => {
  it('gives the same anomalies after a checkpoint-restore with replayed input', async () => {
    const slices = [...new Scenario({ ...DEFAULT_SPEC, warmupMinutes: 400, fault: 'latency', seed: 5 }).slices()];
    const cut = 380;
    const straight = await run(new SeriesBank(undefined), slices);
    expect(straight.length).toBeGreaterThan(20);

    const store = await DuckDbStore.open(':memory:');
    stores.push(store);
    await store.migrate();
    const before = new SeriesBank(store);
    const first = await run(before, slices.slice(0, cut));
    expect(await before.checkpoint()).toBeGreaterThan(0);
    // A fresh process: state from the store, input replayed from 40 minutes before the cut.
    const after = new SeriesBank(store);
    const second = await run(after, slices.slice(cut - 40));
    expect(new Set([...first, ...second])).toEqual(new Set(straight));
    expect(second.filter((id) => first.includes(id))).toEqual([]);
  });
});
