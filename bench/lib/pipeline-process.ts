// What the whole-process benchmarks share: spawning `aiops start` (embedded) or the stages of the
// distributed mode as real OS processes, reading a process's CPU and RSS from /proc, and the
// percentile summary every result file uses.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { sourceDir } from '../../platform/runtime/source-dir.js';

export const ROOT = resolve(sourceDir(import.meta.url), '../..');
const CLK_TCK = 100;

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => ok(port));
    });
  });
}

function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export interface Spread { n: number; p50: number | null; p95: number | null; p99: number | null; max: number | null }
export function spread(values: readonly number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  const r = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);
  return { n: s.length, p50: r(percentile(s, 0.5)), p95: r(percentile(s, 0.95)), p99: r(percentile(s, 0.99)), max: r(s.at(-1) ?? null) };
}

/** CPU-seconds (user + system) and RSS of a process, from /proc; undefined once it has gone. */
export function procSample(pid: number): { cpuSeconds: number; rssMiB: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
    const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    return { cpuSeconds, rssMiB: Math.round(rssKiB / 102.4) / 10 };
  } catch {
    return undefined;
  }
}

export interface PipelineProcess {
  name: string;
  child: ChildProcess;
  output(): string;
  /** SIGKILL: no shutdown hooks, no final checkpoint, no offset commit. */
  kill9(): Promise<void>;
  /** SIGTERM, then SIGKILL after 15 s. */
  stop(): Promise<void>;
}

/** `node <argv>` from the repository root with `env` over ours, its output kept for error messages. */
export function spawnNode(name: string, argv: readonly string[], env: Record<string, string>): PipelineProcess {
  const child = spawn(process.execPath, argv, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (b: Buffer) => {
    out += b.toString('utf8');
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    name,
    child,
    output: () => out,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** `node bin/aiops.js <args>`: the compiled start, as `npm start` runs it. */
export function spawnAiops(name: string, args: readonly string[], env: Record<string, string>, nodeFlags: readonly string[] = []): PipelineProcess {
  return spawnNode(name, [...nodeFlags, 'bin/aiops.js', ...args], env);
}

/** Writes `result` under `label` in bench/results/<file>, keeping the other labels' results. */
export function writeLabelledResult(file: string, label: string, result: unknown): void {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, file);
  const previous = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>) : {};
  writeFileSync(path, `${JSON.stringify({ ...previous, [label]: result }, null, 2)}\n`);
  console.log(`wrote ${path} (${label})`);
}

/** Resolves once every URL's /readyz answers 2xx; throws with the processes' output otherwise. */
export async function waitReady(urls: readonly string[], procs: readonly PipelineProcess[], timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const up = await Promise.all(urls.map((u) => fetch(`${u}/readyz`))).then((rs) => rs.every((r) => r.ok), () => false);
    if (up) return;
    const gone = procs.find((p) => p.child.exitCode !== null);
    if (Date.now() > deadline || gone) {
      throw new Error(`the pipeline did not become ready${gone ? ` (${gone.name} exited ${gone.child.exitCode})` : ''}:\n${procs.map((p) => `--- ${p.name}\n${p.output().slice(-3000)}`).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The pipeline's event-loop delay since the previous scrape (prom-client resets it on each collect), in ms. */
export async function eventLoopLag(metricsUrl: string): Promise<Record<string, number | null>> {
  const text = await (await fetch(metricsUrl)).text();
  const pick = (name: string): number | null => {
    const m = new RegExp(`^aiops_nodejs_eventloop_lag_${name}_seconds(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
    return m ? Math.round(Number(m[1]) * 10_000) / 10 : null;
  };
  return { p50: pick('p50'), p99: pick('p99'), max: pick('max') };
}

/** The in-process bus's records waiting per consumer group (aiops_bus_pending_records). */
export async function busPending(metricsUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^aiops_bus_pending_records\{group="([^"]+)"\} (\S+)$/gm)) out.set(m[1]!, Number(m[2]));
  return out;
}
