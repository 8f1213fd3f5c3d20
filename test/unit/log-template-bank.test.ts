import { afterAll, describe, expect, it } from 'vitest';
import { LogTemplateBank } from '../../detectors/log-template-bank.js';
import type { LogRecord } from '../../platform/contracts/events.js';
import { DuckDbStore } from '../../platform/store/duckdb-store.js';

const T0 = Date.UTC(2026, 10, 1);
const log = (i: number, body: string, ts = T0 + i * 5_000): LogRecord => ({
  id: `l${i}`, tenant: 'default', ts, service: 'checkout', severity: 'info', body, attributes: {},
});
const normal = (i: number) => log(i, `GET /api/items/${i % 97} 200 in ${i % 50} ms`);

const store = await DuckDbStore.open(':memory:');
await store.migrate();
afterAll(async () => store.close());

describe('log template bank in the detect stage', () => {
  it('reports a new kind of message after warm-up, and remembers its templates across a restart', async () => {
    const bank = new LogTemplateBank(store);
    const warm = Array.from({ length: 1_500 }, (_, i) => normal(i));
    expect(await bank.process(warm)).toEqual([]);
    const novel = await bank.process([log(1_500, 'payment gateway timeout after 3000 ms for order 77')]);
    expect(novel.map((a) => a.detector)).toEqual(['log-new-template']);
    expect(novel[0]!.evidence.template).toContain('payment gateway timeout');
    expect(await bank.checkpoint()).toBe(1);

    const restarted = new LogTemplateBank(store);
    expect(await restarted.process([log(1_501, 'payment gateway timeout after 5000 ms for order 78')])).toEqual([]);
    const other = await restarted.process([log(1_502, 'disk quota exceeded on volume data-7')]);
    expect(other.map((a) => a.detector)).toEqual(['log-new-template']);
  });
});
