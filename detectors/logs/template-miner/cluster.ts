// A cluster is one template: a fixed-length sequence of tokens, each a literal, a masked
// parameter `head<*>tail`, a key/value `key=<*>tail` or a word slot `head<*>tail` (a position
// where distinct words were seen). Its id is the hash of its normalised template text.
import * as hashing from './ids.js';
import * as masking from './masking.js';

// Local bindings: the hot path must not read imports through module-namespace getters
// (how tsx and vitest compile ESM imports).
const { templateId } = hashing;
const { K_KV, K_LIT, K_VAR } = masking;

export const WILDCARD = '<*>';
/** A position generalised from distinct words (see families.ts). */
export const K_WORD = 3;

export class Cluster {
  readonly id: string;
  readonly seq: number;
  readonly tokens: readonly string[];
  readonly kinds: Uint8Array;
  /** Text in front of / behind the wildcard of parameter tokens ('' for literals). */
  readonly heads: readonly string[];
  readonly tails: readonly string[];
  readonly template: string;
  /** Literal tokens: the more, the more specific the template. */
  readonly literalCount: number;
  /** Literal and key/value tokens. */
  readonly anchorCount: number;
  count: number;
  lastSeen: number;
  alive = true;
  /** Set when this cluster was absorbed by a more general one. */
  mergedInto: Cluster | null = null;

  constructor(seq: number, tokens: readonly string[], kinds: Uint8Array, count = 0, lastSeen = 0, id?: string) {
    this.seq = seq;
    this.tokens = tokens;
    this.kinds = kinds;
    const heads: string[] = [];
    const tails: string[] = [];
    let literals = 0;
    let keys = 0;
    let literalWildcard = false;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (kinds[i] === K_LIT) {
        literals++;
        heads.push('');
        tails.push('');
        if (t.includes(WILDCARD)) literalWildcard = true;
      } else {
        if (kinds[i] === K_KV) keys++;
        const w = t.indexOf(WILDCARD);
        heads.push(w < 0 ? '' : t.slice(0, w));
        tails.push(w < 0 ? '' : t.slice(w + WILDCARD.length));
      }
    }
    this.heads = heads;
    this.tails = tails;
    this.literalCount = literals;
    this.anchorCount = literals + keys;
    this.template = tokens.join(' ');
    this.id = id ?? templateId(this.template, literalWildcard ? kindString(kinds) : '');
    this.count = count;
    this.lastSeen = lastSeen;
  }

  /**
   * Does template token i accept a token of kind `kind` with identity `text`?
   * - literal: the same literal;
   * - word slot (a position generalised from distinct words): anything with its head and tail;
   * - masked parameter: masked tokens with its head and tail; a literal or key/value only when
   *   the parameter is bare (`<*>`) and the template keeps at least one literal or key;
   * - key/value: the same key.
   */
  tokenAccepts(i: number, kind: number, text: string): boolean {
    const tk = this.kinds[i]!;
    const tt = this.tokens[i]!;
    if (tk === K_LIT) return kind === K_LIT && text === tt;
    if (text === tt) return true;
    const head = this.heads[i]!;
    const tail = this.tails[i]!;
    const bare = head === '' && tail === '';
    if (tk === K_VAR && kind !== K_VAR) return bare && this.anchorCount > 0;
    if (bare && tk !== K_KV) return true;
    return text.length >= head.length + tail.length && text.startsWith(head) && text.endsWith(tail);
  }

  /** Does this template accept every token of `other` (i.e. other is equal or more specific)? */
  generalises(other: Cluster): boolean {
    const n = this.tokens.length;
    if (other.tokens.length !== n) return false;
    for (let i = 0; i < n; i++) if (!this.tokenAccepts(i, other.kinds[i]!, other.tokens[i]!)) return false;
    return true;
  }

  /** The live cluster this one ended up in (itself, or the one that absorbed it), or null if evicted. */
  resolve(): Cluster | null {
    let c: Cluster = this;
    while (!c.alive) {
      if (!c.mergedInto) return null;
      c = c.mergedInto;
    }
    return c;
  }
}

const KIND_LETTERS = ['L', 'V', 'K', 'W'];

export function kindString(kinds: Uint8Array): string {
  let s = '';
  for (const k of kinds) s += KIND_LETTERS[k] ?? 'V';
  return s;
}

export function parseKinds(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    out[i] = c === 'L' ? K_LIT : c === 'K' ? K_KV : c === 'W' ? K_WORD : K_VAR;
  }
  return out;
}

export { K_KV, K_LIT, K_VAR };
