// Count-vector evidence: a session as the multiset of its events (how many times each event id
// occurs, order ignored). The index keeps the distinct count vectors of the normal training
// sessions; a session far (L1) from every one of them has too many or too few of some event,
// e.g. a block that was never replicated or was deleted twice. Unknown events are left to the
// UNK rule and do not count here.

export interface CountVectorState {
  events: string[];
  /** Distinct training vectors, each a list of counts aligned with `events`. */
  vectors: number[][];
}

export class CountVectorIndex {
  private readonly pos = new Map<string, number>();
  private constructor(
    readonly events: readonly string[],
    private readonly vectors: Int32Array[],
  ) {
    events.forEach((e, i) => this.pos.set(e, i));
  }

  /** At most `maxVectors` distinct vectors are kept (the most frequent first); the rest are dropped. */
  static fit(sessions: ReadonlyArray<readonly string[]>, maxVectors = 20_000): CountVectorIndex {
    const events = [...new Set(sessions.flat())].sort();
    const pos = new Map(events.map((e, i) => [e, i] as const));
    const seen = new Map<string, { v: Int32Array; n: number }>();
    for (const s of sessions) {
      const v = new Int32Array(events.length);
      for (const e of s) {
        const i = pos.get(e);
        if (i !== undefined) v[i] = (v[i] ?? 0) + 1;
      }
      const key = v.join(',');
      const hit = seen.get(key);
      if (hit === undefined) seen.set(key, { v, n: 1 });
      else hit.n++;
    }
    const kept = [...seen.entries()]
      .sort((a, b) => b[1].n - a[1].n || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, maxVectors)
      .map(([, x]) => x.v);
    return new CountVectorIndex(events, kept);
  }

  static restore(state: CountVectorState): CountVectorIndex {
    return new CountVectorIndex(state.events, state.vectors.map((v) => Int32Array.from(v)));
  }

  snapshot(): CountVectorState {
    return { events: [...this.events], vectors: this.vectors.map((v) => [...v]) };
  }

  get size(): number {
    return this.vectors.length;
  }

  /** L1 distance from the session's count vector (known events only) to the nearest training vector. */
  nearestL1(session: readonly string[]): number {
    const v = new Int32Array(this.events.length);
    for (const e of session) {
      const i = this.pos.get(e);
      if (i !== undefined) v[i] = (v[i] ?? 0) + 1;
    }
    let best = Number.POSITIVE_INFINITY;
    for (const t of this.vectors) {
      let d = 0;
      for (let i = 0; i < v.length && d < best; i++) d += Math.abs((v[i] ?? 0) - (t[i] ?? 0));
      if (d < best) best = d;
      if (best === 0) break;
    }
    return best === Number.POSITIVE_INFINITY ? v.reduce((a, x) => a + x, 0) : best;
  }
}
