/**
 * The demo company generator: Lotus & Leaf (莲叶), a tea and home-goods chain with stores in nine
 * Chinese cities, a web shop and a call centre, over `days` days ending `end`. Synthetic through
 * and through (no real person or sale), deterministic for a seed: the same options write
 * byte-identical files. It writes each system's export in that system's own layout (the built-in
 * mappings named in the manifest read them) and streams every file: nothing grows with the rows
 * but the set of mobile numbers in use (measured: 500k people, 24.7M rows of which 8.9M POS lines,
 * peak RSS 0.7 GB, most of it garbage V8 had not yet collected).
 *
 * The story the data tells: members join over time (a third were members before the window),
 * buy at their own rate with seasonality (Spring Festival, 618, Mid-Autumn, Singles' Day) and
 * churn; a few corporate gift buyers make much of the profit and some members return half of what
 * they buy and call often (they lose money). Campaigns pick a random audience and hold out a
 * random control group; treated members buy a little more in the response window, often just
 * over a spend threshold. Calls follow returns and deliveries; surveys follow orders and calls.
 *
 * A few rows in each month's files are wrong on purpose (a zero quantity, a price of "N/A", a
 * CSAT of 0, an unknown web event, an empty survey, a duplicated partner record): ingest must
 * quarantine exactly those, which the manifest counts (`injectedRejects`).
 */
import { Rng, cumulative, pickWeighted } from '../customers/match/random.js';
import {
  AGENTS,
  BAG_SKU,
  CALL_QUEUES,
  DISCOUNT_SKU,
  MONTH_SEASON,
  PRODUCTS,
  STORES,
  SURVEY_COMMENTS_BAD,
  SURVEY_COMMENTS_GOOD,
  WEB_MONTH_BOOST,
  WEEKDAY_STORE,
  type Category,
  type Product,
  type Store,
} from './company.js';
import {
  CALLS_HEADER,
  LOYALTY_HEADER,
  PARTNER_HEADER,
  PeopleFactory,
  WEB_HEADER,
  callsRow,
  loyaltyRow,
  partnerRow,
  webRow,
  writeLandline,
  writeMobile,
  type Person,
  type RecordConsent,
} from './people.js';
import { FileSink, SinkSet, csvLine } from './sink.js';

export interface DemoOptions {
  /** Folder the files are written to (created). */
  out: string;
  /** Loyalty members and web customers (people), default 2,000. */
  customers?: number;
  /** Days of history, default 730 (24 months). */
  days?: number;
  /** Last day of the history, YYYY-MM-DD (default: yesterday, UTC). */
  end?: string;
  seed?: number;
  /** Share of each campaign audience held out as control, default 0.2. */
  controlShare?: number;
  /**
   * The responses to an exported audience (`crmlake audience export`): its target group, as the
   * source ids of the customers' records, and its response window. Each target places one more
   * order in the window with chance `uplift` (the offer's effect); the held-out control group is
   * not named here because it buys as it would have anyway. Everything else the generator writes
   * stays byte-identical: the response orders are appended to the window's monthly files.
   */
  audienceResponse?: AudienceResponse;
}

export interface AudienceResponse {
  /** First and last day of the response window, YYYY-MM-DD. */
  start: string;
  end: string;
  /** The target group's source records as `system:id` (`pos:6200000123`, `web:W00000370`). */
  targets: string[];
  /** Chance a target places one more order in the window because of the offer (default 0.1). */
  uplift?: number;
  /** The offer: percent off that order (default 15). */
  percentOff?: number;
}

/** One delivery for `crmlake ingest`: a feed, the mapping that reads the files, the files. */
export interface DemoDelivery {
  feed: string;
  mapping: string;
  /** Paths relative to the output folder. */
  paths: string[];
  rows: number;
  /** Rows written wrong on purpose: ingest must quarantine exactly these. */
  injectedRejects: number;
}

export interface DemoManifest {
  company: string;
  seed: number;
  customers: number;
  days: number;
  start: string;
  end: string;
  controlShare: number;
  deliveries: DemoDelivery[];
  /** Build variables the demo's sources need (`--var name=value`). */
  vars: Record<string, string>;
  campaigns: { id: string; treated: number; control: number }[];
  /** What `audienceResponse` produced: targets found among the people, orders they placed because of the offer. */
  audienceResponse?: {
    targets: number;
    orders: number;
    storeOrders: number;
    webOrders: number;
    /** The files the response orders were appended to (relative paths); every other file is as without them. */
    files: string[];
  };
}

/** Per-source settings the customer master and the marts need for this company's files. */
export const DEMO_VARS: Record<string, string> = {
  customer_default_country: 'CN',
  customer_day_first_systems: 'partner',
  customer_month_first_systems: 'calls',
  reporting_currency: 'CNY',
  web_orders_customer_system: 'web',
  web_events_customer_system: 'web',
  calls_customer_system: 'calls',
  discount_skus: `'${DISCOUNT_SKU}'`,
  discount_payment_types: "'voucher'",
  gross_margin_rate: '0.45',
  cost_per_call: '25',
  cost_per_return: '15',
  basket_threshold_window: '200',
  basket_bin_width: '25',
};

export const DEFAULT_CUSTOMERS = 2000;
/** Default chance a targeted customer places one more order in the response window. */
export const DEFAULT_AUDIENCE_UPLIFT = 0.1;
export const DEFAULT_DAYS = 730;

const DAY_MS = 86_400_000;
const pad2 = (n: number) => String(n).padStart(2, '0');
const money = (n: number) => n.toFixed(2);

interface Campaign {
  id: string;
  name: string;
  channel: 'sms' | 'wechat' | 'email' | 'direct_mail';
  offer: 'spend_threshold' | 'free_delivery' | 'percent_off' | 'none';
  start: number;
  end: number;
  thresholds: [number, number][];
  percentOff: number | null;
  costPerContact: number;
  audienceShare: number;
  /** Chance a treated member places one more order in the window. */
  uplift: number;
  webOnly: boolean;
  description: string;
  treated: number;
  control: number;
}

interface Member {
  person: Person;
  joinDay: number;
  churnDay: number;
  storeShare: number;
  rate: number;
  basket: number;
  returnRate: number;
  discountLover: boolean;
  whale: boolean;
  lossMaker: boolean;
  /** Buys a few times a year, mostly gift boxes and fine tea in quantity (presents for family and business). */
  gifter: boolean;
  callRate: number;
  cards: { id: string; from: number }[];
  webAccount: string | null;
  webFrom: number;
  callsId: string | null;
  callsFirst: number;
  callerPhone: string;
  partnerId: string | null;
  prefs: Float64Array;
}

const CATEGORIES: Category[] = ['tea', 'teaware', 'snack', 'home', 'gift'];

/** Writes the whole company to `options.out` and returns what was written. */
export function generateCompany(options: DemoOptions): DemoManifest {
  const customers = options.customers ?? DEFAULT_CUSTOMERS;
  const days = options.days ?? DEFAULT_DAYS;
  const seed = options.seed ?? 1;
  const controlShare = options.controlShare ?? 0.2;
  if (!(customers >= 1) || !Number.isInteger(customers)) throw new Error(`customers must be a positive whole number, not ${customers}`);
  if (!(days >= 30) || !Number.isInteger(days)) throw new Error(`days must be a whole number of at least 30, not ${days}`);
  const endMs = Date.parse(`${options.end ?? new Date(Date.now() - DAY_MS).toISOString().slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(endMs)) throw new Error(`end must be a date written YYYY-MM-DD, not "${options.end}"`);
  const startMs = endMs - (days - 1) * DAY_MS;
  const out = options.out;
  const sinks = new SinkSet(out);

  // ------------------------------------------------------------ calendar
  const dateOf = (day: number) => new Date(startMs + day * DAY_MS).toISOString().slice(0, 10);
  const dates = Array.from({ length: days }, (_, d) => dateOf(d));
  const monthOf = dates.map((s) => Number(s.slice(5, 7)));
  const growth = (d: number) => 1 + (0.2 * d) / 365;
  const storeSeason = dates.map((s, d) => MONTH_SEASON[monthOf[d]!]! * WEEKDAY_STORE[new Date(`${s}T00:00:00Z`).getUTCDay()]! * growth(d));
  const webSeason = dates.map((_, d) => MONTH_SEASON[monthOf[d]!]! * WEB_MONTH_BOOST[monthOf[d]!]! * growth(d));
  const maxStore = Math.max(...storeSeason);
  const maxWeb = Math.max(...webSeason);
  const ts = (day: number, seconds: number): string => {
    const extra = Math.floor(seconds / 86_400);
    const s = seconds % 86_400;
    const date = day + extra < days ? dates[day + extra]! : dateOf(day + extra);
    return `${date} ${pad2(Math.floor(s / 3600))}:${pad2(Math.floor(s / 60) % 60)}:${pad2(s % 60)}`;
  };
  const lastSecond = days * 86_400; // seconds since the start: the export cut-off
  const exportedAt = `${dates[days - 1]} 23:30:00`;

  // ------------------------------------------------------------ files
  const injected = new Map<string, number>();
  const inject = (feed: string) => injected.set(feed, (injected.get(feed) ?? 0) + 1);
  const monthKey = (day: number) => dates[day]!.slice(0, 7);
  const POS_LEGACY_HEADER = '小票号,行号,销售日期,销售时间,门店编号,会员卡号,商品编码,商品名称,数量,单价';
  const POS_HEADER = 'receipt_id;line_no;sold_at;store_code;member_no;sku;item_name;qty;unit_price;currency';
  const posFile = (store: Store, day: number): FileSink => {
    const legacy = store.city.legacyTills;
    const name = `pos/${legacy ? 'lotus-pos-legacy' : 'lotus-pos'}/${legacy ? 'tills' : 'pos'}-${monthKey(day)}.csv`;
    const fresh = !sinks.has(name);
    const sink = sinks.get(name, legacy ? POS_LEGACY_HEADER : POS_HEADER, legacy ? 'gbk' : 'utf-8');
    if (fresh) {
      // One wrong line per monthly file: a zero quantity (legacy), a price of N/A (current).
      const d = dates[day]!;
      if (legacy) sink.line(csvLine([`${store.id}${d.replace(/-/g, '').slice(2)}X0001`, 1, d.replace(/-0?/g, '/'), '9:00:00', store.id, '', 'T005', '茉莉花茶 250g', 0, '68.00']));
      else sink.line([`S${store.id}${d.replace(/-/g, '').slice(2)}X0001`, 1, `${d} 09:00:00`, store.id, '', 'T005', '茉莉花茶 250g', 1, 'N/A', 'CNY'].join(';'));
      inject('pos');
    }
    return sink;
  };
  const monthly = (feed: string, mapping: string, stem: string, header: string, day: number, bad?: () => string): FileSink => {
    const name = `${feed}/${mapping}/${stem}-${monthKey(day)}.${stem === 'events' ? 'jsonl' : 'csv'}`;
    const fresh = !sinks.has(name);
    const sink = sinks.get(name, header);
    if (fresh && bad) {
      sink.line(bad());
      inject(feed);
    }
    return sink;
  };
  const CALL_HEADER = 'call_id,start_time,agent,queue,answered,wait_seconds,talk_time,hold_seconds,resolved,complaint,csat,customer_no,caller_number';
  const callsFile = (day: number) =>
    monthly('calls', 'lotus-callcenter', 'calls', CALL_HEADER, day, () =>
      // A CSAT of 0 keyed by hand: outside 1-5.
      csvLine([`CL${dates[day]!.replace(/-/g, '')}X`, `${dates[day]} 09:00:00`, 'A001', '订单查询', 'Y', 12, '2:10', 0, '是', '否', 0, '', '13800000000']),
    );
  const webFile = (day: number) =>
    monthly('web', 'collector', 'events', '', day, () =>
      JSON.stringify({ event_id: `bad-${monthKey(day)}`, session_id: `bad-${monthKey(day)}`, event_type: 'scroll', occurred_at: `${dates[day]}T09:00:00+08:00` }),
    );
  const SURVEY_HEADER = 'response_id,channel,customer_system,customer_id,order_no,call_id,store,score,nps,comment,sent_at,answered_at';
  const surveysFile = (day: number) =>
    monthly('surveys', 'lotus-surveys', 'surveys', SURVEY_HEADER, day, () =>
      // A survey opened and closed without an answer.
      csvLine([`SV${dates[day]!.replace(/-/g, '')}X`, 'web', '', '', '', '', '', '', '', '', `${dates[day]} 10:00:00`, `${dates[day]} 10:05:00`]),
    );
  const ordersFile = (day: number) => monthly('web-orders', 'lotus-web-orders', 'orders', 'order_no,account_id,status,created_at,paid_at,shipped_at,delivered_at,promised_at', day);
  const itemsFile = (day: number) => monthly('web-order-items', 'lotus-web-order-items', 'items', 'order_no,item_no,sku,ship_by,price,shipping_fee', day);
  const paymentsFile = (day: number) => monthly('web-payments', 'lotus-web-payments', 'payments', 'order_no,seq,method,installments,amount', day);
  const loyaltyFile = sinks.get('customers/crmlake-profiles/loyalty-desk.csv', LOYALTY_HEADER);
  const webAccountsFile = sinks.get('customers/crmlake-profiles/web-accounts.csv', WEB_HEADER);
  const callsProfilesFile = sinks.get('customers/crmlake-profiles/callcenter-contacts.csv', CALLS_HEADER);
  const partnerFile = sinks.get('customers/crmlake-profiles/partner-members.csv', PARTNER_HEADER);

  // ------------------------------------------------------------ campaigns
  const rng = new Rng(seed);
  const campaigns = planCampaigns(dates);
  const membersFile = sinks.get(
    'campaign-members/crmlake-campaign-members/audiences.csv',
    'campaign_id,source_system,source_customer_id,is_control,contacted_on',
  );

  // ------------------------------------------------------------ counters
  let receiptSeq = 0;
  let webOrderSeq = 0;
  let sessionSeq = 0;
  let callSeq = 0;
  let surveySeq = 0;
  const productsByMonth = Array.from({ length: 13 }, (_, m) => PRODUCTS.filter((p) => !p.months || p.months.includes(m)));
  const giftBoxesByMonth = productsByMonth.map((list) => list.filter((p) => p.category === 'gift' && p.months));
  const productCum = productsByMonth.map((list) => CATEGORIES.map((c) => {
    const inCat = list.filter((p) => p.category === c);
    return { list: inCat, cum: cumulative(inCat.map((p) => p.weight)) };
  }));
  const pickProduct = (r: Rng, day: number, prefs: Float64Array): Product => {
    const cats = productCum[monthOf[day]!]!;
    for (;;) {
      const c = cats[pickWeighted(r, prefs)]!;
      if (c.list.length) return c.list[pickWeighted(r, c.cum)]!;
    }
  };
  const storeCum = cumulative(STORES.map((s) => s.weight));
  const expo = (r: Rng, mean: number) => -Math.log(1 - r.next()) * mean;
  const poisson = (r: Rng, mean: number): number => {
    if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gauss(r)));
    let k = 0;
    let p = Math.exp(-mean);
    let s = p;
    const u = r.next();
    while (u > s) {
      k++;
      p *= mean / k;
      s += p;
    }
    return k;
  };

  // ------------------------------------------------------------ store receipts
  type Line = { product: Product; qty: number };
  const productBySku = new Map(PRODUCTS.map((p) => [p.sku, p]));
  const basketLines = (r: Rng, day: number, prefs: Float64Array, size: number, whale: boolean): Line[] => {
    const lines: Line[] = [];
    const n = Math.max(1, Math.min(8, Math.round(size * (0.5 + r.next()))));
    for (let i = 0; i < n; i++) {
      const product = whale && i === 0 && r.chance(0.6) ? productBySku.get('G004')! : pickProduct(r, day, prefs);
      if (lines.some((l) => l.product === product)) continue;
      const qty = whale && product.category === 'gift' ? 5 + r.int(16) : r.chance(0.8) ? 1 : r.chance(0.75) ? 2 : 3;
      lines.push({ product, qty });
      const partner = product.goesWith && r.chance(product.goesWith.chance) ? productBySku.get(product.goesWith.sku) : undefined;
      if (partner && !lines.some((l) => l.product === partner)) lines.push({ product: partner, qty: 1 });
    }
    return lines;
  };
  const gross = (lines: Line[]) => lines.reduce((s, l) => s + l.qty * l.product.price, 0);
  /** Adds products until the basket reaches `target` (a shopper aiming at a spend threshold). */
  const topUp = (r: Rng, day: number, prefs: Float64Array, lines: Line[], target: number) => {
    let guard = 0;
    while (gross(lines) < target && guard++ < 20) {
      const product = pickProduct(r, day, prefs);
      const line = lines.find((l) => l.product === product);
      if (line) line.qty++;
      else lines.push({ product, qty: 1 });
    }
  };

  /** A gift buyer's basket: a few boxes of the season's gift set or of fine tea, now and then one more thing. */
  const giftLines = (r: Rng, day: number, prefs: Float64Array): Line[] => {
    const boxes = giftBoxesByMonth[monthOf[day]!]!;
    const main = boxes.length && r.chance(0.7) ? r.pick(boxes) : r.pick(FINE_GIFTS);
    const lines: Line[] = [{ product: main, qty: 4 + r.int(6) }];
    if (r.chance(0.6)) {
      const extra = r.chance(0.5) ? r.pick(FINE_GIFTS) : pickProduct(r, day, prefs);
      if (extra !== main) lines.push({ product: extra, qty: 1 + r.int(2) });
    }
    return lines;
  };

  const writeReceipt = (store: Store, day: number, second: number, card: string | null, lines: Line[], discount: number, returnOf?: string): string => {
    const sink = posFile(store, day);
    const legacy = store.city.legacyTills;
    const id = returnOf ?? `${legacy ? '' : 'S'}${store.id}${dates[day]!.replace(/-/g, '').slice(2)}${String(++receiptSeq).padStart(7, '0')}`;
    const receipt = returnOf ? `${legacy ? 'TH' : 'R-'}${returnOf}` : id;
    const when = ts(day, second);
    const all: [string, string, number, number][] = lines.map((l) => [l.product.sku, l.product.name, returnOf ? -l.qty : l.qty, l.product.price]);
    if (discount > 0) all.push([DISCOUNT_SKU, '会员优惠', -1, discount]);
    if (!returnOf && rng.chance(0.15)) all.push([BAG_SKU, '环保袋', 1, 0.5]);
    all.forEach(([sku, name, qty, price], i) => {
      if (legacy) {
        const [y, m, d] = when.slice(0, 10).split('-').map(Number) as [number, number, number];
        const [hh, mi, ss] = when.slice(11).split(':');
        sink.line(csvLine([receipt, i + 1, `${y}/${m}/${d}`, `${Number(hh)}:${mi}:${ss}`, store.id, card ?? '', sku, name, qty, money(price)]));
      } else {
        sink.line([receipt, i + 1, when, store.id, card ?? '', sku, name, qty, money(price), 'CNY'].join(';'));
      }
    });
    return id;
  };

  // ------------------------------------------------------------ calls and surveys
  const callerNumber = (r: Rng) => `1${r.pick(['38', '39', '58', '86', '88'])}${String(r.int(1e8)).padStart(8, '0')}`;
  const writeCall = (r: Rng, day: number, member: Member | null, topicHint?: string, unhappy = false): { id: string; answered: boolean; csat: number | null } => {
    const queue = topicHint ? CALL_QUEUES.find((q) => q.topic === topicHint)! : CALL_QUEUES[pickWeighted(r, QUEUE_CUM)]!;
    const second = 9 * 3600 + r.int(12 * 3600);
    const load = webSeason[day]! / maxWeb;
    const wait = Math.round(expo(r, 5 + 28 * load));
    const patience = expo(r, 150);
    const answered = wait < patience;
    const complaint = answered && (unhappy ? r.chance(0.3) : r.chance(queue.complaint));
    const resolved = answered && r.chance(complaint ? 0.5 : 0.82);
    const talk = answered ? Math.max(20, Math.round(expo(r, queue.talk))) : 0;
    const asked = answered && r.chance(0.55);
    let csat: number | null = null;
    if (asked) {
      const base = 4.6 - (resolved ? 0 : 1.4) - (complaint ? 0.8 : 0) - Math.min(1.2, wait / 120);
      csat = Math.max(1, Math.min(5, Math.round(base + gauss(r) * 0.8)));
    }
    const id = `CL${dates[day]!.replace(/-/g, '')}${String(++callSeq).padStart(7, '0')}`;
    const identified = member !== null && r.chance(0.92);
    callsFile(day).line(
      csvLine([
        id,
        ts(day, second),
        answered ? r.pick(AGENTS) : null,
        queue.topic,
        answered ? 'Y' : 'N',
        answered ? wait : null,
        answered ? `${Math.floor(talk / 60)}:${pad2(talk % 60)}` : null,
        answered && r.chance(0.3) ? r.int(120) : answered ? 0 : null,
        answered ? (resolved ? '是' : '否') : null,
        answered ? (complaint ? '是' : '否') : null,
        csat,
        identified ? member!.callsId : null,
        member ? member.callerPhone : callerNumber(r),
      ]),
    );
    if (answered && r.chance(0.12)) {
      writeSurvey(r, day, 'call', identified ? 'calls' : null, identified ? member!.callsId : null, { call: id }, unhappy || complaint || !resolved);
    }
    return { id, answered, csat };
  };
  const writeSurvey = (
    r: Rng,
    day: number,
    channel: string,
    system: string | null,
    customer: string | null,
    about: { order?: string; call?: string; store?: string },
    unhappy: boolean,
  ) => {
    const sentDay = day + 1;
    const answeredSecond = sentDay * 86_400 + 10 * 3600 + r.int(3 * 86_400);
    if (answeredSecond >= lastSecond) return;
    const score = Math.max(1, Math.min(5, Math.round((unhappy ? 2.6 : 4.3) + gauss(r) * 0.9)));
    const nps = r.chance(0.7) ? Math.max(0, Math.min(10, Math.round(score * 2 - 0.5 + gauss(r) * 1.5))) : null;
    const comment = r.chance(0.35) ? (score <= 2 ? r.pick(SURVEY_COMMENTS_BAD) : r.pick(SURVEY_COMMENTS_GOOD)) : null;
    surveysFile(sentDay < days ? sentDay : day).line(
      csvLine([
        `SV${String(++surveySeq).padStart(8, '0')}`,
        channel,
        system,
        customer,
        about.order ?? null,
        about.call ?? null,
        about.store ?? null,
        score,
        nps,
        comment || null,
        ts(sentDay, 10 * 3600),
        ts(0, answeredSecond),
      ]),
    );
  };

  // ------------------------------------------------------------ web
  const writeSession = (
    r: Rng,
    day: number,
    second: number,
    account: string | null,
    prefs: Float64Array,
    plan: { lines?: Line[]; orderId?: string; value?: number; signUp?: boolean; depth?: number },
  ) => {
    const sink = webFile(day);
    const session = `ws${String(++sessionSeq).padStart(9, '0')}`;
    let t = second;
    let n = 0;
    const at = () => {
      const s = t % 86_400;
      return `${dates[day + Math.floor(t / 86_400) < days ? day + Math.floor(t / 86_400) : day]}T${pad2(Math.floor(s / 3600))}:${pad2(Math.floor(s / 60) % 60)}:${pad2(s % 60)}+08:00`;
    };
    const emit = (type: string, extra: Record<string, string | number> = {}) => {
      sink.line(JSON.stringify({ event_id: `${session}-${++n}`, session_id: session, customer_id: account ?? undefined, event_type: type, occurred_at: at(), ...extra }));
      t += 5 + r.int(90);
    };
    emit('page_view', { page_url: '/' });
    if (plan.lines) {
      if (r.chance(0.3)) emit('search', { page_url: '/search' });
      for (const l of plan.lines) emit('product_view', { item_id: l.product.sku, page_url: `/p/${l.product.sku}` });
      for (const l of plan.lines) emit('add_to_cart', { item_id: l.product.sku, value: money(l.qty * l.product.price), currency: 'CNY', page_url: '/cart' });
      if (plan.signUp) emit('sign_up', { page_url: '/register' });
      emit('checkout', { value: money(plan.value!), currency: 'CNY', page_url: '/checkout' });
      emit('purchase', { order_id: plan.orderId!, value: money(plan.value!), currency: 'CNY', page_url: '/order/complete' });
      return;
    }
    const views = 1 + r.int(plan.depth ?? 4);
    let last: Product | null = null;
    for (let i = 0; i < views; i++) {
      last = pickProduct(r, day, prefs);
      emit('product_view', { item_id: last.sku, page_url: `/p/${last.sku}` });
    }
    if (last && r.chance(0.3)) {
      emit('add_to_cart', { item_id: last.sku, value: money(last.price), currency: 'CNY', page_url: '/cart' });
      if (r.chance(0.35)) emit('checkout', { value: money(last.price), currency: 'CNY', page_url: '/checkout' });
    }
  };
  const writeWebOrder = (r: Rng, day: number, second: number, account: string, lines: Line[], voucher: number): { id: string; cancelled: boolean } => {
    const id = `WO${String(++webOrderSeq).padStart(9, '0')}`;
    const cancelled = r.chance(0.03);
    const base = day * 86_400 + second;
    const paid = base + 60 + r.int(600);
    const shipped = paid + 86_400 * (1 + r.int(2));
    const delivered = shipped + 86_400 * (1 + r.int(4)) + r.int(36_000);
    const when = (s: number) => (s < lastSecond ? ts(0, s) : null);
    const status = cancelled ? 'canceled' : when(delivered) ? 'delivered' : when(shipped) ? 'shipped' : 'paid';
    ordersFile(day).line(
      csvLine([id, account, status, ts(0, base), when(paid), cancelled ? null : when(shipped), cancelled ? null : when(delivered), ts(0, base + 5 * 86_400)]),
    );
    const value = gross(lines);
    const fee = value >= 99 ? 0 : 10;
    let item = 0;
    const items = itemsFile(day);
    for (const l of lines) for (let q = 0; q < l.qty; q++) items.line(csvLine([id, ++item, l.product.sku, ts(0, paid + 2 * 86_400), money(l.product.price), money(item === 1 ? fee : 0)]));
    const payments = paymentsFile(day);
    const total = value + fee;
    let seq = 0;
    if (voucher > 0) payments.line(csvLine([id, ++seq, 'voucher', 1, money(Math.min(voucher, total))]));
    const method = r.chance(0.55) ? 'wechat_pay' : r.chance(0.9) ? 'alipay' : 'unionpay';
    payments.line(csvLine([id, ++seq, method, method === 'unionpay' && r.chance(0.5) ? 3 : 1, money(Math.max(0, total - voucher))]));
    return { id, cancelled };
  };

  // ------------------------------------------------------------ the audience's targets (options.audienceResponse)
  const response = options.audienceResponse;
  const targets = response ? new Set(response.targets) : null;
  const isTarget = (m: Member) =>
    m.cards.some((c) => targets!.has(`pos:${c.id}`)) ||
    (m.webAccount !== null && targets!.has(`web:${m.webAccount}`)) ||
    (m.callsId !== null && targets!.has(`calls:${m.callsId}`)) ||
    (m.partnerId !== null && targets!.has(`partner:${m.partnerId}`));
  const responders: { m: Member; cardOn: (day: number) => string | null }[] = [];

  // ------------------------------------------------------------ people
  const factory = new PeopleFactory(rng);
  for (let idx = 0; idx < customers; idx++) {
    const person = factory.person(idx);
    const r = rng;
    const existing = r.chance(0.35);
    const joinDay = existing ? -1 - r.int(1500) : Math.floor(days * Math.sqrt(r.next()));
    const kind = r.next();
    const storeShare = kind < 0.5 ? 1 : kind < 0.82 ? 0.5 + r.next() * 0.4 : 0;
    const whale = r.chance(0.02);
    const lossMaker = !whale && r.chance(0.04);
    // Gift buyers shop in stores a few times a year and spend a lot each time: when they go quiet
    // for a season they are the "At Risk, high CLV" customers a win-back campaign is for.
    const gifter = !whale && !lossMaker && storeShare > 0 && r.chance(GIFTER_SHARE);
    const rate = gifter ? gammaDraw(r, 2, 1) + 1.5 : gammaDraw(r, 1.4, 3.6 / 1.4) * (whale ? 2.5 : 1) + 0.3;
    // Gift buyers are creatures of habit (the same shop for every festival): they churn less.
    const churnPerYear = r.chance(gifter ? 0.6 : 0.3) ? 0.08 : (gifter ? 0.2 : 0.35) + r.next() * 0.5;
    const churnDay = Math.max(joinDay, 0) + Math.round(expo(r, 365 / churnPerYear));
    const prefs = cumulative(CATEGORIES.map((c) => (c === 'gift' ? 0.5 : c === 'tea' ? 3 : 1) * (0.3 + r.next())));
    const m: Member = {
      person,
      joinDay,
      churnDay,
      storeShare,
      rate,
      basket: whale ? 3 : 1.6 + r.next() * 1.5,
      returnRate: lossMaker ? 0.45 : 0.03,
      discountLover: lossMaker || r.chance(0.1),
      whale,
      lossMaker,
      gifter,
      callRate: lossMaker ? 2 : 0.9,
      cards: [],
      webAccount: null,
      webFrom: Infinity,
      callsId: null,
      callsFirst: Infinity,
      callerPhone: person.landline && r.chance(0.3) ? `0${person.city.area}-${person.landline}` : person.mobile,
      partnerId: whale || r.chance(0.05) ? `PT${String(idx * 7 + 3).padStart(8, '0')}` : null,
      prefs,
    };
    if (storeShare > 0) {
      m.cards.push({ id: `62${String(idx).padStart(8, '0')}`, from: -Infinity });
      // A member who lost the card and signed up again: a second card, the same person.
      if (r.chance(0.05)) m.cards.push({ id: `63${String(idx).padStart(8, '0')}`, from: Math.max(0, joinDay) + r.int(days) });
    }
    if (storeShare < 1 && existing) {
      m.webAccount = `W${String(idx * 3 + 1).padStart(8, '0')}`;
      m.webFrom = joinDay;
    }
    const cardOn = (day: number) => {
      let id: string | null = null;
      for (const c of m.cards) if (day >= c.from) id = c.id;
      return id;
    };
    const accountFor = (day: number): { id: string; fresh: boolean } => {
      if (m.webAccount === null) {
        m.webAccount = `W${String(idx * 3 + 1).padStart(8, '0')}`;
        m.webFrom = day;
        return { id: m.webAccount, fresh: true };
      }
      return { id: m.webAccount, fresh: false };
    };
    const callsIdFor = (day: number) => {
      if (m.callsId === null) {
        m.callsId = `C${String(idx + 100000).padStart(7, '0')}`;
        m.callsFirst = day;
      }
    };

    // Campaign audiences are drawn from the members the CRM knew when each campaign was planned.
    const treatedIn: Campaign[] = [];
    for (const c of campaigns) {
      const eligible = joinDay <= c.start - 14 && (c.webOnly ? storeShare < 1 : true);
      if (!eligible || !r.chance(c.audienceShare)) continue;
      const control = r.chance(controlShare);
      const system = storeShare > 0 && !c.webOnly ? 'pos' : 'web';
      if (system === 'web' && m.webAccount === null) continue;
      const id = system === 'pos' ? cardOn(c.start)! : m.webAccount!;
      membersFile.line(csvLine([c.id, system, id, control ? 'true' : 'false', control ? '' : dates[Math.max(0, c.start - 2)]!]));
      if (control) c.control++;
      else {
        c.treated++;
        treatedIn.push(c);
      }
    }

    // Purchases: a Poisson process thinned by the season, until the member churns.
    const stop = Math.min(days, churnDay);
    const orders: { day: number; web: boolean; campaign?: Campaign }[] = [];
    const maxSeason = Math.max(maxStore, maxWeb);
    for (let t = Math.max(0, joinDay); ; ) {
      t += expo(r, 365 / (rate * maxSeason));
      if (t >= stop) break;
      const day = Math.floor(t);
      const web = !r.chance(storeShare);
      if (r.chance((web ? webSeason[day]! : storeSeason[day]!) / maxSeason)) orders.push({ day, web });
    }
    for (const c of treatedIn) {
      if (c.start < stop && r.chance(c.uplift)) {
        const day = c.start + r.int(Math.max(1, Math.min(stop, c.end + 1) - c.start));
        orders.push({ day, web: c.webOnly || !r.chance(storeShare), campaign: c });
      }
    }
    orders.sort((a, b) => a.day - b.day);

    for (const o of orders) {
      const lines = gifter ? giftLines(r, o.day, prefs) : basketLines(r, o.day, prefs, m.basket, whale);
      const inWindow = treatedIn.find((c) => o.day >= c.start && o.day <= c.end);
      if (inWindow && inWindow.thresholds.length && r.chance(o.campaign ? 0.8 : 0.3)) {
        // Aim just over the lowest threshold the basket has not reached yet.
        const target = inWindow.thresholds.map(([t]) => t).find((t) => t > gross(lines));
        if (target !== undefined) topUp(r, o.day, prefs, lines, target);
      }
      const value = gross(lines);
      const discount = m.discountLover && r.chance(0.6) ? Math.round(value * (lossMaker ? 0.25 : 0.08)) : 0;
      if (!o.web) {
        const card = cardOn(o.day);
        const store = r.chance(0.85) ? person.store : STORES[pickWeighted(r, storeCum)]!;
        const second = 10 * 3600 + r.int(11 * 3600);
        const id = writeReceipt(store, o.day, second, card, lines, discount);
        if (r.chance(m.returnRate)) {
          const back = o.day + 1 + r.int(14);
          if (back < days) {
            const returned = lossMaker ? lines : [lines[r.int(lines.length)]!];
            writeReceipt(store, back, 11 * 3600 + r.int(9 * 3600), card, returned, 0, id);
            if (r.chance(0.35)) {
              callsIdFor(back);
              writeCall(r, back, m, '退换货', true);
            }
          }
        }
        if (r.chance(0.05)) writeSurvey(r, o.day, 'store', card ? 'pos' : null, card, { order: id, store: store.id }, lossMaker);
      } else {
        const account = accountFor(o.day);
        const second = 8 * 3600 + r.int(15 * 3600);
        const order = writeWebOrder(r, o.day, second, account.id, lines, discount);
        writeSession(r, o.day, second - 300, account.id, prefs, { lines, orderId: order.id, value, signUp: account.fresh });
        if (r.chance(0.3)) writeSession(r, Math.max(0, o.day - r.int(3)), 8 * 3600 + r.int(15 * 3600), account.id, prefs, {});
        if (!order.cancelled && r.chance(0.07) && o.day + 3 < days) {
          callsIdFor(o.day + 3);
          writeCall(r, o.day + 3, m, '配送问题', lossMaker);
        }
        if (r.chance(0.12)) writeSurvey(r, o.day + 2, 'web', 'web', account.id, { order: order.id }, lossMaker);
      }
    }
    // Calls not tied to an order: questions, points, complaints, at the member's own rate.
    for (let t = Math.max(0, joinDay); ; ) {
      t += expo(r, 365 / m.callRate);
      if (t >= stop) break;
      const day = Math.floor(t);
      callsIdFor(day);
      writeCall(r, day, m, undefined, lossMaker);
    }
    // Browsing without buying, by members who use the web shop.
    if (storeShare < 1) {
      const browse = poisson(r, rate * (1 - storeShare) * 0.5 * (Math.min(stop, days) - Math.max(0, joinDay)) / 365);
      for (let i = 0; i < browse; i++) {
        const day = Math.max(0, joinDay) + r.int(Math.max(1, Math.min(stop, days) - Math.max(0, joinDay)));
        if (day >= days) continue;
        writeSession(r, day, 8 * 3600 + r.int(15 * 3600), r.chance(0.6) ? m.webAccount : null, prefs, {});
      }
    }

    // ---------------------------------------------------------- the member's records in each system
    const consent = planConsent(memberRng(seed, idx, 0x2545f491), m, joinDay, days, startMs, cardOn);
    const joinStamp = stamp(startMs, joinDay, r);
    for (const card of m.cards) {
      const registered = card.from === -Infinity ? joinStamp : stamp(startMs, card.from, r);
      if (card.from !== -Infinity && card.from >= days) continue;
      const day = card.from === -Infinity ? joinDay : card.from;
      loyaltyFile.line(csvLine(loyaltyRow(r, person, card.id, registered, exportedAt, consent.deskEmail, consent.statement(`pos:${card.id}`, day, registered))));
    }
    if (m.webAccount !== null && m.webFrom < days) {
      const email = person.email ?? `${m.webAccount.toLowerCase()}@163.com`;
      const registered = stamp(startMs, m.webFrom, r);
      webAccountsFile.line(csvLine(webRow(r, person, m.webAccount, email, registered, exportedAt, consent.statement('web', m.webFrom, registered))));
    }
    if (m.callsId !== null) {
      const phone = m.callerPhone === person.mobile ? writeMobile(r, person.mobile) : writeLandline(r, person.city, person.landline!);
      callsProfilesFile.line(csvLine(callsRow(r, person, m.callsId, phone, stamp(startMs, m.callsFirst, r), exportedAt, consent.statement('calls', m.callsFirst, null))));
    }
    if (targets && isTarget(m)) responders.push({ m, cardOn });
    if (m.partnerId !== null) {
      const row = csvLine(partnerRow(r, person, m.partnerId, joinStamp, exportedAt));
      partnerFile.line(row);
      // The partner's export repeats a record now and then: the second copy is quarantined.
      if (idx % 997 === 3 || (injected.get('customers') ?? 0) === 0) {
        partnerFile.line(row);
        inject('customers');
      }
    }
  }

  // ------------------------------------------------------------ trade that knows no member
  const day0 = new Rng((seed ^ 0x5bd1e995) >>> 0);
  // Walk-in receipts roughly match members' store receipts, so about half the store trade is anonymous.
  const walkInsPerDay = (customers * 2.2) / 365;
  const anonSessionsPerDay = (customers * 0.4) / 365;
  const unknownCallsPerDay = (customers * 0.4) / 365;
  const generic = cumulative([3, 1, 1.5, 1, 0.4]);
  for (let day = 0; day < days; day++) {
    const walkIns = poisson(day0, walkInsPerDay * storeSeason[day]!);
    for (let i = 0; i < walkIns; i++) {
      const store = STORES[pickWeighted(day0, storeCum)]!;
      const lines = basketLines(day0, day, generic, 1.3, false);
      writeReceipt(store, day, 10 * 3600 + day0.int(11 * 3600), null, lines, 0);
    }
    const sessions = poisson(day0, anonSessionsPerDay * webSeason[day]!);
    for (let i = 0; i < sessions; i++) writeSession(day0, day, day0.int(86_400 - 3600), null, generic, { depth: 3 });
    const calls = poisson(day0, unknownCallsPerDay * webSeason[day]!);
    for (let i = 0; i < calls; i++) writeCall(day0, day, null);
  }

  // ------------------------------------------------------------ responses to an exported audience
  // Appended after everything else, from a random stream of their own and with ids that follow
  // the last ones: every other row of every file is what the run without them writes.
  let audienceResponse: DemoManifest['audienceResponse'];
  if (response) {
    const dayOf = (date: string, what: string) => {
      const ms = Date.parse(`${date}T00:00:00Z`);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(ms)) throw new Error(`audienceResponse.${what} must be a date written YYYY-MM-DD, not "${date}"`);
      return Math.round((ms - startMs) / DAY_MS);
    };
    const first = Math.max(0, dayOf(response.start, 'start'));
    const last = Math.min(days - 1, dayOf(response.end, 'end'));
    const uplift = response.uplift ?? DEFAULT_AUDIENCE_UPLIFT;
    const percentOff = response.percentOff ?? 15;
    const ar = new Rng((seed ^ 0x27d4eb2f) >>> 0);
    audienceResponse = { targets: responders.length, orders: 0, storeOrders: 0, webOrders: 0, files: [] };
    sinks.track();
    for (const { m, cardOn } of first <= last ? responders : []) {
      if (!ar.chance(uplift)) continue;
      const day = first + ar.int(last - first + 1);
      const card = cardOn(day);
      const web = m.webAccount !== null && m.webFrom <= day;
      const store = card !== null && m.storeShare > 0 && (!web || ar.chance(m.storeShare));
      if (!store && !web) continue;
      const lines = m.gifter ? giftLines(ar, day, m.prefs) : basketLines(ar, day, m.prefs, m.basket, m.whale);
      const value = gross(lines);
      const discount = Math.round((value * percentOff) / 100);
      if (store) {
        const shop = ar.chance(0.85) ? m.person.store : STORES[pickWeighted(ar, storeCum)]!;
        writeReceipt(shop, day, 10 * 3600 + ar.int(11 * 3600), card, lines, discount);
        audienceResponse.storeOrders++;
      } else {
        const second = 8 * 3600 + ar.int(15 * 3600);
        const order = writeWebOrder(ar, day, second, m.webAccount!, lines, discount);
        writeSession(ar, day, second - 300, m.webAccount, m.prefs, { lines, orderId: order.id, value });
        audienceResponse.webOrders++;
      }
      audienceResponse.orders++;
    }
    audienceResponse.files = sinks.touchedFiles();
  }

  // ------------------------------------------------------------ campaigns and audiences
  const campaignFile = sinks.get(
    'campaigns/crmlake-campaigns/campaigns.csv',
    'campaign_id,campaign_name,channel,offer_type,start_date,end_date,threshold_1,reward_1,threshold_2,reward_2,threshold_3,reward_3,percent_off,cost_per_contact,fixed_cost,currency,description',
  );
  for (const c of campaigns) {
    const t = c.thresholds;
    campaignFile.line(
      csvLine([
        c.id,
        c.name,
        c.channel,
        c.offer,
        dates[c.start],
        dates[c.end],
        t[0]?.[0], t[0]?.[1], t[1]?.[0], t[1]?.[1], t[2]?.[0], t[2]?.[1],
        c.percentOff,
        c.costPerContact,
        Math.round(500 + (c.treated + c.control) * 0.8),
        'CNY',
        c.description,
      ]),
    );
  }
  sinks.closeAll();

  // ------------------------------------------------------------ manifest
  const files = sinks.files();
  const deliveries: DemoDelivery[] = [];
  const order = ['customers', 'pos', 'web-orders', 'web-order-items', 'web-payments', 'web', 'calls', 'surveys', 'campaigns', 'campaign-members'];
  for (const feed of order) {
    const byMapping = new Map<string, { file: string; rows: number }[]>();
    for (const f of files.filter((f) => f.file.startsWith(`${feed}/`))) {
      const mapping = f.file.split('/')[1]!;
      byMapping.set(mapping, [...(byMapping.get(mapping) ?? []), f]);
    }
    for (const [mapping, list] of byMapping) {
      deliveries.push({
        feed,
        mapping,
        paths: list.map((f) => f.file),
        rows: list.reduce((n, f) => n + f.rows, 0),
        injectedRejects: 0,
      });
    }
  }
  // Every injected row lives in a file of its feed; attribute them to the feed's deliveries.
  for (const [feed, count] of injected) {
    const list = deliveries.filter((d) => d.feed === feed);
    if (feed === 'pos') {
      for (const d of list) d.injectedRejects = d.paths.length;
    } else list[0]!.injectedRejects = count;
  }
  return {
    company: 'Lotus & Leaf (莲叶), synthetic',
    seed,
    customers,
    days,
    start: dates[0]!,
    end: dates[days - 1]!,
    controlShare,
    deliveries,
    vars: { ...DEMO_VARS },
    campaigns: campaigns.map((c) => ({ id: c.id, treated: c.treated, control: c.control })),
    ...(audienceResponse ? { audienceResponse } : {}),
  };
}

const QUEUE_CUM = cumulative(CALL_QUEUES.map((q) => q.weight));

/** Share of store-going members (not corporate, not loss-makers) who buy gifts a few times a year. */
const GIFTER_SHARE = 0.15;
/** What gift buyers take when no festive gift box is in season: fine tea and teaware. */
const FINE_GIFTS = PRODUCTS.filter((p) => ['T001', 'T006', 'T007', 'T008', 'W002', 'W008'].includes(p.sku));

/** A member's own random stream (consent), so drawing it never shifts the company's other data. */
function memberRng(seed: number, idx: number, salt: number): Rng {
  return new Rng((Math.imul(seed, 0x9e3779b1) ^ Math.imul(idx + 1, 0x85ebca6b) ^ salt) >>> 0);
}

type ConsentChannel = 'email' | 'sms' | 'ads';
/**
 * How members answer the consent boxes: yes, no, or nothing at all (left blank, or an account
 * older than the box: unknown, which an export treats as no). Of those who said yes, some
 * withdraw later (an unsubscribe link, a word at the desk, a call asking for no more texts).
 * Personalised ads are asked on the web shop only.
 */
const CONSENT: Record<ConsentChannel, { yes: number; no: number; withdraw: number }> = {
  email: { yes: 0.75, no: 0.15, withdraw: 0.1 },
  sms: { yes: 0.72, no: 0.13, withdraw: 0.14 },
  ads: { yes: 0.45, no: 0.3, withdraw: 0.08 },
};
/** E-mail consent of a member who gave no e-mail address anywhere: mostly left blank, some ticked no. */
const NO_ADDRESS_EMAIL_CONSENT = { yes: 0, no: 0.3, withdraw: 0 };
const CONSENT_CHANNELS: ConsentChannel[] = ['email', 'sms', 'ads'];

interface ConsentPlan {
  /** The e-mail the member wrote on the loyalty form (most who have one give it: those who want offers by e-mail). */
  deskEmail: string | null;
  /** What one record states: `pos:<card>`, `web` or `calls`, registered on `day` at `at` (null: the record asks nothing). */
  statement(record: string, day: number, at: string | null): RecordConsent;
}

/**
 * A member's marketing consent and where each system recorded it. The loyalty form asks e-mail
 * and SMS, the web shop's sign-up e-mail, SMS and ads, each at the record's registration; a
 * withdrawal is a later statement in the system the member told (the web account's preferences
 * if they had one by then, else the call centre's record, else the card's record at the desk),
 * so the golden record must keep the most recent statement across systems. A record registered
 * after the withdrawal says no.
 */
function planConsent(
  cr: Rng,
  m: Pick<Member, 'person' | 'cards' | 'webAccount' | 'webFrom' | 'callsId' | 'callsFirst'>,
  joinDay: number,
  days: number,
  startMs: number,
  cardOn: (day: number) => string | null,
): ConsentPlan {
  const deskEmail = m.person.email && cr.chance(0.85) ? m.person.email : null;
  const hasAddress = deskEmail !== null || m.webAccount !== null;
  const truth = {} as Record<ConsentChannel, boolean | null>;
  for (const c of CONSENT_CHANNELS) {
    const odds = c === 'email' && !hasAddress ? NO_ADDRESS_EMAIL_CONSENT : CONSENT[c];
    const u = cr.next();
    truth[c] = u < odds.yes ? true : u < odds.yes + odds.no ? false : null;
  }
  const recordDays = [
    ...m.cards.filter((c) => c.from < days).map((c) => (c.from === -Infinity ? joinDay : c.from)),
    ...(m.webAccount !== null && m.webFrom < days ? [m.webFrom] : []),
  ];
  const firstDay = Math.max(0, Math.min(...recordDays));
  const withdrawn: Partial<Record<ConsentChannel, { day: number; at: string; via: string }>> = {};
  for (const c of CONSENT_CHANNELS) {
    const chance = cr.next();
    const when = cr.next();
    if (truth[c] !== true || chance >= CONSENT[c].withdraw || !recordDays.length || days - firstDay <= 30) continue;
    const day = firstDay + 30 + Math.floor(when * (days - firstDay - 30));
    const card = cardOn(day);
    const via =
      m.webAccount !== null && m.webFrom <= day ? 'web' : c === 'ads' ? null : m.callsId !== null && m.callsFirst <= day ? 'calls' : card ? `pos:${card}` : null;
    if (via) withdrawn[c] = { day, at: stamp(startMs, day, cr), via };
  }
  const channels = (record: string): ConsentChannel[] => (record === 'web' ? CONSENT_CHANNELS : ['email', 'sms']);
  return {
    deskEmail,
    statement(record, day, at) {
      const out: RecordConsent = {};
      for (const c of channels(record)) {
        const w = withdrawn[c];
        if (w?.via === record) out[c] = { given: false, at: w.at };
        else if (at !== null && truth[c] !== null) out[c] = { given: w && day >= w.day ? false : truth[c]!, at };
      }
      return out;
    },
  };
}

function gauss(r: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - r.next())) * Math.cos(2 * Math.PI * r.next());
}

/** A gamma draw (Marsaglia-Tsang), shape ≥ 1. */
function gammaDraw(r: Rng, shape: number, scale: number): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = gauss(r);
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    const u = r.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v * scale;
  }
}

/** A time on a day (relative to the start, may be before it) as `YYYY-MM-DD HH:mm:ss`. */
function stamp(startMs: number, day: number, r: Rng): string {
  const d = new Date(startMs + day * DAY_MS + (9 * 3600 + r.int(12 * 3600)) * 1000).toISOString();
  return `${d.slice(0, 10)} ${d.slice(11, 19)}`;
}

/** The campaign calendar: the company's yearly promotions that fall inside the window, and one in the latest weeks. */
function planCampaigns(dates: string[]): Campaign[] {
  const days = dates.length;
  const index = new Map(dates.map((d, i) => [d, i]));
  const out: Campaign[] = [];
  const add = (c: Omit<Campaign, 'treated' | 'control'>) => {
    if (c.start >= 30 && c.end < days && c.start <= c.end) out.push({ ...c, treated: 0, control: 0 });
  };
  const years = [...new Set(dates.map((d) => Number(d.slice(0, 4))))];
  for (const y of years) {
    const at = (md: string) => index.get(`${y}-${md}`);
    const range = (a: string, b: string) => [at(a), at(b)] as const;
    const [cnyA, cnyB] = range('01-10', '01-24');
    if (cnyA !== undefined && cnyB !== undefined)
      add({ id: `CNY${y}`, name: `Spring Festival ${y} spend & save`, channel: 'wechat', offer: 'spend_threshold', start: cnyA, end: cnyB, thresholds: [[300, 30], [600, 80], [1000, 150]], percentOff: null, costPerContact: 0.1, audienceShare: 0.5, uplift: 0.3, webOnly: false, description: 'Spring Festival: spend ¥300/600/1000, get ¥30/80/150 off one order; WeChat message to half the members, 20% held out' });
    const [j18a, j18b] = range('06-10', '06-20');
    if (j18a !== undefined && j18b !== undefined)
      add({ id: `618-${y}`, name: `618 ${y} web 15% off`, channel: 'sms', offer: 'percent_off', start: j18a, end: j18b, thresholds: [], percentOff: 15, costPerContact: 0.05, audienceShare: 0.6, uplift: 0.25, webOnly: true, description: '618: 15% off any web order; SMS to web-shop customers, 20% held out' });
    const [maA, maB] = range('09-01', '09-15');
    if (maA !== undefined && maB !== undefined)
      add({ id: `MOON${y}`, name: `Mid-Autumn ${y} gift catalogue`, channel: 'direct_mail', offer: 'none', start: maA, end: maB, thresholds: [], percentOff: null, costPerContact: 3.5, audienceShare: 0.2, uplift: 0.15, webOnly: false, description: 'Mid-Autumn printed gift catalogue, no offer; mailed to a fifth of the members, 20% held out' });
    const [d11a, d11b] = range('11-01', '11-11');
    if (d11a !== undefined && d11b !== undefined)
      add({ id: `D11-${y}`, name: `Singles' Day ${y} free delivery`, channel: 'email', offer: 'free_delivery', start: d11a, end: d11b, thresholds: [[99, 10]], percentOff: null, costPerContact: 0.01, audienceShare: 0.5, uplift: 0.25, webOnly: false, description: "Singles' Day: free delivery over ¥99 (the ¥10 fee waived); e-mail to half the members, 20% held out" });
  }
  // A members' month offer in the last weeks, so the latest month has a campaign too.
  add({ id: `VIP-${dates[days - 21]!.slice(0, 7)}`, name: "Members' month spend & save", channel: 'wechat', offer: 'spend_threshold', start: days - 21, end: days - 1, thresholds: [[200, 20], [500, 60]], percentOff: null, costPerContact: 0.1, audienceShare: 0.4, uplift: 0.25, webOnly: false, description: "Members' month: spend ¥200/500, get ¥20/60 off; WeChat to 40% of the members, 20% held out" });
  return out.sort((a, b) => a.start - b.start || a.id.localeCompare(b.id));
}

