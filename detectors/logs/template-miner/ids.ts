// Hashing: two independent 32-bit lanes for the hot path (signature keys, family keys), and the
// stable template id, a hash of the normalised template text (never a counter), so two replicas
// or a restarted miner name the same template the same way.
import { createHash } from 'node:crypto';

export const LANE_A_SEED = 0x811c9dc5 | 0;
export const LANE_B_SEED = 0x9747b28c | 0;

/** FNV-1a step (lane A). */
export function stepA(h: number, c: number): number {
  return Math.imul(h ^ c, 16777619);
}

/** Multiply-then-xor step (lane B): the other order of operations and another multiplier than lane A. */
export function stepB(h: number, c: number): number {
  return Math.imul(h, 0x5bd1e995) ^ c;
}

export function hashRangeA(s: string, from: number, to: number, seed = LANE_A_SEED): number {
  let h = seed;
  for (let i = from; i < to; i++) h = stepA(h, s.charCodeAt(i));
  return h;
}

export function hashRangeB(s: string, from: number, to: number, seed = LANE_B_SEED): number {
  let h = seed;
  for (let i = from; i < to; i++) h = stepB(h, s.charCodeAt(i));
  return h;
}

/** Fold two 32-bit lanes into one exact integer key below 2^53 (usable as a Map key). */
export function laneKey(a: number, b: number): number {
  return (a >>> 0) * 2097152 + ((b >>> 0) & 0x1fffff);
}

/**
 * A small-integer (V8 Smi) bucket for two lanes: map lookups with it never box a number. Callers
 * keep both lanes to verify a hit.
 */
export function laneBucket(a: number, b: number): number {
  return (a ^ Math.imul(b, 0x27d4eb2d)) & 0x3fffffff;
}

/** Mix a token hash into a running sequence hash (order-sensitive). */
export function mixA(h: number, v: number): number {
  const x = Math.imul(h ^ v, 0x01000193) + 0x7f4a7c15;
  return x ^ (x >>> 16);
}

export function mixB(h: number, v: number): number {
  const x = Math.imul((h + v) | 0, 0x85ebca6b);
  return x ^ (x >>> 13);
}

/** Hash of a whole string, both lanes folded into one key. */
export function stringKey(s: string): number {
  return laneKey(hashRangeA(s, 0, s.length), hashRangeB(s, 0, s.length));
}

/** Length of the template ids (hex characters of SHA-256). 16 hex = 64 bits. */
export const TEMPLATE_ID_LENGTH = 16;

/**
 * The stable id of a template: the first 64 bits of SHA-256 over the normalised template text
 * (tokens joined by one space, `<*>` for every parameter). `discriminator` separates templates
 * whose text is equal but whose structure differs (a literal "<*>" in a log line).
 */
export function templateId(normalisedTemplate: string, discriminator = ''): string {
  const h = createHash('sha256');
  h.update(normalisedTemplate);
  if (discriminator) h.update('\u0000' + discriminator);
  return h.digest('hex').slice(0, TEMPLATE_ID_LENGTH);
}
