// Variable positions (Brain's and the Loghub-2.0 parsers' idea, streaming): templates of one
// length that share a constant skeleton and differ only at a few word positions, each of which
// holds many distinct values across them, are one event with parameters there. Word families
// (families.ts) catch one varying word; this catches two or more varying together
// ("synchronized to alice, stratum bob", "synchronized to carol, stratum dave", ...), which a
// one-position family never sees because no two such lines are equal but for one word.
// An enumeration (Receiving / Received, started / stopped) has few values and stays apart.
import { Cluster, K_LIT, K_VAR, K_WORD } from './cluster.js';
import { isWordToken } from './families.js';

/** Most templates scanned per new template (the newest of its length are the likeliest kin). */
const MAX_SCAN = 2000;

/**
 * May position i of c be a parameter: a word literal, a word slot or a masked value (a position
 * where one line has a host name the masks know and another a bare word varies all the same)?
 */
function isVariableCandidate(c: Cluster, i: number): boolean {
  const k = c.kinds[i]!;
  if (k === K_LIT) return isWordToken(c.tokens[i]!);
  return k === K_WORD || k === K_VAR;
}

export interface VariablePositions {
  positions: number[];
  /** The templates, c included, that one template with parameters at `positions` replaces. */
  members: Cluster[];
}

/**
 * Positions of c that vary across templates of c's length sharing its skeleton, when there are 2
 * to maxPositions of them, each with at least need(p) distinct values (a word slot counts as
 * enough), the skeleton keeps at least as many constant words as there are varying positions,
 * at least need(p) templates take part, and they have been seen at most maxRepeat times each on
 * average. Null when there is none.
 */
export function findVariablePositions(
  c: Cluster,
  sameLength: readonly (readonly Cluster[])[],
  maxPositions: number,
  need: (position: number) => number,
  maxRepeat: number,
): VariablePositions | null {
  const n = c.tokens.length;
  if (maxPositions < 2 || n < 3) return null;
  const diffs: { o: Cluster; d: number[] }[] = [];
  let scanned = 0;
  for (const list of sameLength) {
    for (let k = list.length - 1; k >= 0 && scanned < MAX_SCAN; k--, scanned++) {
      const o = list[k]!;
      if (o === c || !o.alive) continue;
      const d: number[] = [];
      for (let i = 0; i < n && d.length <= maxPositions; i++) {
        if (o.tokens[i] === c.tokens[i] && o.kinds[i] === c.kinds[i]) continue;
        if (!isVariableCandidate(c, i) || !isVariableCandidate(o, i)) {
          d.length = maxPositions + 1;
          break;
        }
        d.push(i);
      }
      if (d.length >= 1 && d.length <= maxPositions) diffs.push({ o, d });
    }
  }
  let best: VariablePositions | null = null;
  const tried = new Set<string>();
  for (const { d } of diffs) {
    if (d.length < 2) continue;
    const key = d.join(',');
    if (tried.has(key)) continue;
    tried.add(key);
    let constantWords = 0;
    for (let i = 0, j = 0; i < n; i++) {
      if (d[j] === i) j++;
      else if (c.kinds[i] === K_LIT && isWordToken(c.tokens[i]!)) constantWords++;
    }
    if (constantWords < d.length) continue;
    const members = [c, ...diffs.filter((x) => x.d.every((p) => d.includes(p))).map((x) => x.o)];
    if (!d.every((p) => members.length >= need(p) && distinctAt(members, p) >= need(p))) continue;
    // Values of parameters seldom repeat together; an enumeration's do (a state machine's
    // "from NEW to UNASSIGNED" lines recur, each pair many times).
    let lines = 0;
    for (let k = 1; k < members.length; k++) lines += members[k]!.count;
    if (lines > maxRepeat * (members.length - 1)) continue;
    if (best === null || members.length > best.members.length) best = { positions: d, members };
  }
  return best;
}

/** Distinct values at position p; a word slot stands for as many as are needed. */
function distinctAt(members: readonly Cluster[], p: number): number {
  const values = new Set<string>();
  for (const m of members) {
    if (m.kinds[p] === K_WORD) return Number.MAX_SAFE_INTEGER;
    values.add(m.tokens[p]!);
  }
  return values.size;
}
