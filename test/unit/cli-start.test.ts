// `aiops start` and a single stage run in the process bin/aiops.js starts (no wrapper holding
// the pid), so `kill <pid>` stops the pipeline: SIGTERM -> clean stop, exit 0, within 10 s.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'aiops.js');
const dirs: string[] = [];
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Starts `aiops <args>` on temp dirs and kernel-chosen ports; resolves once it logs that it runs. */
async function startAiops(args: string[]): Promise<{ child: ChildProcess; stderr: () => string }> {
  const dir = mkdtempSync(join(tmpdir(), 'aiops-cli-start-'));
  dirs.push(dir);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AIOPS_DATA_DIR: dir,
    AIOPS_BUS: 'memory',
    AIOPS_STORE: 'duckdb',
    AIOPS_INGEST_PORT: '0',
    AIOPS_API_PORT: '0',
    AIOPS_OPS_PORT: '0',
    AIOPS_SYSLOG_TCP_PORT: '0',
    AIOPS_SYSLOG_UDP_PORT: '0',
    AIOPS_LOG_LEVEL: 'info',
  };
  delete env.AIOPS_KAFKA_BROKERS;
  delete env.AIOPS_CLICKHOUSE_URL;
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let err = '';
  child.stderr!.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (chunk: string) => {
      err += chunk;
      if (err.includes('pipeline running')) resolve();
    });
    child.once('exit', (code, signal) => reject(new Error(`aiops ${args.join(' ')} exited (${code ?? signal}) before it ran:\n${err}`)));
  });
  return { child, stderr: () => err };
}

function exitAfter(child: ChildProcess, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    child.once('exit', (code, sig) => resolve({ code, signal: sig, ms: Date.now() - t0 }));
    child.kill(signal);
  });
}

describe('signals reach the pipeline started by bin/aiops.js', () => {
  for (const args of [['start'], ['detect', '--embedded']]) {
    it(`aiops ${args.join(' ')}: SIGTERM stops it cleanly with exit 0 within 10 s`, async () => {
      const { child, stderr } = await startAiops(args);
      const exit = await exitAfter(child, 'SIGTERM');
      expect(exit.signal, stderr()).toBeNull();
      expect(exit.code, stderr()).toBe(0);
      expect(exit.ms).toBeLessThan(10_000);
      expect(stderr()).toContain('"signal":"SIGTERM"');
    }, 120_000);
  }
});
