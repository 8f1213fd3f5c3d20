// Self-telemetry hygiene: the pipeline's own /metrics, scraped by Prometheus and sent back to it
// by remote_write, must land under the scrape job (the pipeline's own service name), never under
// a user's service. Traffic for two user services makes the service-scoped metrics (template
// miners) appear, then the scraped text goes through ingest's own remote_write mapping.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadStageModules } from '../../cli/stage-catalogue.js';
import type { RunningIngest } from '../../ingest/index.js';
import { Batch } from '../../ingest/publisher.js';
import { decodeWriteRequest } from '../../ingest/sources/remote-write.js';
import { loadConfig } from '../../platform/config/config.js';
import { runStages, type Pipeline } from '../../platform/runtime/run-stages.js';
import { createLogger } from '../../platform/telemetry/logger.js';

const USER_SERVICES = ['shop', 'cart'];

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text exposition format -> samples (comments and blank lines skipped). */
function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) throw new Error(`unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_x, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** What Prometheus sends by remote_write for one scrape: target labels added, samples stamped. */
function writeRequest(samples: Sample[], targetLabels: Record<string, string>, ts: number): Record<string, unknown> {
  return {
    timeseries: samples.map((s) => ({
      // honor_labels: false (the default): the target's labels win over scraped ones of the same name.
      labels: Object.entries({ ...s.labels, ...targetLabels, __name__: s.name }).map(([name, value]) => ({ name, value })),
      samples: [{ value: s.value, timestamp: ts }],
    })),
  };
}

let dir: string;
let pipeline: Pipeline;
const scraped = new Map<string, string>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aiops-self-telemetry-'));
  const config = loadConfig({}, { AIOPS_DATA_DIR: dir, AIOPS_BUS: 'memory', AIOPS_STORE: 'duckdb', AIOPS_INGEST_PORT: '0', AIOPS_API_PORT: '0', AIOPS_SYSLOG_TCP_PORT: '0', AIOPS_SYSLOG_UDP_PORT: '0' });
  pipeline = await runStages(await loadStageModules(['sink', 'correlate', 'detect', 'ingest']), config, { logger: createLogger('silent', { role: 'test' }), opsServer: false });
  const ingest = pipeline.stages.find((s) => s.name === 'ingest') as RunningIngest;
  const base = `http://127.0.0.1:${ingest.port}`;
  const now = Date.now();
  const logs = USER_SERVICES.flatMap((service) => Array.from({ length: 20 }, (_x, i) => JSON.stringify({ service, ts: now + i, severity: i % 5 === 0 ? 'error' : 'info', body: `request ${i} served in ${i + 3} ms` })));
  const metrics = USER_SERVICES.flatMap((service) => Array.from({ length: 5 }, (_x, i) => JSON.stringify({ service, ts: now + i * 1000, name: 'http_requests_total', kind: 'counter', value: i * 10, labels: { code: '200' } })));
  for (const [path, lines] of [['/v1/ndjson/logs', logs], ['/v1/ndjson/metrics', metrics]] as const) {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: `${lines.join('\n')}\n` });
    expect(res.status, `${path}: ${await res.text()}`).toBe(200);
  }
  // Wait until the detect stage has mined both services' logs: its service-scoped metrics exist.
  for (let i = 0; i < 200; i++) {
    const text = await (await fetch(`${base}/metrics`)).text();
    if (USER_SERVICES.every((s) => text.includes(`"${s}"`)) && text.includes('aiops_template_miner_messages_total')) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  // One process runs every stage here, so the ingest endpoint serves all their metrics (a stage
  // run alone serves a subset of the same registrations on its ops port).
  scraped.set('aiops-ingest', await (await fetch(`${base}/metrics`)).text());
}, 60_000);

afterAll(async () => {
  await pipeline?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the pipeline scraped into itself', () => {
  it('carries the user services it processed only in labels ingest does not map to a service', () => {
    const samples = parseExposition(scraped.get('aiops-ingest')!);
    const mentioning = samples.filter((s) => Object.values(s.labels).some((v) => USER_SERVICES.includes(v)));
    // The traffic did produce metrics about the user services: the check below is not vacuous.
    expect(mentioning.length).toBeGreaterThan(0);
    expect(new Set(mentioning.flatMap((s) => Object.keys(s.labels).filter((k) => USER_SERVICES.includes(s.labels[k]!))))).toEqual(new Set(['monitored_service']));
  });

  it('lands every point under the scrape job, never under a user service', () => {
    for (const [job, text] of scraped) {
      const batch = new Batch();
      decodeWriteRequest(writeRequest(parseExposition(text), { job, instance: '127.0.0.1:9464' }, Date.now()), 'default', batch);
      expect(batch.rejected).toEqual([]);
      expect(batch.metrics.length).toBeGreaterThan(50);
      const services = new Set(batch.metrics.map((m) => m.service));
      expect([...services]).toEqual([job]);
    }
  });

  it('names no service at all when no job label is attached (nothing of ours chooses one)', () => {
    for (const text of scraped.values()) {
      const batch = new Batch();
      decodeWriteRequest(writeRequest(parseExposition(text), {}, Date.now()), 'default', batch);
      expect(new Set(batch.metrics.map((m) => m.service))).toEqual(new Set(['unknown_service']));
    }
  });
});
