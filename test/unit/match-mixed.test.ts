import { describe, expect, it } from 'vitest';
import { COMPARISONS, C_NAME, nameLevel } from '../../src/customers/match/compare.js';
import { matchProfiles, pairwiseMetrics, type FsParams } from '../../src/customers/match/index.js';
import { romanName } from '../../src/customers/match/names.js';
import { newDicts, prepareRecords } from '../../src/customers/match/prepare.js';
import { makeProfile, type ProfileFields } from '../../src/customers/match/synthetic.js';
import { generateMixedProfiles, identifierRecall } from '../../src/customers/match/synthetic-mixed.js';
import { standardizeName } from '../../src/customers/standardize/names.js';
import type { StandardProfile } from '../../src/customers/profile.js';

/** A profile whose name went through the real name standardizer, as in a build. */
function person(id: string, rawName: string, fields: Omit<ProfileFields, 'id' | 'name' | 'family' | 'given'> = {}): StandardProfile {
  const n = standardizeName({ full_name: rawName });
  const p = makeProfile({ id, ...fields, name: n.fullName, family: n.familyName, given: n.givenName });
  return { ...p, originalName: rawName, gender: fields.gender ?? n.genderHint ?? 'U' };
}

const LEVELS = COMPARISONS[C_NAME]!.levels;
/** The name comparison level of two raw names. */
function level(a: string, b: string): string {
  const t = prepareRecords([person('a:1', a), person('b:1', b)], newDicts());
  return LEVELS[nameLevel(t, 0, 1)]!;
}

describe('names across scripts (issue #15)', () => {
  it('reads a name in characters as pinyin, in either order, with or without spaces, capitals and commas', () => {
    for (const latin of ['Jing Liu', 'Liu Jing', 'LIU Jing', 'LIU, Jing', 'liu jing', 'ＬＩＵ　Ｊｉｎｇ', 'Ｊｉｎｇ　Ｌｉｕ']) expect(level('刘静', latin), latin).toBe('pinyin');
    for (const latin of ['Xiaoming Wang', 'Xiao Ming Wang', 'Xiao-Ming Wang', 'WANG, Xiaoming', 'Wang Xiaoming']) expect(level('王小明', latin), latin).toBe('pinyin');
  });

  it('reads compound surnames whole and polyphonic surnames as surnames', () => {
    expect(level('欧阳娜娜', 'Nana Ouyang')).toBe('pinyin');
    expect(level('欧阳娜娜', 'OUYANG, Nana')).toBe('pinyin');
    expect(level('司马光', 'Guang Sima')).toBe('pinyin');
    expect(level('单伟', 'Wei Shan')).toBe('pinyin'); // 单 is Dan elsewhere
    expect(level('单伟', 'Wei Dan')).not.toBe('pinyin');
    expect(level('曾静', 'Jing Zeng')).toBe('pinyin');
    expect(level('解敏', 'XIE, Min')).toBe('pinyin');
    expect(level('区丽', 'Li Ou')).toBe('pinyin');
    expect(level('仇强', 'Qiang Qiu')).toBe('pinyin');
    expect(level('吕伟', 'Wei Lv')).toBe('pinyin');
    expect(romanName('单', '伟')).toMatchObject({ family: 'shan', given: 'wei', key: 'shan wei' });
  });

  it('does not read other names as the same: LIU, Na is not 李娜', () => {
    expect(level('李娜', 'LIU, Na')).not.toBe('pinyin');
    expect(['jw>=0.80', 'else']).toContain(level('李娜', 'LIU, Na'));
    expect(level('刘静', 'Jing Li')).not.toBe('pinyin');
  });

  it('reads a lower-case name of three tokens as the same whichever token it was split at', () => {
    // "zhao huiqiang" is read as family huiqiang + given zhao, "zhao hui qiang" as family qiang +
    // given "zhao hui": only their given + family readings agree (both zhaohuiqiang).
    expect(level('zhao huiqiang', 'zhao hui qiang')).toBe('pinyin');
    expect(level('xiao yangwei', 'xiao yang wei')).toBe('pinyin');
    expect(level('zhao hui qiang', '赵慧强')).toBe('pinyin');
    expect(level('zhao huiqiang', 'zhao hui qing')).not.toBe('pinyin');
  });

  it('treats title-only names as partial: they fit a name with that family name, and nothing else', () => {
    expect(level('王先生', '王强')).toBe('partial');
    expect(level('Mr Wang', '王强')).toBe('partial');
    expect(level('王女士', 'Qiang Wang')).toBe('partial');
    expect(level('Mrs Li', '李娜')).toBe('partial');
    expect(level('王先生', '李强')).toBe('else');
    expect(level('王先生', 'Mr Wang')).toBe('partial');
  });
});

describe('matching rules on mixed-script data', () => {
  // Parameters learned by EM on a generated mixed-script population; the cases below are scored with them.
  let params: FsParams;
  const trained = (): FsParams => (params ??= matchProfiles(generateMixedProfiles({ records: 6000, seed: 11 }).profiles).params);
  const keysOf = (profiles: StandardProfile[]) => {
    const res = matchProfiles(profiles, { params: trained() });
    return { res, key: new Map(res.xref.map((x) => [x.record_id, x.customer_key])) };
  };

  it('links pinyin to characters through a shared phone ("Jing Liu" 17567019128 and 刘静 +86-175-6701-9128)', () => {
    const { key } = keysOf([
      person('dealer:1', 'Jing Liu', { phones: ['+8617567019128'] }),
      person('loyalty:1', '刘静', { phones: ['+8617567019128'], dob: '1988-04-02' }),
    ]);
    expect(key.get('dealer:1')).toBe(key.get('loyalty:1'));
  }, 60_000);

  it('does not merge "LIU, Na" and 李娜 on the same birth date', () => {
    const { key } = keysOf([person('dealer:1', 'LIU, Na', { dob: '1990-05-06' }), person('loyalty:1', '李娜', { dob: '1990-05-06' })]);
    expect(key.get('dealer:1')).not.toBe(key.get('loyalty:1'));
  }, 60_000);

  it('a title-only name joins through a shared mobile, never on birth date or address alone', () => {
    const { key } = keysOf([
      person('loyalty:1', '王强', { phones: ['+8613912345678'], dob: '1975-03-04', street: '人民路1号', city: '长沙市' }),
      person('callcenter:1', '王先生', { phones: ['+8613912345678'] }),
      person('callcenter:2', '王先生', { dob: '1975-03-04', street: '人民路1号', city: '长沙市' }),
    ]);
    expect(key.get('callcenter:1')).toBe(key.get('loyalty:1'));
    expect(key.get('callcenter:2')).not.toBe(key.get('loyalty:1'));
  }, 60_000);

  it('a title-only name on a phone two namesakes share goes to neither (review), not to the wrong one', () => {
    const { key, res } = keysOf([
      person('loyalty:1', '王强', { phones: ['+8673188881234', '+8613912345678'], dob: '1960-01-02', gender: 'M' }),
      person('loyalty:2', '王伟', { phones: ['+8673188881234', '+8613800001111'], dob: '1988-07-08', gender: 'M' }),
      person('callcenter:1', '王先生', { phones: ['+8673188881234'] }),
    ]);
    expect(key.get('loyalty:1')).not.toBe(key.get('loyalty:2'));
    expect(key.get('callcenter:1')).not.toBe(key.get('loyalty:1'));
    expect(key.get('callcenter:1')).not.toBe(key.get('loyalty:2'));
    expect(res.review.some((r) => r.reason === 'ambiguous_partial_name' || r.reason === 'needs_identifier' || r.reason === 'between_thresholds')).toBe(true);
  }, 60_000);

  it('a record with no name joins the one customer holding its mobile; never on a landline, a shared mobile or a conflict', () => {
    const { key, res } = keysOf([
      person('loyalty:1', '陈丽', { phones: ['+8613918880143', '+8673188885555'], dob: '1954-12-28', gender: 'F' }),
      person('web:1', 'Li Chen', { phones: ['+8613918880143'], email: 'chenli54@163.com' }),
      makeProfile({ id: 'callcenter:1', phones: ['+8613918880143'] }), // caller ID only: joins 陈丽
      makeProfile({ id: 'callcenter:2', phones: ['+8673188885555'] }), // her home landline: a household's, stays apart
      // A mobile on two customers' records (a family phone): the caller could be either.
      person('loyalty:2', '张伟', { phones: ['+8613700001111'], dob: '1960-01-02', gender: 'M' }),
      person('loyalty:3', '刘芳', { phones: ['+8613700001111'], dob: '1962-03-04', gender: 'F' }),
      makeProfile({ id: 'callcenter:3', phones: ['+8613700001111'] }),
      // Another birth date on the nameless record than on the holder's: a conflict, no link.
      person('loyalty:4', '周洋', { phones: ['+8615000002222'], dob: '1970-05-06', gender: 'M' }),
      makeProfile({ id: 'callcenter:4', phones: ['+8615000002222'], dob: '1991-10-12' }),
    ]);
    expect(key.get('web:1')).toBe(key.get('loyalty:1'));
    expect(key.get('callcenter:1')).toBe(key.get('loyalty:1'));
    expect(res.xref.find((x) => x.record_id === 'callcenter:1')!.match_rule).toBe('mobile_only');
    expect(key.get('callcenter:2')).not.toBe(key.get('loyalty:1'));
    expect(key.get('loyalty:2')).not.toBe(key.get('loyalty:3'));
    expect(key.get('callcenter:3')).not.toBe(key.get('loyalty:2'));
    expect(key.get('callcenter:3')).not.toBe(key.get('loyalty:3'));
    expect(key.get('callcenter:4')).not.toBe(key.get('loyalty:4'));
    expect(res.stats.linkedByMobile).toBe(1);
  }, 60_000);

  it('no merge on a birth date when the family names differ (孙丽娟 / 胡丽娟) or the given names differ (Helen / Laura Wilson)', () => {
    const { key } = keysOf([
      person('loyalty:1', '孙丽娟', { dob: '1982-11-23', street: '解放路8号', city: '长沙市', gender: 'F' }),
      person('dealer:1', '胡丽娟', { dob: '1982-11-23', street: '解放路8号', city: '长沙市', gender: 'F' }),
      person('web:1', 'Helen Wilson', { dob: '1979-02-14', street: '12 church road', city: 'london', gender: 'F' }),
      person('web:2', 'Laura Wilson', { dob: '1979-02-14', street: '12 church road', city: 'london', gender: 'F' }),
      // Control: the same name, birth date and street is one person.
      person('web:3', '孙丽娟', { dob: '1982-11-23', street: '解放路8号', city: '长沙市' }),
    ]);
    expect(key.get('loyalty:1')).not.toBe(key.get('dealer:1'));
    expect(key.get('web:1')).not.toBe(key.get('web:2'));
    expect(key.get('web:3')).toBe(key.get('loyalty:1'));
  }, 60_000);
});

describe('matching end to end on 12,000 mixed-script records (four systems, characters and pinyin)', () => {
  it('reaches precision ≥ 0.995 and recall well beyond what e-mail and phone alone link', () => {
    const set = generateMixedProfiles({ records: 12_000, seed: 3 });
    const emailPhone = identifierRecall(set, ['email', 'phone']);
    expect(emailPhone).toBeGreaterThan(0.8);
    expect(emailPhone).toBeLessThan(0.88);
    const res = matchProfiles(set.profiles);
    const m = pairwiseMetrics(res.xref.map((x) => x.customer_key), set.personOf);
    // bench/match.ts measures 0.995 / 0.92 at 200k records; a small set trains a little worse.
    expect(m.precision).toBeGreaterThanOrEqual(0.995);
    expect(m.recall).toBeGreaterThanOrEqual(0.87);
    expect(m.recall).toBeGreaterThan(emailPhone);
  }, 120_000);
});
