import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../../platform/bus/memory-bus.js';
import { consumeValidated } from '../../platform/bus/consume-validated.js';
import { TOPICS } from '../../platform/contracts/topics.js';
import type { ChangeEvent } from '../../platform/contracts/events.js';

const change = (i: number): ChangeEvent => ({ id: `c${i}`, tenant: 'default', ts: 1_700_000_000_000 + i, service: 'svc', kind: 'deploy', summary: 's', source: 't', attributes: {} });

describe('in-process bus', () => {
  it('delivers every record to every group, in order', async () => {
    const bus = new MemoryBus();
    const a: string[] = [];
    const b: string[] = [];
    await bus.subscribe({ group: 'a', topics: [TOPICS.changes], handler: async (batch) => void a.push(...batch.map((m) => (m.value as ChangeEvent).id)) });
    await bus.subscribe({ group: 'b', topics: [TOPICS.changes], handler: async (batch) => void b.push(...batch.map((m) => (m.value as ChangeEvent).id)) });
    await bus.publish(TOPICS.changes, [0, 1, 2].map((i) => ({ key: 'k', value: change(i) })));
    await bus.idle();
    expect(a).toEqual(['c0', 'c1', 'c2']);
    expect(b).toEqual(a);
  });

  it('gives every topic of a group a share of each batch, each topic in order', async () => {
    // The sink takes metrics and anomalies in one group: an anomaly must not wait behind every
    // metric batch queued before it, as a Kafka consumer fetches from each partition in turn.
    const bus = new MemoryBus({ maxBatch: 100 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const batches: { topic: string; id: string }[][] = [];
    await bus.subscribe({
      group: 'sink', topics: [TOPICS.changes, TOPICS.alerts],
      handler: async (batch) => {
        batches.push(batch.map((m) => ({ topic: m.topic, id: (m.value as ChangeEvent).id })));
        if (batches.length === 1) await gate;
      },
    });
    await bus.publish(TOPICS.changes, [{ key: 'k', value: change(-1) }]);
    await bus.publish(TOPICS.changes, Array.from({ length: 1000 }, (_, i) => ({ key: 'k', value: change(i) })));
    // The bus does not validate payloads: any record stands for an alert here.
    await bus.publish(TOPICS.alerts, [{ key: 'k', value: change(5000) as never }]);
    release();
    await bus.idle();
    // The first batch held the lone early record; the alert comes in the next one, not after ten.
    expect(batches[1]!.some((r) => r.topic === TOPICS.alerts)).toBe(true);
    expect(batches[1]!.length).toBe(100);
    const changes = batches.flat().filter((r) => r.topic === TOPICS.changes).map((r) => r.id);
    expect(changes).toEqual(['c-1', ...Array.from({ length: 1000 }, (_, i) => `c${i}`)]);
    expect(batches.flat().length).toBe(1002);
  });

  it('offers a failed batch again (at-least-once)', async () => {
    const bus = new MemoryBus({ retryDelayMs: 1 });
    let attempts = 0;
    const got: string[] = [];
    await bus.subscribe({
      group: 'g', topics: [TOPICS.changes],
      handler: async (batch) => {
        if (attempts++ === 0) throw new Error('transient');
        got.push(...batch.map((m) => (m.value as ChangeEvent).id));
      },
    });
    await bus.publish(TOPICS.changes, [{ key: 'k', value: change(1) }]);
    await bus.idle();
    expect(attempts).toBe(2);
    expect(got).toEqual(['c1']);
  });

  it('makes publishers wait while a group is over its high-water mark', async () => {
    const bus = new MemoryBus({ highWaterMark: 2, maxBatch: 1 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await bus.subscribe({ group: 'slow', topics: [TOPICS.changes], handler: async () => gate });
    await bus.publish(TOPICS.changes, [{ key: 'k', value: change(1) }, { key: 'k', value: change(2) }]);
    let published = false;
    const p = bus.publish(TOPICS.changes, [{ key: 'k', value: change(3) }]).then(() => (published = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(published).toBe(false);
    release();
    await p;
    expect(published).toBe(true);
  });

  it('dead-letters records that fail their topic schema and passes the rest on', async () => {
    const bus = new MemoryBus();
    const good: string[] = [];
    const dead: string[] = [];
    await consumeValidated({ bus, group: 'v', topics: [TOPICS.changes], handler: async (rs) => void good.push(...rs.map((r) => (r.value as ChangeEvent).id)) });
    await bus.subscribe({ group: 'dlq', topics: [TOPICS.deadLetter], handler: async (b) => void dead.push(...b.map((m) => (m.value as { reason: string }).reason)) });
    await bus.publish(TOPICS.changes, [{ key: 'k', value: change(1) }, { key: 'k', value: { ...change(2), ts: 'yesterday' } as unknown as ChangeEvent }]);
    await bus.idle();
    expect(good).toEqual(['c1']);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toContain('/ts');
  });
});
