import { describe, expect, it } from 'vitest';
import { generate } from '../../bench/standardize.js';
import type { RawProfile } from '../../src/customers/profile.js';
import { normalizeCountry } from '../../src/customers/standardize/country.js';
import { standardizeProfile } from '../../src/customers/standardize/index.js';

const now = new Date('2026-11-15T00:00:00Z');

describe('standardizeProfile', () => {
  it('a messy Chinese member record', () => {
    const raw: RawProfile = {
      source_system: 'member',
      source_customer_id: 'M-00017',
      full_name: ' 王先生 ',
      gender: '',
      birth_date: '1997年4月12日',
      phone: '(0731)58671888',
      mobile: '138 0013 8000',
      email: ' Martin.Wang@GMIAL.com ',
      address_line: '湖南长沙岳麓区麓山南路932号',
      country: '中国',
      updated_at: '2024-03-05 14:02:11',
    };
    expect(standardizeProfile(raw, { now })).toEqual({
      recordId: 'member:M-00017',
      sourceSystem: 'member',
      sourceCustomerId: 'M-00017',
      sourcePersonId: null,
      familyName: '王',
      givenName: null,
      fullName: '王',
      originalName: '王先生',
      gender: 'M',
      birthDate: '1997-04-12',
      phones: [
        { e164: '+8613800138000', countryCode: '86', areaCode: null, number: '13800138000', kind: 'mobile' },
        { e164: '+8673158671888', countryCode: '86', areaCode: '0731', number: '58671888', kind: 'fixed' },
      ],
      email: 'martin.wang@gmial.com',
      address: { country: 'CN', province: '湖南省', city: '长沙市', district: '岳麓区', street: '麓山南路932号', postcode: null },
      updatedAt: '2024-03-05T14:02:11',
      issues: [
        { field: 'email', value: 'Martin.Wang@GMIAL.com', reason: 'domain looks like a typo of gmail.com: did you mean martin.wang@gmail.com? (kept as written)' },
      ],
    });
  });

  it('collects every value not used, and why', () => {
    const r = standardizeProfile(
      {
        source_system: 'dealer',
        source_customer_id: '9',
        full_name: 'test',
        gender: '2',
        birth_date: '12/04/1997',
        phone: '5867188',
        mobile: '138001380',
        email: 'wang@163',
        province: '江南',
        postcode: '4100',
        country: 'Atlantis',
        updated_at: 'yesterday',
        registered_at: '2020-01-02',
      },
      { defaultCountry: 'CN', now },
    );
    expect(r.issues.map((i) => i.field)).toEqual(['country', 'full_name', 'gender', 'birth_date', 'mobile', 'phone', 'email', 'province', 'postcode', 'updated_at']);
    expect(r.issues[0]).toEqual({ field: 'country', value: 'Atlantis', reason: 'unknown country; CN (source default) used' });
    expect(r).toMatchObject({ fullName: null, gender: 'U', birthDate: null, phones: [], email: null, updatedAt: '2020-01-02T00:00:00' });
  });

  it('declared day-first order and a name honorific as the gender', () => {
    const r = standardizeProfile({ source_system: 'web', source_customer_id: 'w1', full_name: 'Mrs. Jane SMITH', birth_date: '12/04/1997', phone: '020 7946 0018', postcode: 'sw1a1aa', country: 'UK' }, { dayFirst: true, now });
    expect(r).toMatchObject({
      familyName: 'Smith', givenName: 'Jane', fullName: 'smith jane', gender: 'F', birthDate: '1997-04-12',
      phones: [{ e164: '+442079460018', areaCode: '020', kind: 'fixed' }],
      address: { country: 'GB', postcode: 'SW1A 1AA' },
      issues: [],
    });
  });

  it('an Olist customer row', () => {
    const r = standardizeProfile({ source_system: 'olist', source_customer_id: '06b8999e2fba1a1fbc88172c00ba8bc7', source_person_id: '861eff4711a542e4b93843c6dd7febb0', postcode: '14409', city: 'franca', province: 'SP', country: 'BR' });
    expect(r).toMatchObject({
      recordId: 'olist:06b8999e2fba1a1fbc88172c00ba8bc7',
      sourcePersonId: '861eff4711a542e4b93843c6dd7febb0',
      gender: 'U',
      address: { country: 'BR', province: 'SP', city: 'Franca', district: null, street: null, postcode: '14409' },
      issues: [],
    });
  });

  it('the profile country beats the source default for phones', () => {
    const r = standardizeProfile({ source_system: 'web', source_customer_id: '1', phone: '(11) 3456-7890', country: 'Brasil' }, { defaultCountry: 'CN' });
    expect(r.phones[0]).toMatchObject({ countryCode: '55', areaCode: '11' });
  });

  it('is deterministic and never throws on generated messy profiles', () => {
    const profiles = generate(3000, 1);
    const a = profiles.map((p) => standardizeProfile(p, { defaultCountry: 'CN', now }));
    const b = profiles.map((p) => standardizeProfile(p, { defaultCountry: 'CN', now }));
    expect(a).toEqual(b);
    // Every Chinese fixed line kept has an area code; every mobile has none.
    for (const p of a.flatMap((s) => s.phones)) {
      if (p.countryCode === '86') expect(p.kind === 'mobile' ? p.areaCode === null : p.areaCode !== null, p.e164).toBe(true);
    }
    // Every Chinese address got its province from the gazetteer.
    for (const s of a.filter((s) => s.address.country === 'CN')) expect(s.address.province, s.recordId).not.toBeNull();
  });
});

describe('normalizeCountry', () => {
  it.each([['中国', 'CN'], ['China', 'CN'], ['cn', 'CN'], ['CHN', 'CN'], ['Brasil', 'BR'], ['BR', 'BR'], ['U.K.', 'GB'], ['uk', 'GB'], ['England', 'GB'], ['USA', 'US'], ['香港', 'HK'], ['de', 'DE']])(
    '%s → %s',
    (raw, code) => expect(normalizeCountry(raw)).toBe(code),
  );
  it('unknown names are null', () => {
    expect(normalizeCountry('Atlantis')).toBeNull();
    expect(normalizeCountry('ZZ')).toBeNull();
  });
});
