import { beforeAll, describe, expect, it } from 'vitest';
import { EDGE_CONFLICT, EDGE_MERGED, EDGE_REDUNDANT, EDGE_TOO_LARGE, UnionFind, clusterRows } from '../../src/customers/match/cluster.js';
import { matchProfiles, type FsParams } from '../../src/customers/match/index.js';
import { generateProfiles, makeProfile } from '../../src/customers/match/synthetic.js';

const edges = (list: [number, number, number][]) => ({
  a: Int32Array.from(list.map((e) => e[0])),
  b: Int32Array.from(list.map((e) => e[1])),
  w: Float64Array.from(list.map((e) => e[2])),
  edges: list.length,
});

describe('union-find clustering with a chaining guard', () => {
  it('joins connected components', () => {
    const uf = new UnionFind(6);
    uf.union(0, 1);
    uf.union(2, 3);
    uf.union(1, 3);
    expect(uf.find(0)).toBe(uf.find(2));
    expect(uf.find(4)).not.toBe(uf.find(0));
    expect(uf.size[uf.find(0)]).toBe(4);
  });

  it('builds from the strongest edge down and refuses a join that brings conflicting rows together', () => {
    // 0-1 strong, 1-2 weaker; 0 and 2 conflict: 2 must stay apart even though 1-2 is a merge edge.
    const res = clusterRows({ n: 4, ...edges([[1, 2, 8], [0, 1, 12], [2, 3, 9]]), conflict: (i, j) => (i === 0 && j === 2) || (i === 2 && j === 0), maxClusterSize: 100 });
    expect(res.uf.find(0)).toBe(res.uf.find(1));
    expect(res.uf.find(2)).toBe(res.uf.find(3));
    expect(res.uf.find(1)).not.toBe(res.uf.find(2));
    expect(Array.from(res.fate)).toEqual([EDGE_CONFLICT, EDGE_MERGED, EDGE_MERGED]);
  });

  it('without a conflict the same edges chain into one cluster (the guard is what splits)', () => {
    const res = clusterRows({ n: 4, ...edges([[1, 2, 8], [0, 1, 12], [2, 3, 9], [0, 3, 1]]), conflict: () => false, maxClusterSize: 100 });
    expect(new Set([0, 1, 2, 3].map((i) => res.uf.find(i))).size).toBe(1);
    expect(res.fate[3]).toBe(EDGE_REDUNDANT);
  });

  it('keeps units together without checks and caps the cluster size', () => {
    const units = Int32Array.from([7, 7, -1, -1, -1]);
    const res = clusterRows({ n: 5, ...edges([[1, 2, 5], [2, 3, 4], [3, 4, 3]]), units, conflict: (i, j) => i + j === 1, maxClusterSize: 4 });
    expect(res.uf.find(0)).toBe(res.uf.find(1)); // a unit, even though 0 and 1 "conflict"
    expect(res.uf.find(3)).toBe(res.uf.find(0));
    expect(res.fate[2]).toBe(EDGE_TOO_LARGE);
    expect(res.uf.find(4)).not.toBe(res.uf.find(0));
  });

  it('must-link edges (infinite weight) come first', () => {
    const res = clusterRows({ n: 3, ...edges([[0, 1, 20], [1, 2, Infinity]]), conflict: (i, j) => i + j === 1, maxClusterSize: 10 });
    expect(res.fate[1]).toBe(EDGE_MERGED);
    expect(res.fate[0]).toBe(EDGE_CONFLICT);
  });
});

describe('chaining guard in matchProfiles', () => {
  let params: FsParams;
  beforeAll(() => {
    params = matchProfiles(generateProfiles({ records: 5000, seed: 3 }).profiles).params;
  });

  it('a record linking two different people joins one of them, and the other link goes to review', () => {
    const son = makeProfile({ id: 'web:son', name: '王伟', gender: 'M', dob: '1990-04-05', email: 'wangwei90@163.com', phones: ['+8613900000001'], city: '长沙市', street: '岳麓大道12号' });
    const mother = makeProfile({ id: 'pos:mother', name: '李芳', gender: 'F', dob: '1962-11-23', phones: ['+8613700000002'], city: '长沙市', street: '岳麓大道12号' });
    // A nameless call-centre record with the son's e-mail and the mother's mobile.
    const bridge = makeProfile({ id: 'callcenter:x', email: 'wangwei90@163.com', phones: ['+8613700000002'] });
    // Thresholds low enough that both of its links are merge edges.
    const thresholds = { merge: 0.001, review: 1e-6 };
    const res = matchProfiles([son, mother, bridge], { params, thresholds });
    const key = Object.fromEntries(res.xref.map((x) => [x.record_id, x.customer_key]));
    expect(key['web:son']).not.toBe(key['pos:mother']);
    expect([key['web:son'], key['pos:mother']]).toContain(key['callcenter:x']);
    expect(res.stats.refusedByGuard).toBe(1);
    const row = res.review.find((r) => r.reason === 'chain_conflict');
    expect(row).toBeDefined();
    expect([row!.record_id_a, row!.record_id_b]).toContain('callcenter:x');
    // Without the guard (conflicts never fire) the three would be one customer.
    const loose = matchProfiles([son, mother, bridge], { params, thresholds, conflictBits: 1e9 });
    expect(new Set(loose.xref.map((x) => x.customer_key)).size).toBe(1);
  });
});
