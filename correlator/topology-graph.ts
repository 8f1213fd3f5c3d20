// The service dependency graph: `from` calls `to`, so a fault in `to` surfaces in `from`.
// graphology holds the graph; the walks we need (callers, callees, hop distance) live here.
import { DirectedGraph } from 'graphology';
import type { Topology } from '../platform/contracts/events.js';

export class TopologyGraph {
  private readonly g = new DirectedGraph();
  private readonly userFacingSet = new Set<string>();

  constructor(topology?: Topology) {
    if (!topology) return;
    for (const s of topology.services) {
      this.addService(s.name);
      if (s.userFacing) this.userFacingSet.add(s.name);
    }
    for (const e of topology.edges) this.addEdge(e.from, e.to);
  }

  addService(name: string): void {
    if (!this.g.hasNode(name)) this.g.addNode(name);
  }

  addEdge(from: string, to: string): void {
    if (from === to) return;
    this.addService(from);
    this.addService(to);
    if (!this.g.hasEdge(from, to)) this.g.addEdge(from, to);
  }

  has(name: string): boolean {
    return this.g.hasNode(name);
  }

  get size(): number {
    return this.g.order;
  }

  callers(name: string): string[] {
    return this.g.hasNode(name) ? this.g.inNeighbors(name) : [];
  }

  callees(name: string): string[] {
    return this.g.hasNode(name) ? this.g.outNeighbors(name) : [];
  }

  /** Declared user-facing services, or else those nobody calls (the entry points). */
  isUserFacing(name: string): boolean {
    if (this.userFacingSet.size > 0) return this.userFacingSet.has(name);
    // Without a call, every service is an entry point: that says nothing.
    return this.g.size > 0 && this.g.hasNode(name) && this.g.inDegree(name) === 0;
  }

  /** Whether the topology says anything about who users reach: services declared user-facing, or calls. */
  knowsUserFacing(): boolean {
    return this.userFacingSet.size > 0 || this.g.size > 0;
  }

  /** Hop distance ignoring direction, up to `max`; Infinity when further or unknown. */
  distance(a: string, b: string, max = 3): number {
    if (a === b) return 0;
    if (!this.g.hasNode(a) || !this.g.hasNode(b)) return Infinity;
    let frontier = [a];
    const seen = new Set([a]);
    for (let d = 1; d <= max; d++) {
      const next: string[] = [];
      for (const n of frontier) {
        for (const m of this.g.neighbors(n)) {
          if (m === b) return d;
          if (!seen.has(m)) {
            seen.add(m);
            next.push(m);
          }
        }
      }
      frontier = next;
    }
    return Infinity;
  }

  /** Every transitive caller of `name` with its hop count (services whose requests depend on it). */
  upstreamOf(name: string): Map<string, number> {
    return this.walk(name, (n) => this.callers(n));
  }

  /** Every transitive callee of `name` with its hop count. */
  downstreamOf(name: string): Map<string, number> {
    return this.walk(name, (n) => this.callees(n));
  }

  /** Shortest caller chain from `from` up to a user-facing service, `from` first. */
  pathToUserFacing(from: string, prefer?: ReadonlySet<string>): string[] {
    if (!this.g.hasNode(from)) return [from];
    const parent = new Map<string, string | null>([[from, null]]);
    let frontier = [from];
    const found: string[] = [];
    while (frontier.length > 0 && found.length === 0) {
      const next: string[] = [];
      for (const n of frontier) {
        if (this.isUserFacing(n)) found.push(n);
        for (const c of this.callers(n)) {
          if (!parent.has(c)) {
            parent.set(c, n);
            next.push(c);
          }
        }
      }
      frontier = next;
    }
    // Among equally short paths, prefer one that ends at an affected service.
    const end = found.find((f) => prefer?.has(f)) ?? found.sort()[0];
    if (!end) return [from];
    const path: string[] = [];
    for (let n: string | null | undefined = end; n; n = parent.get(n)) path.push(n);
    return path.reverse().length > 0 ? orient(path, from) : [from];
  }

  private walk(start: string, next: (n: string) => string[]): Map<string, number> {
    const out = new Map<string, number>();
    let frontier = [start];
    for (let d = 1; frontier.length > 0 && d < 64; d++) {
      const nf: string[] = [];
      for (const n of frontier) {
        for (const m of next(n)) {
          if (m !== start && !out.has(m)) {
            out.set(m, d);
            nf.push(m);
          }
        }
      }
      frontier = nf;
    }
    return out;
  }
}

function orient(path: string[], from: string): string[] {
  return path[0] === from ? path : [...path].reverse();
}
