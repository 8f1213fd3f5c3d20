// No loss: requests in every format while the bus is slowed, then stopped (hanging, then
// refusing), then back. Every record of a 2xx-acknowledged request is on the bus (count
// equality by stable id); every refusal was a 429/503 with Retry-After; clients retry refusals.
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import type { Bus, OutgoingMessage, SubscribeOptions, Subscription } from '../../platform/bus/bus.js';
import { MemoryBus } from '../../platform/bus/memory-bus.js';
import { loadConfig } from '../../platform/config/config.js';
import { TOPICS, type TopicName, type TopicPayloads } from '../../platform/contracts/index.js';
import { createMetrics } from '../../platform/telemetry/metrics.js';
import { buildIngestApp } from '../../ingest/app.js';
import { seedRequests } from '../../ingest/testing/seeds.js';

type Mode = 'normal' | 'slow' | 'hang' | 'fail';

/** A bus whose broker can be made slow, stuck or down. */
class FlakyBus implements Bus {
  readonly kind = 'memory' as const;
  mode: Mode = 'normal';
  private resumed: Array<() => void> = [];
  constructor(private readonly inner: MemoryBus) {}
  connect() { return this.inner.connect(); }
  subscribe(o: SubscribeOptions): Promise<Subscription> { return this.inner.subscribe(o); }
  idle() { return this.inner.idle(); }
  close() { return this.inner.close(); }
  setMode(m: Mode): void {
    this.mode = m;
    if (m === 'normal' || m === 'slow') {
      const r = this.resumed;
      this.resumed = [];
      for (const f of r) f();
    }
  }
  async publish<K extends TopicName>(topic: K, messages: ReadonlyArray<OutgoingMessage<TopicPayloads[K]>>): Promise<void> {
    if (this.mode === 'slow') await new Promise((r) => setTimeout(r, 30 + Math.random() * 60));
    if (this.mode === 'fail') throw new Error('broker down');
    // A stuck broker: the publish neither fails nor completes until it comes back (then it lands late).
    if (this.mode === 'hang') await new Promise<void>((r) => this.resumed.push(r));
    return this.inner.publish(topic, messages);
  }
}

describe('ingest under a slow and stopped bus', () => {
  it('acknowledges only records that reached the bus; refusals carry Retry-After; nothing is lost', async () => {
    const memory = new MemoryBus();
    const bus = new FlakyBus(memory);
    const onBus = new Map<TopicName, Set<string>>();
    await memory.subscribe({
      group: 'counter',
      topics: [TOPICS.logs, TOPICS.metrics, TOPICS.changes, TOPICS.anomalies, TOPICS.deadLetter],
      handler: async (batch) => {
        for (const m of batch) {
          let s = onBus.get(m.topic);
          if (!s) onBus.set(m.topic, (s = new Set()));
          s.add((m.value as { id: string }).id);
        }
      },
    });
    const app = await buildIngestApp(
      { config: loadConfig({}, {}), logger: pino({ level: 'silent' }), metrics: createMetrics(false), bus },
      { publisher: { timeoutMs: 150, maxInFlightRecords: 40, retryAfterSeconds: 1 } },
    );
    await app.ready();

    const ROUNDS = 24;
    const work = Array.from({ length: ROUNDS }, (_, salt) => seedRequests(salt + 1)).flat();
    let acknowledgedRecords = 0;
    let acknowledgedRequests = 0;
    const refusals = new Map<number, number>();
    let refusalsWithoutRetryAfter = 0;
    let other: string[] = [];
    let next = 0;

    const client = async (): Promise<void> => {
      while (next < work.length) {
        const req = work[next++]!;
        for (let attempt = 0; ; attempt++) {
          const headers: Record<string, string> = { 'content-type': req.contentType };
          if (req.encoding) headers['content-encoding'] = req.encoding;
          const res = await app.inject({ method: 'POST', url: req.url, headers, payload: req.body });
          if (res.statusCode >= 200 && res.statusCode < 300) {
            acknowledgedRecords += req.records;
            acknowledgedRequests++;
            break;
          }
          if (res.statusCode === 429 || res.statusCode === 503) {
            refusals.set(res.statusCode, (refusals.get(res.statusCode) ?? 0) + 1);
            if (!res.headers['retry-after']) refusalsWithoutRetryAfter++;
            // Honour Retry-After, shortened for the test.
            await new Promise((r) => setTimeout(r, 20));
            continue;
          }
          other.push(`${req.name}: ${res.statusCode} ${res.body.slice(0, 200)}`);
          break;
        }
      }
    };

    const phases = (async () => {
      const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
      await wait(100);
      bus.setMode('slow');
      await wait(400);
      bus.setMode('hang');
      await wait(400);
      bus.setMode('fail');
      await wait(300);
      bus.setMode('slow');
      await wait(200);
      bus.setMode('normal');
    })();
    await Promise.all([phases, ...Array.from({ length: 8 }, client)]);
    bus.setMode('normal');
    await memory.idle();
    await new Promise((r) => setTimeout(r, 50));
    await memory.idle();

    const delivered = [TOPICS.logs, TOPICS.metrics, TOPICS.changes, TOPICS.anomalies].reduce((n, t) => n + (onBus.get(t)?.size ?? 0), 0);
    expect(other).toEqual([]);
    expect(acknowledgedRequests).toBe(work.length);
    expect(acknowledgedRecords).toBe(work.reduce((n, r) => n + r.records, 0));
    // Count equality: every acknowledged record is on the bus, once per stable id.
    expect(delivered).toBe(acknowledgedRecords);
    expect(onBus.get(TOPICS.deadLetter)?.size ?? 0).toBe(0);
    // The outage was visible to clients as declared backpressure, always with Retry-After.
    expect((refusals.get(503) ?? 0) + (refusals.get(429) ?? 0)).toBeGreaterThan(0);
    expect(refusals.get(503) ?? 0).toBeGreaterThan(0);
    expect(refusalsWithoutRetryAfter).toBe(0);
    await app.close();
    await memory.close();
    other = [];
  }, 120_000);
});
