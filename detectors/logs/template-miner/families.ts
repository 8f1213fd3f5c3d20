// Families: clusters of the same length that are equal everywhere except at one position p,
// where each holds a different word. When a family collects enough distinct words, position p
// is a parameter ("removing chargen", "removing daytime", ... -> "removing <*>") and the miner
// generalises it. Enumerations (states, verbs) have few values and stay apart; real parameters
// (user names, services, hosts) keep producing new values and cross the threshold.
import { Cluster, K_LIT, K_VAR } from './cluster.js';
import { C_ALPHA, charClass } from './char-classes.js';
import { LANE_A_SEED, LANE_B_SEED, hashRangeA, hashRangeB, laneKey, mixA, mixB } from './ids.js';

export interface Family {
  readonly key: number;
  readonly position: number;
  readonly members: Cluster[];
}

const HOLE = 0x2d4c1b;

/** Is this literal a word that may turn out to be a parameter (contains a letter)? */
export function isWordToken(t: string): boolean {
  for (let i = 0; i < t.length; i++) if (charClass(t.charCodeAt(i)) & C_ALPHA) return true;
  return false;
}

/** A word literal, or a parameter with a word in front of it (a named index such as eth<*>). */
function isFamilyToken(c: Cluster, i: number): boolean {
  const k = c.kinds[i]!;
  if (k === K_LIT) return isWordToken(c.tokens[i]!);
  return k === K_VAR && isWordToken(c.heads[i]!);
}

export class FamilyIndex {
  /**
   * Family key -> its members. Most families hold one template, stored as the cluster itself (a
   * Family object is made when a second member joins): a template costs one map entry per word.
   */
  private readonly families = new Map<number, Cluster | Family>();

  get size(): number {
    return this.families.size;
  }

  /**
   * Positions of `c` eligible for generalisation, as long as another word literal stays: word
   * literals, and named parameters (`eth<*>`, `(node<*>)`: a word head kept in front of a
   * masked index), whose name may itself turn out to vary.
   */
  static eligiblePositions(c: Cluster): number[] {
    const words: number[] = [];
    let literalWords = 0;
    for (let i = 0; i < c.tokens.length; i++) {
      if (!isFamilyToken(c, i)) continue;
      words.push(i);
      if (c.kinds[i] === K_LIT) literalWords++;
    }
    if (literalWords >= 2) return words;
    return literalWords === 1 ? words.filter((i) => c.kinds[i] !== K_LIT) : [];
  }

  /** The family key of each eligible position of c: the hash of c's tokens with a hole there. */
  private static keysOf(c: Cluster): { positions: number[]; keys: number[] } {
    const positions = FamilyIndex.eligiblePositions(c);
    const keys: number[] = [];
    if (positions.length === 0) return { positions, keys };
    const n = c.tokens.length;
    const ha = new Int32Array(n);
    const hb = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const t = c.tokens[i]!;
      ha[i] = mixA(hashRangeA(t, 0, t.length), c.kinds[i]!);
      hb[i] = mixB(hashRangeB(t, 0, t.length), c.kinds[i]!);
    }
    for (const p of positions) {
      let a = mixA(LANE_A_SEED, n);
      let b = mixB(LANE_B_SEED, n);
      a = mixA(a, p);
      b = mixB(b, p);
      for (let i = 0; i < n; i++) {
        a = mixA(a, i === p ? HOLE : ha[i]!);
        b = mixB(b, i === p ? HOLE : hb[i]!);
      }
      keys.push(laneKey(a, b));
    }
    return { positions, keys };
  }

  /** Register c in the family of each eligible position; returns the families of two or more it joined. */
  add(c: Cluster): Family[] {
    const { positions, keys } = FamilyIndex.keysOf(c);
    const joined: Family[] = [];
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k]!;
      const f = this.families.get(key);
      if (f === undefined) {
        this.families.set(key, c);
      } else if (f instanceof Cluster) {
        const family: Family = { key, position: positions[k]!, members: [f, c] };
        this.families.set(key, family);
        joined.push(family);
      } else {
        f.members.push(c);
        joined.push(f);
      }
    }
    return joined;
  }

  remove(c: Cluster): void {
    for (const key of FamilyIndex.keysOf(c).keys) {
      const f = this.families.get(key);
      if (f === undefined) continue;
      if (f === c) {
        this.families.delete(key);
      } else if (!(f instanceof Cluster)) {
        const i = f.members.indexOf(c);
        if (i >= 0) f.members.splice(i, 1);
        if (f.members.length === 0) this.families.delete(key);
      }
    }
  }

  /** Members of f that really are equal to the first one except at f.position (guards against hash collisions). */
  static verifiedMembers(f: Family): Cluster[] {
    const first = f.members[0];
    if (!first) return [];
    const p = f.position;
    return f.members.filter((m) => {
      if (m.tokens.length !== first.tokens.length) return false;
      for (let i = 0; i < m.tokens.length; i++) {
        if (i === p) continue;
        if (m.tokens[i] !== first.tokens[i] || m.kinds[i] !== first.kinds[i]) return false;
      }
      return isFamilyToken(m, p);
    });
  }
}
