import { describe, expect, it } from 'vitest';
import { BLOCKING_RULES, blockPairs } from '../../src/customers/match/blocking.js';
import { newDicts, prepareRecords } from '../../src/customers/match/prepare.js';
import { exactDedup } from '../../src/customers/match/exact.js';
import { makeProfile } from '../../src/customers/match/synthetic.js';

const rule = (name: string): number => BLOCKING_RULES.findIndex((r) => r.name === name);
const pairsOf = (res: ReturnType<typeof blockPairs>): Map<string, number> => {
  const out = new Map<string, number>();
  for (let x = 0; x < res.pairs.length; x++) {
    const key = `${res.pairs.a[x]}-${res.pairs.b[x]}`;
    expect(out.has(key)).toBe(false); // the union holds each pair once
    out.set(key, res.pairs.mask[x]!);
  }
  return out;
};

describe('blocking', () => {
  const profiles = [
    makeProfile({ id: 'pos:0', name: '王伟', dob: '1985-03-12', phones: ['+8613800000001'], postcode: '100010', street: '人民路1号' }),
    makeProfile({ id: 'web:1', name: '王玮', dob: '1985-03-12', phones: ['+8613800000001'], email: 'a@qq.com' }), // homophone, same phone + dob
    makeProfile({ id: 'web:2', name: '李娜', dob: '1990-01-02', email: 'a@qq.com' }), // shares only the e-mail with 1
    makeProfile({ id: 'pos:3', name: '王伟', dob: '1985-12-03', postcode: '100010' }), // day/month swapped: name + year, sound + postcode
    makeProfile({ id: 'pos:4', name: '张三', dob: '1970-07-07', phones: ['+85213800000001'] }), // wrong country code: same last 8 digits as 0/1
    makeProfile({ id: 'pos:5', name: '赵六', dob: '1960-06-06' }), // shares nothing
  ];
  const t = prepareRecords(profiles, newDicts());

  it('takes the union of the rules, each pair once, with a bit per rule it agrees on', () => {
    const pairs = pairsOf(blockPairs(t, 50));
    expect([...pairs.keys()].sort()).toEqual(['0-1', '0-3', '0-4', '1-2', '1-3', '1-4'].sort());
    const bits = (m: number) => BLOCKING_RULES.filter((_, r) => m & (1 << r)).map((r) => r.name);
    expect(bits(pairs.get('0-1')!)).toEqual(['mobile', 'family_dob', 'sound_year', 'roman_dob']);
    expect(bits(pairs.get('1-2')!)).toEqual(['email']);
    expect(bits(pairs.get('0-3')!)).toEqual(expect.arrayContaining(['name_year', 'sound_year', 'sound_postcode', 'initials_postcode']));
    expect(bits(pairs.get('0-4')!)).toEqual(['mobile']);
    expect([...pairs.keys()].some((k) => k.includes('5'))).toBe(false);
  });

  it('caps oversized blocks and counts what it skipped', () => {
    // A store's phone typed for 30 walk-in customers.
    const store = Array.from({ length: 30 }, (_, i) => makeProfile({ id: `pos:s${i}`, name: `客人${i}`, phones: ['+862188880000'] }));
    const res = blockPairs(prepareRecords(store, newDicts()), 10);
    expect(res.pairs.length).toBe(0);
    const landline = res.stats[rule('landline')]!;
    expect(landline.cappedBlocks).toBe(1);
    expect(landline.cappedRows).toBe(30);
    expect(landline.cappedPairs).toBe(435);
    expect(landline.largestBlock).toBe(30);
    // Under the cap the same block yields every pair.
    expect(blockPairs(prepareRecords(store, newDicts()), 30).pairs.length).toBe(435);
  });

  it('incremental blocking returns only pairs touching an active row', () => {
    const active = new Uint8Array(t.n);
    active[3] = 1;
    const pairs = pairsOf(blockPairs(t, 50, { active }));
    expect([...pairs.keys()].sort()).toEqual(['0-3', '1-3']);
  });

  it('samples whole blocks for training when asked for fewer pairs', () => {
    const many = Array.from({ length: 2000 }, (_, i) =>
      makeProfile({ id: `p:${i}`, name: `张${i % 40}`, dob: `19${50 + (i % 40)}-01-01`, phones: [`+86139${String(i % 400).padStart(8, '0')}`] }),
    );
    const table = prepareRecords(many, newDicts());
    const full = blockPairs(table, 50).pairs.length;
    const sampled = blockPairs(table, 50, { maxPairs: full / 4 }).pairs.length;
    // The rate is set against the pairs of all rules before their union, so at most what was asked.
    expect(sampled).toBeGreaterThan(full / 20);
    expect(sampled).toBeLessThanOrEqual(full / 4);
  });
});

describe('exact de-duplication', () => {
  it('folds records with the same phone and name, e-mail and birth date, or source person id', () => {
    const profiles = [
      makeProfile({ id: 'pos:1', name: '王伟', phones: ['+8613800000001'] }),
      makeProfile({ id: 'web:2', name: '王伟', phones: ['+8613800000001'], email: 'ww@qq.com', dob: '1985-03-12' }),
      makeProfile({ id: 'cc:3', name: '王小伟', email: 'ww@qq.com', dob: '1985-03-12' }),
      makeProfile({ id: 'loyalty:4', name: 'x', sourcePersonId: 'M1' }),
      makeProfile({ id: 'loyalty:5', name: 'y', sourcePersonId: 'M1' }),
      makeProfile({ id: 'web:6', name: '王伟', phones: ['+8613800000002'] }),
    ];
    const t = prepareRecords(profiles, newDicts());
    const res = exactDedup(t, { sharedPhoneLimit: 20 });
    expect(Array.from(res.entityOf)).toEqual([0, 0, 0, 1, 1, 2]);
    expect(res.counts).toEqual({ source_person: 1, phone_name: 1, email_dob: 1 });
  });

  it('ignores shared phones and honours cannot-link decisions', () => {
    const store = Array.from({ length: 25 }, (_, i) => makeProfile({ id: `pos:${i}`, name: '张伟', phones: ['+862188880000'] }));
    expect(exactDedup(prepareRecords(store, newDicts()), { sharedPhoneLimit: 20 }).start.length - 1).toBe(25);
    const two = [makeProfile({ id: 'a:1', name: '张伟', phones: ['+8613800000001'] }), makeProfile({ id: 'a:2', name: '张伟', phones: ['+8613800000001'] })];
    const t = prepareRecords(two, newDicts());
    expect(exactDedup(t, { sharedPhoneLimit: 20 }).start.length - 1).toBe(1);
    expect(exactDedup(t, { sharedPhoneLimit: 20, cannotLink: new Map([[0, new Set([1])], [1, new Set([0])]]) }).start.length - 1).toBe(2);
  });
});
