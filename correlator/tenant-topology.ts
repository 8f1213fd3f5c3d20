// One tenant's topology as the correlator knows it: the declared part (topology file or API) and
// the edges learned from traces and metric labels (ServiceEdge records from ingest), merged into
// the graph the ranker walks. Each change is published as a new topology version, so the store
// keeps the history and the API shows where every edge came from.
import type { ServiceEdge, Topology, TopologyEdge } from '../platform/contracts/events.js';
import type { Owner } from './notifiers.js';
import { TopologyGraph } from './topology-graph.js';

/** Learned edges not observed for this long (event time, against the newest learned edge) leave the topology. */
export const LEARNED_EDGE_TTL_MS = 7 * 86_400_000;
/**
 * Learned edges only refreshed (no new edge) are republished at most this often: each publish is a
 * stored topology version, so not with every span, but often enough that `lastSeenAt` in the API
 * follows the traffic (an hour left it at the first sample through a user's first session).
 */
export const REFRESH_INTERVAL_MS = 300_000;

function edgeKey(from: string, to: string): string {
  return `${from}\u001f${to}`;
}

function isLearned(e: TopologyEdge): boolean {
  return e.source === 'traces' || e.source === 'metrics';
}

export class TenantTopology {
  graph: TopologyGraph;
  owners = new Map<string, Owner>();
  version: number;
  private base: Topology;
  private readonly learned = new Map<string, TopologyEdge>();
  /** A new edge arrived since the last publish. */
  private changed = false;
  /** Only lastSeenAt moved since the last publish. */
  private refreshed = false;
  private publishedAt = 0;

  constructor(readonly tenant: string, stored: Topology | null) {
    this.base = { tenant, version: -1, services: [], edges: [] };
    this.version = -1;
    this.graph = new TopologyGraph();
    if (stored) this.apply(stored);
  }

  /** A topology from the bus or the store: taken when it is not older than the current one. */
  apply(t: Topology): boolean {
    if (t.version < this.version) return false;
    this.version = t.version;
    this.setBase(t);
    return true;
  }

  /**
   * A topology file read at start: it replaces the declared part whatever its version, and is
   * published as the next version (with the learned edges) so the store's latest matches it.
   */
  applyFile(t: Topology, now: number): Topology {
    this.setBase(t);
    this.version = Math.max(t.version, this.version + 1);
    return this.snapshot(now);
  }

  /** Folds a learned call; a call the topology did not have yet makes a new version due. */
  observe(e: ServiceEdge): void {
    const key = edgeKey(e.from, e.to);
    const known = this.learned.get(key);
    if (known) {
      if ((known.lastSeenAt ?? 0) < e.ts) {
        known.lastSeenAt = e.ts;
        this.refreshed = true;
      }
      return;
    }
    this.learned.set(key, { from: e.from, to: e.to, source: e.source, lastSeenAt: e.ts });
    if (!this.base.edges.some((b) => b.from === e.from && b.to === e.to)) {
      this.graph.addEdge(e.from, e.to);
      this.changed = true;
    }
  }

  /** The next version to publish, when one is due: a new edge, or refreshed edges after an hour. */
  due(now: number): Topology | undefined {
    if (!this.changed && !(this.refreshed && now - this.publishedAt >= REFRESH_INTERVAL_MS)) return undefined;
    this.version = Math.max(this.version + 1, 1);
    return this.snapshot(now);
  }

  private snapshot(now: number): Topology {
    this.changed = false;
    this.refreshed = false;
    this.publishedAt = now;
    // Event time, as the edges carry it: a replay of old data keeps its edges.
    let newest = 0;
    for (const e of this.learned.values()) newest = Math.max(newest, e.lastSeenAt ?? 0);
    for (const [k, e] of this.learned) {
      if ((e.lastSeenAt ?? 0) < newest - LEARNED_EDGE_TTL_MS) this.learned.delete(k);
    }
    const declared = new Set(this.base.edges.map((e) => edgeKey(e.from, e.to)));
    const learned = [...this.learned.entries()].filter(([k]) => !declared.has(k)).map(([, e]) => ({ ...e }));
    return { tenant: this.tenant, version: this.version, services: this.base.services, edges: [...this.base.edges, ...learned] };
  }

  private setBase(t: Topology): void {
    for (const e of t.edges) {
      if (!isLearned(e)) continue;
      const key = edgeKey(e.from, e.to);
      const known = this.learned.get(key);
      if (!known || (known.lastSeenAt ?? 0) < (e.lastSeenAt ?? 0)) this.learned.set(key, { ...e });
    }
    this.base = { ...t, edges: t.edges.filter((e) => !isLearned(e)) };
    const graph = new TopologyGraph(this.base);
    for (const e of this.learned.values()) graph.addEdge(e.from, e.to);
    this.graph = graph;
    this.owners = ownersOf(t);
  }
}

function ownersOf(topology: Topology): Map<string, Owner> {
  const m = new Map<string, Owner>();
  for (const svc of topology.services) {
    const o: Owner = {};
    if (svc.team) o.team = svc.team;
    if (svc.owner) o.owner = svc.owner;
    m.set(svc.name, o);
  }
  return m;
}
