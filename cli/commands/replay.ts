// `aiops replay`: sends one bundled demo scenario (the shop's warm-up, then a fault) to a running
// ingest through its NDJSON receivers, then waits until the query API shows the incident. The
// distributed walkthrough in the README uses it to show that data flows through every stage.
import type { Command } from 'commander';
import { AiopsError } from '../../platform/errors/aiops-error.js';
import { loadConfig } from '../../platform/config/config.js';
import { DEFAULT_SPEC, FAULT_KINDS, Scenario, type FaultKind } from '../../demo/scenario.js';

interface ReplayOptions {
  fault: string;
  seed: string;
  warmup: string;
  tenant: string;
  ingest?: string;
  api?: string;
  key?: string;
  wait: string;
}

/** Minutes of the scenario sent per request to each receiver. */
const MINUTES_PER_REQUEST = 30;

async function post(url: string, rows: readonly unknown[], headers: Record<string, string>): Promise<void> {
  const body = rows.map((r) => JSON.stringify(r)).join('\n');
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-ndjson' }, body });
    } catch (err) {
      throw new AiopsError('BAD_REQUEST', `Ingest at ${url} did not answer (${(err as Error).message}); is \`aiops ingest\` running there (AIOPS_INGEST_PORT, --ingest)?`);
    }
    if (res.ok) return;
    // Backpressure and a bus that is catching up are temporary: Retry-After says when to come back.
    if ((res.status === 429 || res.status === 503) && attempt < 30) {
      const after = Number(res.headers.get('retry-after') ?? '1');
      await new Promise((r) => setTimeout(r, Math.max(0.25, Math.min(5, Number.isFinite(after) ? after : 1)) * 1000));
      continue;
    }
    throw new AiopsError('BAD_REQUEST', `POST ${url} answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
  }
}

/** The incident is printed once its version held for this many polls POLL_MS apart. */
const POLL_MS = 2_000;
const SETTLED_POLLS = 5;

interface IncidentSummary {
  id: string;
  version: number;
  title: string;
  openedAt: number;
  rootCauses: Array<{ service: string; score: number }>;
}

async function incidentIn(api: string, headers: Record<string, string>, from: number, to: number): Promise<IncidentSummary | undefined> {
  const res = await fetch(`${api}/v1/incidents?limit=100&from=${from}&to=${to}`, { headers });
  if (!res.ok) return undefined;
  const body = (await res.json()) as { items: IncidentSummary[] };
  return body.items[0];
}

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('Send a bundled demo scenario (warm-up, then a fault) to a running ingest and wait for its incident in the query API.')
    .option('--fault <kind>', `fault to inject (${FAULT_KINDS.join(', ')})`, 'latency')
    .option('--seed <n>', 'seed: picks the faulty service and the noise', '1')
    .option('--warmup <minutes>', 'minutes of normal traffic before the fault', String(DEFAULT_SPEC.warmupMinutes))
    .option('--tenant <name>', 'tenant of every record (X-Scope-OrgID)', 'default')
    .option('--ingest <url>', 'ingest base URL (default http://AIOPS_INGEST_HOST:AIOPS_INGEST_PORT)')
    .option('--api <url>', 'query API base URL (default http://AIOPS_API_HOST:AIOPS_API_PORT)')
    .option('--key <key>', 'API key with the ingest and read scopes, when keys are set')
    .option('--wait <seconds>', 'how long to wait for the incident in the API (0: do not wait)', '180')
    .addHelpText('after', '\nThe incident has the demo shop\'s services; set AIOPS_TOPOLOGY_FILE=deploy/local/shop-topology.json on the correlate stage so it ranks root causes along the shop\'s calls.')
    .action(async (opts: ReplayOptions) => {
      if (!(FAULT_KINDS as readonly string[]).includes(opts.fault)) throw new AiopsError('BAD_REQUEST', `Unknown fault kind "${opts.fault}"; choose from ${FAULT_KINDS.join(', ')}.`);
      const seed = Number(opts.seed);
      const warmup = Number(opts.warmup);
      const wait = Number(opts.wait);
      if (!Number.isInteger(seed) || seed < 0) throw new AiopsError('BAD_REQUEST', `--seed must be a non-negative integer, got "${opts.seed}".`);
      if (!Number.isInteger(warmup) || warmup < 120) throw new AiopsError('BAD_REQUEST', '--warmup must be an integer of at least 120 minutes.');
      if (!Number.isFinite(wait) || wait < 0) throw new AiopsError('BAD_REQUEST', `--wait must be a number of seconds, got "${opts.wait}".`);
      const config = loadConfig();
      const ingest = (opts.ingest ?? `http://${config.ingest.host}:${config.ingest.port}`).replace(/\/+$/, '');
      const api = (opts.api ?? `http://${config.api.host}:${config.api.port}`).replace(/\/+$/, '');
      const headers: Record<string, string> = { 'x-scope-orgid': opts.tenant, ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}) };

      const spec = { ...DEFAULT_SPEC, warmupMinutes: warmup, fault: opts.fault as FaultKind, seed, tenant: opts.tenant };
      const scenario = new Scenario(spec);
      const t0 = Date.now();
      let sent = 0;
      let minute = 0;
      let batch = { metrics: [] as unknown[], logs: [] as unknown[], changes: [] as unknown[] };
      const flush = async () => {
        // Changes first: a deploy must be known before the errors it causes.
        if (batch.changes.length) await post(`${ingest}/v1/ndjson/changes`, batch.changes, headers);
        if (batch.metrics.length) await post(`${ingest}/v1/ndjson/metrics`, batch.metrics, headers);
        if (batch.logs.length) await post(`${ingest}/v1/ndjson/logs`, batch.logs, headers);
        sent += batch.metrics.length + batch.logs.length + batch.changes.length;
        batch = { metrics: [], logs: [], changes: [] };
      };
      for (const slice of scenario.slices()) {
        batch.metrics.push(...slice.metrics);
        batch.logs.push(...slice.logs);
        batch.changes.push(...slice.changes);
        if (++minute % MINUTES_PER_REQUEST === 0) await flush();
      }
      await flush();
      process.stdout.write(`sent ${sent} records (${scenario.minutes} minutes of the demo shop) to ${ingest} in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${opts.fault} fault injected into ${scenario.target} at ${new Date(scenario.faultAt).toISOString()}\n`);
      if (wait === 0) return;

      // The incident opens within the fault window once the sink and correlator have caught up,
      // and its ranking moves while later anomalies join: print it once it stopped changing.
      const deadline = Date.now() + wait * 1000;
      const from = scenario.faultAt - 10 * 60_000;
      const to = scenario.faultAt + spec.faultMinutes * 60_000;
      let last: IncidentSummary | undefined;
      let sameFor = 0;
      for (;;) {
        const incident = await incidentIn(api, headers, from, to).catch(() => undefined);
        const same = incident !== undefined && last !== undefined && incident.id === last.id && incident.version === last.version;
        sameFor = same ? sameFor + 1 : 0;
        last = incident ?? last;
        const settled = sameFor >= SETTLED_POLLS;
        if (last && (settled || Date.now() > deadline)) {
          const causes = last.rootCauses.slice(0, 3).map((c) => c.service).join(', ');
          process.stdout.write(`incident ${last.id}: ${last.title}${settled ? '' : ' (still changing)'}\n  probable root causes: ${causes || 'none ranked'} (injected: ${scenario.target})\n  ${api}/v1/incidents/${last.id}\n`);
          return;
        }
        if (Date.now() > deadline) {
          throw new AiopsError('NOT_FOUND', `No incident in the fault window at ${api}/v1/incidents after ${wait} s; check that detect, correlate and sink run on the same AIOPS_KAFKA_BROKERS and topic prefix (bash deploy/local/stages.sh status, and their logs).`);
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    });
}
