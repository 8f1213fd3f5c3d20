// An AIOPS_* variable nobody reads is almost always a typo (AIOPS_API_PROT); it is warned about
// at start with the closest known name, not refused, so a newer deployment file still starts
// an older binary.
import { VARIABLES } from './config.js';

/** Read by the deploy/local service scripts and the test setup, not by the pipeline: never warned about. */
const READ_ELSEWHERE = new Set([
  'AIOPS_SERVICES_DIR', 'AIOPS_CACHE_DIR', 'AIOPS_LOCAL_DIR', 'AIOPS_LOG_TAG', 'AIOPS_REPO', 'AIOPS_APT_UPDATED',
  'AIOPS_KAFKA_PORT', 'AIOPS_KAFKA_CONTROLLER_PORT', 'AIOPS_KAFKA_HEAP_OPTS', 'AIOPS_KAFKA_START_TIMEOUT',
  'AIOPS_CLICKHOUSE_HTTP_PORT', 'AIOPS_CLICKHOUSE_TCP_PORT', 'AIOPS_CLICKHOUSE_START_TIMEOUT', 'AIOPS_TF_QUIET',
  'AIOPS_CLUSTER_HTTP_PORT', 'AIOPS_CLUSTER_TCP_PORT', 'AIOPS_CLUSTER_INTERSERVER_PORT', 'AIOPS_CLICKHOUSE_SHARD_URLS',
  'AIOPS_ZOOKEEPER_PORT', 'AIOPS_ZOOKEEPER_START_TIMEOUT',
]);

export interface UnknownVariable {
  name: string;
  /** The closest known variable, when it is close enough to be the intended one. */
  suggestion?: string;
}

/** Levenshtein distance (insert, delete, substitute), with a transposition counted as one edit. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

export function closestName(name: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const k of known) {
    const distance = editDistance(name, k);
    if (!best || distance < best.distance) best = { name: k, distance };
  }
  // The shared AIOPS_ prefix makes every name look alike; only a few edits in the rest count.
  const limit = Math.max(2, Math.floor((name.length - 'AIOPS_'.length) / 3));
  return best && best.distance <= limit ? best.name : undefined;
}

export function unknownVariables(env: Record<string, string | undefined>, known: readonly string[] = VARIABLES.map((v) => v.name)): UnknownVariable[] {
  const knownSet = new Set(known);
  return Object.keys(env)
    .filter((k) => k.startsWith('AIOPS_') && !knownSet.has(k) && !READ_ELSEWHERE.has(k))
    .sort()
    .map((name) => {
      const suggestion = closestName(name, known);
      return suggestion ? { name, suggestion } : { name };
    });
}

export function unknownVariableMessage(u: UnknownVariable): string {
  return u.suggestion
    ? `${u.name} is not an aiops variable and is ignored; did you mean ${u.suggestion}? (\`aiops config\` lists them)`
    : `${u.name} is not an aiops variable and is ignored (\`aiops config\` lists them)`;
}
