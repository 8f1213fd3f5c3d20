import { describe, expect, it } from 'vitest';
import { SeriesDetector } from '../../detectors/metrics/series-detector.js';
import { dayOfWeek, daySlot, LocalClock } from '../../detectors/metrics/local-time.js';

const STEP = 60_000;
const T0 = Date.UTC(2024, 2, 1);

function wave(i: number): number {
  return 100 + 5 * Math.sin(i / 7) + ((i * 7919) % 13) / 13;
}

function expectSane(v: ReturnType<SeriesDetector['update']>): void {
  expect(Number.isFinite(v.score)).toBe(true);
  expect(v.score).toBeGreaterThanOrEqual(0);
  expect(v.score).toBeLessThanOrEqual(1);
}

describe('SeriesDetector on irregular data', () => {
  it('skips NaN and Infinity without throwing or disturbing the baseline', () => {
    const d = new SeriesDetector();
    for (let i = 0; i < 600; i++) d.update(T0 + i * STEP, wave(i));
    const before = d.update(T0 + 600 * STEP, wave(600)).expected;
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const v = d.update(T0 + 601 * STEP, bad);
      expect(v.isAnomaly).toBe(false);
      expect(v.detector).toBe('invalid-input');
      expectSane(v);
    }
    const after = d.update(T0 + 602 * STEP, wave(602));
    expect(Math.abs(after.expected - before)).toBeLessThan(3);
    expect(after.isAnomaly).toBe(false);
  });

  it('scores every row of repeated timestamps, without alarming on them', () => {
    const d = new SeriesDetector();
    for (let i = 0; i < 600; i++) d.update(T0 + i * STEP, wave(i));
    const ts = T0 + 600 * STEP;
    const out = Array.from({ length: 12 }, (_, k) => d.update(ts, wave(600 + k)));
    expect(out).toHaveLength(12);
    out.forEach(expectSane);
    expect(out.some((v) => v.isAnomaly)).toBe(false);
  });

  it('survives a long gap and keeps scoring normal values as normal', () => {
    const d = new SeriesDetector();
    for (let i = 0; i < 800; i++) d.update(T0 + i * STEP, wave(i));
    const resume = T0 + 800 * STEP + 3 * 86_400_000;
    const out = Array.from({ length: 50 }, (_, k) => d.update(resume + k * STEP, wave(800 + k)));
    out.forEach(expectSane);
    expect(out.filter((v) => v.isAnomaly).length).toBeLessThanOrEqual(1);
  });

  it('handles irregular sampling intervals', () => {
    const d = new SeriesDetector();
    let t = T0;
    for (let i = 0; i < 1500; i++) {
      t += STEP * (0.5 + ((i * 37) % 10) / 5);
      const v = d.update(t, wave(i));
      expectSane(v);
    }
  });

  it('turns a counter into increments and treats a drop as a reset, not an anomaly', () => {
    const d = new SeriesDetector({ counter: true });
    let counter = 0;
    const out = [];
    for (let i = 0; i < 1200; i++) {
      if (i === 900) counter = 0; // process restart
      counter += 10 + (i % 3);
      out.push(d.update(T0 + i * STEP, counter));
    }
    out.forEach(expectSane);
    const atReset = out[900];
    expect(atReset?.isAnomaly).toBe(false);
    expect(out[1000]?.observed).toBeGreaterThanOrEqual(10);
    expect(out[1000]?.observed).toBeLessThanOrEqual(12);
    expect(out.slice(200).filter((v) => v.isAnomaly).length).toBe(0);
  });

  it('does not divide by zero on a flat line and flags the first departure from it', () => {
    const d = new SeriesDetector();
    for (let i = 0; i < 1000; i++) expectSane(d.update(T0 + i * STEP, 42));
    const v = d.update(T0 + 1000 * STEP, 60);
    expectSane(v);
    expect(v.isAnomaly).toBe(true);
  });
});

describe('local calendar', () => {
  it('follows daylight saving time in a configured zone', () => {
    const clock = new LocalClock('Europe/Paris');
    // 2024-03-31 01:30 UTC is 03:30 CEST (after the spring-forward at 01:00 UTC).
    const after = clock.local(Date.UTC(2024, 2, 31, 1, 30));
    expect(daySlot(after, 24)).toBe(3);
    // 2024-03-30 01:30 UTC is 02:30 CET.
    const before = clock.local(Date.UTC(2024, 2, 30, 1, 30));
    expect(daySlot(before, 24)).toBe(2);
  });

  it('numbers weekdays from Monday', () => {
    expect(dayOfWeek(Date.UTC(2024, 0, 1))).toBe(0); // a Monday
    expect(dayOfWeek(Date.UTC(2024, 0, 7))).toBe(6);
  });
});
