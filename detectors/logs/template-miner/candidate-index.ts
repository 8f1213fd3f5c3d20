// Candidate index: the first two levels of a Drain-style tree. Clusters are bucketed by token
// count, then by their first token when it is a literal; templates starting with a parameter sit
// in a separate list that every lookup of that length also scans.
import { Cluster, K_LIT } from './cluster.js';

class LengthBucket {
  readonly byFirst = new Map<string, Cluster[]>();
  readonly wild: Cluster[] = [];
}

function removeFrom(list: Cluster[], c: Cluster): void {
  const i = list.indexOf(c);
  if (i >= 0) list.splice(i, 1);
}

export class CandidateIndex {
  private readonly byLength = new Map<number, LengthBucket>();

  add(c: Cluster): void {
    const n = c.tokens.length;
    let b = this.byLength.get(n);
    if (!b) this.byLength.set(n, (b = new LengthBucket()));
    if (n > 0 && c.kinds[0] === K_LIT) {
      const first = c.tokens[0]!;
      let list = b.byFirst.get(first);
      if (!list) b.byFirst.set(first, (list = []));
      list.push(c);
    } else {
      b.wild.push(c);
    }
  }

  remove(c: Cluster): void {
    const n = c.tokens.length;
    const b = this.byLength.get(n);
    if (!b) return;
    if (n > 0 && c.kinds[0] === K_LIT) {
      const first = c.tokens[0]!;
      const list = b.byFirst.get(first);
      if (list) {
        removeFrom(list, c);
        if (list.length === 0) b.byFirst.delete(first);
      }
    } else {
      removeFrom(b.wild, c);
    }
    if (b.byFirst.size === 0 && b.wild.length === 0) this.byLength.delete(n);
  }

  /**
   * Lists that may hold a template accepting a token sequence of length n whose first token is
   * `first` (a literal when firstIsLiteral).
   */
  candidates(n: number, first: string | undefined, firstIsLiteral: boolean): Cluster[][] {
    const b = this.byLength.get(n);
    if (!b) return [];
    const out: Cluster[][] = [];
    if (firstIsLiteral && first !== undefined) {
      const list = b.byFirst.get(first);
      if (list) out.push(list);
    }
    if (b.wild.length > 0) out.push(b.wild);
    return out;
  }

  /** Lists that may hold templates more specific than (or equal to) `g`. */
  specialisationsOf(g: Cluster): Cluster[][] {
    const n = g.tokens.length;
    const b = this.byLength.get(n);
    if (!b) return [];
    if (n > 0 && g.kinds[0] === K_LIT) {
      const list = b.byFirst.get(g.tokens[0]!);
      return list ? [list] : [];
    }
    return [...b.byFirst.values(), b.wild];
  }

  /** Every list of templates with n tokens, whatever their first token. */
  sameLength(n: number): Cluster[][] {
    const b = this.byLength.get(n);
    return b ? [...b.byFirst.values(), b.wild] : [];
  }
}
