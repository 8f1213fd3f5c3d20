import { describe, expect, it } from 'vitest';
import { TemplateMiner, labelMessages } from '../../detectors/logs/template-miner/index.js';
import { rewriteVariables, type LabelledLine } from '../../bench/loghub/rewrite-variables.js';
import { scoreParsing } from '../../bench/loghub/score.js';
import { mulberry32 } from '../support/random.js';

/** A small generated corpus: events whose variable fields hold numbers, as in the dev logs. */
function corpus(n: number, seed: number): LabelledLine[] {
  const r = mulberry32(seed);
  const int = (k: number): number => Math.floor(r() * k);
  const events: [string, (t: string) => string][] = [
    ['PacketResponder <*> for block <*> terminating', (t) => t],
    ['Received block <*> of size <*> from <*>', (t) => t],
    ['synchronized to <*>, stratum <*>', (t) => t],
    ['Verification succeeded for <*>', (t) => t],
    ['session opened for user <*> by <*>', (t) => t],
    ['Connection from <*> port <*> closed after <*> retries', (t) => t],
    ['Task <*> Transitioned from RUNNING to SUCCEEDED', (t) => t],
    ['Task <*> Transitioned from NEW to RUNNING', (t) => t],
  ];
  const lines: LabelledLine[] = [];
  for (let i = 0; i < n; i++) {
    const e = int(events.length);
    const template = events[e]![0];
    const content = template.replace(/<\*>/g, () => String(int(100000)));
    lines.push({ content, event: `E${e}`, template });
  }
  return lines;
}

function ga(lines: readonly LabelledLine[], input: readonly string[], miner = new TemplateMiner()): number {
  const labels = labelMessages(input, miner);
  return scoreParsing({ truth: lines.map((l) => l.event), predicted: labels.map((l) => l.cluster) }).ga;
}

describe('variable-field rewrite (robustness corpus)', () => {
  const lines = corpus(600, 7);

  it('changes every variable field and keeps the constant text and the grouping', () => {
    const { lines: out, unmatched, rewritten } = rewriteVariables(lines, 1);
    expect(unmatched).toBe(0);
    expect(out).toHaveLength(lines.length);
    const kindsUsed = Object.values(rewritten).filter((k) => k > 0).length;
    expect(kindsUsed).toBeGreaterThanOrEqual(5);
    for (let i = 0; i < lines.length; i++) {
      expect(out[i]).not.toBe(lines[i]!.content);
      for (const literal of lines[i]!.template.split('<*>').map((p) => p.trim()).filter((p) => p !== '')) expect(out[i]).toContain(literal);
    }
  });

  it('is reproducible from its seed and differs between seeds', () => {
    expect(rewriteVariables(lines, 3).lines).toEqual(rewriteVariables(lines, 3).lines);
    expect(rewriteVariables(lines, 3).lines).not.toEqual(rewriteVariables(lines, 4).lines);
  });

  it('the default miner groups the rewritten corpus as the original', () => {
    const original = ga(lines, lines.map((l) => l.content));
    expect(original).toBe(1);
    for (const seed of [1, 2, 3]) {
      const { lines: out } = rewriteVariables(lines, seed);
      expect(ga(lines, out)).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('without variable positions the same miner splits the rewritten corpus (the suite can fail)', () => {
    const { lines: out } = rewriteVariables(lines, 1);
    expect(ga(lines, out, new TemplateMiner({ maxVariablePositions: 1 }))).toBeLessThan(ga(lines, out));
  });
});

describe('variable positions', () => {
  const words = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];
  const hosts = ['gateway', 'edge', 'store', 'search', 'queue', 'batch', 'proxy', 'mail'];

  it('two word positions that vary together become one template', () => {
    const m = new TemplateMiner();
    const ids = words.map((w, i) => m.add(`synchronized to ${w}, stratum ${hosts[i]}`).clusterId);
    const last = m.add('synchronized to oscar, stratum lab');
    expect(m.resolveId(ids[0]!)).toBe(last.clusterId);
    expect(last.template).toBe('synchronized to <*>, stratum <*>');
  });

  it('an enumeration whose pairs recur stays apart (state transitions)', () => {
    const m = new TemplateMiner();
    const states = ['NEW', 'UNASSIGNED', 'ASSIGNED', 'RUNNING', 'COMMIT_PENDING', 'SUCCEEDED', 'CLEANUP'];
    // Tasks start in waves, so each transition recurs before the next one is first seen.
    for (let s = 0; s + 1 < states.length; s++) {
      for (let task = 0; task < 5; task++) m.add(`Task attempt_${task} Transitioned from ${states[s]} to ${states[s + 1]}`);
    }
    const templates = m.clusters().map((c) => c.template);
    expect(templates).toContain('Task <*> Transitioned from NEW to UNASSIGNED');
    expect(templates.filter((t) => t.includes('Transitioned'))).toHaveLength(states.length - 1);
  });

  it('positions that differ in a word with few values (an enumeration) are not merged', () => {
    const m = new TemplateMiner();
    for (const w of words) {
      m.add(`Receiving block ${w} from ${w}`);
      m.add(`Received block ${w} from ${w}`);
    }
    const templates = m.clusters().map((c) => c.template);
    expect(templates).toContain('Receiving block <*> from <*>');
    expect(templates).toContain('Received block <*> from <*>');
  });

  it('is off in a state written before it existed, and on with the default', () => {
    const m = new TemplateMiner();
    const snap = m.snapshot();
    delete (snap.options as { maxVariablePositions?: number }).maxVariablePositions;
    expect(TemplateMiner.restore(snap).options.maxVariablePositions).toBe(1);
    expect(TemplateMiner.restore(m.snapshot()).options.maxVariablePositions).toBe(m.options.maxVariablePositions);
  });
});

describe('word slots inside nested brackets', () => {
  it('the generalised template accepts the words it came from ("(TID [a])." -> "[<*>.")', () => {
    const m = new TemplateMiner();
    const ids = ['mivo', 'gornu', 'kaphara', 'delbezed', 'zed'].map((w) => m.add(`Finished task 3 in stage 4 (TID [${w}]). 512 bytes sent`).clusterId);
    const next = m.add('Finished task 9 in stage 1 (TID [rara]). 77 bytes sent');
    expect(ids.map((id) => m.resolveId(id))).toEqual(ids.map(() => next.clusterId));
    expect(m.clusters()).toHaveLength(1);
  });
});

describe('host:port values', () => {
  it('a dotted or dashed host with a port is one value, not a key', () => {
    const m = new TemplateMiner();
    m.add('Verification succeeded for cache-primary:5432');
    const r = m.add('Verification succeeded for web-01.example.com:8080');
    expect(r.template).toBe('Verification succeeded for <*>');
  });

  it('an identifier key with a number is still a key', () => {
    const m = new TemplateMiner();
    m.add('retries:3 done');
    expect(m.add('retries:4 done').template).toBe('retries:<*> done');
  });
});
