// Detector states in a shared slab, the resident layout without the tolerance and alarm/incident
// blocks until they are needed, and checkpoints in the unchanged version-2 layout.
import { describe, expect, it } from 'vitest';
import { SeriesDetector } from '../../detectors/metrics/series-detector.js';
import { StateSlab } from '../../detectors/metrics/state-slab.js';

const T0 = Date.UTC(2024, 0, 1);
const MIN = 60_000;
const value = (i: number) => 50 + 10 * Math.sin(i / 20) + (i % 7) + (i === 900 ? 400 : 0) + (i >= 1200 && i < 1230 ? 80 : 0);

/**
 * The version-2 checkpoint the previous implementation (one Float64Array of 1,024 bytes per series,
 * commit 45c4da6) wrote after feeding `value` for 1,500 minutes, a false-positive mark over the
 * spike at 900 and an incident mark over 1195..1240: its alarm ring, tolerances and incident ring
 * are all set.
 */
const OLD_CHECKPOINT =
  'AAAAAABwl0AAAELlesx4QgAAAAAAAPh/AAAAAABM7UAP9XqHFfdGQGueV3GnmAlAf/8WC2FfSkDb9dutvB8aQOxdBesRJxtA8vlGOuYbHMCK9n' +
  'i1ZF8GwAj8km4FAERABzQkAiXofEBdnyiciAXHP0YAsYafuLQ/pnDFr06b2D8AAAAAAAAIQAAAAAAAACBAAAAAAAAAAADGCGPcKAmPPwAAAAAA' +
  'CJNAAAAAAAAACEAAAAAAAADwPwAAUkhxzHhCeJcvz4hZlT8AAAAAAGyXQElb95sdghpAejK91smMD0CZFEFzLl5ZQP937Zg9JSxARMgQd1zZFk' +
  'AAAAAAAAAQQAAAAAAAzJZAAABSm3jMeELNzMzMzMz0PwAAAAAAAPA/zczMzMzM9D8AAAAAAADwPwAAAAAAAPA/AAAAAAAA8D/NzMzMzMz0PwAA' +
  'AAAAAPA/+sMwJhKCSUBiVOiNJ7UTQCaaub72vUpA2/XbrbwfGkDCZzraf6gXQAaV9UN/AERABzQkAiXofEAxa/sSbpCxvyDANWLN8EhAL7HiWd' +
  'rKDEALz+5HEbVKQNv12628HxpA7G/IYeU7GEAI/JJuBQBEQAc0JAIl6HxAWYMQ1Tf1sb8AAAIpLMx4QgAAAAAAAAAAAADYnljMeEIAAAAAAAAY' +
  'QAAA1IBrzHhCAAAAAAAA8D8AAAAAAAD4fwAAAAAAAPh/AAAigGnMeEIAAFATbMx4QgAAAAAAAPh/AAAAAAAA+H8AAAAAAAD4fwAAAAAAAPh/AA' +
  'AAAAAA+H8AAAAAAAD4f3CKqkCxbrQ/YFr17SFzoj8gKGO/wh6iP2ArWL2Veac/IJy5chRNpz/g5F3yDKWmP9AvivPPjaU/ABGEOadxrD8AAAAA' +
  'AAD4f/j3wfE+NtO/DCAhi2h1IkADD1Isu+YSwCQGbFsmkCJAPLpygYlkFcAhjalgUb4hQOKe4OZ0QRbAFzVkCp28HkBCc+LjeRYTwBFl0Qn7fR' +
  'hAlCvPQYRKC8D+NE3lDRIRQMq6Zh5W0vm/DHD8ZEiS/j8UwY2MVhVzQDqko8URAMe/urkel0wY/z/eenvyivAAwAAAAAAAAPh/AAAAAAAA+H8A' +
  'AAAAAAD4fwAAAAAAAPh/AAAAAAAA+H8AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQB' +
  '8lzHhCAADGrGvMeEIAAAAAALBwQAAAAAAAAAAAAAAAAAAA+H8AAAAAAAAAAHVIaUBt3w5ANtKGHJzVWkC/Lm/3IwDtPyoXe+UuAAtAP31ha/WF' +
  'SkDAGY64gy0ZQF/TUBQWbRlAjNLuU+WDREDfh7ohDmA1QA==';

function history(d: SeriesDetector): number {
  let alarms = 0;
  for (let i = 0; i < 1500; i++) if (d.update(T0 + i * MIN, value(i)).isAnomaly) alarms++;
  d.markFalsePositive(T0 + 890 * MIN, T0 + 910 * MIN);
  d.markIncident(T0 + 1195 * MIN, T0 + 1240 * MIN);
  return alarms;
}

function scores(d: SeriesDetector, from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(d.update(T0 + i * MIN, 50 + 10 * Math.sin(i / 20) + (i % 7) + (i === 1600 ? 300 : 0)).score);
  return out;
}

describe('series detector state layout', () => {
  it('reads and writes the previous layout\'s checkpoint byte for byte, and continues alike from it', () => {
    const d = new SeriesDetector();
    expect(history(d)).toBeGreaterThan(0);
    const snap = d.snapshot();
    // The same layout as the previous implementation wrote. Its values follow today's learning
    // (since the end of a hold restores the pre-deviation baseline for good, they differ).
    expect(snap).toMatchObject({ version: 2, slotsPerDay: 24 });
    expect(Buffer.from(snap.data, 'base64').length).toBe(Buffer.from(OLD_CHECKPOINT, 'base64').length);
    const restored = SeriesDetector.restore({ version: 2, slotsPerDay: 24, data: OLD_CHECKPOINT }, undefined, new StateSlab());
    expect(restored.tolerances()).toEqual(d.tolerances());
    expect(restored.snapshot()).toEqual({ version: 2, slotsPerDay: 24, data: OLD_CHECKPOINT });
    const own = SeriesDetector.restore({ version: 2, slotsPerDay: 24, data: OLD_CHECKPOINT });
    expect(scores(restored, 1500, 1700)).toEqual(scores(own, 1500, 1700));
    const again = SeriesDetector.restore(JSON.parse(JSON.stringify(snap)) as typeof snap, undefined, new StateSlab());
    expect(again.snapshot()).toEqual(snap);
    expect(scores(again, 1500, 1700)).toEqual(scores(d, 1500, 1700));
  });

  it('gives the same verdicts for series in one slab as for series with arrays of their own, fed interleaved', () => {
    const slab = new StateSlab(4);
    const own = Array.from({ length: 10 }, () => new SeriesDetector());
    const shared = Array.from({ length: 10 }, () => new SeriesDetector(undefined, slab));
    for (let i = 0; i < 1500; i++) {
      for (let k = 0; k < 10; k++) {
        const v = value(i + 37 * k) * (1 + k / 10);
        expect(shared[k]!.update(T0 + i * MIN, v)).toEqual(own[k]!.update(T0 + i * MIN, v));
      }
      if (i === 1000) own.concat(shared).forEach((d) => d.markFalsePositive(T0 + 890 * MIN, T0 + 910 * MIN));
    }
    for (let k = 0; k < 10; k++) expect(shared[k]!.snapshot()).toEqual(own[k]!.snapshot());
  });

  it('holds 832 bytes per series before its first alarm, and the rings and tolerances only once an alarm or feedback needs them', () => {
    const d = new SeriesDetector();
    // Still warming up: no alarm can fire yet.
    for (let i = 0; i < 15; i++) expect(d.update(T0 + i * MIN, value(i)).detector).toBe('warmup');
    expect(d.stateBytes).toBe(832);
    history(d);
    // The side block: tolerances (8), alarm ring (4 pairs), incident ring (4 pairs): 24 more numbers.
    expect(d.stateBytes).toBe(832 + 24 * 8);
    expect(new SeriesDetector().snapshot().data.length).toBe(OLD_CHECKPOINT.length);
  });
});
