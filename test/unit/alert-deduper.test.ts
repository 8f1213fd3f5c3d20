// Dedup semantics modelled on Alertmanager: one alert per fingerprint; repeats update it (count,
// first and last seen); it resolves when quiet and re-fires as the same alert; flapping is
// flagged and cleared; ingested Alertmanager alerts keep their own identity and resolution.
import { describe, expect, it } from 'vitest';
import { AlertDeduper, DEFAULT_DEDUPER_CONFIG, fingerprintOf } from '../../correlator/alert-deduper.js';
import type { Anomaly } from '../../platform/contracts/events.js';

const T0 = Date.UTC(2026, 10, 1);
const MIN = 60_000;
let n = 0;
const an = (minute: number, over: Partial<Anomaly> = {}): Anomaly => ({
  id: `an_${n++}`, tenant: 'default', ts: T0 + minute * MIN, service: 'checkout', signal: 'metric', subject: 'latency_p95_ms{route="/pay"}',
  detector: 'sustained-deviation', score: 0.8, observed: 900, expected: 120, lower: 80, upper: 160, direction: 'up', evidence: {}, ...over,
});
const am = (minute: number, status: 'firing' | 'resolved', labels: Record<string, string>): Anomaly => an(minute, {
  signal: 'alert', detector: 'alertmanager', subject: labels.alertname ?? 'x', score: status === 'firing' ? 1 : 0,
  evidence: { status, ...Object.fromEntries(Object.entries(labels).map(([k, v]) => [`label.${k}`, v])) },
});

describe('alert dedup', () => {
  it('folds repeats of one series into one alert with count, first and last seen', () => {
    const d = new AlertDeduper();
    d.add([an(0), an(1), an(2, { detector: 'spike', score: 0.95 })]);
    const [alert, ...rest] = d.flush(T0 + 2 * MIN);
    expect(rest).toEqual([]);
    expect(alert).toMatchObject({ count: 3, firstSeen: T0, lastSeen: T0 + 2 * MIN, status: 'firing', maxScore: 0.95, version: 1, recipe: 'anomaly.v1' });
    // Nothing changed: nothing to publish.
    expect(d.flush(T0 + 3 * MIN)).toEqual([]);
  });

  it('keeps different series and services apart, and fields cannot run into each other', () => {
    const a = fingerprintOf(an(0, { service: 'ab', subject: 'c' })).fingerprint;
    const b = fingerprintOf(an(0, { service: 'a', subject: 'bc' })).fingerprint;
    expect(a).not.toBe(b);
    const d = new AlertDeduper();
    d.add([an(0), an(0, { service: 'cart' }), an(0, { subject: 'error_ratio' })]);
    expect(d.flush(T0)).toHaveLength(3);
  });

  it('resolves a quiet alert and re-fires the same alert, counting transitions', () => {
    const d = new AlertDeduper({ ...DEFAULT_DEDUPER_CONFIG, resolveAfterMs: 5 * MIN });
    d.add([an(0)]);
    const first = d.flush(T0);
    const resolved = d.flush(T0 + 6 * MIN);
    expect(resolved[0]).toMatchObject({ id: first[0]!.id, status: 'resolved', transitions: 1, version: 2 });
    d.add([an(10)]);
    expect(d.flush(T0 + 10 * MIN)[0]).toMatchObject({ id: first[0]!.id, status: 'firing', transitions: 2, count: 2, version: 3 });
  });

  it('flags an alert that flaps and clears the flag once it settles', () => {
    const d = new AlertDeduper({ ...DEFAULT_DEDUPER_CONFIG, resolveAfterMs: MIN, flapWindowMs: 30 * MIN, flapTransitions: 4 });
    let last;
    for (const m of [0, 3, 6, 9]) {
      d.add([an(m)]);
      d.flush(T0 + m * MIN);
      last = d.flush(T0 + (m + 2) * MIN);
    }
    expect(last![0]!.flapping).toBe(true);
    expect(d.flush(T0 + 60 * MIN)[0]!.flapping).toBe(false);
  });

  it('identifies Alertmanager alerts by their label set and resolves them only when Alertmanager says so', () => {
    const d = new AlertDeduper({ ...DEFAULT_DEDUPER_CONFIG, resolveAfterMs: MIN });
    const labels = { alertname: 'HighLatency', service: 'checkout', severity: 'page' };
    d.add([am(0, 'firing', labels), am(1, 'firing', { severity: 'page', service: 'checkout', alertname: 'HighLatency' })]);
    d.add([am(1, 'firing', { ...labels, severity: 'ticket' })]);
    const out = d.flush(T0 + 30 * MIN);
    expect(out).toHaveLength(2);
    expect(out.every((a) => a.status === 'firing' && a.recipe === 'alertmanager.v1')).toBe(true);
    expect(out.find((a) => a.labels.severity === 'page')!.count).toBe(2);
    d.add([am(31, 'resolved', labels)]);
    const after = d.flush(T0 + 31 * MIN);
    expect(after.map((a) => [a.labels.severity, a.status])).toEqual([['page', 'resolved']]);
    // A resolution for an alert never seen firing creates nothing.
    d.add([am(32, 'resolved', { alertname: 'Other' })]);
    expect(d.flush(T0 + 32 * MIN)).toEqual([]);
  });

  it('survives a snapshot and restore', () => {
    const d = new AlertDeduper();
    d.add([an(0), an(1)]);
    d.flush(T0 + MIN);
    const r = AlertDeduper.restore(JSON.parse(JSON.stringify(d.snapshot())));
    r.add([an(2)]);
    expect(r.flush(T0 + 2 * MIN)[0]).toMatchObject({ count: 3, version: 2, firstSeen: T0 });
  });
});
