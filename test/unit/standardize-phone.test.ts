import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import type { StandardPhone, StandardizeIssue } from '../../src/customers/profile.js';
import { fastChinesePhone, numberType, standardizePhone, standardizePhoneField } from '../../src/customers/standardize/phone.js';

const CHANGSHA: StandardPhone = { e164: '+8673158671888', countryCode: '86', areaCode: '0731', number: '58671888', kind: 'fixed' };

function field(raw: string, country: Parameters<typeof standardizePhoneField>[2] = 'CN') {
  const phones: StandardPhone[] = [];
  const issues: StandardizeIssue[] = [];
  standardizePhoneField(raw, 'phone', country, phones, issues);
  return { phones, issues };
}

describe('standardizePhone: China', () => {
  it.each(['0731-58671888', '(0731)58671888', '073158671888', '+86 731 5867 1888', '0086 731 58671888', '731-58671888', '０７３１－５８６７１８８８', '+86 (0)731 58671888', '电话：0731-58671888', 'Tel: 0731 5867 1888'])(
    '%s → 0731 / 58671888, fixed',
    (raw) => {
      expect(standardizePhone(raw, 'CN')).toEqual({ phone: CHANGSHA, issues: [] });
    },
  );

  it('2-digit area codes for 010 and 02x, 3 digits otherwise', () => {
    expect(standardizePhone('010-12345678', 'CN').phone).toMatchObject({ areaCode: '010', number: '12345678' });
    expect(standardizePhone('020-87654321', 'CN').phone).toMatchObject({ areaCode: '020', number: '87654321' });
    expect(standardizePhone('028 8765 4321', 'CN').phone).toMatchObject({ areaCode: '028', number: '87654321' });
    expect(standardizePhone('0755-86013388', 'CN').phone).toMatchObject({ areaCode: '0755', number: '86013388' });
    expect(standardizePhone('0351-7654321', 'CN').phone).toMatchObject({ areaCode: '0351', number: '7654321' });
  });

  it('the area-code rule agrees with the library national format', () => {
    const areas = ['010', '020', '021', '022', '023', '024', '025', '027', '028', '029', '0311', '0351', '0371', '0431', '0451', '0471', '0531', '0551', '0571', '0591', '0731', '0755', '0771', '0791', '0851', '0871', '0898', '0931', '0951', '0991'];
    let checked = 0;
    for (const area of areas) {
      for (const local of ['87654321', '66123456', '6612345']) {
        const raw = `${area}${local}`;
        const n = parsePhoneNumberFromString(raw, 'CN')!;
        const p = standardizePhone(raw, 'CN').phone;
        if (n.getType() === undefined) {
          expect(p, raw).toBeNull();
          continue;
        }
        expect(p!.areaCode, raw).toBe(n.formatNational().split(' ')[0]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(areas.length);
  });

  it('mobiles have no area code', () => {
    const mobile = { e164: '+8613800138000', countryCode: '86', areaCode: null, number: '13800138000', kind: 'mobile' };
    expect(standardizePhone('138 0013 8000', 'CN').phone).toEqual(mobile);
    expect(standardizePhone('+86 13800138000', 'CN').phone).toEqual(mobile);
    expect(standardizePhone('8613800138000', 'CN').phone).toEqual(mobile);
    expect(standardizePhone('138-0013-8000', 'BR').phone).toBeNull(); // a Chinese mobile written nationally in a Brazilian source
    expect(standardizePhone('+86 138 0013 8000', 'BR').phone).toEqual(mobile);
  });

  it('service numbers are kind other', () => {
    expect(standardizePhone('400-800-8888', 'CN').phone).toEqual({ e164: '+864008008888', countryCode: '86', areaCode: null, number: '4008008888', kind: 'other' });
  });

  it('invalid numbers are issues, not kept', () => {
    const bad = (raw: string) => standardizePhone(raw, 'CN');
    expect(bad('12345')).toEqual({ phone: null, issues: [{ field: 'phone', value: '12345', reason: 'invalid phone number (CN): too short' }] });
    expect(bad('58671888').phone).toBeNull(); // local number without area code
    expect(bad('1380013800').phone).toBeNull(); // mobile one digit short
    expect(bad('138001380001').phone).toBeNull(); // one digit long
    expect(bad('0731-5867').issues[0]?.reason).toMatch(/invalid phone number/);
    expect(bad('abc').issues[0]?.reason).toBe('no digits');
    expect(bad('11111111111').phone).toBeNull(); // no such mobile range
  });

  it('drops extensions with an issue', () => {
    expect(field('0731-58671888 转 8001')).toEqual({ phones: [CHANGSHA], issues: [{ field: 'phone', value: '0731-58671888 转 8001', reason: 'extension 8001 not kept' }] });
    expect(field('0731-58671888 ext. 12').phones).toEqual([CHANGSHA]);
    expect(field('0731-58671888-8001')).toEqual({ phones: [CHANGSHA], issues: [{ field: 'phone', value: '0731-58671888-8001', reason: 'extension 8001 not kept' }] });
  });

  it('reads several numbers in one field and skips duplicates', () => {
    const r = field('13800138000 / 0731-58671888，0731 5867 1888; 12');
    expect(r.phones.map((p) => p.e164)).toEqual(['+8613800138000', '+8673158671888']);
    expect(r.issues).toHaveLength(1);
  });
});

describe('standardizePhone: other countries', () => {
  it('Brazil: area code for fixed lines and (geographic) mobiles', () => {
    expect(standardizePhone('(11) 3456-7890', 'BR').phone).toEqual({ e164: '+551134567890', countryCode: '55', areaCode: '11', number: '34567890', kind: 'fixed' });
    expect(standardizePhone('(11) 91234-5678', 'BR').phone).toEqual({ e164: '+5511912345678', countryCode: '55', areaCode: '11', number: '912345678', kind: 'mobile' });
    expect(standardizePhone('+55 21 2555-1234', 'CN').phone).toMatchObject({ countryCode: '55', areaCode: '21', number: '25551234' });
  });

  it('Great Britain: trunk 0 in the area code, none for mobiles', () => {
    expect(standardizePhone('020 7946 0018', 'GB').phone).toEqual({ e164: '+442079460018', countryCode: '44', areaCode: '020', number: '79460018', kind: 'fixed' });
    expect(standardizePhone('+44 (0)20 7946 0018', 'CN').phone).toMatchObject({ e164: '+442079460018', areaCode: '020' });
    expect(standardizePhone('07911 123456', 'GB').phone).toEqual({ e164: '+447911123456', countryCode: '44', areaCode: null, number: '7911123456', kind: 'mobile' });
    expect(standardizePhone('0161 496 0000', 'GB').phone).toMatchObject({ areaCode: '0161', number: '4960000' });
  });

  it('United States: one plan for fixed and mobile, so kind other, with its area code', () => {
    expect(standardizePhone('(212) 555-0123', 'US').phone).toEqual({ e164: '+12125550123', countryCode: '1', areaCode: '212', number: '5550123', kind: 'other' });
  });

  it('national numbers need a country', () => {
    expect(standardizePhone('0731-58671888').issues[0]?.reason).toMatch(/no country known/);
    expect(standardizePhone('+86 731 5867 1888').phone).toEqual(CHANGSHA);
  });
});

describe('compiled number types and the Chinese fast path agree with the library', () => {
  const samples = [
    ['+8673158671888'], ['+8613800138000'], ['+864008008888'], ['+8610123456'], ['+8619912345678'], ['+8617012345678'], ['+86123'],
    ['+442079460018'], ['+447911123456'], ['+448001111111'], ['+12125550123'], ['+551134567890'], ['+5511912345678'], ['+33142685300'],
    ['+4930123456'], ['+81312345678'], ['+85221234567'], ['+61212345678'], ['+79161234567'], ['+919812345678'], ['+80012345678'],
  ];
  it.each(samples)('numberType(%s) = getType()', (e164) => {
    const n = parsePhoneNumberFromString(e164)!;
    expect(numberType(n)).toBe(n.getType());
  });

  it('fast path = full parser on generated Chinese numbers', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const shapes = [(a: string, n: string) => `${a}-${n}`, (a: string, n: string) => `(${a})${n}`, (a: string, n: string) => `+86 ${a.slice(1)} ${n}`, (a: string, n: string) => `0086${a.slice(1)}${n}`];
    let compared = 0;
    for (let i = 0; i < 2000; i++) {
      const area = ['010', '020', '0731', '0755', '0351', '0898', '021', '0571'][Math.floor(rand() * 8)]!;
      const len = 6 + Math.floor(rand() * 4);
      const local = String(Math.floor(rand() * 10 ** len)).padStart(len, '0');
      const mobile = `1${Math.floor(rand() * 10)}${String(Math.floor(rand() * 1e9)).padStart(9, '0')}`;
      for (const raw of [shapes[i % 4]!(area, local), mobile, `+86 ${mobile}`]) {
        const fast = fastChinesePhone(raw);
        const n = parsePhoneNumberFromString(raw, 'CN');
        const type = n?.getType();
        if (fast === null) continue; // the fast path may decline; then the full parser runs
        compared++;
        expect(type, raw).toBeDefined();
        expect(fast.e164, raw).toBe(n!.number);
        expect(fast.kind, raw).toBe(type === 'MOBILE' ? 'mobile' : type === 'FIXED_LINE' ? 'fixed' : 'other');
      }
    }
    expect(compared).toBeGreaterThan(2000);
  });
});
