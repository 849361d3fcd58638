import { beforeAll, describe, expect, it } from 'vitest';
import { matchProfiles, type Decision, type FsParams, type XrefRow } from '../../src/customers/match/index.js';
import { generateProfiles, makeProfile } from '../../src/customers/match/synthetic.js';

const keyOf = (xref: XrefRow[]) => Object.fromEntries(xref.map((x) => [x.record_id, x.customer_key]));

describe('thresholds, review queue and reviewers’ decisions', () => {
  let params: FsParams;
  beforeAll(() => {
    params = matchProfiles(generateProfiles({ records: 5000, seed: 3 }).profiles).params;
  });

  const A1 = makeProfile({ id: 'pos:1', name: '王伟', gender: 'M', dob: '1990-04-05', phones: ['+8613900000001'] });
  const A2 = makeProfile({ id: 'web:2', name: '王伟', gender: 'M', phones: ['+8613900000001'] }); // exact duplicate of A1
  const B1 = makeProfile({ id: 'pos:3', name: '张丽', gender: 'F', dob: '1975-02-11', phones: ['+8613700000003'] });
  const B2 = makeProfile({ id: 'web:4', name: '张莉', gender: 'F', dob: '1975-02-11', phones: ['+8613700000003'] }); // homophone
  const E1 = makeProfile({ id: 'pos:9', name: '陈静', gender: 'F', dob: '1962-01-30', city: '长沙市', postcode: '410000' });
  const E2 = makeProfile({ id: 'web:9', name: '陈静', dob: '1988-08-08', city: '长沙市', postcode: '410000' }); // same name, other birth date
  const all = [A1, A2, B1, B2, E1, E2];

  it('above the upper threshold → merge; between → review with field-level comparisons; below → no match', () => {
    const res = matchProfiles(all, { params });
    const k = keyOf(res.xref);
    expect(k['pos:3']).toBe(k['web:4']);
    expect(k['pos:9']).not.toBe(k['web:9']);
    const b = matchProfiles(all, { params, thresholds: { merge: 1 - 1e-12, review: 1e-9 } });
    const kb = keyOf(b.xref);
    expect(kb['pos:3']).not.toBe(kb['web:4']);
    const row = b.review.find((r) => r.record_id_a === 'pos:3' && r.record_id_b === 'web:4')!;
    expect(row).toMatchObject({ reason: 'between_thresholds', customer_key_a: kb['pos:3'], customer_key_b: kb['web:4'] });
    expect(row.match_probability).toBeGreaterThan(0.5);
    expect(row.comparisons.map((c) => [c.comparison, c.level])).toEqual([
      ['name', 'sound'], ['birth_date', 'exact'], ['phone', 'e164'], ['email', 'null'], ['address', 'null'], ['gender', 'agree'],
    ]);
    expect(row.comparisons[0]).toMatchObject({ value_a: '张丽', value_b: '张莉' });
    expect(row.comparisons[0]!.weight).toBeGreaterThan(0);
    // With a review threshold above the pair's probability it is simply a non-match.
    const c = matchProfiles(all, { params, thresholds: { merge: 1 - 1e-12, review: 1 - 1e-11 } });
    expect(c.review.find((r) => r.record_id_a === 'pos:3')).toBeUndefined();
    // Exact duplicates are one entity: never reviewed, rule exact:phone_name.
    expect(b.xref.find((x) => x.record_id === 'web:2')).toMatchObject({ customer_key: kb['pos:1'], match_rule: 'exact:phone_name', match_score: 1 });
  });

  it('"same" decisions override the model: must-link, match_rule review:same, out of the queue', () => {
    const thresholds = { merge: 1 - 1e-12, review: 1e-9 };
    const decisions: Decision[] = [
      { record_id_a: 'web:4', record_id_b: 'pos:3', decision: 'same', reviewer: 'amy' },
      { record_id_a: 'pos:9', record_id_b: 'web:9', decision: 'same' },
    ];
    const res = matchProfiles(all, { params, thresholds, decisions });
    const k = keyOf(res.xref);
    expect(k['pos:3']).toBe(k['web:4']);
    expect(k['pos:9']).toBe(k['web:9']);
    expect(res.xref.find((x) => x.record_id === 'web:9')!.match_rule).toBe('review:same');
    expect(res.review.some((r) => ['pos:3', 'web:4', 'pos:9', 'web:9'].includes(r.record_id_a))).toBe(false);
    expect(res.stats.mustLinks).toBe(2);
  });

  it('an incremental rebuild keeps the earlier queue while its pairs are unchanged and undecided', () => {
    const thresholds = { merge: 1 - 1e-12, review: 1e-9 };
    const first = matchProfiles(all, { params, thresholds, runId: 'r1' });
    const pairs = (review: typeof first.review) => review.map((r) => `${r.record_id_a}|${r.record_id_b}|${r.reason}`).sort();
    expect(pairs(first.review)).toContain('pos:3|web:4|between_thresholds');
    const previous = { previous: first.xref, previousEvents: first.events, params, thresholds };
    // Nothing changed: no pair is scored again, and the queue is the same.
    const again = matchProfiles(all, { ...previous, previousReview: first.review, runId: 'r2' });
    expect(again.stats.candidatePairs).toBe(0);
    expect(pairs(again.review)).toEqual(pairs(first.review));
    expect(again.review.find((r) => r.record_id_a === 'pos:3')).toMatchObject({ customer_key_a: keyOf(again.xref)['pos:3'], customer_key_b: keyOf(again.xref)['web:4'] });
    // A decided pair leaves the queue; so does a pair one of whose records changed (scored afresh).
    const decided = matchProfiles(all, { ...previous, previousReview: first.review, decisions: [{ record_id_a: 'pos:3', record_id_b: 'web:4', decision: 'different' }] });
    expect(pairs(decided.review)).not.toContain('pos:3|web:4|between_thresholds');
    const moved = all.map((p) => (p.recordId === 'web:4' ? { ...p, birthDate: '1975-02-12' } : p));
    const rescored = matchProfiles(moved, { ...previous, previousReview: first.review });
    expect(rescored.stats.activeRecords).toBe(1);
    expect(rescored.review.filter((r) => r.record_id_a === 'pos:3' && r.record_id_b === 'web:4').length).toBeLessThanOrEqual(1);
  });

  it('"different" decisions override the model: cannot-link, even for exact duplicates', () => {
    const decisions: Decision[] = [
      { record_id_a: 'pos:3', record_id_b: 'web:4', decision: 'different' },
      { record_id_a: 'pos:1', record_id_b: 'web:2', decision: 'different' },
    ];
    const res = matchProfiles(all, { params, decisions });
    const k = keyOf(res.xref);
    expect(k['pos:3']).not.toBe(k['web:4']);
    expect(k['pos:1']).not.toBe(k['web:2']);
    expect(res.review.some((r) => r.record_id_a === 'pos:3' && r.record_id_b === 'web:4')).toBe(false);
  });

  it('a "different" inside an existing customer splits it on the next incremental run, logged as a split', () => {
    const run1 = matchProfiles(all, { params, runId: 'r1' });
    const k1 = keyOf(run1.xref);
    expect(k1['pos:1']).toBe(k1['web:2']);
    const run2 = matchProfiles(all, {
      params,
      previous: run1.xref,
      previousEvents: run1.events,
      decisions: [{ record_id_a: 'pos:1', record_id_b: 'web:2', decision: 'different' }],
      runId: 'r2',
    });
    const k2 = keyOf(run2.xref);
    expect(run2.stats.activeRecords).toBe(2); // only that customer's records were matched again
    expect(k2['pos:1']).not.toBe(k2['web:2']);
    expect([k2['pos:1'], k2['web:2']]).toContain(k1['pos:1']); // one side keeps the key
    expect(run2.events).toEqual([expect.objectContaining({ run_id: 'r2', event: 'split', from_key: k1['pos:1'] })]);
    for (const id of ['pos:3', 'web:4', 'pos:9', 'web:9']) expect(k2[id]).toBe(k1[id]);
  });
});
