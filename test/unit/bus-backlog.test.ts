import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../../platform/bus/memory-bus.js';
import { TOPICS } from '../../platform/contracts/topics.js';
import type { ChangeEvent } from '../../platform/contracts/events.js';
import { createMetrics } from '../../platform/telemetry/metrics.js';
import { watchBusBacklog } from '../../platform/runtime/bus-backlog.js';

const change = (i: number): ChangeEvent => ({ id: `c${i}`, tenant: 'default', ts: 1_700_000_000_000 + i, service: 'svc', kind: 'deploy', summary: 's', source: 't', attributes: {} });

describe('in-process bus backlog on /metrics', () => {
  it('shows the records a slow group has not handled yet, and zero once it catches up', async () => {
    const bus = new MemoryBus({ maxBatch: 1 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await bus.subscribe({ group: 'slow', topics: [TOPICS.changes], handler: async () => gate });
    await bus.subscribe({ group: 'quick', topics: [TOPICS.changes], handler: async () => {} });
    const metrics = createMetrics(false);
    watchBusBacklog(bus, metrics);
    await bus.publish(TOPICS.changes, [1, 2, 3, 4].map((i) => ({ key: 'k', value: change(i) })));
    await new Promise((r) => setTimeout(r, 20));
    const during = await metrics.registry.metrics();
    // One record is in the slow handler, three wait behind it; the quick group has none left.
    expect(during).toMatch(/aiops_bus_pending_records\{group="slow"\} [34]\b/);
    expect(during).toMatch(/aiops_bus_pending_records\{group="quick"\} 0\b/);
    release();
    await bus.idle();
    expect(await metrics.registry.metrics()).toMatch(/aiops_bus_pending_records\{group="slow"\} 0\b/);
  });
});
