/**
 * Clustering: connected components over merge edges with union-find, built greedily from the
 * strongest edge down, with a guard against chaining: two groups are joined only if no row of
 * one conflicts with a row of the other (a reviewer's "different", or strong negative evidence
 * such as another birth date *and* another name). An edge refused by the guard goes to review.
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
  for (let o = 0; o < edges; o++) {
    const e = order[o]! % 2 ** 26;
    const ra = uf.find(a[e]!);
    const rb = uf.find(b[e]!);
    if (ra === rb) {
      fate[e] = EDGE_REDUNDANT;
      continue;
    }
    if (uf.size[ra]! + uf.size[rb]! > maxClusterSize) {
      fate[e] = EDGE_TOO_LARGE;
      continue;
    }
    let ok = true;
    for (let x = ra; x >= 0 && ok; x = next[x]!) {
      for (let y = rb; y >= 0; y = next[y]!) {
        checks++;
        if (conflict(x, y)) {
          ok = false;
          break;
        }
      }
    }
    if (!ok) {
      fate[e] = EDGE_CONFLICT;
      continue;
    }
    join(ra, rb);
    fate[e] = EDGE_MERGED;
  }
  return { uf, fate, conflictChecks: checks };
}
