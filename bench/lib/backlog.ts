// A backlog of metric points acknowledged by ingest while a stage is stopped, so the stage's
// rate can be timed on what it drains rather than on what it is offered. The points continue
// the run's series on a grid after `fromTs` (ingest refuses points more than its future grace
// ahead of now, and detectors skip a series' points older than its last one).
export interface BacklogOptions {
  ingest: string;
  /** Series in the backlog (one point per series per second of the grid). */
  series: number;
  /** Seconds of grid in the backlog. */
  seconds: number;
  /** Points per request. */
  batch: number;
  /** Time of the first grid second (ms). */
  fromTs: number;
  /** The NDJSON line of series i at ts (the run's own format, so the backlog continues its series). */
  line: (i: number, ts: number, second: number) => string;
}

/** Sends the backlog; resolves with the points acknowledged and the next free grid time. */
export async function sendBacklog(o: BacklogOptions): Promise<{ points: number; nextTs: number }> {
  let points = 0;
  for (let s = 0; s < o.seconds; s++) {
    const ts = o.fromTs + s * 1000;
    const bodies: string[] = [];
    for (let from = 0; from < o.series; from += o.batch) {
      const lines: string[] = [];
      for (let i = from; i < Math.min(o.series, from + o.batch); i++) {
        lines.push(o.line(i, ts, s));
      }
      bodies.push(lines.join('\n'));
    }
    await Promise.all(bodies.map(async (body) => {
      for (;;) {
        const res = await fetch(`${o.ingest}/v1/ndjson/metrics`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
        const answer = await res.text();
        if (res.ok) return;
        if (res.status !== 429 && res.status !== 503) throw new Error(`ingest answered ${res.status} to a backlog request: ${answer.slice(0, 300)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }));
    points += o.series;
  }
  return { points, nextTs: o.fromTs + o.seconds * 1000 };
}

/** The first grid time after now and after `notBefore`. */
export const nextGridTs = (notBefore = 0): number => Math.max(notBefore, (Math.floor(Date.now() / 1000) + 1) * 1000);
