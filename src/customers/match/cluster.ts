/**
 * Clustering: connected components over merge edges with union-find, built greedily from the
 * strongest edge down, with a guard against chaining: two groups are joined only if no row of
 * one conflicts with a row of the other (a reviewer's "different", or strong negative evidence
 * such as another birth date *and* another name). An edge refused by the guard goes to review.
 *
 * Rows with a partial name (王先生, Mr Wang: `partial`) are placed last, once the rows with full
 * names have formed their groups: a partial row (with the partial rows it is linked to) joins a
 * group only when all its merge edges lead to that one group. When they lead to two (王先生 on
 * the landline of 王强 and of his son 王伟), it cannot say which, so it joins neither and the
 * edges go to review (EDGE_AMBIGUOUS) rather than to the wrong namesake — unless the evidence
 * for one group beats the next by AMBIGUITY_MARGIN_BITS.
 */
export class UnionFind {
  readonly parent: Int32Array;
  readonly size: Int32Array;
  constructor(n: number) {
    this.parent = new Int32Array(n);
    this.size = new Int32Array(n).fill(1);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }
  find(x: number): number {
    const p = this.parent;
    let r = x;
    while (p[r] !== r) r = p[r]!;
    while (p[x] !== r) {
      const nx = p[x]!;
      p[x] = r;
      x = nx;
    }
    return r;
  }
  /** Joins the sets of a and b; returns the new root. */
  union(a: number, b: number): number {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return ra;
    if (this.size[ra]! < this.size[rb]!) [ra, rb] = [rb, ra];
    this.parent[rb] = ra;
    this.size[ra]! += this.size[rb]!;
    return ra;
  }
}

export const EDGE_MERGED = 1;
export const EDGE_REDUNDANT = 2;
export const EDGE_CONFLICT = 3;
export const EDGE_TOO_LARGE = 4;
export const EDGE_AMBIGUOUS = 5;
/** A partial name goes to the best of two groups only when its evidence for it is this much stronger (2^6 = 64× the odds). */
export const AMBIGUITY_MARGIN_BITS = 6;

export interface ClusterInput {
  n: number;
  /** Edge endpoints and weights; +Infinity for must-link edges (processed first). */
  a: Int32Array;
  b: Int32Array;
  w: Float64Array;
  edges: number;
  /** Rows already known to belong together (previous clusters, in incremental runs): joined without checks. */
  units?: Int32Array;
  /** Do rows i and j conflict? */
  conflict: (i: number, j: number) => boolean;
  /** Never grow a group beyond this many rows; the refused edge goes to review. */
  maxClusterSize: number;
  /** 1 for rows with a partial name: placed after the others, only where unambiguous. */
  partial?: Uint8Array;
}

export interface ClusterResult {
  uf: UnionFind;
  /** Per edge: EDGE_MERGED, EDGE_REDUNDANT, EDGE_CONFLICT or EDGE_TOO_LARGE. */
  fate: Uint8Array;
  conflictChecks: number;
}

const W_MAX = 1000;

/** Edge indices by weight, strongest first (ties by index), through one numeric sort. */
export function edgeOrder(w: Float64Array, count: number): Float64Array {
  const keys = new Float64Array(count);
  for (let e = 0; e < count; e++) {
    const x = w[e]!;
    const q = x === Infinity ? 0 : Math.min(2 ** 26 - 1, Math.max(1, Math.round((W_MAX - x) * 1024)));
    keys[e] = q * 2 ** 26 + e;
  }
  keys.sort();
  return keys;
}

export function clusterRows(input: ClusterInput): ClusterResult {
  const { n, a, b, w, edges, conflict, maxClusterSize } = input;
  const uf = new UnionFind(n);
  // Member lists per root as linked lists (head, tail, next).
  const next = new Int32Array(n).fill(-1);
  const tail = new Int32Array(n);
  for (let i = 0; i < n; i++) tail[i] = i;
  const join = (ra: number, rb: number): number => {
    const root = uf.union(ra, rb);
    const other = root === ra ? rb : ra;
    next[tail[root]!] = other;
    tail[root] = tail[other]!;
    return root;
  };
  if (input.units) {
    const firstOfUnit = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const u = input.units[i]!;
      if (u < 0) continue;
      const f = firstOfUnit.get(u);
      if (f === undefined) firstOfUnit.set(u, i);
      else {
        const ra = uf.find(f);
        const rb = uf.find(i);
        if (ra !== rb) join(ra, rb);
      }
    }
  }
  const fate = new Uint8Array(edges);
  const order = edgeOrder(w, edges);
  let checks = 0;
  const place = (e: number): void => {
    const ra = uf.find(a[e]!);
    const rb = uf.find(b[e]!);
    if (ra === rb) {
      fate[e] = EDGE_REDUNDANT;
      return;
    }
    if (uf.size[ra]! + uf.size[rb]! > maxClusterSize) {
      fate[e] = EDGE_TOO_LARGE;
      return;
    }
    for (let x = ra; x >= 0; x = next[x]!) {
      for (let y = rb; y >= 0; y = next[y]!) {
        checks++;
        if (conflict(x, y)) {
          fate[e] = EDGE_CONFLICT;
          return;
        }
      }
    }
    join(ra, rb);
    fate[e] = EDGE_MERGED;
  };
  const partial = input.partial;
  const deferred: number[] = [];
  for (let o = 0; o < edges; o++) {
    const e = order[o]! % 2 ** 26;
    if (partial && w[e] !== Infinity && (partial[a[e]!] || partial[b[e]!])) deferred.push(e);
    else place(e);
  }
  if (partial && deferred.length) {
    // Partial rows among themselves first (王先生 and Mr Wang on one mobile), then each such
    // group to the one full-name group its edges lead to, strongest edge first.
    const toFull: number[] = [];
    for (const e of deferred) {
      if (partial[a[e]!] && partial[b[e]!]) place(e);
      else toFull.push(e);
    }
    const byGroup = new Map<number, number[]>();
    for (const e of toFull) {
      const p = partial[a[e]!] ? a[e]! : b[e]!;
      const root = uf.find(p);
      let list = byGroup.get(root);
      if (!list) byGroup.set(root, (list = []));
      list.push(e);
    }
    for (const list of byGroup.values()) {
      // The best edge weight into each full-name group (edges come strongest first).
      const own = uf.find(partial[a[list[0]!]!] ? a[list[0]!]! : b[list[0]!]!);
      const best = new Map<number, number>();
      for (const e of list) {
        const f = uf.find(partial[a[e]!] ? b[e]! : a[e]!);
        if (f !== own && !best.has(f)) best.set(f, w[e]!);
      }
      const ranked = [...best.entries()].sort((x, y) => y[1] - x[1]);
      // One group, or one that the evidence prefers by a wide margin (the mobile of 王强 against
      // the landline he shares with his son): place there; otherwise nowhere.
      const chosen = ranked.length === 1 || (ranked.length > 1 && ranked[0]![1] - ranked[1]![1] >= AMBIGUITY_MARGIN_BITS) ? ranked[0]![0] : -1;
      for (const e of list) {
        const f = uf.find(partial[a[e]!] ? b[e]! : a[e]!);
        if (ranked.length === 0 || f === chosen || f === uf.find(own)) place(e);
        else fate[e] = EDGE_AMBIGUOUS;
      }
    }
  }
  return { uf, fate, conflictChecks: checks };
}
