// Runs pipeline stages as separate OS processes, the way the distributed mode deploys them.
import { freePort, spawnNode, type PipelineProcess } from '../../bench/lib/pipeline-process.js';

export { freePort };
export type StageProcess = PipelineProcess;

/** One stage from the sources (`cli/main.ts <stage>` through tsx). */
export function spawnStage(name: string, env: Record<string, string>): StageProcess {
  return spawnNode(name, ['--import', 'tsx', 'cli/main.ts', name], env);
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      lastErr = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? ` (last error: ${(lastErr as Error).message})` : ''}`);
}
