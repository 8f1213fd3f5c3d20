// Red-team load for the crash tests: concurrent clients post NDJSON metric batches whose points
// carry a sequence number, and the numbers of every batch answered 2xx are kept, so what a
// crash lost can be counted record by record.
export const BATCH = 1_000;

/** One NDJSON body of BATCH metric points numbered from `first` (value and the `seq` label). */
export function batchBody(first: number, name = 'crash_probe'): string {
  const now = Date.now();
  const lines: string[] = [];
  for (let i = first; i < first + BATCH; i++) {
    lines.push(JSON.stringify({ ts: now, service: `svc-${i % 50}`, name, kind: 'gauge', value: i, labels: { seq: String(i) } }));
  }
  return lines.join('\n');
}

/**
 * Sends batches from `workers` clients; once `untilAcked` points are acknowledged `interrupt` runs
 * (a kill or a stop) while the other clients keep sending. Returns the acknowledged numbers.
 */
export async function ackedBurst(ingest: string, untilAcked: number, interrupt: () => Promise<void>, workers = 4): Promise<Set<number>> {
  const acked = new Set<number>();
  let next = 0;
  let dead = false;
  const worker = async () => {
    while (!dead) {
      const first = next;
      next += BATCH;
      try {
        const res = await fetch(`${ingest}/v1/ndjson/metrics`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: batchBody(first) });
        await res.arrayBuffer();
        if (res.status >= 200 && res.status < 300) for (let i = first; i < first + BATCH; i++) acked.add(i);
      } catch {
        // The process died under this request: it was never acknowledged.
      }
      if (acked.size >= untilAcked && !dead) {
        dead = true;
        await interrupt();
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return acked;
}

/** The acknowledged numbers that are not in `kept`. */
export const missing = (acked: ReadonlySet<number>, kept: ReadonlySet<number>): number[] => [...acked].filter((v) => !kept.has(v));
