// Batch labelling with final templates: mine every message (streaming), then label each one
// with the cluster it ended up in after the whole input was seen (the Loghub convention).
import { TemplateMiner } from './miner.js';

export interface LabelledMessage {
  cluster: string;
  template: string;
}

/**
 * The cluster of each mined line, 4 bytes a line (an index into the distinct ids seen), resolved
 * to the final clusters at the end. A line whose cluster was evicted keeps the template it got
 * when mined.
 */
export class LineLabels {
  private lines = new Int32Array(1024);
  private count = 0;
  private readonly index = new Map<string, number>();
  private readonly ids: string[] = [];
  private readonly templates: string[] = [];

  get length(): number {
    return this.count;
  }

  push(mined: { clusterId: string; template: string }): void {
    let k = this.index.get(mined.clusterId);
    if (k === undefined) {
      k = this.ids.length;
      this.index.set(mined.clusterId, k);
      this.ids.push(mined.clusterId);
      this.templates.push(mined.template);
    }
    if (this.count === this.lines.length) {
      const grown = new Int32Array(this.lines.length * 2);
      grown.set(this.lines);
      this.lines = grown;
    }
    this.lines[this.count++] = k;
  }

  /**
   * Final labels, one per distinct id: `label(i)` gives line i's; `distinct` and `labelIndex(i)`
   * (line i's index into it) let a writer prepare its output once per label, not once per line.
   */
  resolve(miner: TemplateMiner): ResolvedLabels {
    const finalTemplate = new Map<string, string>();
    for (const c of miner.clusters()) finalTemplate.set(c.id, c.template);
    const labels: LabelledMessage[] = this.ids.map((id, k) => {
      const r = miner.resolveId(id);
      return r === undefined ? { cluster: id, template: this.templates[k]! } : { cluster: r, template: finalTemplate.get(r) ?? this.templates[k]! };
    });
    const lines = this.lines;
    return { distinct: labels, labelIndex: (line: number) => lines[line]!, label: (line: number) => labels[lines[line]!]! };
  }
}

export interface ResolvedLabels {
  /** One entry per distinct id a line was mined into; two entries may name the same final cluster. */
  readonly distinct: readonly LabelledMessage[];
  labelIndex(line: number): number;
  label(line: number): LabelledMessage;
}

/** Mine `messages` in order with `miner` and return, per message, its final cluster id and template. */
export function labelMessages(messages: Iterable<string>, miner: TemplateMiner = new TemplateMiner()): LabelledMessage[] {
  const lines = new LineLabels();
  for (const m of messages) lines.push(miner.add(m));
  const final = lines.resolve(miner);
  return Array.from({ length: lines.length }, (_, i) => final.label(i));
}
