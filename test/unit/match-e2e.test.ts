import { describe, expect, it } from 'vitest';
import { matchProfiles, pairwiseMetrics } from '../../src/customers/match/index.js';
import { generateProfiles } from '../../src/customers/match/synthetic.js';

describe('synthetic evaluation set', () => {
  const set = generateProfiles({ records: 4000, seed: 9 });

  it('is deterministic for a seed and labelled per record', () => {
    const again = generateProfiles({ records: 4000, seed: 9 });
    expect(again.profiles).toEqual(set.profiles);
    expect(again.personOf).toEqual(set.personOf);
    expect(set.profiles).toHaveLength(4000);
    expect(set.personOf).toHaveLength(4000);
    expect(new Set(set.profiles.map((p) => p.recordId)).size).toBe(4000);
    expect(generateProfiles({ records: 200, seed: 10 }).profiles).not.toEqual(generateProfiles({ records: 200, seed: 9 }).profiles);
  });

  it('has several records per person across sources, Chinese and English names, and the corruptions', () => {
    const byPerson = new Map<string, number[]>();
    set.personOf.forEach((p, i) => byPerson.set(p, [...(byPerson.get(p) ?? []), i]));
    expect(byPerson.size).toBeGreaterThan(1200);
    expect(byPerson.size).toBeLessThan(2500);
    expect(new Set(set.profiles.map((p) => p.sourceSystem))).toEqual(new Set(['pos', 'web', 'callcenter', 'loyalty', 'wechat']));
    const cjk = set.profiles.filter((p) => p.fullName && /[\u4e00-\u9fff]/.test(p.fullName)).length;
    expect(cjk / 4000).toBeGreaterThan(0.6);
    expect(cjk / 4000).toBeLessThan(0.8);
    let swapped = 0, nameVariant = 0, dobVariant = 0, missingPhone = 0, variantPhone = 0;
    for (const ids of byPerson.values()) {
      const ps = ids.map((i) => set.profiles[i]!);
      for (const a of ps) {
        if (!a.phones.length) missingPhone++;
        if (a.phones.some((x) => x.kind === 'other')) variantPhone++;
        for (const b of ps) {
          if (a === b) continue;
          if (a.familyName && a.familyName === b.givenName && a.givenName === b.familyName) swapped++;
          if (a.fullName && b.fullName && a.fullName !== b.fullName) nameVariant++;
          if (a.birthDate && b.birthDate && a.birthDate !== b.birthDate) dobVariant++;
        }
      }
    }
    expect(swapped).toBeGreaterThan(0);
    expect(nameVariant).toBeGreaterThan(100);
    expect(dobVariant).toBeGreaterThan(50);
    expect(missingPhone).toBeGreaterThan(100);
    expect(variantPhone).toBeGreaterThan(20);
    // Household landlines: one phone on records of several people.
    const people = new Map<string, Set<string>>();
    set.profiles.forEach((p, i) => p.phones.forEach((ph) => people.set(ph.e164, (people.get(ph.e164) ?? new Set()).add(set.personOf[i]!))));
    expect([...people.values()].filter((s) => s.size > 1).length).toBeGreaterThan(50);
  });
});

describe('matching end to end on 10,000 synthetic records', () => {
  const set = generateProfiles({ records: 10_000, seed: 1 });
  const truth = set.personOf;

  // Recall 0.95 before issue #15's name rule; measured 0.948 since (pairs whose names disagree and
  // share only a phone and an address, e.g. nicknames the matcher does not know, go to review).
  it('meets the targets: pairwise precision ≥ 0.99 and recall ≥ 0.94', () => {
    const res = matchProfiles(set.profiles);
    const m = pairwiseMetrics(res.xref.map((x) => x.customer_key), truth);
    expect(m.precision).toBeGreaterThanOrEqual(0.99);
    expect(m.recall).toBeGreaterThanOrEqual(0.94);
    expect(res.xref).toHaveLength(10_000);
    expect(res.stats.candidatePairs).toBeGreaterThan(0);
    expect(res.review.length).toBeGreaterThan(0);
  });

  it('the same check fails for exact-key matching alone (the metric can tell)', () => {
    const exactOnly = matchProfiles(set.profiles, { thresholds: { merge: 1 - 1e-15, review: 1 - 1e-15 } });
    const m = pairwiseMetrics(exactOnly.xref.map((x) => x.customer_key), truth);
    expect(m.precision).toBeGreaterThanOrEqual(0.99);
    expect(m.recall).toBeLessThan(0.8);
  });

  it('incremental: 2% new records matched against an earlier run keep the targets and the earlier keys', () => {
    const held = (i: number) => i % 50 === 7;
    const first = set.profiles.filter((_, i) => !held(i));
    const run1 = matchProfiles(first, { runId: 'r1' });
    const run2 = matchProfiles(set.profiles, { previous: run1.xref, previousEvents: run1.events, params: run1.params, runId: 'r2' });
    expect(run2.stats.activeRecords).toBe(200);
    const m = pairwiseMetrics(run2.xref.map((x) => x.customer_key), truth);
    expect(m.precision).toBeGreaterThanOrEqual(0.99);
    expect(m.recall).toBeGreaterThanOrEqual(0.94);
    // Earlier records keep their key unless a logged merge retired it.
    const retired = new Set(run2.events.filter((e) => e.event === 'merge').map((e) => e.from_key));
    const before = new Map(run1.xref.map((x) => [x.record_id, x.customer_key]));
    for (const x of run2.xref) {
      const k = before.get(x.record_id);
      if (k !== undefined && k !== x.customer_key) expect(retired.has(k)).toBe(true);
    }
  });
});
