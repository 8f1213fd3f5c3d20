// `aiops start --stages a,b`: any set of stages in one process, one ops port per process, and
// the distributed-mode rules of a single stage for any set that is not all of them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { SHOP_TOPOLOGY } from '../../demo/shop-topology.js';
import { parseStageList, planStart } from '../../cli/commands/stages.js';
import { STAGES } from '../../cli/stage-registry.js';
import { STAGE_CATALOGUE } from '../../cli/stage-catalogue.js';
import { AiopsError } from '../../platform/errors/aiops-error.js';
import { defaultOpsPort, STAGE_OPS_PORTS } from '../../platform/runtime/ops-ports.js';
import { roleOf, STAGE_NAMES, type StageName } from '../../platform/runtime/stage.js';

const kafka = { AIOPS_KAFKA_BROKERS: '127.0.0.1:9092' };
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'aiops.js');
const dir = mkdtempSync(join(tmpdir(), 'aiops-stage-sets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('aiops start --stages', () => {
  it('parses a comma list into known stages in start order, each once', () => {
    expect(parseStageList('ingest, detect')).toEqual(['detect', 'ingest']);
    expect(parseStageList('sink,sink')).toEqual(['sink']);
    expect(() => parseStageList('ingest,detcet')).toThrow(InvalidArgumentError);
    expect(() => parseStageList('ingest,detcet')).toThrow(/unknown stage detcet; the stages are sink, correlate, detect, api, ingest/);
    expect(() => parseStageList(' , ')).toThrow(/no stage named/);
  });

  it('gives disjoint sets of stages distinct ops ports, and every stage together 9464', () => {
    const split: StageName[][] = [['detect', 'correlate'], ['sink'], ['api', 'ingest']];
    const ports = split.map((set) => planStart(set.map((n) => STAGES[n]), kafka).config.opsPort);
    expect(new Set(ports).size).toBe(split.length);
    expect(ports).toEqual([STAGE_OPS_PORTS.detect, STAGE_OPS_PORTS.sink, STAGE_OPS_PORTS.ingest]);
    expect(defaultOpsPort(STAGE_NAMES)).toBe(9464);
    expect(planStart([STAGES.detect, STAGES.correlate], { ...kafka, AIOPS_OPS_PORT: '7001' }).config.opsPort).toBe(7001);
  });

  it('refuses a partial set on the in-process bus, naming the command, AIOPS_KAFKA_BROKERS and --embedded', () => {
    let caught: unknown;
    try {
      planStart([STAGES.correlate, STAGES.detect], {});
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AiopsError);
    expect((caught as AiopsError).code).toBe('DISTRIBUTED_BUS_REQUIRED');
    expect((caught as AiopsError).message).toContain('aiops start --stages correlate,detect');
    expect((caught as AiopsError).message).toMatch(/AIOPS_KAFKA_BROKERS.*--embedded/);
    const embedded = planStart([STAGES.correlate, STAGES.detect], {}, { embedded: true });
    expect(embedded.config.bus).toBe('memory');
    expect(embedded.warnings.map((w) => w.msg)).toEqual([expect.stringContaining('the stages correlate, detect run on an in-process bus')]);
    expect(planStart(STAGE_NAMES.map((n) => STAGES[n]), {}).warnings).toEqual([]);
  });

  it('ships the demo shop topology the README walkthrough points AIOPS_TOPOLOGY_FILE at', () => {
    const file = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'deploy', 'local', 'shop-topology.json'), 'utf8')) as unknown;
    expect(file).toEqual(SHOP_TOPOLOGY);
  });

  it('names the process after its stages in logs and Kafka client ids', () => {
    expect(roleOf(['ingest', 'detect'])).toBe('detect-ingest');
    expect(roleOf(['sink'])).toBe('sink');
    expect(roleOf([...STAGE_NAMES])).toBe('all');
    expect(STAGE_NAMES).toEqual(STAGE_CATALOGUE.map((s) => s.name));
  });

  it('is in `aiops start --help`, with the stage names and the runner script', () => {
    const r = spawnSync(process.execPath, [BIN, 'start', '--help'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('--stages <list>');
    for (const n of STAGE_NAMES) expect(r.stdout).toContain(n);
    expect(r.stdout).toContain('deploy/local/stages.sh');
  }, 90_000);

  it('rejects an unknown stage on the command line with the list of stages', () => {
    const r = spawnSync(process.execPath, [BIN, 'start', '--stages', 'ingest,detcet'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, AIOPS_DATA_DIR: dir } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('unknown stage detcet');
  }, 90_000);
});

describe('an unreachable dependency at start', () => {
  const env = (extra: Record<string, string>) => {
    const e: NodeJS.ProcessEnv = { ...process.env, AIOPS_DATA_DIR: dir, AIOPS_OPS_PORT: '0', AIOPS_API_PORT: '0', AIOPS_INGEST_PORT: '0', ...extra };
    delete e.CI;
    return e;
  };

  it('Kafka: one coded error line naming the variable, and no kafkajs retry flood', () => {
    const r = spawnSync(process.execPath, [BIN, 'detect'], { encoding: 'utf8', timeout: 90_000, env: env({ AIOPS_KAFKA_BROKERS: '127.0.0.1:1' }) });
    expect(r.status).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l.trim().length > 0 && !l.includes('"component":"bin"'));
    expect(lines.filter((l) => l.startsWith('error KAFKA_UNREACHABLE: Kafka at 127.0.0.1:1 is unreachable'))).toHaveLength(1);
    expect(lines.join('\n')).toContain('AIOPS_KAFKA_BROKERS');
    expect(lines.filter((l) => l.includes('"component":"kafkajs"'))).toEqual([]);
  }, 120_000);

  it('ClickHouse: one coded error line, without the client printing its own stack', () => {
    const r = spawnSync(process.execPath, [BIN, 'api', '--embedded'], { encoding: 'utf8', timeout: 90_000, env: env({ AIOPS_CLICKHOUSE_URL: 'http://127.0.0.1:1' }) });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error CLICKHOUSE_UNREACHABLE: ClickHouse at http:\/\/127\.0\.0\.1:1 is unreachable/m);
    expect(r.stderr).not.toContain('@clickhouse/client');
    expect(r.stderr).not.toContain('TCPConnectWrap');
  }, 120_000);
});
