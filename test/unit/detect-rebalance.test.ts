// After a rebalance the detect stage drops what it holds and Kafka resumes every partition from
// its committed offset, which the last checkpoint matches. A process whose partitions went to
// another and came back must resume from that other's checkpoint, not from its own stale state:
// each stretch gives exactly the anomalies (values included) of an uninterrupted detector.
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_SPEC, Scenario, type MinuteSlice } from '../../demo/scenario.js';
import { detectBatch, SeriesBank } from '../../detectors/stage.js';
import { LogTemplateBank } from '../../detectors/log-template-bank.js';
import { DuckDbStore } from '../../platform/store/duckdb-store.js';
import type { Anomaly } from '../../platform/contracts/events.js';
import type { Store } from '../../platform/store/store.js';

const stores: Store[] = [];
afterAll(async () => {
  for (const s of stores) await s.close();
});

const BATCH = 20;
async function feed(bank: SeriesBank, templates: LogTemplateBank, slices: MinuteSlice[]): Promise<Anomaly[]> {
  const out: Anomaly[] = [];
  for (let i = 0; i < slices.length; i += BATCH) {
    const part = slices.slice(i, i + BATCH);
    out.push(...(await detectBatch(bank, part.flatMap((s) => s.metrics), part.flatMap((s) => s.logs), templates)));
  }
  return out;
}

const view = (as: Anomaly[]) => as.map((a) => `${a.id} ${a.subject} ${a.observed} ${a.expected}`).sort();

describe('detect stage rebalance', () => {
  it('a process that gets its partitions back resumes from the checkpoint, not from what it last held', async () => {
    const slices = [...new Scenario({ ...DEFAULT_SPEC, warmupMinutes: 400, fault: 'errors-after-deploy', seed: 3 }).slices()];
    // Multiples of BATCH: checkpoints and commits fall between batches.
    const commit = 360;
    const moved = 400;
    const back = 420;

    const straightBank = new SeriesBank(undefined);
    const straightTemplates = new LogTemplateBank(undefined);
    const s0 = await feed(straightBank, straightTemplates, slices.slice(0, commit));
    const s1 = await feed(straightBank, straightTemplates, slices.slice(commit, back));
    const s2 = await feed(straightBank, straightTemplates, slices.slice(back));
    expect(s2.some((a) => a.subject === 'log_error_ratio')).toBe(true);

    const store = await DuckDbStore.open(':memory:');
    stores.push(store);
    await store.migrate();
    const checkpoint = async (b: SeriesBank, t: LogTemplateBank) => (await b.checkpoint(), await t.checkpoint());

    // Process A: checkpoints and commits at `commit`, then applies more that it never commits.
    const a = new SeriesBank(store);
    const aTemplates = new LogTemplateBank(store);
    expect(view(await feed(a, aTemplates, slices.slice(0, commit)))).toEqual(view(s0));
    await checkpoint(a, aTemplates);
    await feed(a, aTemplates, slices.slice(commit, moved));
    // Rebalance: the partitions go to process B, which restores A's checkpoint, consumes from the
    // commit and checkpoints (and commits) at `back`.
    a.reset();
    aTemplates.reset();
    expect(a.size).toBe(0);
    const b = new SeriesBank(store);
    const bTemplates = new LogTemplateBank(store);
    expect(view(await feed(b, bTemplates, slices.slice(commit, back)))).toEqual(view(s1));
    await checkpoint(b, bTemplates);
    // Rebalance back: A restores B's checkpoint and consumes from B's commit.
    a.reset();
    aTemplates.reset();
    expect(view(await feed(a, aTemplates, slices.slice(back)))).toEqual(view(s2));
  });
});
