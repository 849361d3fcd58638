/**
 * A labelled evaluation set for matching: synthetic people (Chinese and English names), each
 * seen as one to six StandardProfile records across sources, with the corruptions CRM data has.
 * Deterministic for a seed. It writes StandardProfile directly (no standardization step), so
 * "format variants" are modelled as what a standardizer can get wrong: a landline without its
 * area code, a mobile under the wrong country code (same last 8 digits, other E.164).
 *
 * Rates (per record unless said otherwise; all in `DEFAULT_RATES`, overridable):
 *   name missing 2%; typo 8% (Chinese: a homophone from the input method 75%, another character
 *   25%; English: one keyboard edit); English swapped name order 4%, nickname 12% (the
 *   generator's own nickname list, which the matcher's does not fully cover)
 *   gender unknown 20%, wrong 1%
 *   birth date missing 25%, day/month swapped 3%, year digit typo 2%, day typo 2%
 *   mobile present 90%, changed to a new number 5%, format variant 5%; home landline 40% of
 *   records of people who have one; household phone on 50% of records of household members;
 *   a store's phone instead of the customer's on 2% of POS records
 *   e-mail: 55% of people have one; present on 55% of their records, the second address 10%,
 *   typo 3%; 15% of households share one e-mail, on 30% of the members' records
 *   address present 70%; 30% of people moved and 30% of their records show the old address;
 *   street typo 5%, postcode missing 10%, district missing 20%
 *   households: 25% of people live with 1-3 others (same address and landline, mostly the same
 *   family name, other birth dates)
 */
import type { Gender, StandardAddress, StandardPhone, StandardProfile } from '../profile.js';
import { Rng, cumulative, pickWeighted } from './random.js';

export interface Rates {
  nameMissing: number;
  nameTypo: number;
  swappedOrder: number;
  nickname: number;
  genderUnknown: number;
  genderWrong: number;
  dobMissing: number;
  dobSwap: number;
  dobYearTypo: number;
  dobDayTypo: number;
  mobilePresent: number;
  mobileChanged: number;
  phoneVariant: number;
  landlinePresent: number;
  householdPhone: number;
  storePhone: number;
  personHasEmail: number;
  emailPresent: number;
  emailSecond: number;
  emailTypo: number;
  householdSharedEmail: number;
  householdEmailOnRecord: number;
  addressPresent: number;
  personMoved: number;
  oldAddress: number;
  streetTypo: number;
  postcodeMissing: number;
  districtMissing: number;
  household: number;
}

export const DEFAULT_RATES: Rates = {
  nameMissing: 0.02,
  nameTypo: 0.08,
  swappedOrder: 0.04,
  nickname: 0.12,
  genderUnknown: 0.2,
  genderWrong: 0.01,
  dobMissing: 0.25,
  dobSwap: 0.03,
  dobYearTypo: 0.02,
  dobDayTypo: 0.02,
  mobilePresent: 0.9,
  mobileChanged: 0.05,
  phoneVariant: 0.05,
  landlinePresent: 0.4,
  householdPhone: 0.5,
  storePhone: 0.02,
  personHasEmail: 0.55,
  emailPresent: 0.55,
  emailSecond: 0.1,
  emailTypo: 0.03,
  householdSharedEmail: 0.15,
  householdEmailOnRecord: 0.3,
  addressPresent: 0.7,
  personMoved: 0.3,
  oldAddress: 0.3,
  streetTypo: 0.05,
  postcodeMissing: 0.1,
  districtMissing: 0.2,
  household: 0.25,
};

export interface SyntheticOptions {
  /** Number of records (default 10,000). */
  records?: number;
  seed?: number;
  /** Share of people with Chinese names (default 0.7). */
  chineseShare?: number;
  rates?: Partial<Rates>;
}

export interface SyntheticSet {
  profiles: StandardProfile[];
  /** True person id per profile. */
  personOf: string[];
  persons: number;
}

// ---------------------------------------------------------------- reference data

export const ZH_FAMILY: [string, number][] = [
  ['王', 7.1], ['李', 7.0], ['张', 6.7], ['刘', 5.4], ['陈', 4.5], ['杨', 3.1], ['黄', 2.1], ['赵', 2.0], ['吴', 2.0], ['周', 1.9],
  ['徐', 1.6], ['孙', 1.5], ['马', 1.5], ['朱', 1.3], ['胡', 1.3], ['郭', 1.1], ['何', 1.1], ['高', 1.0], ['林', 1.0], ['罗', 0.9],
  ['郑', 0.9], ['梁', 0.9], ['谢', 0.8], ['宋', 0.7], ['唐', 0.7], ['许', 0.7], ['韩', 0.7], ['冯', 0.7], ['邓', 0.7], ['曹', 0.6],
  ['彭', 0.6], ['曾', 0.6], ['肖', 0.6], ['田', 0.5], ['董', 0.5], ['袁', 0.5], ['潘', 0.5], ['于', 0.5], ['蒋', 0.5], ['蔡', 0.5],
  ['余', 0.5], ['杜', 0.5], ['叶', 0.4], ['程', 0.4], ['苏', 0.4], ['魏', 0.4], ['吕', 0.4], ['丁', 0.4], ['任', 0.4], ['沈', 0.4],
  ['姚', 0.3], ['卢', 0.3], ['姜', 0.3], ['崔', 0.3], ['钟', 0.3], ['谭', 0.3], ['陆', 0.3], ['汪', 0.3], ['范', 0.3], ['金', 0.3],
  ['石', 0.3], ['廖', 0.3], ['贾', 0.3], ['夏', 0.2], ['韦', 0.2], ['付', 0.2], ['方', 0.2], ['白', 0.2], ['邹', 0.2], ['孟', 0.2],
  ['熊', 0.2], ['秦', 0.2], ['邱', 0.2], ['江', 0.2], ['尹', 0.2], ['薛', 0.2], ['闫', 0.2], ['段', 0.2], ['雷', 0.2], ['侯', 0.2],
  ['龙', 0.2], ['史', 0.2], ['陶', 0.2], ['黎', 0.2], ['贺', 0.2], ['顾', 0.1], ['毛', 0.1], ['郝', 0.1], ['龚', 0.1], ['邵', 0.1],
  ['万', 0.1], ['钱', 0.1], ['严', 0.1], ['覃', 0.1], ['武', 0.1], ['戴', 0.1], ['莫', 0.1], ['孔', 0.1], ['向', 0.1], ['汤', 0.1],
  ['欧阳', 0.05], ['司马', 0.02], ['上官', 0.02], ['诸葛', 0.01],
];
export const ZH_MALE = [...'伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林文博志国建德海东晨子一天嘉思泽昊睿轩阳峰亮成振良永春金胜兵彬毅锋坤'];
export const ZH_FEMALE = [...'芳娜敏静丽艳娟霞秀玲桂英燕萍红梅莉雪琳婷慧颖倩晶欣佳雨月婉妍怡瑶璐洁彤晓小丹兰凤琴云薇蕾悦涵萱欢露琪淑珍美'];
/** Characters the input method confuses (same toneless pinyin). */
const ZH_HOMOPHONES = [
  '伟玮炜纬苇', '丽莉立俐力历', '明铭鸣名', '静晶婧靖敬', '芳方芬', '娜纳', '敏民闵', '艳燕雁彦', '娟鹃涓', '霞夏侠',
  '玲琳灵凌', '红虹宏鸿洪', '梅玫媚', '杰洁捷', '涛韬焘', '辉晖徽', '鹏朋彭', '华桦骅', '飞菲非妃', '斌彬滨',
  '宇雨语羽玉', '浩昊皓豪', '凯恺铠', '健建剑坚', '俊峻骏君', '帆凡繁', '旭煦', '宁凝', '龙隆', '欣鑫新心馨', '文雯',
  '志智芝', '东冬', '晨辰琛', '婷亭庭', '慧惠蕙', '颖莹盈', '倩茜', '佳嘉家', '月悦越', '怡宜仪', '瑶遥', '璐露路',
  '彤桐童', '晓小筱', '强蔷', '磊蕾', '军君钧', '洋阳扬杨', '勇永泳', '超潮', '刚钢纲', '平萍苹屏', '英瑛鹰', '云芸', '琪琦棋',
  '张章', '王汪', '李理', '陈程', '黄皇', '吴武', '周洲', '徐许', '孙荪',
];
export const HOMOPHONE_OF = new Map<string, string>();
for (const g of ZH_HOMOPHONES) for (const ch of g) if (!HOMOPHONE_OF.has(ch)) HOMOPHONE_OF.set(ch, g);

export const EN_FAMILY = (
  'smith jones williams brown taylor davies evans wilson thomas johnson roberts robinson thompson wright walker white edwards hughes ' +
  'green hall lewis harris clarke patel jackson wood turner martin cooper hill ward morris moore clark lee king baker harrison morgan ' +
  'allen james scott phillips watson davis parker price bennett young griffiths mitchell kelly cook carter richardson bailey collins bell ' +
  'shaw murphy miller cox richards khan marshall anderson simpson ellis adams singh begum wilkinson foster chapman powell webb rogers ' +
  'gray mason ali hunt hussain campbell matthews owen palmer holmes mills barnes knight lloyd butler russell barker fisher stevens ' +
  'jenkins murray dixon harvey graham pearson ahmed fletcher walsh kaur gibson howard andrews stewart elliott reynolds saunders payne ' +
  'fox ford pearce day brooks west lawrence cole atkinson bradley spencer gill dawson ball burton obrien watts rose booth perry ryan ' +
  'grant wells armstrong francis rees hayes hart hudson newman barrett webster hunter gregory carr lowe page marsh riley dunn woods ' +
  'parsons berry stone reid holland hawkins harding porter robertson newton oliver reed kennedy williamson bird gardner shah dean lane'
).split(' ');
export const EN_MALE = (
  'james john robert michael william david richard joseph thomas charles christopher daniel matthew anthony mark donald steven paul ' +
  'andrew joshua kenneth kevin brian george timothy ronald edward jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry ' +
  'justin scott brandon benjamin samuel gregory alexander frank patrick raymond jack dennis jerry tyler aaron adam nathan henry ' +
  'douglas zachary peter kyle oliver harry charlie alfie leo freddie archie theo'
).split(' ');
export const EN_FEMALE = (
  'mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty margaret sandra ashley kimberly emily ' +
  'donna michelle carol amanda dorothy melissa deborah stephanie rebecca sharon laura cynthia kathleen amy angela shirley anna brenda ' +
  'pamela emma nicole helen samantha katherine christine rachel carolyn janet catherine maria heather diane ruth julie olivia joyce ' +
  'virginia victoria kelly lauren christina joan evelyn judith megan andrea cheryl hannah jacqueline martha gloria teresa ann sara ' +
  'madison frances kathryn janice jean abigail alice judy sophia grace denise amber doris isabella theresa diana natalie charlotte ' +
  'danielle alexis'
).split(' ');
/** The generator's own nickname list: partly different from the matcher's, as real data would be. */
const EN_NICKNAMES: Record<string, string[]> = {
  william: ['bill', 'will', 'billy'], robert: ['bob', 'rob', 'bobby', 'robbie'], richard: ['rick', 'dick', 'richie'],
  james: ['jim', 'jimmy', 'jamie'], john: ['jack', 'johnny'], joseph: ['joe', 'joey'], thomas: ['tom', 'tommy'],
  charles: ['charlie', 'chuck'], christopher: ['chris', 'topher'], daniel: ['dan', 'danny'], matthew: ['matt', 'matty'],
  anthony: ['tony', 'ant'], michael: ['mike', 'mikey', 'mick'], david: ['dave', 'davey'], edward: ['ed', 'eddie', 'ted'],
  andrew: ['andy', 'drew'], benjamin: ['ben', 'benji'], samuel: ['sam', 'sammy'], alexander: ['alex', 'xander', 'sasha'],
  nicholas: ['nick', 'nico'], jonathan: ['jon', 'jonny'], peter: ['pete'], stephen: ['steve'], timothy: ['tim'],
  patrick: ['pat', 'paddy'], gregory: ['greg'], kenneth: ['ken'], ronald: ['ron'], donald: ['don'],
  elizabeth: ['liz', 'beth', 'betty', 'lizzy'], margaret: ['maggie', 'peggy', 'meg', 'greta'], katherine: ['kate', 'kathy', 'katie'],
  catherine: ['cathy', 'cat'], jennifer: ['jen', 'jenny'], rebecca: ['becky', 'becca'], victoria: ['vicky', 'tori'],
  susan: ['sue', 'suzy'], deborah: ['debbie', 'deb'], patricia: ['patty', 'trish'], jessica: ['jess', 'jessie'],
  samantha: ['sam', 'sammy'], christine: ['chris', 'chrissy'], abigail: ['abby'], dorothy: ['dot', 'dottie'], barbara: ['barb'],
  judith: ['judy'], kimberly: ['kim'], pamela: ['pam'], sandra: ['sandy'], theresa: ['tess', 'terry'], amanda: ['mandy'],
  natalie: ['nat'], sophia: ['sophie'], charlotte: ['lottie', 'charlie'], isabella: ['bella', 'izzy'], alexis: ['lexi'],
  madison: ['maddie'], danielle: ['dani'], cynthia: ['cindy'], kathleen: ['kath'], frances: ['fran', 'frankie'], virginia: ['ginny'],
};

export interface ZhCity { province: string; city: string; area: string; prefix: string; districts: string[] }
export const ZH_CITIES: ZhCity[] = [
  { province: '北京市', city: '北京市', area: '10', prefix: '100', districts: ['朝阳区', '海淀区', '东城区', '西城区', '丰台区'] },
  { province: '上海市', city: '上海市', area: '21', prefix: '200', districts: ['浦东新区', '徐汇区', '静安区', '黄浦区', '闵行区'] },
  { province: '广东省', city: '广州市', area: '20', prefix: '510', districts: ['天河区', '越秀区', '海珠区', '白云区'] },
  { province: '广东省', city: '深圳市', area: '755', prefix: '518', districts: ['南山区', '福田区', '罗湖区', '宝安区'] },
  { province: '湖南省', city: '长沙市', area: '731', prefix: '410', districts: ['岳麓区', '芙蓉区', '天心区', '开福区'] },
  { province: '浙江省', city: '杭州市', area: '571', prefix: '310', districts: ['西湖区', '上城区', '拱墅区', '滨江区'] },
  { province: '江苏省', city: '南京市', area: '25', prefix: '210', districts: ['玄武区', '秦淮区', '鼓楼区', '建邺区'] },
  { province: '江苏省', city: '苏州市', area: '512', prefix: '215', districts: ['姑苏区', '吴中区', '相城区'] },
  { province: '四川省', city: '成都市', area: '28', prefix: '610', districts: ['锦江区', '青羊区', '武侯区', '成华区'] },
  { province: '湖北省', city: '武汉市', area: '27', prefix: '430', districts: ['江岸区', '武昌区', '洪山区', '汉阳区'] },
  { province: '陕西省', city: '西安市', area: '29', prefix: '710', districts: ['雁塔区', '碑林区', '莲湖区'] },
  { province: '重庆市', city: '重庆市', area: '23', prefix: '400', districts: ['渝中区', '江北区', '南岸区', '沙坪坝区'] },
  { province: '天津市', city: '天津市', area: '22', prefix: '300', districts: ['和平区', '河西区', '南开区'] },
  { province: '山东省', city: '青岛市', area: '532', prefix: '266', districts: ['市南区', '市北区', '崂山区'] },
  { province: '福建省', city: '厦门市', area: '592', prefix: '361', districts: ['思明区', '湖里区', '集美区'] },
  { province: '河南省', city: '郑州市', area: '371', prefix: '450', districts: ['金水区', '中原区', '二七区'] },
];
export const ZH_ROADS = [...'人民解放中山建设和平新华长江黄河东风朝阳光明胜利文化友谊学府青年体育工业滨江湖滨花园'].reduce<string[]>((out, ch, i, all) => {
  if (i % 2 === 1) out.push(all[i - 1]! + ch);
  return out;
}, []);
export const ZH_ROAD_SUFFIX = ['路', '街', '大道', '东路', '西路', '北路', '南路'];

interface EnCity { city: string; province: string; area: string; outward: string[] }
const EN_CITIES: EnCity[] = [
  { city: 'london', province: 'greater london', area: '20', outward: ['e1', 'e2', 'n1', 'n7', 'se1', 'se15', 'sw1', 'sw9', 'w2', 'w11', 'nw3', 'nw6'] },
  { city: 'manchester', province: 'greater manchester', area: '161', outward: ['m1', 'm4', 'm13', 'm14', 'm20', 'm21'] },
  { city: 'birmingham', province: 'west midlands', area: '121', outward: ['b1', 'b5', 'b13', 'b15', 'b29', 'b30'] },
  { city: 'leeds', province: 'west yorkshire', area: '113', outward: ['ls1', 'ls2', 'ls6', 'ls8', 'ls17'] },
  { city: 'glasgow', province: 'scotland', area: '141', outward: ['g1', 'g3', 'g11', 'g12', 'g41'] },
  { city: 'bristol', province: 'bristol', area: '117', outward: ['bs1', 'bs6', 'bs7', 'bs8', 'bs16'] },
  { city: 'liverpool', province: 'merseyside', area: '151', outward: ['l1', 'l8', 'l15', 'l17', 'l18'] },
  { city: 'edinburgh', province: 'scotland', area: '131', outward: ['eh1', 'eh3', 'eh6', 'eh9', 'eh10'] },
];
const EN_STREETS = 'church station victoria green manor park queens kings high mill school new grange north south west east london richmond york albert windsor'.split(' ');
const EN_STREET_TYPES = ['road', 'street', 'lane', 'avenue', 'close', 'drive', 'gardens', 'way'];
const EN_MAIL = ['gmail.com', 'outlook.com', 'hotmail.co.uk', 'yahoo.co.uk', 'btinternet.com', 'icloud.com'];
export const ZH_MAIL = ['163.com', '126.com', 'sina.com', 'foxmail.com', 'aliyun.com'];
export const SYLLABLES = 'wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he gao lin luo wei ming hua jun fang na jing li yan xia hong tao'.split(' ');
const SOURCES: [string, string, number][] = [
  ['pos', 'P', 0.4], ['web', 'W', 0.25], ['callcenter', 'CC', 0.15], ['loyalty', 'L', 0.15], ['wechat', 'WX', 0.05],
];
const RECORDS_PER_PERSON = cumulative([0.35, 0.3, 0.18, 0.1, 0.05, 0.02]);
export const KEYBOARD = 'qwertyuiopasdfghjklzxcvbnm';

// ---------------------------------------------------------------- people

interface Address extends StandardAddress {}

interface Household {
  address: Address;
  landline: StandardPhone;
  family: string;
  zh: boolean;
  email: string | null;
  members: number;
  capacity: number;
  baseYear: number;
  /** Given names in use: parents do not give two children, or a child and a parent, one name. */
  givenNames: Set<string>;
}

interface Person {
  id: string;
  zh: boolean;
  family: string;
  given: string;
  gender: 'F' | 'M';
  dob: [number, number, number];
  mobile: StandardPhone;
  newMobile: StandardPhone;
  landline: StandardPhone | null;
  emails: string[];
  address: Address;
  oldAddress: Address | null;
  household: Household | null;
  memberNo: string;
}

const digits = (rng: Rng, k: number): string => {
  let s = '';
  for (let i = 0; i < k; i++) s += String(rng.int(10));
  return s;
};

export function generateProfiles(options: SyntheticOptions = {}): SyntheticSet {
  const total = options.records ?? 10_000;
  const rng = new Rng(options.seed ?? 1);
  const R: Rates = { ...DEFAULT_RATES, ...options.rates };
  const zhShare = options.chineseShare ?? 0.7;
  const famCum = cumulative(ZH_FAMILY.map((f) => f[1]));
  const zipf = (n: number): Float64Array => cumulative(Array.from({ length: n }, (_, i) => 1 / (i + 1) ** 0.9));
  const maleCum = zipf(ZH_MALE.length);
  const femaleCum = zipf(ZH_FEMALE.length);
  const enFamCum = zipf(EN_FAMILY.length);
  const enMaleCum = zipf(EN_MALE.length);
  const enFemaleCum = zipf(EN_FEMALE.length);
  const srcCum = cumulative(SOURCES.map((s) => s[2]));
  const storePhones: StandardPhone[] = Array.from({ length: 20 }, (_, i) => {
    const c = ZH_CITIES[i % ZH_CITIES.length]!;
    const num = digits(rng, 8);
    return { e164: `+86${c.area}${num}`, countryCode: '86', areaCode: `0${c.area}`, number: num, kind: 'fixed' };
  });

  const mobile = (zh: boolean): StandardPhone => {
    if (zh) {
      const num = `1${rng.pick(['3', '5', '7', '8', '9'])}${digits(rng, 9)}`;
      return { e164: `+86${num}`, countryCode: '86', areaCode: null, number: num, kind: 'mobile' };
    }
    const num = `7${digits(rng, 9)}`;
    return { e164: `+44${num}`, countryCode: '44', areaCode: null, number: num, kind: 'mobile' };
  };
  const zhAddress = (city?: ZhCity): Address => {
    const c = city ?? rng.pick(ZH_CITIES);
    const di = rng.int(c.districts.length);
    const building = rng.chance(0.5) ? `${1 + rng.int(30)}栋${1 + rng.int(6)}单元${100 * (1 + rng.int(30)) + 1 + rng.int(4)}室` : '';
    return {
      country: 'CN', province: c.province, city: c.city, district: c.districts[di]!,
      street: `${rng.pick(ZH_ROADS)}${rng.pick(ZH_ROAD_SUFFIX)}${1 + rng.int(300)}号${building}`,
      postcode: `${c.prefix}${di}${rng.int(10)}0`.slice(0, 6),
    };
  };
  const enAddress = (city?: EnCity): Address => {
    const c = city ?? rng.pick(EN_CITIES);
    const letters = 'abdefghjlnpqrstuwxyz';
    return {
      country: 'GB', province: c.province, city: c.city, district: null,
      street: `${1 + rng.int(200)} ${rng.pick(EN_STREETS)} ${rng.pick(EN_STREET_TYPES)}`,
      postcode: `${rng.pick(c.outward)} ${rng.int(10)}${letters[rng.int(20)]}${letters[rng.int(20)]}`,
    };
  };
  const cityOfZh = (a: Address): ZhCity => ZH_CITIES.find((c) => c.city === a.city)!;
  const cityOfEn = (a: Address): EnCity => EN_CITIES.find((c) => c.city === a.city)!;
  const landline = (zh: boolean, a: Address): StandardPhone => {
    const area = zh ? cityOfZh(a).area : cityOfEn(a).area;
    const num = digits(rng, zh ? 8 : 7);
    return { e164: `${zh ? '+86' : '+44'}${area}${num}`, countryCode: zh ? '86' : '44', areaCode: `0${area}`, number: num, kind: 'fixed' };
  };
  const zhGiven = (gender: 'F' | 'M'): string => {
    const [pool, cum] = gender === 'M' ? [ZH_MALE, maleCum] : [ZH_FEMALE, femaleCum];
    const a = pool[pickWeighted(rng, cum)]!;
    return rng.chance(0.3) ? a : a + pool[pickWeighted(rng, cum)]!;
  };
  // A mailbox belongs to one person (or one household): a drawn address already taken gets digits.
  const mailboxes = new Set<string>();
  const email = (zh: boolean, family: string, given: string, year: number): string => {
    let e = drawEmail(zh, family, given, year);
    while (mailboxes.has(e)) e = e.replace('@', `${rng.int(10)}@`);
    mailboxes.add(e);
    return e;
  };
  const drawEmail = (zh: boolean, family: string, given: string, year: number): string => {
    if (zh) {
      if (rng.chance(0.6)) return `${1 + rng.int(9)}${digits(rng, 5 + rng.int(5))}@qq.com`;
      return `${rng.pick(SYLLABLES)}${rng.pick(SYLLABLES)}${rng.chance(0.5) ? String(year) : digits(rng, 3)}@${rng.pick(ZH_MAIL)}`;
    }
    const style = rng.int(4);
    const local = style === 0 ? `${given}.${family}` : style === 1 ? `${given[0]}${family}` : style === 2 ? `${given}${family}${year % 100}` : `${family}.${given}${rng.int(100)}`;
    return `${local}@${rng.pick(EN_MAIL)}`;
  };
  const randomDob = (baseYear?: number): [number, number, number] => {
    const y = baseYear !== undefined ? Math.min(2006, Math.max(1940, baseYear)) : 1950 + rng.int(57);
    return [y, 1 + rng.int(12), 1 + rng.int(28)];
  };

  let household: Household | null = null;
  const newPerson = (idx: number): Person => {
    let hh: Household | null = null;
    if (household && household.members < household.capacity) {
      hh = household;
      hh.members++;
    } else {
      household = null;
    }
    const zh = hh ? hh.zh : rng.chance(zhShare);
    const gender: 'F' | 'M' = rng.chance(0.5) ? 'F' : 'M';
    let family: string;
    if (hh && rng.chance(zh ? 0.65 : 0.8)) family = hh.family;
    else family = zh ? ZH_FAMILY[pickWeighted(rng, famCum)]![0] : EN_FAMILY[pickWeighted(rng, enFamCum)]!;
    const drawGiven = (): string => (zh ? zhGiven(gender) : gender === 'M' ? EN_MALE[pickWeighted(rng, enMaleCum)]! : EN_FEMALE[pickWeighted(rng, enFemaleCum)]!);
    let given = drawGiven();
    while (hh?.givenNames.has(given)) given = drawGiven();
    hh?.givenNames.add(given);
    const dob = hh ? randomDob(hh.baseYear + (rng.chance(0.5) ? rng.int(6) - 3 : -25 - rng.int(10))) : randomDob();
    const address = hh ? hh.address : zh ? zhAddress() : enAddress();
    const moved = rng.chance(R.personMoved);
    const oldAddress = moved ? (rng.chance(0.6) ? (zh ? zhAddress(cityOfZh(address)) : enAddress(cityOfEn(address))) : zh ? zhAddress() : enAddress()) : null;
    const emails: string[] = [];
    if (rng.chance(R.personHasEmail)) {
      emails.push(email(zh, family, given, dob[0]));
      emails.push(email(zh, family, given, dob[0]));
    }
    const p: Person = {
      id: `person-${idx}`, zh, family, given, gender, dob, mobile: mobile(zh), newMobile: mobile(zh),
      landline: hh ? hh.landline : rng.chance(0.3) ? landline(zh, address) : null,
      emails, address, oldAddress, household: hh, memberNo: `M${String(idx).padStart(8, '0')}`,
    };
    if (!hh && rng.chance(R.household)) {
      const home = landline(zh, address);
      household = {
        address, landline: home, family, zh, members: 1, capacity: 2 + rng.int(3), baseYear: dob[0], givenNames: new Set([given]),
        email: rng.chance(R.householdSharedEmail) ? email(zh, family, given, dob[0]) : null,
      };
      p.household = household;
      p.landline = home;
    }
    return p;
  };

  // ---------------------------------------------------------------- corruptions

  const typoLatin = (s: string): string => {
    if (s.length < 2) return s;
    const i = rng.int(s.length);
    switch (rng.int(4)) {
      case 0: return s.slice(0, i) + KEYBOARD[rng.int(26)] + s.slice(i + 1);
      case 1: return s.slice(0, i) + s.slice(i + 1);
      case 2: return s.slice(0, i) + KEYBOARD[rng.int(26)] + s.slice(i);
      default: {
        const j = Math.min(s.length - 1, i + 1);
        if (j === i) return s.slice(0, i - 1) + s[i] + s[i - 1];
        return s.slice(0, i) + s[j] + s[i] + s.slice(j + 1);
      }
    }
  };
  const typoZh = (family: string, given: string, gender: 'F' | 'M'): [string, string] => {
    const chars = [...given];
    if (rng.chance(0.15)) {
      const g = HOMOPHONE_OF.get(family);
      if (g) return [otherIn(g, family), given];
    }
    const i = rng.int(chars.length);
    const g = HOMOPHONE_OF.get(chars[i]!);
    if (g && rng.chance(0.75)) chars[i] = otherIn(g, chars[i]!);
    else {
      const pool = gender === 'M' ? ZH_MALE : ZH_FEMALE;
      let c = chars[i]!;
      while (c === chars[i]) c = rng.pick(pool);
      chars[i] = c;
    }
    return [family, chars.join('')];
  };
  const otherIn = (group: string, ch: string): string => {
    const others = [...group].filter((c) => c !== ch);
    return others.length ? rng.pick(others) : ch;
  };
  const variant = (ph: StandardPhone): StandardPhone => {
    if (ph.kind === 'fixed') return { e164: `+${ph.countryCode}${ph.number}`, countryCode: ph.countryCode, areaCode: null, number: ph.number, kind: 'other' };
    const cc = ph.countryCode === '86' ? '852' : '1';
    return { e164: `+${cc}${ph.number}`, countryCode: cc, areaCode: null, number: ph.number, kind: 'other' };
  };
  const streetTypo = (s: string): string => {
    const chars = [...s];
    if (chars.length < 3) return s;
    const i = 1 + rng.int(chars.length - 2);
    if (/[0-9]/.test(chars[i]!)) chars[i] = String(rng.int(10));
    else if (/[a-z]/.test(chars[i]!)) chars[i] = KEYBOARD[rng.int(26)]!;
    else chars.splice(i, 1);
    return chars.join('');
  };

  const counters = SOURCES.map(() => 0);
  const profiles: StandardProfile[] = [];
  const personOf: string[] = [];
  let persons = 0;
  while (profiles.length < total) {
    const person = newPerson(persons++);
    const k = Math.min(total - profiles.length, 1 + pickWeighted(rng, RECORDS_PER_PERSON));
    for (let r = 0; r < k; r++) {
      const si = pickWeighted(rng, srcCum);
      const [source, prefix] = SOURCES[si]!;
      const sourceCustomerId = `${prefix}${String(++counters[si]!).padStart(9, '0')}`;
      // Name
      let family: string | null = person.family;
      let given: string | null = person.given;
      let fullName: string | null;
      let originalName: string | null;
      if (rng.chance(R.nameMissing)) {
        family = given = fullName = originalName = null;
      } else {
        if (rng.chance(R.nameTypo)) {
          if (person.zh) [family, given] = typoZh(family, given, person.gender);
          else if (rng.chance(0.5)) family = typoLatin(family);
          else given = typoLatin(given);
        }
        if (!person.zh) {
          const nicks = EN_NICKNAMES[given];
          if (nicks && rng.chance(R.nickname)) given = rng.pick(nicks);
          if (rng.chance(R.swappedOrder)) [family, given] = [given, family];
          fullName = `${family} ${given}`;
          originalName = `${cap(given)} ${cap(family)}`;
        } else {
          fullName = family + given;
          originalName = fullName;
        }
      }
      // Gender
      let gender: Gender = person.gender;
      if (rng.chance(R.genderUnknown)) gender = 'U';
      else if (rng.chance(R.genderWrong)) gender = person.gender === 'F' ? 'M' : 'F';
      // Birth date
      let birthDate: string | null = null;
      if (!rng.chance(R.dobMissing)) {
        let [y, m, d] = person.dob;
        if (rng.chance(R.dobSwap) && d <= 12 && d !== m) [m, d] = [d, m];
        else if (rng.chance(R.dobYearTypo)) y = Math.floor(y / 10) * 10 + ((y % 10) + 1 + rng.int(9)) % 10;
        else if (rng.chance(R.dobDayTypo)) d = d === 28 ? 27 : d + 1;
        birthDate = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
      }
      // Phones
      const phones: StandardPhone[] = [];
      if (source === 'pos' && rng.chance(R.storePhone)) phones.push(rng.pick(storePhones));
      else {
        if (rng.chance(R.mobilePresent)) {
          let ph = rng.chance(R.mobileChanged) ? person.newMobile : person.mobile;
          if (rng.chance(R.phoneVariant)) ph = variant(ph);
          phones.push(ph);
        }
        const home = person.landline;
        if (home && rng.chance(person.household ? R.householdPhone : R.landlinePresent)) phones.push(rng.chance(R.phoneVariant) ? variant(home) : home);
      }
      // E-mail
      let mail: string | null = null;
      if (person.household?.email && rng.chance(R.householdEmailOnRecord)) mail = person.household.email;
      else if (person.emails.length && rng.chance(R.emailPresent)) {
        mail = rng.chance(R.emailSecond) ? person.emails[1]! : person.emails[0]!;
        if (rng.chance(R.emailTypo)) {
          const at = mail.indexOf('@');
          mail = typoLatin(mail.slice(0, at)) + mail.slice(at);
        }
      }
      // Address
      let address: StandardAddress = { country: null, province: null, city: null, district: null, street: null, postcode: null };
      if (rng.chance(R.addressPresent)) {
        const a = person.oldAddress && rng.chance(R.oldAddress) ? person.oldAddress : person.address;
        address = { ...a };
        if (rng.chance(R.streetTypo) && address.street) address.street = streetTypo(address.street);
        if (rng.chance(R.postcodeMissing)) address.postcode = null;
        if (rng.chance(R.districtMissing)) address.district = null;
      }
      const year = 2015 + rng.int(11);
      profiles.push({
        recordId: `${source}:${sourceCustomerId}`,
        sourceSystem: source,
        sourceCustomerId,
        sourcePersonId: source === 'loyalty' ? person.memberNo : null,
        familyName: family,
        givenName: given,
        fullName,
        originalName,
        gender,
        birthDate,
        phones,
        email: mail,
        address,
        updatedAt: `${year}-${String(1 + rng.int(12)).padStart(2, '0')}-${String(1 + rng.int(28)).padStart(2, '0')}T10:00:00Z`,
        issues: [],
      });
      personOf.push(person.id);
    }
  }
  return { profiles, personOf, persons };
}

const cap = (s: string): string => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

export interface ProfileFields {
  id: string;
  name?: string | null;
  family?: string | null;
  given?: string | null;
  gender?: Gender;
  dob?: string | null;
  phones?: string[];
  email?: string | null;
  street?: string | null;
  city?: string | null;
  postcode?: string | null;
  district?: string | null;
  sourcePersonId?: string | null;
}

/**
 * A StandardProfile from a few fields, for tests and examples. `id` is `source:number`; a name
 * with a space is split family-first ("smith john"), a Chinese name takes its first character as
 * the family name; phones are E.164 (+86 1… and +44 7… are mobiles, other +86 / +44 1-2 numbers
 * fixed lines, anything else of unknown kind).
 */
export function makeProfile(f: ProfileFields): StandardProfile {
  const [source, customer] = f.id.includes(':') ? f.id.split(':', 2) as [string, string] : ['test', f.id];
  let family = f.family ?? null;
  let given = f.given ?? null;
  const name = f.name ?? null;
  if (name && family === null && given === null) {
    if (name.includes(' ')) [family, given] = [name.slice(0, name.indexOf(' ')), name.slice(name.indexOf(' ') + 1)];
    else [family, given] = [name.slice(0, 1), name.slice(1)];
  }
  return {
    recordId: `${source}:${customer}`,
    sourceSystem: source,
    sourceCustomerId: customer,
    sourcePersonId: f.sourcePersonId ?? null,
    familyName: family,
    givenName: given,
    fullName: name,
    originalName: name,
    gender: f.gender ?? 'U',
    birthDate: f.dob ?? null,
    phones: (f.phones ?? []).map((e164) => {
      const kind = /^\+861\d{10}$|^\+447\d{9}$/.test(e164) ? 'mobile' : /^\+86[2-9]\d{8,10}$|^\+44[12]\d{8,9}$/.test(e164) ? 'fixed' : 'other';
      return { e164, countryCode: e164.startsWith('+86') ? '86' : '44', areaCode: null, number: e164.slice(3), kind } as StandardPhone;
    }),
    email: f.email ?? null,
    address: { country: null, province: null, city: f.city ?? null, district: f.district ?? null, street: f.street ?? null, postcode: f.postcode ?? null },
    updatedAt: null,
    issues: [],
  };
}
