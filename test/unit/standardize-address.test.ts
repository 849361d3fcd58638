import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { StandardizeIssue } from '../../src/customers/profile.js';
import { standardizeAddress, type AddressInput } from '../../src/customers/standardize/address.js';
import { GAZETTEER_SIZE, lookupCity, lookupProvince, parseChineseAddress } from '../../src/customers/standardize/cn-address.js';
import { normalizePostcode } from '../../src/customers/standardize/postcode.js';

const line = (s: string) => {
  const p = parseChineseAddress(s);
  return [p.province?.name ?? null, p.city, p.district, p.street];
};

function address(input: AddressInput, country: string | null = 'CN') {
  const issues: StandardizeIssue[] = [];
  return { address: standardizeAddress(input, country, issues), issues };
}

describe('gazetteer', () => {
  it('has the 34 province-level divisions and every prefecture-level division', () => {
    expect(GAZETTEER_SIZE.provinces).toBe(34);
    expect(GAZETTEER_SIZE.prefectures).toBe(333 + 9); // mainland + Taiwan Province's cities
    const file = JSON.parse(readFileSync(new URL('../../src/customers/standardize/data/cn-divisions.json', import.meta.url), 'utf8'));
    const codes = file.provinces.map((p: { code: string }) => p.code);
    expect(new Set(codes).size).toBe(34);
  });

  it('looks up full and short forms', () => {
    expect(lookupProvince('湖南')?.name).toBe('湖南省');
    expect(lookupProvince('内蒙古')?.name).toBe('内蒙古自治区');
    expect(lookupProvince('广西壮族自治区')?.code).toBe('45');
    expect(lookupCity('长沙')?.name).toBe('长沙市');
    expect(lookupCity('长沙')?.province.name).toBe('湖南省');
    expect(lookupCity('湘西')?.name).toBe('湘西土家族苗族自治州');
    expect(lookupCity('延边')?.province.name).toBe('吉林省');
    expect(lookupCity('海西州')?.province.name).toBe('青海省');
    expect(lookupCity('仙桃')?.direct).toBe(true);
    expect(lookupCity('莱芜')).toBeNull(); // merged into 济南 in 2019
    expect(lookupCity('襄阳')?.name).toBe('襄阳市'); // renamed from 襄樊 in 2010
  });
});

describe('parseChineseAddress', () => {
  it.each([
    ['湖南长沙岳麓区麓山南路932号', ['湖南省', '长沙市', '岳麓区', '麓山南路932号']],
    ['湖南省长沙市岳麓区麓山南路932号', ['湖南省', '长沙市', '岳麓区', '麓山南路932号']],
    ['长沙岳麓区桐梓坡路8号', ['湖南省', '长沙市', '岳麓区', '桐梓坡路8号']],
    ['长沙市岳麓区', ['湖南省', '长沙市', '岳麓区', null]],
    ['中国广东省深圳市南山区科技园10栋', ['广东省', '深圳市', '南山区', '科技园10栋']],
    ['北京朝阳区建国路88号', ['北京市', '北京市', '朝阳区', '建国路88号']],
    ['北京市朝阳区建国路88号', ['北京市', '北京市', '朝阳区', '建国路88号']],
    ['上海浦东新区世纪大道100号', ['上海市', '上海市', '浦东新区', '世纪大道100号']],
    ['天津市和平区成都道50号', ['天津市', '天津市', '和平区', '成都道50号']],
    ['重庆渝中区解放碑', ['重庆市', '重庆市', '渝中区', '解放碑']],
    ['广西南宁青秀区民族大道1号', ['广西壮族自治区', '南宁市', '青秀区', '民族大道1号']],
    ['内蒙古呼和浩特新城区', ['内蒙古自治区', '呼和浩特市', '新城区', null]],
    ['新疆乌鲁木齐天山区', ['新疆维吾尔自治区', '乌鲁木齐市', '天山区', null]],
    ['西藏拉萨城关区', ['西藏自治区', '拉萨市', '城关区', null]],
    ['宁夏银川兴庆区', ['宁夏回族自治区', '银川市', '兴庆区', null]],
    ['吉林市昌邑区', ['吉林省', '吉林市', '昌邑区', null]],
    ['吉林长春朝阳区', ['吉林省', '长春市', '朝阳区', null]],
    ['哈尔滨道里区中央大街', ['黑龙江省', '哈尔滨市', '道里区', '中央大街']],
    ['湘西吉首市人民路', ['湖南省', '湘西土家族苗族自治州', '吉首市', '人民路']],
    ['湖南长沙县星沙镇', ['湖南省', null, '长沙县', '星沙镇']],
    ['湖南长沙浏阳市集里街道', ['湖南省', '长沙市', '浏阳市', '集里街道']],
    ['长沙市阳光小区5栋', ['湖南省', '长沙市', null, '阳光小区5栋']],
    ['湖南 长沙 岳麓区 麓山南路', ['湖南省', '长沙市', '岳麓区', '麓山南路']],
  ])('%s', (s, expected) => {
    expect(line(s)).toEqual(expected);
  });

  it('does not read streets named after places as places', () => {
    expect(line('南京路100号')).toEqual([null, null, null, '南京路100号']);
    expect(line('北京东路5号')).toEqual([null, null, null, '北京东路5号']);
    expect(line('湖南路8号')).toEqual([null, null, null, '湖南路8号']);
    expect(line('中山路1号')).toEqual([null, null, null, '中山路1号']);
    expect(line('朝阳门内大街5号')).toEqual([null, null, null, '朝阳门内大街5号']);
    expect(line('桃园新村3栋')).toEqual([null, null, null, '桃园新村3栋']);
    expect(line('朝阳区建国路')).toEqual([null, null, null, '朝阳区建国路']); // a district, not 朝阳市 (辽宁)
  });

  it('does not move a city to another province', () => {
    expect(line('湖南深圳南山区')).toEqual(['湖南省', null, null, '深圳南山区']);
    expect(parseChineseAddress('湖南深圳南山区').conflictCity?.name).toBe('深圳市');
    expect(address({ address_line: '湖南深圳南山区' }).issues).toEqual([
      { field: 'address_line', value: '湖南深圳南山区', reason: '深圳市 is in 广东省, not 湖南省; left in the street' },
    ]);
  });
});

describe('standardizeAddress: Chinese', () => {
  it('fills the province from the city column and parses the line', () => {
    expect(address({ city: '长沙', address_line: '岳麓区麓山南路932号' })).toEqual({
      address: { country: 'CN', province: '湖南省', city: '长沙市', district: '岳麓区', street: '麓山南路932号', postcode: null },
      issues: [],
    });
  });

  it('a line that repeats the columns is not duplicated', () => {
    expect(address({ province: '湖南省', city: '长沙市', address_line: '湖南省长沙市岳麓区麓山南路932号', postcode: '410083' }).address).toEqual({
      country: 'CN', province: '湖南省', city: '长沙市', district: '岳麓区', street: '麓山南路932号', postcode: '410083',
    });
  });

  it('takes a trailing postcode from the line', () => {
    expect(address({ address_line: '湖南省长沙市岳麓区麓山南路932号 410083' }).address).toMatchObject({ street: '麓山南路932号', postcode: '410083' });
  });

  it('columns win over a conflicting line, with an issue', () => {
    const r = address({ province: '广东', address_line: '湖南长沙岳麓区' });
    expect(r.address.province).toBe('广东省');
    expect(r.issues[0]?.reason).toMatch(/address line says 湖南省, province column says 广东省/);
    const c = address({ province: '湖南', city: '深圳' });
    expect(c.issues[0]?.reason).toBe('深圳市 is in 广东省, not 湖南省');
  });

  it('flags an unknown province and keeps an unknown (county-level) city', () => {
    const r = address({ province: '江南省', city: '昆山市', district: '玉山镇' });
    expect(r.address).toMatchObject({ province: null, city: '昆山市', district: '玉山镇' });
    expect(r.issues).toEqual([{ field: 'province', value: '江南省', reason: 'not a Chinese province-level division' }]);
  });

  it('municipality columns', () => {
    expect(address({ city: '北京', address_line: '朝阳区建国路88号' }).address).toMatchObject({ province: '北京市', city: '北京市', district: '朝阳区', street: '建国路88号' });
    expect(address({ province: '上海', address_line: '浦东新区世纪大道100号' }).address).toMatchObject({ province: '上海市', city: '上海市', district: '浦东新区' });
  });

  it('detects a Chinese address without a country', () => {
    expect(address({ address_line: '湖南长沙岳麓区' }, null).address.country).toBe('CN');
  });

  it('flags a bad Chinese postcode', () => {
    expect(address({ address_line: '长沙', postcode: '4100' }).issues[0]).toEqual({ field: 'postcode', value: '4100', reason: 'Chinese postcode must have 6 digits' });
  });
});

describe('standardizeAddress: generic', () => {
  it('Olist rows: city, state, zip prefix', () => {
    expect(address({ city: 'sao paulo', province: 'sp', postcode: '01317' }, 'BR')).toEqual({
      address: { country: 'BR', province: 'SP', city: 'Sao Paulo', district: null, street: null, postcode: '01317' },
      issues: [],
    });
    expect(address({ city: 'rio de janeiro', province: 'RJ', postcode: '20040-020' }, 'BR').address).toMatchObject({ city: 'Rio de Janeiro', postcode: '20040-020' });
    expect(address({ city: 'VARZEA  GRANDE' }, 'BR').address.city).toBe('Varzea Grande');
    expect(address({ city: 'São Paulo' }, 'BR').address.city).toBe('São Paulo');
  });

  it('British and American rows', () => {
    expect(address({ address_line: '10  DOWNING STREET', city: 'LONDON', postcode: 'sw1a2aa' }, 'GB').address).toEqual({
      country: 'GB', province: null, city: 'London', district: null, street: '10 Downing Street', postcode: 'SW1A 2AA',
    });
    expect(address({ city: 'new york', province: 'ny', postcode: '100011234' }, 'US').address).toMatchObject({ city: 'New York', province: 'NY', postcode: '10001-1234' });
  });

  it('pinyin Chinese addresses stay generic', () => {
    expect(address({ city: 'changsha', province: 'hunan', address_line: 'Lushan South Rd 932' }, 'CN').address).toMatchObject({ city: 'Changsha', province: 'Hunan', street: 'Lushan South Rd 932' });
  });
});

describe('normalizePostcode', () => {
  it.each([
    ['BR', '01310-100', '01310-100'], ['BR', '01310100', '01310-100'], ['BR', '01317', '01317'], ['BR', '01.310-100', '01310-100'],
    ['GB', 'sw1a1aa', 'SW1A 1AA'], ['GB', 'SW1A  1AA', 'SW1A 1AA'], ['GB', 'm1 1ae', 'M1 1AE'], ['GB', 'ec1a1bb', 'EC1A 1BB'],
    ['US', '12345', '12345'], ['US', '12345-6789', '12345-6789'], ['US', '123456789', '12345-6789'],
    ['CN', '410083', '410083'], ['FR', '75008', '75008'], ['NL', '1012 ab', '1012 AB'],
  ])('%s %s → %s', (country, raw, expected) => {
    expect(normalizePostcode(raw, country)).toEqual({ postcode: expected, issue: null });
  });

  it.each([
    ['BR', '1317'], ['BR', '1310100'], ['BR', 'ABCDE'], ['GB', '12345'], ['US', '1234'], ['CN', '41008'],
  ])('%s %s is flagged, not padded', (country, raw) => {
    const r = normalizePostcode(raw, country);
    expect(r.postcode).toBeNull();
    expect(r.issue?.field).toBe('postcode');
  });
});
