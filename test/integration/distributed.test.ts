// One scenario, both modes: the distributed pipeline (ingest, detect, correlate, sink and api
// as separate processes over real Kafka and ClickHouse) names the same rank-1 root cause as
// the embedded pipeline; and a detector killed with SIGKILL mid-stream loses no record and
// creates no duplicate incident.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ClickHouseStore } from '../../platform/store/clickhouse-store.js';
import type { Incident, Topology } from '../../platform/contracts/events.js';
import { DEFAULT_SPEC, Scenario, type ScenarioSpec } from '../../demo/scenario.js';
import { runScenario } from '../../demo/run-scenario.js';
import { SHOP_TOPOLOGY } from '../../demo/shop-topology.js';
import { STAGES } from '../../cli/stage-registry.js';
import { clickhouseUrl, kafkaBrokers, requireServices } from './services.js';
import { freePort, spawnStage, waitFor, type StageProcess } from '../support/stage-processes.js';

const available = await requireServices();
const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const database = `aiops_it_${run}`;
const store = new ClickHouseStore({ url: clickhouseUrl(), database, username: 'default', password: '' });
const procs: StageProcess[] = [];
afterAll(async () => {
  for (const p of procs) await p.stop();
  await store.close();
});

interface Deployment {
  ingestUrl: string;
  apiUrl: string;
  env: Record<string, string>;
  stages: Map<string, StageProcess>;
}

async function deploy(tenant: string): Promise<Deployment> {
  const dir = mkdtempSync(join(tmpdir(), 'aiops-it-'));
  const topologyFile = join(dir, 'topology.json');
  writeFileSync(topologyFile, JSON.stringify({ ...SHOP_TOPOLOGY, tenant }));
  const ingestPort = await freePort();
  const apiPort = await freePort();
  const env: Record<string, string> = {
    AIOPS_KAFKA_BROKERS: kafkaBrokers().join(','),
    AIOPS_CLICKHOUSE_URL: clickhouseUrl(),
    AIOPS_CLICKHOUSE_DATABASE: database,
    AIOPS_INGEST_PORT: String(ingestPort),
    AIOPS_API_PORT: String(apiPort),
    AIOPS_OPS_PORT: '0',
    AIOPS_KAFKA_TOPIC_PREFIX: `${database}.`,
    AIOPS_LOG_LEVEL: 'warn',
    AIOPS_CHECKPOINT_INTERVAL_MS: '1000',
    AIOPS_TOPOLOGY_FILE: topologyFile,
    AIOPS_DATA_DIR: dir,
  };
  const stages = new Map<string, StageProcess>();
  for (const name of ['sink', 'correlate', 'detect', 'api', 'ingest']) {
    const p = spawnStage(name, env);
    procs.push(p);
    stages.set(name, p);
  }
  const ingestUrl = `http://127.0.0.1:${ingestPort}`;
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await waitFor('ingest and api to be ready', async () => {
    const [a, b] = await Promise.all([fetch(`${ingestUrl}/readyz`), fetch(`${apiUrl}/readyz`)]);
    return a.ok && b.ok ? true : undefined;
  }, 90_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${[...stages.values()].map((s) => `--- ${s.name}\n${s.output().slice(-3000)}`).join('\n')}`);
  });
  return { ingestUrl, apiUrl, env, stages };
}

async function post(url: string, rows: unknown[]): Promise<void> {
  const body = rows.map((r) => JSON.stringify(r)).join('\n');
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    if (res.ok) return;
    if ((res.status === 429 || res.status === 503) && attempt < 20) {
      await new Promise((r) => setTimeout(r, 250 * (attempt + 1)));
      continue;
    }
    throw new Error(`POST ${url} -> ${res.status}: ${await res.text()}`);
  }
}

/** Sends the scenario through the NDJSON receivers; `midway` runs once half the minutes are sent. */
async function send(ingestUrl: string, scenario: Scenario, midway?: () => Promise<void>): Promise<number> {
  let sent = 0;
  let minute = 0;
  let metrics: unknown[] = [];
  let logs: unknown[] = [];
  let changes: unknown[] = [];
  const flush = async () => {
    if (changes.length) await post(`${ingestUrl}/v1/ndjson/changes`, changes);
    if (metrics.length) await post(`${ingestUrl}/v1/ndjson/metrics`, metrics);
    if (logs.length) await post(`${ingestUrl}/v1/ndjson/logs`, logs);
    sent += metrics.length + logs.length + changes.length;
    metrics = [];
    logs = [];
    changes = [];
  };
  for (const slice of scenario.slices()) {
    metrics.push(...slice.metrics);
    logs.push(...slice.logs);
    changes.push(...slice.changes);
    if (++minute % 30 === 0) await flush();
    if (midway && minute === Math.floor(scenario.minutes / 2)) {
      await flush();
      await midway();
    }
  }
  await flush();
  return sent;
}

async function incidents(apiUrl: string, tenant: string): Promise<Incident[]> {
  const all: Incident[] = [];
  let cursor: string | undefined;
  do {
    const res = await fetch(`${apiUrl}/v1/incidents?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers: { 'x-scope-orgid': tenant } });
    const body = (await res.json()) as { items: Incident[]; nextCursor?: string };
    all.push(...body.items);
    cursor = body.nextCursor;
  } while (cursor);
  return all;
}

function mainIncident(list: Incident[], scenario: Scenario, spec: ScenarioSpec): Incident | undefined {
  return list
    .filter((i) => i.openedAt >= scenario.faultAt - 10 * 60_000 && i.openedAt <= scenario.faultAt + spec.faultMinutes * 60_000)
    .sort((a, b) => b.anomalyCount - a.anomalyCount)[0];
}

/** Waits until every sent record is in ClickHouse and the incident set stops changing. */
async function settle(d: Deployment, tenant: string, sent: number): Promise<Incident[]> {
  let seen = 0;
  await waitFor(`all ${sent} records in ClickHouse`, async () => {
    seen = (await store.count(tenant, 'logs')) + (await store.count(tenant, 'metrics')) + (await store.count(tenant, 'changes'));
    return seen === sent ? seen : undefined;
  }, 180_000, 1000).catch((err: Error) => {
    throw new Error(`${err.message}; ClickHouse holds ${seen}\n${[...d.stages.values()].map((s) => `--- ${s.name}\n${s.output().slice(-2000)}`).join('\n')}`);
  });
  let last = '';
  let stableFor = 0;
  return waitFor('incidents to settle', async () => {
    const list = await incidents(d.apiUrl, tenant);
    const sig = JSON.stringify(list.map((i) => [i.id, i.version]));
    stableFor = sig === last && list.length > 0 ? stableFor + 1 : 0;
    last = sig;
    return stableFor >= 4 ? list : undefined;
  }, 120_000, 1000);
}

const spec = (tenant: string): ScenarioSpec => ({ ...DEFAULT_SPEC, fault: 'errors-after-deploy', seed: 3, tenant });

describe.skipIf(!available.kafka || !available.clickhouse)('distributed mode on real Kafka and ClickHouse', () => {
  it('names the same rank-1 root cause through the API as the embedded pipeline', async () => {
    const tenant = `it_${run}_same`;
    const embedded = await runScenario(spec(tenant), [STAGES.sink, STAGES.correlate, STAGES.detect], pino({ level: 'silent' }));
    expect(embedded.ranked.length).toBeGreaterThan(0);

    const d = await deploy(tenant);
    const scenario = new Scenario(spec(tenant));
    const sent = await send(d.ingestUrl, scenario);
    const list = await settle(d, tenant, sent);
    const main = mainIncident(list, scenario, spec(tenant));
    expect(main, 'an incident in the fault window').toBeDefined();
    expect(main!.rootCauses[0]!.service).toBe(embedded.ranked[0]);
    expect(embedded.ranked[0]).toBe(scenario.target);
    const detail = await (await fetch(`${d.apiUrl}/v1/incidents/${main!.id}`, { headers: { 'x-scope-orgid': tenant } })).json() as { anomalies: unknown[] };
    expect(detail.anomalies.length).toBeGreaterThan(0);

    // Topology learned from spans: a call the topology file does not have reaches the API through Kafka and ClickHouse.
    const ns = String(BigInt(scenario.faultAt) * 1_000_000n);
    const resourceSpans = (service: string, spans: object[]) => ({ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ spans }] });
    const traces = { resourceSpans: [
      resourceSpans('checkout', [{ traceId: '5a'.repeat(16), spanId: '01'.repeat(8), name: 'POST /pay', kind: 3, startTimeUnixNano: ns }]),
      resourceSpans('ledger', [{ traceId: '5a'.repeat(16), spanId: '02'.repeat(8), parentSpanId: '01'.repeat(8), name: 'POST /entries', kind: 2, startTimeUnixNano: ns }]),
    ] };
    const res = await fetch(`${d.ingestUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-scope-orgid': tenant }, body: JSON.stringify(traces) });
    expect(res.status).toBe(200);
    const topology = await waitFor('the learned edge in GET /v1/topology', async () => {
      const t = (await (await fetch(`${d.apiUrl}/v1/topology`, { headers: { 'x-scope-orgid': tenant } })).json()) as Topology | null;
      return t?.edges.some((e) => e.to === 'ledger') ? t : undefined;
    }, 60_000, 500);
    expect(topology.edges.find((e) => e.to === 'ledger')).toMatchObject({ from: 'checkout', source: 'traces', lastSeenAt: scenario.faultAt });
    expect(topology.edges.filter((e) => e.source === undefined)).toEqual(SHOP_TOPOLOGY.edges);
    for (const p of d.stages.values()) await p.stop();
  });

  it('loses no record and duplicates no incident when the detector is killed with SIGKILL mid-stream', async () => {
    const tenant = `it_${run}_kill`;
    const d = await deploy(tenant);
    const scenario = new Scenario(spec(tenant));
    let restarted: StageProcess | undefined;
    const sent = await send(d.ingestUrl, scenario, async () => {
      await d.stages.get('detect')!.kill9();
      restarted = spawnStage('detect', d.env);
      procs.push(restarted);
    });
    expect(restarted).toBeDefined();
    const list = await settle(d, tenant, sent);
    const counted = (await store.count(tenant, 'logs')) + (await store.count(tenant, 'metrics')) + (await store.count(tenant, 'changes'));
    expect(counted).toBe(sent);
    const ids = list.map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    const alerts = (await (await fetch(`${d.apiUrl}/v1/alerts?limit=1000`, { headers: { 'x-scope-orgid': tenant } })).json()) as { items: Array<{ id: string }> };
    expect(alerts.items.length).toBeGreaterThan(0);
    expect(new Set(alerts.items.map((a) => a.id)).size).toBe(alerts.items.length);
    const main = mainIncident(list, scenario, spec(tenant));
    expect(main, 'an incident in the fault window').toBeDefined();
    // The restarted detector resumed its baselines from the checkpoints: the fault is still found.
    expect(main!.rootCauses[0]!.service).toBe(scenario.target);
    for (const p of d.stages.values()) await p.stop();
    await restarted?.stop();
  });
});
