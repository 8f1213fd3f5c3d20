// The ClickHouse sink's write rate next to a bulk insert of the same rows (issue 13: the sink
// >= 0.7x of `client.insert` JSONEachRow). While the pipeline runs, the sink keeps pace with what
// it is offered, so its rate then says nothing about what it could do: instead the sink is
// stopped, a backlog of metric points is acknowledged by ingest into Kafka, and a new sink
// drains it; its rate is timed between 10% and 90% of the backlog stored (its start-up and the
// last partial batch left out). The same rows are then read back and inserted into a copy of the
// table in one `client.insert` call, timed alone (best of three): what a hand-written bulk loader
// would do.
import { createClient } from '@clickhouse/client';
import { nextGridTs, sendBacklog, type BacklogOptions } from './backlog.js';

export interface SinkVsBulkOptions {
  ingest: string;
  clickhouseUrl: string;
  database: string;
  /** Stops the running sink process; resolves once it exited. */
  stopSink: () => Promise<void>;
  /** Starts a sink process again. */
  startSink: () => void;
  /** Series in the backlog (one point per series per second). */
  series: number;
  /** Seconds of points in the backlog. */
  seconds: number;
  batch: number;
  line: BacklogOptions['line'];
  /** Grid times before this are taken (an earlier backlog). */
  notBefore?: number;
}

export interface SinkVsBulkResult {
  rows: number;
  sinkRowsPerSecond: number;
  bulkRowsPerSecond: number;
  sinkToBulk: number;
}

export async function sinkVsBulk(o: SinkVsBulkOptions): Promise<SinkVsBulkResult> {
  const client = createClient({ url: o.clickhouseUrl, database: o.database });
  try {
    const count = async (table: string, fromTs: number): Promise<number> => {
      const rs = await client.query({ query: `SELECT count() AS n FROM ${table} WHERE ts >= ${fromTs}`, format: 'JSONEachRow' });
      const rows = (await rs.json()) as { n: string }[];
      return Number(rows[0]?.n ?? 0);
    };
    await o.stopSink();
    const fromTs = nextGridTs(o.notBefore);
    const { points: sent } = await sendBacklog({ ingest: o.ingest, series: o.series, seconds: o.seconds, batch: o.batch, line: o.line, fromTs });
    const total = sent;
    console.log(`  sink backlog: ${sent} points acknowledged with the sink stopped; starting a sink`);
    o.startSink();
    let at10: number | undefined;
    let at90: number | undefined;
    const deadline = Date.now() + 600_000;
    for (;;) {
      const n = await count('metrics', fromTs);
      const now = performance.now();
      if (at10 === undefined && n >= total * 0.1) at10 = now;
      if (at90 === undefined && n >= total * 0.9) at90 = now;
      // The bulk insert below copies the whole backlog, so wait for all of it.
      if (n >= total) break;
      if (Date.now() > deadline) throw new Error(`the sink stored ${n} of ${total} backlog rows in 10 minutes`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const sinkRowsPerSecond = Math.round((total * 0.8) / (((at90 ?? performance.now()) - (at10 ?? 0)) / 1000 || 1e-3));

    // The same rows, read back and inserted in one call into a copy of the table.
    const rs = await client.query({ query: `SELECT * FROM metrics WHERE ts >= ${fromTs}`, format: 'JSONEachRow' });
    const rows = (await rs.json()) as Record<string, unknown>[];
    // Best of three, each into an empty copy: the bulk loader at its fastest on this machine.
    let bulkRowsPerSecond = 0;
    for (let attempt = 0; attempt < 3; attempt++) {
      await client.command({ query: 'DROP TABLE IF EXISTS metrics_bulk' });
      await client.command({ query: 'CREATE TABLE metrics_bulk AS metrics' });
      const start = performance.now();
      await client.insert({ table: 'metrics_bulk', values: rows, format: 'JSONEachRow' });
      bulkRowsPerSecond = Math.max(bulkRowsPerSecond, Math.round(rows.length / ((performance.now() - start) / 1000)));
      const stored = await count('metrics_bulk', fromTs);
      if (stored !== rows.length) throw new Error(`the bulk insert stored ${stored} of ${rows.length} rows`);
    }
    await client.command({ query: 'DROP TABLE IF EXISTS metrics_bulk' });
    return { rows: rows.length, sinkRowsPerSecond, bulkRowsPerSecond, sinkToBulk: Math.round((sinkRowsPerSecond / bulkRowsPerSecond) * 100) / 100 };
  } finally {
    await client.close();
  }
}
