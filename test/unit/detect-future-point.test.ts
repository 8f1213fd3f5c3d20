// One point stamped far in the future must not stop a series' detection: the stage skips points
// already applied (at-least-once replays) by the series' newest timestamp, which such a point would
// otherwise move to the year 3000 for good.
import { describe, expect, it } from 'vitest';
import { detectBatch, SeriesBank, DETECT_FUTURE_LIMIT_MS } from '../../detectors/stage.js';
import type { MetricPoint } from '../../platform/contracts/events.js';

const T0 = Date.UTC(2026, 0, 1);
const STEP = 60_000;

function point(i: number, value: number, ts = T0 + i * STEP): MetricPoint {
  return { id: `p${i}-${ts}`, tenant: 'default', ts, service: 'checkout', name: 'latency_p95_ms', kind: 'gauge', value, labels: {} };
}

// Deterministic noise so the test fails the same way every time.
const noise = (i: number) => Math.sin(i * 12.9898) * 43758.5453 % 1;

async function run(withFuturePoint: boolean): Promise<number> {
  const bank = new SeriesBank(undefined);
  const healthy = Array.from({ length: 600 }, (_, i) => point(i, 100 + 5 * noise(i)));
  await detectBatch(bank, healthy, [], undefined, undefined, T0 + 600 * STEP);
  if (withFuturePoint) {
    await detectBatch(bank, [point(600, 100, Date.UTC(3000, 0, 1))], [], undefined, undefined, T0 + 601 * STEP);
  }
  const stepped = Array.from({ length: 30 }, (_, k) => point(601 + k, 400 + 5 * noise(k)));
  const out = await detectBatch(bank, stepped, [], undefined, undefined, T0 + 640 * STEP);
  return out.filter((a) => a.direction === 'up').length;
}

describe('a far-future point', () => {
  it('is skipped, and the series keeps detecting a later x4 step', async () => {
    const baseline = await run(false);
    expect(baseline).toBeGreaterThan(0);
    expect(await run(true)).toBe(baseline);
  });

  it('is a day past the wall clock at least before it is skipped', () => {
    expect(DETECT_FUTURE_LIMIT_MS).toBeGreaterThanOrEqual(3_600_000);
  });
});
