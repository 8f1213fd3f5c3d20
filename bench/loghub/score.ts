// Loghub log-parsing metrics (see /work/shared/bench/loghub2k/README.md):
//   GA  grouping accuracy: share of lines whose predicted group has exactly the lines of their true group;
//   FGA F1 over groups: a predicted group is correct when its line set equals a true group's line set;
//   PA  parsing accuracy: share of lines whose predicted template string equals the true one;
//   FTA F1 over templates: a correct group whose template string also equals the true template.

export interface ParsingScores {
  lines: number;
  truthGroups: number;
  predictedGroups: number;
  correctGroups: number;
  ga: number;
  fga: number;
  /** Only when predicted templates are given. */
  pa?: number;
  fta?: number;
}

export interface ScoreInput {
  /** Ground-truth group key per line (EventId or EventTemplate). */
  truth: readonly string[];
  /** Predicted group key per line (cluster id); missing entries count as singleton groups. */
  predicted: readonly (string | undefined)[];
  truthTemplates?: readonly string[];
  predictedTemplates?: readonly (string | undefined)[];
}

function groupLines(keys: readonly (string | undefined)[], n: number): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    // A missing prediction is its own group (never equal to anything else).
    const key = k === undefined ? `\u0000missing:${i}` : `k:${k}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(i);
  }
  return groups;
}

function f1(correct: number, predicted: number, truth: number): number {
  const p = predicted === 0 ? 0 : correct / predicted;
  const r = truth === 0 ? 0 : correct / truth;
  return p + r === 0 ? 0 : (2 * p * r) / (p + r);
}

export function scoreParsing(input: ScoreInput): ParsingScores {
  const n = input.truth.length;
  const truthGroups = groupLines(input.truth, n);
  const predGroups = groupLines(input.predicted, n);
  // Identify each truth group by its sorted line list; a predicted group is correct iff
  // its (sorted) line list equals the truth group of its first line.
  const truthOf = new Array<number[]>(n);
  for (const lines of truthGroups.values()) for (const i of lines) truthOf[i] = lines;

  let correctLines = 0;
  let correctGroups = 0;
  let correctTemplates = 0;
  const hasTemplates = input.truthTemplates !== undefined && input.predictedTemplates !== undefined;
  for (const lines of predGroups.values()) {
    const first = lines[0]!;
    const t = truthOf[first]!;
    let same = t.length === lines.length;
    if (same) {
      for (let j = 0; j < lines.length; j++) {
        if (t[j] !== lines[j]) {
          same = false;
          break;
        }
      }
    }
    if (same) {
      correctLines += lines.length;
      correctGroups++;
      if (hasTemplates && input.predictedTemplates![first] === input.truthTemplates![first]) correctTemplates++;
    }
  }
  const out: ParsingScores = {
    lines: n,
    truthGroups: truthGroups.size,
    predictedGroups: predGroups.size,
    correctGroups,
    ga: n === 0 ? 1 : correctLines / n,
    fga: f1(correctGroups, predGroups.size, truthGroups.size),
  };
  if (hasTemplates) {
    let ok = 0;
    for (let i = 0; i < n; i++) if (input.predictedTemplates![i] === input.truthTemplates![i]) ok++;
    out.pa = n === 0 ? 1 : ok / n;
    out.fta = f1(correctTemplates, predGroups.size, truthGroups.size);
  }
  return out;
}
