// TemplateMiner: streaming log template mining.
//
//   message -> tokens (whitespace chunks) -> masks (numbers, paths, kv, ...) -> signature
//   fast path: signature hash -> cached cluster (no allocation besides the result)
//   slow path: candidate templates of the same length and first token (Drain-style tree),
//              most specific accepting template wins; none -> new cluster, which
//              - absorbs existing clusters it generalises, and
//              - joins families (same template but one word); a family with enough distinct
//                words becomes one template with a parameter there.
// Every decision depends only on the cluster set, so a restored snapshot or a replica fed the
// same stream makes the same decisions and names templates with the same ids (hash of template).
import { CandidateIndex } from './candidate-index.js';
import { ClusterCache } from './cache.js';
import { Cluster, K_KV, K_LIT, K_VAR, K_WORD, WILDCARD, kindString, parseKinds } from './cluster.js';
import { FamilyIndex, type Family } from './families.js';
import { type ResolvedOptions, type TemplateMinerOptions, resolveOptions } from './options.js';
import { SignatureBuilder } from './signature.js';
import { type MinerCounters, type MinerSnapshot, STATE_FORMAT, STATE_VERSION, validateSnapshot } from './state.js';
import { C_LEAD, C_TRAIL, charClass, openerOf } from './char-classes.js';
import { valueClass } from './masking.js';
import { findVariablePositions } from './variable-positions.js';

export interface MinedMessage {
  clusterId: string;
  template: string;
  /** Named parameters: key for key=value pairs, otherwise the value class (ip, num, path, ...). */
  params: Record<string, string>;
  /** True when this message created its template (a cluster id not seen before). */
  isNew: boolean;
  /**
   * True when the new template is a new kind of message: it generalises no template the miner
   * held and is not a third or later value at a word position of known templates (a template
   * that only widens known ones, e.g. `removing <*>` from five `removing x`, or `removing z`
   * after `removing x` and `removing y`, is new but not novel).
   */
  isNovel: boolean;
}

export interface ClusterInfo {
  id: string;
  template: string;
  count: number;
  lastSeen: number;
  tokens: number;
}

export interface MinerStats extends MinerCounters {
  clusters: number;
  families: number;
  aliases: number;
  cachedSignatures: number;
  cachedShapes: number;
}

/** Result of add()/match(): parameters are extracted only when read. */
class MinedResult implements MinedMessage {
  readonly clusterId: string;
  readonly template: string;
  readonly isNew: boolean;
  readonly isNovel: boolean;
  private readonly miner: TemplateMiner;
  private readonly message: string;
  private readonly cluster: Cluster;
  private cached: Record<string, string> | undefined;

  constructor(miner: TemplateMiner, message: string, cluster: Cluster, isNew: boolean, isNovel: boolean) {
    this.miner = miner;
    this.message = message;
    this.cluster = cluster;
    this.clusterId = cluster.id;
    this.template = cluster.template;
    this.isNew = isNew;
    this.isNovel = isNovel;
  }

  get params(): Record<string, string> {
    if (this.cached === undefined) this.cached = this.miner.extractParams(this.message, this.cluster);
    return this.cached;
  }

  toJSON(): MinedMessage {
    return { clusterId: this.clusterId, template: this.template, params: this.params, isNew: this.isNew, isNovel: this.isNovel };
  }
}

export class TemplateMiner {
  private readonly opts: ResolvedOptions;
  private readonly builder: SignatureBuilder;
  private readonly paramBuilder: SignatureBuilder;
  private readonly live = new Map<string, Cluster>();
  private readonly index = new CandidateIndex();
  private readonly families = new FamilyIndex();
  private readonly aliases = new Map<string, string>();
  /** Signature -> cluster. */
  private readonly signatureCache: ClusterCache;
  /** Message shape (see SignatureBuilder.shape) -> cluster; null when off. */
  private readonly shapeCache: ClusterCache | null;
  private tick = 0;
  /** Largest word family the last created template joined (see registerFamilies). */
  private lastFamilySize = 1;
  private nextSeq = 0;
  private readonly counters: MinerCounters = {
    messages: 0,
    created: 0,
    merges: 0,
    generalisations: 0,
    evictions: 0,
    cacheHits: 0,
    cacheMisses: 0,
  };

  constructor(options: TemplateMinerOptions = {}) {
    this.opts = resolveOptions(options);
    const maskOpts = { masks: this.opts.masks, disable: this.opts.disableMasks, maxTokens: this.opts.maxTokens };
    this.builder = new SignatureBuilder(maskOpts);
    this.paramBuilder = new SignatureBuilder(maskOpts);
    this.signatureCache = new ClusterCache(this.opts.cacheSize);
    const shapes = this.opts.shapeCache && this.opts.masks.length === 0 && !this.opts.disableMasks.includes('num');
    this.shapeCache = shapes ? new ClusterCache(this.opts.cacheSize) : null;
  }

  get options(): Readonly<ResolvedOptions> {
    return this.opts;
  }

  // ---------------------------------------------------------------- mining

  /** Mine one message (learning): returns its cluster, template and parameters. */
  add(message: string): MinedMessage {
    this.counters.messages++;
    const b = this.builder;
    const shapes = this.shapeCache;
    let shape = -1;
    if (shapes !== null) {
      shape = b.shape(message);
      const c = shapes.get(shape, b.shapeA, b.shapeB);
      if (c !== undefined) {
        this.counters.cacheHits++;
        c.count++;
        c.lastSeen = ++this.tick;
        return new MinedResult(this, message, c, false, false);
      }
    }
    const key = b.build(message);
    let cluster = this.cacheGet(key, b.keyA, b.keyB, b.tokCount);
    let isNew = false;
    let isNovel = false;
    if (cluster) {
      this.counters.cacheHits++;
    } else {
      this.counters.cacheMisses++;
      const { texts, kinds } = this.materialise(message);
      cluster = this.findMatch(texts, kinds);
      if (!cluster) {
        const seqFloor = this.nextSeq;
        const merges = this.counters.merges;
        cluster = this.createFrom(texts, kinds);
        isNew = cluster.seq >= seqFloor;
        // A third value at a word position is a variant, not a new kind of message.
        isNovel = isNew && this.counters.merges === merges && this.lastFamilySize < 3;
      }
      this.signatureCache.set(key, b.keyA, b.keyB, cluster);
    }
    if (shapes !== null && b.digitFree) shapes.set(shape, b.shapeA, b.shapeB, cluster);
    cluster.count++;
    cluster.lastSeen = ++this.tick;
    if (this.live.size > this.opts.maxClusters) this.evict();
    return new MinedResult(this, message, cluster, isNew, isNovel);
  }

  /** Find the template of a message without learning; null when no template accepts it. */
  match(message: string): MinedMessage | null {
    const b = this.builder;
    const key = b.build(message);
    let cluster = this.cacheGet(key, b.keyA, b.keyB, b.tokCount);
    if (!cluster) {
      const { texts, kinds } = this.materialise(message);
      cluster = this.findMatch(texts, kinds);
      if (!cluster) return null;
    }
    return new MinedResult(this, message, cluster, false, false);
  }

  private materialise(message: string): { texts: string[]; kinds: Uint8Array } {
    const b = this.builder;
    const n = b.tokCount;
    const texts = new Array<string>(n);
    const kinds = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      texts[i] = b.tokenText(message, i);
      kinds[i] = b.tKind[i]!;
    }
    return { texts, kinds };
  }

  private cacheGet(key: number, a: number, b: number, tokCount: number): Cluster | undefined {
    const c = this.signatureCache.get(key, a, b);
    return c === undefined || c.tokens.length !== tokCount ? undefined : c;
  }

  /** Called whenever the cluster set changes: cached answers may no longer be the slow path's. */
  private clearCache(): void {
    this.signatureCache.clear();
    this.shapeCache?.clear();
  }

  /** Most specific template accepting the token sequence (ties: oldest cluster). */
  private findMatch(texts: readonly string[], kinds: Uint8Array): Cluster | undefined {
    const n = texts.length;
    let best: Cluster | undefined;
    for (const list of this.index.candidates(n, texts[0], n > 0 && kinds[0] === K_LIT)) {
      for (const c of list) {
        if (best && (c.literalCount < best.literalCount || (c.literalCount === best.literalCount && c.seq > best.seq))) continue;
        let ok = true;
        for (let i = 0; i < n; i++) {
          if (!c.tokenAccepts(i, kinds[i]!, texts[i]!)) {
            ok = false;
            break;
          }
        }
        if (ok) best = c;
      }
    }
    return best;
  }

  // ---------------------------------------------------------------- cluster set changes

  private insert(c: Cluster): void {
    this.live.set(c.id, c);
    this.index.add(c);
  }

  private detach(c: Cluster): void {
    this.live.delete(c.id);
    this.index.remove(c);
    this.families.remove(c);
    c.alive = false;
  }

  private createFrom(texts: string[], kinds: Uint8Array): Cluster {
    const c = new Cluster(this.nextSeq++, texts, kinds, 0, this.tick);
    this.counters.created++;
    this.insert(c);
    this.clearCache();
    this.absorbSpecialisations(c);
    this.lastFamilySize = this.registerFamilies(c);
    if (c.alive) this.generaliseVariablePositions(c);
    return c.resolve() ?? c;
  }

  /**
   * Put c into its families and generalise any family that crossed the threshold. Returns the
   * size of the largest family c joined (1 = c differs from every template in two or more words).
   */
  private registerFamilies(c: Cluster): number {
    const joined = this.families.add(c);
    let largest = 1;
    for (const f of joined) if (f.members.length > largest) largest = f.members.length;
    for (const f of joined) {
      if (!c.alive) break;
      this.maybeGeneralise(f);
    }
    return largest;
  }

  private absorbSpecialisations(g: Cluster): void {
    const victims: Cluster[] = [];
    for (const list of this.index.specialisationsOf(g)) {
      for (const c of list) if (c !== g && g.generalises(c)) victims.push(c);
    }
    for (const c of victims) this.absorb(c, g);
  }

  private absorb(c: Cluster, into: Cluster): void {
    this.detach(c);
    c.mergedInto = into;
    into.count += c.count;
    if (c.lastSeen > into.lastSeen) into.lastSeen = c.lastSeen;
    this.counters.merges++;
    this.addAlias(c.id, into.id);
  }

  private needAt(p: number): number {
    return p === 0 ? this.opts.leadingVariableMinValues : this.opts.variableMinValues;
  }

  private maybeGeneralise(f: Family): void {
    const p = f.position;
    const need = this.needAt(p);
    if (f.members.length < need) return;
    const members = FamilyIndex.verifiedMembers(f);
    if (members.length < need) return;
    this.generalise(members, [p]);
  }

  private generaliseVariablePositions(c: Cluster): void {
    const found = findVariablePositions(c, this.index.sameLength(c.tokens.length), this.opts.maxVariablePositions, (p) => this.needAt(p), this.opts.variablePositionsMaxRepeat);
    if (found !== null) this.generalise(found.members, found.positions);
  }

  /** Replace `members` (equal but at `positions`) by one template with word slots there. */
  private generalise(members: readonly Cluster[], positions: readonly number[]): void {
    const first = members[0]!;
    const tokens = first.tokens.slice();
    const kinds = first.kinds.slice();
    for (const p of positions) {
      tokens[p] = commonWildcard(members.map((m) => m.tokens[p]!));
      kinds[p] = K_WORD;
    }
    this.counters.generalisations++;
    let g = this.live.get(new Cluster(-1, tokens, kinds).id);
    let fresh = g === undefined;
    if (!g) {
      g = new Cluster(this.nextSeq++, tokens, kinds, 0, 0);
      this.counters.created++;
      this.insert(g);
    } else if (positions.some((p) => g!.kinds[p] !== K_WORD)) {
      // The same text as a masked template (`(<*>)` from host names the masks know): a word slot
      // accepts what the mask did and the words too, so the template takes it, keeping its id.
      const widened = new Cluster(g.seq, tokens, kinds, g.count, g.lastSeen, g.id);
      this.detach(g);
      g.mergedInto = widened;
      this.insert(widened);
      g = widened;
      fresh = true;
    }
    this.clearCache();
    this.absorbSpecialisations(g);
    if (fresh) this.registerFamilies(g);
  }

  private addAlias(oldId: string, newId: string): void {
    if (oldId === newId) return;
    this.aliases.delete(oldId);
    this.aliases.set(oldId, newId);
    const cap = this.opts.maxAliases;
    if (this.aliases.size > cap) {
      const drop = this.aliases.size - Math.floor(cap * 0.9);
      let k = 0;
      for (const id of this.aliases.keys()) {
        if (k++ >= drop) break;
        this.aliases.delete(id);
      }
    }
  }

  /** Evict the least recently seen clusters down to 95% of maxClusters. */
  private evict(): void {
    const max = this.opts.maxClusters;
    const target = Math.max(1, max - Math.max(1, Math.floor(max * 0.05)));
    const order = [...this.live.values()].sort((a, b) => a.lastSeen - b.lastSeen || a.seq - b.seq);
    for (let i = 0; i < order.length && this.live.size > target; i++) {
      this.detach(order[i]!);
      this.counters.evictions++;
    }
    this.clearCache();
  }

  // ---------------------------------------------------------------- parameters

  /** Named parameters of `message` under cluster `c`'s template. */
  extractParams(message: string, c: Cluster): Record<string, string> {
    const b = this.paramBuilder;
    b.build(message);
    const out: Record<string, string> = {};
    const n = c.tokens.length;
    if (b.tokCount !== n) return out;
    for (let i = 0; i < n; i++) {
      const kind = c.kinds[i]!;
      if (kind === K_LIT) continue;
      const head = c.heads[i]!;
      const tail = c.tails[i]!;
      const sk = b.tKind[i]!;
      let name: string;
      let value: string;
      if (kind === K_KV) {
        name = keyOfHead(head);
        value = sk === K_KV ? b.tokenValue(message, i) : strip(b.tokenRaw(message, i), head, tail);
      } else {
        value = sk === K_VAR ? b.tokenValue(message, i) : strip(b.tokenRaw(message, i), head, tail);
        name = b.tokenMask(i) ?? valueClass(value);
      }
      let unique = name;
      for (let k = 2; unique in out; k++) unique = `${name}_${k}`;
      out[unique] = value;
    }
    return out;
  }

  // ---------------------------------------------------------------- inspection

  /** Current id for an id returned earlier (follows merges); undefined when evicted. */
  resolveId(id: string): string | undefined {
    let cur = id;
    for (let hops = 0; hops < 1000; hops++) {
      if (this.live.has(cur)) return cur;
      const next = this.aliases.get(cur);
      if (next === undefined) return undefined;
      cur = next;
    }
    return undefined;
  }

  /** The live cluster for an id (following merges). */
  getCluster(id: string): ClusterInfo | undefined {
    const r = this.resolveId(id);
    const c = r === undefined ? undefined : this.live.get(r);
    return c ? info(c) : undefined;
  }

  /** Live clusters in creation order. */
  clusters(): ClusterInfo[] {
    return [...this.live.values()].sort((a, b) => a.seq - b.seq).map(info);
  }

  stats(): MinerStats {
    return {
      ...this.counters,
      clusters: this.live.size,
      families: this.families.size,
      aliases: this.aliases.size,
      cachedSignatures: this.signatureCache.size,
      cachedShapes: this.shapeCache?.size ?? 0,
    };
  }

  // ---------------------------------------------------------------- persistence

  snapshot(): MinerSnapshot {
    const o = this.opts;
    return {
      format: STATE_FORMAT,
      version: STATE_VERSION,
      options: {
        maxClusters: o.maxClusters,
        cacheSize: o.cacheSize,
        maxTokens: o.maxTokens,
        variableMinValues: o.variableMinValues,
        leadingVariableMinValues: o.leadingVariableMinValues,
        maxVariablePositions: o.maxVariablePositions,
        variablePositionsMaxRepeat: o.variablePositionsMaxRepeat,
        maxAliases: o.maxAliases,
        shapeCache: o.shapeCache,
        masks: o.masks.map((m) => ({ name: m.name, pattern: String(m.pattern), flags: m.flags ?? '' })),
        disableMasks: [...o.disableMasks],
      },
      tick: this.tick,
      nextSeq: this.nextSeq,
      counters: { ...this.counters },
      clusters: [...this.live.values()]
        .sort((a, b) => a.seq - b.seq)
        .map((c) => ({
          id: c.id,
          seq: c.seq,
          tokens: [...c.tokens],
          kinds: kindString(c.kinds),
          count: c.count,
          lastSeen: c.lastSeen,
        })),
      aliases: [...this.aliases.entries()],
    };
  }

  /** JSON text of snapshot(). */
  serialize(): string {
    return JSON.stringify(this.snapshot());
  }

  /**
   * Rebuild a miner from snapshot() (object or JSON text). `overrides` may change capacity
   * options (maxClusters, cacheSize, maxAliases); mining options come from the snapshot.
   */
  static restore(
    state: MinerSnapshot | string,
    overrides: Pick<TemplateMinerOptions, 'maxClusters' | 'cacheSize' | 'maxAliases'> = {},
  ): TemplateMiner {
    const s = validateSnapshot(state);
    const given = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
    const m = new TemplateMiner({ maxVariablePositions: 1, ...s.options, ...given });
    m.tick = s.tick;
    m.nextSeq = s.nextSeq;
    Object.assign(m.counters, s.counters);
    const clusters = [...s.clusters].sort((a, b) => a.seq - b.seq);
    for (const cs of clusters) {
      const c = new Cluster(cs.seq, cs.tokens, parseKinds(cs.kinds), cs.count, cs.lastSeen, cs.id);
      m.insert(c);
    }
    for (const cs of clusters) {
      const c = m.live.get(cs.id);
      if (c) m.families.add(c);
    }
    for (const [a, b] of s.aliases) m.aliases.set(a, b);
    if (m.live.size > m.opts.maxClusters) m.evict();
    return m;
  }
}

function info(c: Cluster): ClusterInfo {
  return { id: c.id, template: c.template, count: c.count, lastSeen: c.lastSeen, tokens: c.tokens.length };
}

function strip(raw: string, head: string, tail: string): string {
  let s = raw;
  if (head && s.startsWith(head)) s = s.slice(head.length);
  if (tail && s.endsWith(tail)) s = s.slice(0, s.length - tail.length);
  return s;
}

/** "(uid=" -> "uid" */
function keyOfHead(head: string): string {
  let a = 0;
  while (a < head.length && charClass(head.charCodeAt(a)) & C_LEAD) a++;
  return head.slice(a, Math.max(a, head.length - 1)) || 'value';
}

/**
 * The parameter token replacing a family's words: keeps the opening punctuation they all share
 * in front and the trailing punctuation they all share behind ("[LNKD]", "[LNKE]" -> "[<*>]").
 */
function commonWildcard(values: readonly string[]): string {
  const first = values[0] ?? '';
  let head = 0;
  while (head < first.length && charClass(first.charCodeAt(head)) & C_LEAD && values.every((v) => v.charCodeAt(head) === first.charCodeAt(head))) {
    head++;
  }
  let tail = 0;
  while (
    tail < first.length - head &&
    charClass(first.charCodeAt(first.length - 1 - tail)) & C_TRAIL &&
    values.every((v) => v.length - 1 - tail > head && v.charCodeAt(v.length - 1 - tail) === first.charCodeAt(first.length - 1 - tail))
  ) {
    tail++;
  }
  const h = first.slice(0, head);
  // A closer whose opener is not kept in front belongs to an outer bracket and goes into the
  // parameter with everything before it: the tail stays a suffix of every value ("[a])." -> "[<*>.").
  const common = first.slice(first.length - tail);
  let from = 0;
  for (let k = 0; k < common.length; k++) {
    const open = openerOf(common.charCodeAt(k));
    if (open !== 0 && !h.includes(String.fromCharCode(open))) from = k + 1;
  }
  return h + WILDCARD + common.slice(from);
}


