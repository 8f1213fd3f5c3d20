// Tokenizer: splits a message into chunks in one pass over its characters.
// A chunk is a maximal run of non-whitespace characters, except that a run of three or more
// dots ("dcbf.........0") is split off as its own chunk. Whitespace is never part of a template
// (runs of spaces collapse to one). For each chunk the pass records its span and the OR of its
// character classes into reusable typed arrays, with the chunk's two hash lanes (so literal
// tokens are never read twice): the hot path allocates nothing per message.
import * as charClasses from './char-classes.js';
import * as hashing from './ids.js';

// Local bindings: the hot path must not read imports through module-namespace getters
// (how tsx and vitest compile ESM imports).
const { CHAR_CLASS, NON_ASCII_CLASS, F_DOTRUN } = charClasses;
const { LANE_A_SEED, LANE_B_SEED } = hashing;

export class Tokenizer {
  count = 0;
  start: Int32Array;
  end: Int32Array;
  flags: Int32Array;
  /** Hash lanes (ids.ts stepA / stepB from the lane seeds) of each chunk's text (see `unhashed`). */
  hashA: Int32Array;
  hashB: Int32Array;

  /**
   * Chunk classes whose hash is not needed (their chunk is never a literal token): with the num
   * mask on, a chunk with a digit is always a parameter, so hashing stops at its first digit.
   */
  private readonly unhashed: number;

  constructor(initialCapacity = 64, digitChunksAreParameters = false) {
    this.unhashed = digitChunksAreParameters ? charClasses.C_DIGIT : 0;
    this.start = new Int32Array(initialCapacity);
    this.end = new Int32Array(initialCapacity);
    this.flags = new Int32Array(initialCapacity);
    this.hashA = new Int32Array(initialCapacity);
    this.hashB = new Int32Array(initialCapacity);
  }

  private grow(): void {
    const cap = this.start.length * 2;
    const g = (a: Int32Array): Int32Array => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.start = g(this.start);
    this.end = g(this.end);
    this.flags = g(this.flags);
    this.hashA = g(this.hashA);
    this.hashB = g(this.hashB);
  }

  /** Split `msg` into chunks; returns the chunk count. */
  scan(msg: string): number {
    const n = msg.length;
    const table = CHAR_CLASS;
    const unhashed = this.unhashed;
    let count = 0;
    let i = 0;
    while (i < n) {
      let c = msg.charCodeAt(i);
      if (c <= 32) {
        i++;
        continue;
      }
      const s = i;
      let f = 0;
      let ha = LANE_A_SEED;
      let hb = LANE_B_SEED;
      while (i < n) {
        c = msg.charCodeAt(i);
        if (c <= 32) break;
        if (c === 46 && i + 2 < n && msg.charCodeAt(i + 1) === 46 && msg.charCodeAt(i + 2) === 46) {
          if (i > s) break; // end the word before the dot run
          while (i < n && msg.charCodeAt(i) === 46) {
            ha = Math.imul(ha ^ 46, 16777619);
            hb = Math.imul(hb, 0x5bd1e995) ^ 46;
            i++;
          }
          f = F_DOTRUN | table[46]!;
          break;
        }
        f |= c < 128 ? table[c]! : NON_ASCII_CLASS;
        if ((f & unhashed) === 0) {
          // ids.ts stepA / stepB, inlined
          ha = Math.imul(ha ^ c, 16777619);
          hb = Math.imul(hb, 0x5bd1e995) ^ c;
        }
        i++;
      }
      if (count === this.start.length) this.grow();
      this.start[count] = s;
      this.end[count] = i;
      this.flags[count] = f;
      this.hashA[count] = ha;
      this.hashB[count] = hb;
      count++;
    }
    this.count = count;
    return count;
  }
}
