/**
 * The demo company's fixed facts: Lotus & Leaf (莲叶), a tea and home-goods chain with stores in
 * nine Chinese cities, a web shop and a call centre. Everything here is invented for the demo;
 * prices are in CNY.
 */

export interface City {
  code: string;
  name: string;
  pinyin: string;
  province: string;
  /** Telephone area code without the trunk 0 (731 for Changsha). */
  area: string;
  postcodePrefix: string;
  districts: string[];
  /** Share of members living there. */
  weight: number;
  /** Stores in the city still run the legacy till system (GBK export). */
  legacyTills: boolean;
  stores: number;
}

export const CITIES: City[] = [
  { code: 'SH', name: '上海市', pinyin: 'Shanghai', province: '上海市', area: '21', postcodePrefix: '200', districts: ['浦东新区', '徐汇区', '静安区', '黄浦区', '闵行区'], weight: 18, legacyTills: false, stores: 3 },
  { code: 'BJ', name: '北京市', pinyin: 'Beijing', province: '北京市', area: '10', postcodePrefix: '100', districts: ['朝阳区', '海淀区', '东城区', '西城区', '丰台区'], weight: 16, legacyTills: false, stores: 3 },
  { code: 'GZ', name: '广州市', pinyin: 'Guangzhou', province: '广东省', area: '20', postcodePrefix: '510', districts: ['天河区', '越秀区', '海珠区', '白云区'], weight: 11, legacyTills: false, stores: 2 },
  { code: 'SZ', name: '深圳市', pinyin: 'Shenzhen', province: '广东省', area: '755', postcodePrefix: '518', districts: ['南山区', '福田区', '罗湖区', '宝安区'], weight: 11, legacyTills: false, stores: 2 },
  { code: 'HZ', name: '杭州市', pinyin: 'Hangzhou', province: '浙江省', area: '571', postcodePrefix: '310', districts: ['西湖区', '上城区', '拱墅区', '滨江区'], weight: 10, legacyTills: false, stores: 2 },
  { code: 'NJ', name: '南京市', pinyin: 'Nanjing', province: '江苏省', area: '25', postcodePrefix: '210', districts: ['玄武区', '秦淮区', '鼓楼区', '建邺区'], weight: 7, legacyTills: false, stores: 1 },
  { code: 'CS', name: '长沙市', pinyin: 'Changsha', province: '湖南省', area: '731', postcodePrefix: '410', districts: ['岳麓区', '芙蓉区', '天心区', '开福区'], weight: 9, legacyTills: true, stores: 2 },
  { code: 'WH', name: '武汉市', pinyin: 'Wuhan', province: '湖北省', area: '27', postcodePrefix: '430', districts: ['江岸区', '武昌区', '洪山区', '汉阳区'], weight: 9, legacyTills: true, stores: 2 },
  { code: 'CD', name: '成都市', pinyin: 'Chengdu', province: '四川省', area: '28', postcodePrefix: '610', districts: ['锦江区', '青羊区', '武侯区', '成华区'], weight: 9, legacyTills: true, stores: 2 },
];

export interface Store {
  id: string;
  city: City;
  /** Busier flagship stores get more walk-in trade. */
  weight: number;
}

export const STORES: Store[] = CITIES.flatMap((city) =>
  Array.from({ length: city.stores }, (_, i) => ({ id: `${city.code}${String(i + 1).padStart(2, '0')}`, city, weight: i === 0 ? 1.5 : 1 })),
);

export type Category = 'tea' | 'teaware' | 'snack' | 'home' | 'gift';

export interface Product {
  sku: string;
  name: string;
  category: Category;
  price: number;
  /** Months (1-12) the product sells in; all year when absent. */
  months?: number[];
  /** Relative popularity within its category. */
  weight: number;
  /** What a shopper often takes with it (a teapot for pu'er, cups for a gaiwan): the baskets' affinities. */
  goesWith?: { sku: string; chance: number };
}

export const PRODUCTS: Product[] = [
  { sku: 'T001', name: '西湖龙井 250g', category: 'tea', price: 268, weight: 5, goesWith: { sku: 'W003', chance: 0.4 } },
  { sku: 'T002', name: '安溪铁观音 250g', category: 'tea', price: 158, weight: 5, goesWith: { sku: 'W001', chance: 0.35 } },
  { sku: 'T003', name: '云南普洱茶饼 357g', category: 'tea', price: 198, weight: 4, goesWith: { sku: 'W002', chance: 0.3 } },
  { sku: 'T004', name: '正山小种 200g', category: 'tea', price: 128, weight: 4 },
  { sku: 'T005', name: '茉莉花茶 250g', category: 'tea', price: 68, weight: 6 },
  { sku: 'T006', name: '白毫银针 100g', category: 'tea', price: 388, weight: 2 },
  { sku: 'T007', name: '武夷大红袍 200g', category: 'tea', price: 298, weight: 3, goesWith: { sku: 'W008', chance: 0.3 } },
  { sku: 'T008', name: '洞庭碧螺春 150g', category: 'tea', price: 188, weight: 3 },
  { sku: 'T009', name: '杭白菊 100g', category: 'tea', price: 38, weight: 5, goesWith: { sku: 'S006', chance: 0.4 } },
  { sku: 'T010', name: '冷泡绿茶 12包', category: 'tea', price: 45, months: [5, 6, 7, 8, 9], weight: 6 },
  { sku: 'W001', name: '白瓷盖碗', category: 'teaware', price: 88, weight: 4, goesWith: { sku: 'W006', chance: 0.5 } },
  { sku: 'W002', name: '宜兴紫砂壶', category: 'teaware', price: 680, weight: 1 },
  { sku: 'W003', name: '玻璃公道杯', category: 'teaware', price: 48, weight: 4 },
  { sku: 'W004', name: '旅行茶具套装', category: 'teaware', price: 168, weight: 3 },
  { sku: 'W005', name: '竹制茶盘', category: 'teaware', price: 238, weight: 2 },
  { sku: 'W006', name: '品茗杯 6只装', category: 'teaware', price: 78, weight: 4 },
  { sku: 'W007', name: '电陶炉', category: 'teaware', price: 399, weight: 1, goesWith: { sku: 'W005', chance: 0.4 } },
  { sku: 'W008', name: '建盏', category: 'teaware', price: 328, weight: 1 },
  { sku: 'S001', name: '绿豆糕', category: 'snack', price: 28, weight: 6 },
  { sku: 'S002', name: '凤梨酥', category: 'snack', price: 45, weight: 6 },
  { sku: 'S003', name: '坚果礼包', category: 'snack', price: 98, weight: 4 },
  { sku: 'S004', name: '牛轧糖', category: 'snack', price: 36, weight: 5 },
  { sku: 'S005', name: '话梅', category: 'snack', price: 18, weight: 5 },
  { sku: 'S006', name: '桂花糕', category: 'snack', price: 32, weight: 4 },
  { sku: 'H001', name: '香薰蜡烛', category: 'home', price: 79, weight: 4 },
  { sku: 'H002', name: '亚麻桌旗', category: 'home', price: 99, weight: 3 },
  { sku: 'H003', name: '竹制收纳盒', category: 'home', price: 59, weight: 4 },
  { sku: 'H004', name: '青瓷花瓶', category: 'home', price: 139, weight: 2 },
  { sku: 'G001', name: '新春茶礼盒', category: 'gift', price: 588, months: [12, 1, 2], weight: 5 },
  { sku: 'G002', name: '中秋月饼礼盒', category: 'gift', price: 328, months: [8, 9], weight: 6, goesWith: { sku: 'S003', chance: 0.35 } },
  { sku: 'G003', name: '端午粽子礼盒', category: 'gift', price: 198, months: [5, 6], weight: 5 },
  { sku: 'G004', name: '企业定制茶礼', category: 'gift', price: 1288, weight: 1 },
];

/** Non-product till codes (the mappings list them as non_product_skus). */
export const DISCOUNT_SKU = 'DISC';
export const BAG_SKU = 'BAG';

/** Sales by month of the year (1-12): Spring Festival, 618, Mid-Autumn, Singles' Day. */
export const MONTH_SEASON = [0, 1.45, 1.15, 0.8, 0.85, 0.95, 1.1, 0.8, 0.9, 1.3, 1.0, 1.2, 1.15];
/** Extra pull of the web shop in its festival months (618 in June, 双11 in November). */
export const WEB_MONTH_BOOST = [0, 1, 0.9, 1, 1, 1, 1.5, 1, 1, 1, 1, 1.9, 1.1];
/** Store traffic by weekday (0 = Sunday). */
export const WEEKDAY_STORE = [1.35, 0.85, 0.85, 0.9, 0.95, 1.1, 1.4];

/** Call queues: topic, share of calls, complaint share, mean talk seconds. */
export const CALL_QUEUES: { topic: string; weight: number; complaint: number; talk: number }[] = [
  { topic: '订单查询', weight: 30, complaint: 0.03, talk: 160 },
  { topic: '配送问题', weight: 18, complaint: 0.25, talk: 240 },
  { topic: '退换货', weight: 16, complaint: 0.2, talk: 300 },
  { topic: '会员积分', weight: 14, complaint: 0.02, talk: 150 },
  { topic: '产品咨询', weight: 14, complaint: 0.01, talk: 200 },
  { topic: '投诉建议', weight: 8, complaint: 0.9, talk: 420 },
];

export const AGENTS = Array.from({ length: 24 }, (_, i) => `A${String(i + 1).padStart(3, '0')}`);

export const SURVEY_COMMENTS_GOOD = ['茶叶很新鲜', '店员很热情', '包装精美，送人很合适', '发货很快', '回购了好几次', '性价比高', '客服耐心', ''];
export const SURVEY_COMMENTS_BAD = ['等了太久', '快递太慢了', '茶叶有点碎', '退货流程太麻烦', '客服没有解决问题', '价格偏贵', '包装破损'];

/** Family names with their weights (the most common Chinese surnames, and a few compound ones). */
export const FAMILY_NAMES: [string, string, number][] = [
  ['王', 'Wang', 7.1], ['李', 'Li', 7.0], ['张', 'Zhang', 6.7], ['刘', 'Liu', 5.4], ['陈', 'Chen', 4.5], ['杨', 'Yang', 3.1],
  ['黄', 'Huang', 2.1], ['赵', 'Zhao', 2.0], ['吴', 'Wu', 2.0], ['周', 'Zhou', 1.9], ['徐', 'Xu', 1.6], ['孙', 'Sun', 1.5],
  ['马', 'Ma', 1.5], ['朱', 'Zhu', 1.3], ['胡', 'Hu', 1.3], ['郭', 'Guo', 1.1], ['何', 'He', 1.1], ['高', 'Gao', 1.0],
  ['林', 'Lin', 1.0], ['罗', 'Luo', 0.9], ['郑', 'Zheng', 0.9], ['梁', 'Liang', 0.9], ['谢', 'Xie', 0.8], ['宋', 'Song', 0.7],
  ['唐', 'Tang', 0.7], ['许', 'Xu', 0.7], ['韩', 'Han', 0.7], ['冯', 'Feng', 0.7], ['邓', 'Deng', 0.7], ['曹', 'Cao', 0.6],
  ['彭', 'Peng', 0.6], ['曾', 'Zeng', 0.6], ['肖', 'Xiao', 0.6], ['田', 'Tian', 0.5], ['董', 'Dong', 0.5], ['袁', 'Yuan', 0.5],
  ['潘', 'Pan', 0.5], ['蒋', 'Jiang', 0.5], ['蔡', 'Cai', 0.5], ['余', 'Yu', 0.5], ['杜', 'Du', 0.5], ['叶', 'Ye', 0.4],
  ['程', 'Cheng', 0.4], ['苏', 'Su', 0.4], ['魏', 'Wei', 0.4], ['吕', 'Lv', 0.4], ['丁', 'Ding', 0.4], ['任', 'Ren', 0.4],
  ['沈', 'Shen', 0.4], ['姚', 'Yao', 0.3], ['卢', 'Lu', 0.3], ['姜', 'Jiang', 0.3], ['崔', 'Cui', 0.3], ['钟', 'Zhong', 0.3],
  ['欧阳', 'Ouyang', 0.05], ['司马', 'Sima', 0.02], ['上官', 'Shangguan', 0.02],
];

/** Given-name characters with their toneless pinyin; common ones first (namesakes happen). */
export const GIVEN_MALE: [string, string][] = [
  ['伟', 'wei'], ['强', 'qiang'], ['磊', 'lei'], ['军', 'jun'], ['洋', 'yang'], ['勇', 'yong'], ['杰', 'jie'], ['涛', 'tao'], ['明', 'ming'],
  ['超', 'chao'], ['刚', 'gang'], ['平', 'ping'], ['辉', 'hui'], ['鹏', 'peng'], ['华', 'hua'], ['飞', 'fei'], ['鑫', 'xin'], ['波', 'bo'],
  ['斌', 'bin'], ['宇', 'yu'], ['浩', 'hao'], ['凯', 'kai'], ['健', 'jian'], ['俊', 'jun'], ['帆', 'fan'], ['旭', 'xu'], ['宁', 'ning'],
  ['龙', 'long'], ['文', 'wen'], ['博', 'bo'], ['志', 'zhi'], ['国', 'guo'], ['建', 'jian'], ['海', 'hai'], ['东', 'dong'], ['晨', 'chen'],
  ['子', 'zi'], ['天', 'tian'], ['嘉', 'jia'], ['泽', 'ze'], ['睿', 'rui'], ['轩', 'xuan'], ['阳', 'yang'], ['峰', 'feng'], ['亮', 'liang'],
];
export const GIVEN_FEMALE: [string, string][] = [
  ['芳', 'fang'], ['娜', 'na'], ['敏', 'min'], ['静', 'jing'], ['丽', 'li'], ['艳', 'yan'], ['娟', 'juan'], ['霞', 'xia'], ['秀', 'xiu'],
  ['玲', 'ling'], ['英', 'ying'], ['燕', 'yan'], ['萍', 'ping'], ['红', 'hong'], ['梅', 'mei'], ['莉', 'li'], ['雪', 'xue'], ['琳', 'lin'],
  ['婷', 'ting'], ['慧', 'hui'], ['颖', 'ying'], ['倩', 'qian'], ['晶', 'jing'], ['欣', 'xin'], ['佳', 'jia'], ['雨', 'yu'], ['月', 'yue'],
  ['婉', 'wan'], ['怡', 'yi'], ['瑶', 'yao'], ['璐', 'lu'], ['洁', 'jie'], ['彤', 'tong'], ['晓', 'xiao'], ['丹', 'dan'], ['兰', 'lan'],
  ['凤', 'feng'], ['琴', 'qin'], ['云', 'yun'], ['薇', 'wei'], ['蕾', 'lei'], ['悦', 'yue'], ['涵', 'han'], ['萱', 'xuan'], ['琪', 'qi'],
];

export const ROADS = ['人民路', '解放路', '中山路', '建设路', '和平路', '新华路', '长江路', '黄河路', '东风路', '朝阳路', '光明路', '文化路', '学府路', '青年路', '滨江路', '湖滨路', '花园路'];
export const MAIL_DOMAINS = ['qq.com', '163.com', '126.com', 'sina.com', 'foxmail.com', 'aliyun.com', 'outlook.com'];
export const PARTNERS = ['华联企业采购', '申通礼品', '锦程商务', '悦达会员俱乐部'];
