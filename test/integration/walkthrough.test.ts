// The README's distributed walkthrough, run as written: the commands come from the README's
// "Distributed mode on real Kafka and ClickHouse" block, so the two cannot drift. Only the lines
// that start the shared services are left out (the services are already running; this run gets
// its own ClickHouse database, topic prefix, ports and stage directory through the environment).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { clickhouseUrl, kafkaBrokers, requireServices } from './services.js';
import { freePort, waitFor } from '../support/stage-processes.js';

const ROOT = join(import.meta.dirname, '..', '..');
const HEADING = '### Distributed mode on real Kafka and ClickHouse';

/** The first ```sh block under the walkthrough heading, one command a line. */
export function walkthroughCommands(readme: string): string[] {
  const at = readme.indexOf(HEADING);
  if (at < 0) throw new Error(`README.md has no "${HEADING}" section`);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!block) throw new Error(`README.md "${HEADING}" has no sh block`);
  return block[1]!.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
}

const isServiceLine = (l: string) => /^npm run services:(up|down)\b/.test(l) || l.includes('deploy/local/up.sh');
const isStop = (l: string) => /^bash deploy\/local\/stages\.sh stop\b/.test(l);

const available = await requireServices();
const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const dir = mkdtempSync(join(tmpdir(), 'aiops-walkthrough-'));
let env: NodeJS.ProcessEnv = {};

function bash(lines: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bash', ['-euo', 'pipefail', '-c', lines.join('\n')], { cwd: ROOT, env, encoding: 'utf8', timeout: 400_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const database = `aiops_walk_${run}`;

afterAll(async () => {
  // A failed run must not leave five stages holding ports on a shared machine, nor its data.
  if (Object.keys(env).length > 0) {
    bash(['bash deploy/local/stages.sh stop || true']);
    // The statement as the body: ClickHouse 18.16 refuses a POST without a Content-Length.
    await fetch(`${clickhouseUrl()}/`, { method: 'POST', body: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
    const admin = new Kafka({ clientId: 'aiops-it-walkthrough', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }).admin();
    try {
      await admin.connect();
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${database}.`));
      if (topics.length > 0) await admin.deleteTopics({ topics });
    } catch {
      // Left-over topics under a unique prefix harm nobody; the broker may be gone already.
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!available.kafka || !available.clickhouse)('the README distributed walkthrough', () => {
  it('starts five stage processes, turns the replayed stream into an incident in the API, and stops them cleanly', async () => {
    const commands = walkthroughCommands(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    // The recipe starts and stops the services itself; here they are given.
    expect(commands.filter(isServiceLine)).toHaveLength(3);
    const steps = commands.filter((l) => !isServiceLine(l));
    const stopAt = steps.findIndex(isStop);
    expect(stopAt, 'the walkthrough stops the stages').toBeGreaterThan(0);
    expect(steps.some((l) => /^bash deploy\/local\/stages\.sh start\b/.test(l))).toBe(true);

    const ingestPort = await freePort();
    const apiPort = await freePort();
    env = {
      ...process.env,
      AIOPS_KAFKA_BROKERS: kafkaBrokers().join(','),
      AIOPS_CLICKHOUSE_URL: clickhouseUrl(),
      AIOPS_CLICKHOUSE_DATABASE: database,
      AIOPS_KAFKA_TOPIC_PREFIX: `${database}.`,
      AIOPS_INGEST_PORT: String(ingestPort),
      AIOPS_API_PORT: String(apiPort),
      // Other runs on this host may hold the default ops ports 9465-9467.
      AIOPS_OPS_PORT: '0',
      AIOPS_DATA_DIR: join(dir, 'data'),
      AIOPS_STAGES_DIR: join(dir, 'stages'),
      AIOPS_CHECKPOINT_INTERVAL_MS: '1000',
    };

    const up = bash(steps.slice(0, stopAt));
    expect(up.status, `${up.stdout}\n${up.stderr}`).toBe(0);
    for (const stage of ['sink', 'correlate', 'detect', 'api', 'ingest']) expect(up.stderr).toContain(`${stage} runs (pid`);
    expect(up.stdout).toMatch(/^incident inc_/m);

    // The curl line's answer, and the API asked directly: an incident whose top cause is the injected service.
    const injected = /fault injected into (\S+) at/.exec(up.stdout)?.[1];
    expect(injected).toBeDefined();
    const curled = up.stdout.split('\n').find((l) => l.startsWith('{"items"'));
    expect(curled, up.stdout).toBeDefined();
    const fromCurl = JSON.parse(curled!) as { items: Array<{ id: string; rootCauses: Array<{ service: string }> }> };
    expect(fromCurl.items.length).toBeGreaterThan(0);
    type Listed = { items: Array<{ id: string; rootCauses: Array<{ service: string }> }> };
    const listed = async (): Promise<Listed> => {
      const res = await fetch(`http://127.0.0.1:${apiPort}/v1/incidents?limit=100`);
      expect(res.status).toBe(200);
      return (await res.json()) as Listed;
    };
    expect((await listed()).items.map((i) => i.id)).toEqual(expect.arrayContaining(fromCurl.items.map((i) => i.id)));
    // The ranking may still move while the last anomalies are folded in; it must end on the injected service.
    const ranked = await waitFor('an incident ranking the injected service first', async () => {
      const body = await listed();
      return body.items.some((i) => i.rootCauses[0]?.service === injected) ? body : undefined;
    }, 90_000, 2000).catch(async (err: Error) => {
      throw new Error(`${err.message}; incidents: ${JSON.stringify((await listed()).items.map((i) => [i.id, i.rootCauses.slice(0, 3).map((c) => c.service)]))}`);
    });
    expect(ranked.items.length).toBeGreaterThan(0);

    // The start is quiet: no kafkajs warning about the producer's retries, each field once per line.
    for (const stage of ['sink', 'correlate', 'detect', 'api', 'ingest']) {
      const log = readFileSync(join(dir, 'stages', `${stage}.log`), 'utf8');
      expect(log, stage).toContain('"pipeline running');
      expect(log, stage).not.toContain('Limiting retries');
      expect(log.split('\n').filter((l) => (l.match(/"stage":/g) ?? []).length > 1), stage).toEqual([]);
      expect(log.split('\n').filter((l) => /"level":(40|50)/.test(l)), stage).toEqual([]);
    }

    const down = bash(steps.slice(stopAt));
    expect(down.status, `${down.stdout}\n${down.stderr}`).toBe(0);
    for (const stage of ['sink', 'correlate', 'detect', 'api', 'ingest']) expect(down.stderr).toMatch(new RegExp(`${stage} \\(pid \\d+\\) stopped in \\d+s`));
    expect(down.stderr).not.toContain('SIGKILL');
    const after = bash(['bash deploy/local/stages.sh status || echo "status=$?"']);
    expect(after.stdout).toContain('status=3');
    await expect(fetch(`http://127.0.0.1:${ingestPort}/healthz`)).rejects.toThrow();
  });
});
