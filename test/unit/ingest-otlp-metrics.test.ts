// OTLP metric forms the JS SDK does not produce (summaries) and counter resets: summaries become
// quantile gauges plus _count/_sum counters; a cumulative sum that drops (a restarted process) is
// passed on as the lower counter value, which the detectors read as a reset.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS, type MetricPoint } from '../../platform/contracts/index.js';
import { ingestHarness, type Harness } from '../../ingest/testing/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await ingestHarness();
});
afterAll(async () => {
  await h.close();
});

const T = Date.parse('2024-05-01T12:00:00Z');
const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);
const send = (metrics: unknown[], service: string) => h.app.inject({
  method: 'POST', url: '/v1/metrics', headers: { 'content-type': 'application/json' },
  payload: JSON.stringify({ resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }, { key: 'host.name', value: { stringValue: 'n1' } }] }, scopeMetrics: [{ metrics }] }] }),
});
const points = async (service: string) => {
  await h.bus.idle();
  return h.values<MetricPoint>(TOPICS.metrics).filter((p) => p.service === service);
};

describe('OTLP metric forms', () => {
  it('turns a summary into quantile gauges and _count/_sum counters', async () => {
    const res = await send([{ name: 'rpc_ms', summary: { dataPoints: [{ timeUnixNano: ns(T), count: '10', sum: 250.5, attributes: [{ key: 'method', value: { stringValue: 'pay' } }], quantileValues: [{ quantile: 0.5, value: 20 }, { quantile: 0.99, value: 90 }] }] } }], 'svc-summary');
    expect(res.statusCode).toBe(200);
    const got = await points('svc-summary');
    expect(got.map((p) => [p.name, p.kind, p.labels.quantile ?? null, p.value])).toEqual([
      ['rpc_ms', 'gauge', '0.5', 20], ['rpc_ms', 'gauge', '0.99', 90], ['rpc_ms_count', 'counter', null, 10], ['rpc_ms_sum', 'counter', null, 250.5],
    ]);
    expect(got[0]).toMatchObject({ ts: T, labels: { method: 'pay', host: 'n1' } });
  });

  it('passes a cumulative counter that drops (process restart) on as the lower value; exponential histograms give _count and _sum', async () => {
    const sum = (t: number, v: number) => ({ name: 'jobs_total', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ startTimeUnixNano: ns(t - 1000), timeUnixNano: ns(t), asInt: String(v) }] } });
    for (const [t, v] of [[T, 100], [T + 10_000, 120], [T + 20_000, 5]] as const) expect((await send([sum(t, v)], 'svc-reset')).statusCode).toBe(200);
    const exp = await send([{ name: 'size', exponentialHistogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: ns(T), count: '4', sum: 42, scale: 0, positive: { offset: 0, bucketCounts: ['4'] } }] } }], 'svc-reset');
    expect(exp.statusCode).toBe(200);
    const got = await points('svc-reset');
    expect(got.filter((p) => p.name === 'jobs_total').map((p) => [p.ts, p.kind, p.value])).toEqual([[T, 'counter', 100], [T + 10_000, 'counter', 120], [T + 20_000, 'counter', 5]]);
    expect(got.filter((p) => p.name.startsWith('size')).map((p) => [p.name, p.value])).toEqual([['size_count', 4], ['size_sum', 42]]);
  });
});
