// Miner options and the one default configuration used for every source.
import { AiopsError } from '../../../platform/errors/aiops-error.js';
import { BUILTIN_MASKS, type BuiltinMask, type UserMask } from './masking.js';

export interface TemplateMinerOptions {
  /** LRU cap on live clusters; the least recently seen are evicted beyond it. Default 10,000. */
  maxClusters?: number;
  /** Signatures kept in the fast-path cache (per generation of a two-generation LRU). Default 50,000. */
  cacheSize?: number;
  /** Tokens per message; the rest of a longer message becomes one parameter. Default 256. */
  maxTokens?: number;
  /** Distinct words seen at one position (all else equal) before it becomes a parameter. Default 5. */
  variableMinValues?: number;
  /** Same, for the first token of a message (usually a verb or subject, so stricter). Default 8. */
  leadingVariableMinValues?: number;
  /**
   * Most word positions that may turn into parameters together (variable-positions.ts): templates
   * equal but at 2..N word positions, each with variableMinValues distinct values, become one.
   * 1 turns it off (one position at a time, word families only). Default 4.
   */
  maxVariablePositions?: number;
  /**
   * Variable positions only join templates seen at most this many times each on average: the
   * values of real parameters seldom repeat together, an enumeration's (state transitions) do.
   * Default 2.
   */
  variablePositionsMaxRepeat?: number;
  /** Old-id -> new-id aliases kept after merges. Default 4 x maxClusters. */
  maxAliases?: number;
  /**
   * Shape cache: messages equal but for the digits they hold (each run of digits counted as one
   * or several) share their template without being tokenised again. It never changes a result;
   * it is off when user masks are given (a regular expression may look at digits). Default true.
   */
  shapeCache?: boolean;
  /** Extra per-source masks (regular expressions), applied before the built-in ones. */
  masks?: UserMask[];
  /** Built-in masks to switch off. */
  disableMasks?: BuiltinMask[];
}

export type ResolvedOptions = Required<Omit<TemplateMinerOptions, 'masks' | 'disableMasks'>> & {
  masks: UserMask[];
  disableMasks: BuiltinMask[];
};

export const DEFAULT_OPTIONS: Readonly<ResolvedOptions> = Object.freeze({
  maxClusters: 10_000,
  cacheSize: 50_000,
  maxTokens: 256,
  variableMinValues: 5,
  leadingVariableMinValues: 8,
  maxVariablePositions: 4,
  variablePositionsMaxRepeat: 2,
  maxAliases: 40_000,
  shapeCache: true,
  masks: [],
  disableMasks: [],
});

function positiveInt(name: string, v: unknown, min = 1): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !Number.isInteger(v) || v < min) {
    throw new AiopsError('CONFIG_INVALID', `template miner option ${name} must be an integer >= ${min} (got ${String(v)})`);
  }
  return v;
}

export function resolveOptions(o: TemplateMinerOptions = {}): ResolvedOptions {
  const maxClusters = positiveInt('maxClusters', o.maxClusters ?? DEFAULT_OPTIONS.maxClusters);
  const masks = (o.masks ?? []).map((m) => {
    if (!m || typeof m.name !== 'string' || m.name === '') {
      throw new AiopsError('CONFIG_INVALID', 'each template miner mask needs a non-empty name');
    }
    const pattern = m.pattern instanceof RegExp ? m.pattern.source : m.pattern;
    const flags = m.pattern instanceof RegExp ? m.pattern.flags : (m.flags ?? '');
    try {
      new RegExp(pattern, flags.replace('g', '') + 'g');
    } catch (err) {
      throw new AiopsError('CONFIG_INVALID', `template miner mask ${m.name}: invalid regular expression`, undefined, { cause: err });
    }
    return { name: m.name, pattern, flags: flags.replace('g', '') };
  });
  if (masks.length > 250) throw new AiopsError('CONFIG_INVALID', 'at most 250 template miner masks');
  const disableMasks = [...(o.disableMasks ?? [])];
  for (const d of disableMasks) {
    if (!(BUILTIN_MASKS as readonly string[]).includes(d)) {
      throw new AiopsError('CONFIG_INVALID', `unknown built-in mask ${String(d)}; known: ${BUILTIN_MASKS.join(', ')}`);
    }
  }
  return {
    maxClusters,
    cacheSize: positiveInt('cacheSize', o.cacheSize ?? DEFAULT_OPTIONS.cacheSize),
    maxTokens: positiveInt('maxTokens', o.maxTokens ?? DEFAULT_OPTIONS.maxTokens, 2),
    variableMinValues: positiveInt('variableMinValues', o.variableMinValues ?? DEFAULT_OPTIONS.variableMinValues, 2),
    leadingVariableMinValues: positiveInt(
      'leadingVariableMinValues',
      o.leadingVariableMinValues ?? DEFAULT_OPTIONS.leadingVariableMinValues,
      2,
    ),
    maxVariablePositions: positiveInt('maxVariablePositions', o.maxVariablePositions ?? DEFAULT_OPTIONS.maxVariablePositions),
    variablePositionsMaxRepeat: positiveInt('variablePositionsMaxRepeat', o.variablePositionsMaxRepeat ?? DEFAULT_OPTIONS.variablePositionsMaxRepeat),
    maxAliases: positiveInt('maxAliases', o.maxAliases ?? Math.max(4 * maxClusters, 1000), 0),
    shapeCache: o.shapeCache ?? DEFAULT_OPTIONS.shapeCache,
    masks,
    disableMasks,
  };
}
