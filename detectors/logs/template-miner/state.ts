// Persisted state: a versioned, JSON-safe snapshot of a miner. Restoring it yields a miner that
// continues exactly as the original would have (same clusters, same ids, same decisions).
import { AiopsError } from '../../../platform/errors/aiops-error.js';
import type { BuiltinMask } from './masking.js';

export const STATE_FORMAT = 'aiops.template-miner';
export const STATE_VERSION = 1;

export interface ClusterState {
  id: string;
  seq: number;
  /** Template tokens; parameters are written `head<*>tail`. */
  tokens: string[];
  /** One letter per token: L literal, V masked parameter, K key/value, W word slot. */
  kinds: string;
  count: number;
  lastSeen: number;
}

export interface MinerCounters {
  messages: number;
  created: number;
  merges: number;
  generalisations: number;
  evictions: number;
  cacheHits: number;
  cacheMisses: number;
}

export interface MinerSnapshot {
  format: typeof STATE_FORMAT;
  version: typeof STATE_VERSION;
  options: {
    maxClusters: number;
    cacheSize: number;
    maxTokens: number;
    variableMinValues: number;
    leadingVariableMinValues: number;
    /** Absent in states written before variable positions existed (then 1: off). */
    maxVariablePositions?: number;
    variablePositionsMaxRepeat?: number;
    maxAliases: number;
    /** Absent in states written before the shape cache existed (then on). */
    shapeCache?: boolean;
    masks: { name: string; pattern: string; flags: string }[];
    disableMasks: BuiltinMask[];
  };
  tick: number;
  nextSeq: number;
  counters: MinerCounters;
  /** In creation order. */
  clusters: ClusterState[];
  /** [old id, new id] pairs, oldest first. */
  aliases: [string, string][];
}

function invalid(why: string): never {
  throw new AiopsError('INPUT_INVALID', `template miner state is invalid: ${why}`);
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Parse (if a string) and check a snapshot; throws INPUT_INVALID with the reason. */
export function validateSnapshot(input: unknown): MinerSnapshot {
  let s: unknown = input;
  if (typeof s === 'string') {
    try {
      s = JSON.parse(s);
    } catch (err) {
      throw new AiopsError('INPUT_INVALID', 'template miner state is not valid JSON', undefined, { cause: err });
    }
  }
  if (typeof s !== 'object' || s === null) invalid('not an object');
  const o = s as Record<string, unknown>;
  if (o.format !== STATE_FORMAT) invalid(`format is ${String(o.format)}, expected ${STATE_FORMAT}`);
  if (o.version !== STATE_VERSION) invalid(`version ${String(o.version)} is not supported (this build reads ${STATE_VERSION})`);
  if (typeof o.options !== 'object' || o.options === null) invalid('options missing');
  if (!isInt(o.tick) || !isInt(o.nextSeq)) invalid('tick / nextSeq must be non-negative integers');
  if (!Array.isArray(o.clusters)) invalid('clusters must be an array');
  if (!Array.isArray(o.aliases)) invalid('aliases must be an array');
  const seen = new Set<string>();
  for (const c of o.clusters as unknown[]) {
    if (typeof c !== 'object' || c === null) invalid('cluster entry is not an object');
    const k = c as Record<string, unknown>;
    if (typeof k.id !== 'string' || k.id === '') invalid('cluster id missing');
    if (seen.has(k.id)) invalid(`duplicate cluster id ${k.id}`);
    seen.add(k.id);
    if (!Array.isArray(k.tokens) || !k.tokens.every((t) => typeof t === 'string')) invalid(`cluster ${k.id}: tokens`);
    if (typeof k.kinds !== 'string' || k.kinds.length !== k.tokens.length || !/^[LVKW]*$/.test(k.kinds)) {
      invalid(`cluster ${k.id}: kinds must have one of L/V/K/W per token`);
    }
    if (!isInt(k.seq) || !isInt(k.count) || !isInt(k.lastSeen)) invalid(`cluster ${k.id}: seq / count / lastSeen`);
  }
  for (const a of o.aliases as unknown[]) {
    if (!Array.isArray(a) || a.length !== 2 || typeof a[0] !== 'string' || typeof a[1] !== 'string') invalid('alias entry');
  }
  return o as unknown as MinerSnapshot;
}
