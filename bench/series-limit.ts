// `npx tsx bench/series-limit.ts`: what 200,000 one-point metric series cost the ingest process
// with the per-tenant active-series cap (AIOPS_INGEST_MAX_SERIES_PER_TENANT, default 100,000)
// and with it lifted. NDJSON requests of 1,000 points through inject() into the in-process bus
// (no subscriber); heap after a forced gc and RSS, before and after. Prints the figures and
// writes bench/results/series-limit.json.
//   env: BENCH_SERIES (default 200000)
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ingestHarness } from '../ingest/testing/harness.js';

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const SERIES = Number(process.env.BENCH_SERIES ?? 200_000);

async function settled(): Promise<{ heapMB: number; rssMB: number }> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
  }
  const m = process.memoryUsage();
  return { heapMB: +(m.heapUsed / 1e6).toFixed(1), rssMB: +(m.rss / 1e6).toFixed(1) };
}

async function run(cap: string | undefined): Promise<Record<string, unknown>> {
  const h = await ingestHarness(cap ? { AIOPS_INGEST_MAX_SERIES_PER_TENANT: cap } : {}, { record: false });
  const before = await settled();
  let accepted = 0;
  let refused = 0;
  const now = Date.now();
  for (let s = 0; s < SERIES; s += 1000) {
    let body = '';
    for (let i = s; i < Math.min(SERIES, s + 1000); i++) body += `${JSON.stringify({ ts: now, service: 'api', name: 'one_point', value: i, labels: { series: String(i), pod: `pod-${i % 97}` } })}\n`;
    const res = await h.app.inject({ method: 'POST', url: '/v1/ndjson/metrics', headers: { 'content-type': 'application/x-ndjson' }, payload: body });
    const r = res.json() as { accepted: number; rejected: number };
    accepted += r.accepted;
    refused += r.rejected;
  }
  const after = await settled();
  await h.close();
  return { cap: cap ?? '100000 (default)', series: SERIES, accepted, refused, before, after, heapGrowthMB: +(after.heapMB - before.heapMB).toFixed(1) };
}

const results = [await run(undefined), await run('100000000')];
for (const r of results) console.log(JSON.stringify(r));
const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'series-limit.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify({ measuredAt: new Date().toISOString(), node: process.version, results }, null, 2)}\n`);
console.log(`wrote ${out}`);
