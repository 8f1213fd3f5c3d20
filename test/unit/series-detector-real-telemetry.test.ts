// The detector plus the paging rule on telemetry-like series: lasting faults stay open, warm-up is
// measured in event time, and one absurd timestamp does not break a series.
import { describe, expect, it } from 'vitest';
import { SeriesDetector } from '../../detectors/metrics/series-detector.js';
import { applySustainedRule, type SustainedState, type SustainedVerdict } from '../../detectors/sustained-deviation.js';
import { mulberry32 as rng } from '../support/random.js';

const T0 = Date.UTC(2024, 0, 1);
const MIN = 60_000;

/** A latency-like series: daily swing of +-20% around 100, noise with sd ~5 (sum of uniforms). */
function latency(seed: number): (ts: number) => number {
  const r = rng(seed);
  return (ts) => 100 + 20 * Math.sin((2 * Math.PI * (ts - T0)) / 86_400_000) + 5 * (r() + r() + r() + r() - 2) * 1.73;
}

interface Pipe {
  d: SeriesDetector;
  st: SustainedState;
  push(ts: number, v: number): SustainedVerdict;
}

function pipe(config?: ConstructorParameters<typeof SeriesDetector>[0]): Pipe {
  const d = new SeriesDetector(config);
  const st: SustainedState = { seen: 0, run: 0 };
  return { d, st, push: (ts, v) => applySustainedRule(st, d.update(ts, v)) };
}

function stepRun(p: Pipe, gen: (ts: number) => number, from: number, to: number, stepMs: number, factor = 1): SustainedVerdict[] {
  const out: SustainedVerdict[] = [];
  for (let ts = from; ts < to; ts += stepMs) out.push(p.push(ts, gen(ts) * factor));
  return out;
}

describe('a fault that lasts stays open', () => {
  it('judges every point of a 60-minute x4 step anomalous and comes back in band after it', () => {
    const gen = latency(7);
    const p = pipe();
    const stepMs = MIN;
    const faultAt = T0 + 3 * 86_400_000 + 10 * 3_600_000; // after three days: the seasonal predictor is in use
    const before = stepRun(p, gen, T0, faultAt, stepMs);
    expect(before.slice(-600).filter((v) => v.anomalous)).toHaveLength(0);
    const fault = stepRun(p, gen, faultAt, faultAt + 60 * MIN, stepMs, 4);
    expect(fault).toHaveLength(60);
    expect(fault.filter((v) => !v.anomalous)).toHaveLength(0);
    const after = stepRun(p, gen, faultAt + 60 * MIN, faultAt + 180 * MIN, stepMs);
    // In band from the first points after the fault on (a stray noise point may still sit outside).
    expect(after.slice(0, 5).some((v) => !v.anomalous)).toBe(true);
    expect(after.slice(5).filter((v) => v.anomalous).length).toBeLessThanOrEqual(1);
  });

  it('after a short fault at a 5 s scrape, judges against the pre-fault baseline again (what the fault taught is forgotten)', () => {
    // One hour of a latency-like rate at 5 s, three minutes at x40 (a latency fault's _sum rate), then normal.
    const gen = latency(3);
    const p = pipe();
    const stepMs = 5_000;
    const faultAt = T0 + 60 * MIN;
    stepRun(p, gen, T0, faultAt, stepMs);
    const fault = stepRun(p, gen, faultAt, faultAt + 3 * MIN, stepMs, 40);
    expect(fault.slice(3).every((v) => v.anomalous)).toBe(true);
    const after: Array<{ v: SustainedVerdict; expected: number }> = [];
    for (let ts = faultAt + 3 * MIN; ts < faultAt + 15 * MIN; ts += stepMs) {
      const r = p.d.update(ts, gen(ts));
      after.push({ v: applySustainedRule(p.st, r), expected: r.expected });
    }
    // Back in band at once, and the band's centre near the pre-fault level (about 100), not the fault's.
    expect(after.slice(3).filter((x) => x.v.anomalous).length).toBeLessThanOrEqual(1);
    expect(Math.max(...after.map((x) => x.expected))).toBeLessThan(130);
  });

  it('accepts a step that lasts longer than maxHoldMs as the new normal after it', () => {
    const gen = latency(11);
    const maxHoldMs = 2 * 3_600_000;
    const p = pipe({ maxHoldMs });
    const faultAt = T0 + 86_400_000;
    stepRun(p, gen, T0, faultAt, MIN);
    const fault = stepRun(p, gen, faultAt, faultAt + 6 * 3_600_000, MIN, 4);
    // Open for the whole of maxHoldMs, then quiet: the x4 level is normal now.
    expect(fault.slice(0, 120).every((v) => v.anomalous)).toBe(true);
    expect(fault.slice(-120).filter((v) => v.anomalous).length).toBeLessThanOrEqual(2);
    expect(p.d.holdSinceMs).toBeNaN();
  });

  it('accepts the deviation when the operator marks it as a false positive', () => {
    const gen = latency(12);
    const p = pipe();
    const faultAt = T0 + 86_400_000;
    stepRun(p, gen, T0, faultAt, MIN);
    stepRun(p, gen, faultAt, faultAt + 30 * MIN, MIN, 4);
    expect(p.d.holdSinceMs).toBe(faultAt);
    p.d.markFalsePositive(faultAt, faultAt + 30 * MIN);
    // Accepted: the next point outside the band re-anchors the baseline there.
    expect(p.d.holdSinceMs).toBe(Number.NEGATIVE_INFINITY);
    const later = stepRun(p, gen, faultAt + 30 * MIN, faultAt + 150 * MIN, MIN, 4);
    expect(later.slice(-60).filter((v) => v.anomalous).length).toBeLessThanOrEqual(1);
  });
});

describe('warm-up in event time', () => {
  for (const stepSec of [5, 15, 60]) {
    const stepMs = stepSec * 1000;
    it(`at ${stepSec} s: no alarm before the warm-up, a step after it caught within a few points, a healthy series quiet`, () => {
      const gen = latency(100 + stepSec);
      const p = pipe();
      const warmEnd = T0 + 30 * MIN;
      const warm = stepRun(p, gen, T0, warmEnd, stepMs);
      expect(warm.filter((v) => v.anomalous)).toHaveLength(0);
      // Judged after at most 30 minutes (and at most 120 points), never on fewer than 20.
      const judgedAt = Math.max(20, Math.min(120, Math.ceil((30 * MIN) / stepMs)));
      expect(warm.slice(judgedAt + 1).every((v) => v.detector !== 'warmup')).toBe(true);

      // Healthy for 6 hours: quiet.
      const quiet = stepRun(p, gen, warmEnd, warmEnd + 6 * 3_600_000, stepMs);
      expect(quiet.filter((v) => v.anomalous).length).toBeLessThanOrEqual(Math.ceil(quiet.length / 2000));

      // A clear step (x3) right after the warm-up of a fresh series is caught within a few points.
      const q = pipe();
      stepRun(q, gen, T0, warmEnd, stepMs);
      const step = stepRun(q, gen, warmEnd, warmEnd + 20 * stepMs, stepMs, 3);
      const first = step.findIndex((v) => v.anomalous);
      expect(first).toBeGreaterThanOrEqual(0);
      expect(first).toBeLessThanOrEqual(3);
    });
  }

  it('does not flood on a noisy series judged early (60 s, judged at 30 points)', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const r = rng(seed);
      const p = pipe();
      let flagged = 0;
      for (let i = 0; i < 600; i++) if (p.push(T0 + i * MIN, 50 + 10 * (r() + r() + r() - 1.5)).anomalous) flagged++;
      expect(flagged).toBeLessThanOrEqual(2);
    }
  });

  it('resumes a restored series at once', () => {
    const gen = latency(3);
    const p = pipe();
    stepRun(p, gen, T0, T0 + 60 * MIN, MIN);
    const restored = SeriesDetector.restore(JSON.parse(JSON.stringify(p.d.snapshot())));
    const st: SustainedState = JSON.parse(JSON.stringify(p.st)) as SustainedState;
    const v = restored.update(T0 + 60 * MIN, gen(T0 + 60 * MIN));
    expect(v.detector).not.toBe('warmup');
    const fault = [61, 62, 63].map((m) => applySustainedRule(st, restored.update(T0 + m * MIN, 400)));
    expect(fault.at(-1)!.anomalous).toBe(true);
  });
});

describe('time sanity', () => {
  it('keeps detecting after one point stamped in the year 3000', () => {
    const gen = latency(5);
    const p = pipe();
    stepRun(p, gen, T0, T0 + 86_400_000, MIN);
    const clock = p.d.clockMs;
    const wild = p.d.update(Date.UTC(3000, 0, 1), 100);
    expect(wild.detector).toBe('invalid-input');
    expect(p.d.clockMs).toBe(clock);
    const t1 = T0 + 86_400_000;
    const calm = stepRun(p, gen, t1, t1 + 60 * MIN, MIN);
    expect(calm.filter((v) => v.anomalous).length).toBeLessThanOrEqual(1);
    const fault = stepRun(p, gen, t1 + 60 * MIN, t1 + 80 * MIN, MIN, 4);
    expect(fault.filter((v) => v.anomalous).length).toBeGreaterThanOrEqual(18);
    expect(p.d.clockMs).toBe(t1 + 79 * MIN);
  });

  it('adopts a long gap when the next point confirms it, and resyncs a clock that ran ahead', () => {
    const gen = latency(6);
    const d = new SeriesDetector();
    for (let i = 0; i < 300; i++) d.update(T0 + i * MIN, gen(T0 + i * MIN));
    // Two days of silence, then the series resumes: the first point waits, the second confirms.
    const resume = T0 + 300 * MIN + 2 * 86_400_000;
    expect(d.update(resume, gen(resume)).detector).toBe('invalid-input');
    expect(d.update(resume + MIN, gen(resume + MIN)).detector).not.toBe('invalid-input');
    expect(d.clockMs).toBe(resume + MIN);
    // A clock poisoned by an older version (two far-future points in a row) resyncs after 8 points behind it.
    d.update(Date.UTC(3000, 0, 1), 100);
    d.update(Date.UTC(3000, 0, 1) + MIN, 100);
    expect(d.clockMs).toBe(Date.UTC(3000, 0, 1) + MIN);
    for (let i = 2; i < 12; i++) d.update(resume + i * MIN, gen(resume + i * MIN));
    expect(d.clockMs).toBe(resume + 11 * MIN);
  });
});
