// Batch labelling with final templates: mine every message (streaming), then label each one
// with the cluster it ended up in after the whole input was seen (the Loghub convention).
import { TemplateMiner } from './miner.js';

export interface LabelledMessage {
  cluster: string;
  template: string;
}

/**
 * Mine `messages` in order with `miner` and return, per message, its final cluster id and
 * template. A message whose cluster was evicted keeps the template it got when mined.
 */
export function labelMessages(
  messages: Iterable<string>,
  miner: TemplateMiner = new TemplateMiner(),
  onProgress?: (done: number) => void,
): LabelledMessage[] {
  const ids: string[] = [];
  const templates: string[] = [];
  let n = 0;
  for (const m of messages) {
    const r = miner.add(m);
    ids.push(r.clusterId);
    templates.push(r.template);
    if (onProgress && ++n % 65536 === 0) onProgress(n);
  }
  return finalLabels(miner, ids, templates);
}

/** Resolve ids recorded while mining to the final clusters. */
export function finalLabels(miner: TemplateMiner, ids: readonly string[], templates: readonly string[]): LabelledMessage[] {
  const finalTemplate = new Map<string, string>();
  for (const c of miner.clusters()) finalTemplate.set(c.id, c.template);
  const resolved = new Map<string, string | undefined>();
  const out: LabelledMessage[] = new Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    let r = resolved.get(id);
    if (!resolved.has(id)) {
      r = miner.resolveId(id);
      resolved.set(id, r);
    }
    if (r !== undefined) out[i] = { cluster: r, template: finalTemplate.get(r) ?? templates[i]! };
    else out[i] = { cluster: id, template: templates[i]! };
  }
  return out;
}
