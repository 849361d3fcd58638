import { beforeAll, describe, expect, it } from 'vitest';
import { assignKeys, keyFor } from '../../src/customers/match/keys.js';
import { matchProfiles, type FsParams, type KeyEvent, type XrefRow } from '../../src/customers/match/index.js';
import { generateProfiles, makeProfile } from '../../src/customers/match/synthetic.js';

const keyOf = (xref: XrefRow[]) => Object.fromEntries(xref.map((x) => [x.record_id, x.customer_key]));
const noEvents = new Map<string, number>();

describe('customer keys', () => {
  it('are deterministic and opaque: C + 13 base32 characters of a hash of the first record id', () => {
    expect(keyFor('pos:1')).toMatch(/^C[A-Z2-7]{13}$/);
    expect(keyFor('pos:1')).toBe(keyFor('pos:1'));
    expect(keyFor('pos:1')).not.toBe(keyFor('pos:2'));
    expect(keyFor('pos:1', 1)).not.toBe(keyFor('pos:1'));
  });

  it('new clusters get the key of their smallest record id and a create event', () => {
    const res = assignKeys([['a:1', 'a:2'], ['b:1']], () => undefined, new Set(), noEvents, 'r1');
    expect(res.keys).toEqual([keyFor('a:1'), keyFor('b:1')]);
    expect(res.events).toEqual([
      { run_id: 'r1', event: 'create', customer_key: keyFor('a:1'), from_key: null, record_ids: ['a:1', 'a:2'] },
      { run_id: 'r1', event: 'create', customer_key: keyFor('b:1'), from_key: null, record_ids: ['b:1'] },
    ]);
  });

  it('a key follows the majority of its records; records left behind are split off', () => {
    const prev: Record<string, string> = { 'a:1': 'K1', 'a:2': 'K1', 'a:3': 'K1' };
    const issued = new Set(['K1']);
    const res = assignKeys([['a:1', 'a:2', 'n:1'], ['a:3']], (r) => prev[r], issued, noEvents, 'r2');
    expect(res.keys[0]).toBe('K1');
    expect(res.keys[1]).toBe(keyFor('a:3'));
    expect(res.events).toEqual([{ run_id: 'r2', event: 'split', customer_key: keyFor('a:3'), from_key: 'K1', record_ids: ['a:3'] }]);
  });

  it('two keys in one cluster: the older survives (else the smaller), the other is merged into it', () => {
    const prev: Record<string, string> = { 'a:1': 'KB', 'b:1': 'KA' };
    const byName = assignKeys([['a:1', 'b:1']], (r) => prev[r], new Set(['KA', 'KB']), noEvents, 'r');
    expect(byName.keys).toEqual(['KA']);
    expect(byName.events).toEqual([{ run_id: 'r', event: 'merge', customer_key: 'KA', from_key: 'KB', record_ids: ['a:1'] }]);
    const byAge = assignKeys([['a:1', 'b:1']], (r) => prev[r], new Set(['KA', 'KB']), new Map([['KB', 0], ['KA', 5]]), 'r');
    expect(byAge.keys).toEqual(['KB']);
    expect(byAge.events[0]).toMatchObject({ event: 'merge', customer_key: 'KB', from_key: 'KA' });
  });

  it('never issues a key twice, even when a merged-away key would come back', () => {
    const retired = keyFor('a:1');
    const res = assignKeys([['a:1']], () => undefined, new Set([retired]), noEvents, 'r');
    expect(res.keys[0]).not.toBe(retired);
    expect(res.keys[0]).toBe(keyFor('a:1', 1));
  });
});

describe('stable keys and incremental matching', () => {
  let params: FsParams;
  beforeAll(() => {
    params = matchProfiles(generateProfiles({ records: 5000, seed: 3 }).profiles).params;
  });

  const A1 = makeProfile({ id: 'pos:1', name: '王伟', gender: 'M', dob: '1990-04-05', phones: ['+8613900000001'], email: 'ww90@163.com', city: '长沙市', street: '岳麓大道12号' });
  const A2 = makeProfile({ id: 'web:2', name: '王伟', gender: 'M', phones: ['+8613900000001'] });
  const B1 = makeProfile({ id: 'pos:3', name: '张丽', gender: 'F', dob: '1975-02-11', phones: ['+8613700000003'] });
  const C1 = makeProfile({ id: 'pos:5', name: 'smith john', gender: 'M', phones: ['+447700000001'] });
  const C3 = makeProfile({ id: 'web:7', name: 'smith john', gender: 'M', dob: '1980-01-01', email: 'js80@gmail.com' });
  const B2 = makeProfile({ id: 'web:4', name: '张莉', gender: 'F', dob: '1975-02-11', phones: ['+8613700000003'] }); // homophone
  const C2 = makeProfile({ id: 'callcenter:6', name: 'smith jon', dob: '1980-01-01', phones: ['+447700000001'] }); // bridges C1 and C3
  const D1 = makeProfile({ id: 'web:8', name: '赵敏', gender: 'F', dob: '2001-09-30', phones: ['+8613500000009'] });

  it('a re-run on the same records, in any order, gives the same keys and logs nothing', () => {
    const first = matchProfiles([A1, A2, B1, C1, C3], { params });
    const k = keyOf(first.xref);
    expect(k['pos:1']).toBe(k['web:2']);
    expect(k['pos:5']).not.toBe(k['web:7']);
    expect(first.events.filter((e) => e.event === 'create')).toHaveLength(4);
    expect(keyOf(matchProfiles([C3, C1, B1, A2, A1], { params }).xref)).toEqual(k);
    const rerun = matchProfiles([A1, A2, B1, C1, C3], { params, previous: first.xref, mode: 'full' });
    expect(keyOf(rerun.xref)).toEqual(k);
    expect(rerun.events).toEqual([]);
    const incremental = matchProfiles([A1, A2, B1, C1, C3], { params, previous: first.xref });
    expect(incremental.stats.activeRecords).toBe(0);
    expect(incremental.xref).toEqual(first.xref);
  });

  it('new records join an existing key, get a new key, or merge two keys (logged)', () => {
    const run1 = matchProfiles([A1, A2, B1, C1, C3], { params, runId: 'run1' });
    const k1 = keyOf(run1.xref);
    const run2 = matchProfiles([A1, A2, B1, C1, C3, B2, C2, D1], { params, previous: run1.xref, previousEvents: run1.events, runId: 'run2' });
    const k2 = keyOf(run2.xref);
    expect(run2.stats.mode).toBe('incremental');
    expect(run2.stats.activeRecords).toBe(3);
    // join
    expect(k2['web:4']).toBe(k1['pos:3']);
    expect(run2.xref.find((x) => x.record_id === 'web:4')!.match_rule).toBe('fuzzy');
    // new
    expect(k2['web:8']).toBe(keyFor('web:8'));
    expect(run2.events).toContainEqual({ run_id: 'run2', event: 'create', customer_key: keyFor('web:8'), from_key: null, record_ids: ['web:8'] });
    // merge: C1 and C3 had two keys; the older (created first in run1's log) survives
    const [c1, c3] = [k1['pos:5']!, k1['web:7']!];
    const order = (k: string) => run1.events.findIndex((e: KeyEvent) => e.event === 'create' && e.customer_key === k);
    const [survivor, retired] = order(c1) < order(c3) ? [c1, c3] : [c3, c1];
    expect(k2['pos:5']).toBe(survivor);
    expect(k2['web:7']).toBe(survivor);
    expect(k2['callcenter:6']).toBe(survivor);
    expect(run2.events).toContainEqual(expect.objectContaining({ event: 'merge', customer_key: survivor, from_key: retired }));
    // untouched records keep key, rule and score
    for (const id of ['pos:1', 'web:2', 'pos:3']) expect(run2.xref.find((x) => x.record_id === id)).toEqual(run1.xref.find((x) => x.record_id === id));
    // the retired key is never issued again
    const run3 = matchProfiles([A1, A2, B1, C1, C3, B2, C2, D1], { params, previous: run2.xref, previousEvents: [...run1.events, ...run2.events], runId: 'run3' });
    expect(run3.xref.map((x) => x.customer_key)).not.toContain(retired);
  });

  it('a changed record is matched again and moves out of its key when it no longer fits (split)', () => {
    const run1 = matchProfiles([B1, B2, D1], { params });
    const k1 = keyOf(run1.xref);
    expect(k1['pos:3']).toBe(k1['web:4']);
    const moved = { ...B2, fullName: '刘强', familyName: '刘', givenName: '强', gender: 'M' as const, birthDate: '1950-06-06', phones: [{ ...B2.phones[0]!, e164: '+8613100000000' }] };
    const run2 = matchProfiles([B1, moved, D1], { params, previous: run1.xref });
    expect(run2.stats.activeRecords).toBe(1);
    const k2 = keyOf(run2.xref);
    expect(k2['pos:3']).toBe(k1['pos:3']);
    expect(k2['web:4']).not.toBe(k1['web:4']);
    expect(run2.events).toEqual([expect.objectContaining({ event: 'split', from_key: k1['web:4'], record_ids: ['web:4'] })]);
  });
});
