// A stop with many tenants: 20,000 tenants with a few series each go through the real embedded
// process, then SIGTERM must end it within 10 s (Kubernetes allows 30). The stop-time checkpoint
// wrote one statement per tenant and stage, and the process took 31-56 s to exit.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { embeddedEnv } from '../../ingest/testing/embedded-env.js';
import { freePort, spawnStage, waitFor, type StageProcess } from '../support/stage-processes.js';

const TENANTS = 20_000;
const SERIES = 3;
const dirs: string[] = [];
const running: StageProcess[] = [];

afterAll(async () => {
  for (const p of running) await p.kill9().catch(() => {});
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Points the detect stage handled so far, from the pipeline's own counters on the API port. */
async function detected(api: string): Promise<number> {
  const text = await (await fetch(`${api}/metrics`)).text();
  let n = 0;
  for (const m of text.matchAll(/^aiops_component_received_events_total\{[^}]*stage="detect"[^}]*\} (\d+)$/gm)) n += Number(m[1]);
  return n;
}

async function postRetrying(ingest: string, body: string): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const res = await fetch(`${ingest}/v1/ndjson/metrics`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    const text = await res.text();
    if (res.ok) return;
    if (res.status !== 429 && res.status !== 503) throw new Error(`ingest answered ${res.status}: ${text.slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('ingest kept refusing the batch');
}

describe('embedded mode: a stop with many tenants', () => {
  it(`SIGTERM after ${TENANTS} tenants x ${SERIES} series exits within 10 s`, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'aiops-tenants-'));
    dirs.push(dataDir);
    const [ingestPort, apiPort] = [await freePort(), await freePort()];
    const proc = spawnStage('start', embeddedEnv(dataDir, ingestPort, apiPort));
    running.push(proc);
    const ingest = `http://127.0.0.1:${ingestPort}`;
    const api = `http://127.0.0.1:${apiPort}`;
    await waitFor('embedded pipeline ready', async () => ((await fetch(`${api}/readyz`)).ok && (await fetch(`${ingest}/readyz`)).ok ? true : undefined), 60_000, 250);

    const ts = Date.now() - 60_000;
    const lines: string[] = [];
    for (let t = 0; t < TENANTS; t++) {
      for (let s = 0; s < SERIES; s++) lines.push(JSON.stringify({ tenant: `t${t}`, ts, service: 'api', name: `m${s}`, kind: 'gauge', value: s }));
    }
    for (let i = 0; i < lines.length; i += 1_000) await postRetrying(ingest, lines.slice(i, i + 1_000).join('\n'));
    // Every tenant's series live in the detect stage before the stop, so its checkpoint has them all.
    const handled = await waitFor('detect to handle every point', async () => {
      const n = await detected(api);
      return n >= lines.length ? n : undefined;
    }, 180_000, 1_000);

    const t0 = Date.now();
    await proc.stop();
    const exitMs = Date.now() - t0;
    console.log(`${TENANTS} tenants, ${handled} points handled by detect; SIGTERM to exit ${exitMs} ms (code ${proc.child.exitCode}, signal ${proc.child.signalCode})`);
    expect(proc.child.signalCode).toBeNull();
    expect(exitMs).toBeLessThan(10_000);
  }, 300_000);
});
