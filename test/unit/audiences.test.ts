import { describe, expect, it, beforeAll } from 'vitest';
import { checkSegmentExpression, parseAudience, sqlParserReady, type Audience } from '../../src/audiences/definition.js';
import { vendorFile } from '../../src/audiences/files.js';
import { hashedEmail, hashedPhone, normalizeEmail, normalizePhone, sha256Hex } from '../../src/audiences/hashing.js';
import { liftRow } from '../../src/audiences/lift.js';
import { selectMembers, type Candidate } from '../../src/audiences/select.js';
import { controlDraw, isControl } from '../../src/audiences/split.js';
import { studentTQuantile, welch } from '../../src/audiences/stats.js';

beforeAll(() => sqlParserReady());

const yaml = (extra = '') => `name: test-audience\nsegment: lifecycle_stage = 'At Risk'\nchannel: email\noffer: Come back\ncontrol_share: 0.2\n${extra}`;

describe('audience definitions', () => {
  it('accepts a definition and versions it by content when no version is given', () => {
    const a = parseAudience(yaml(), 'audiences/test-audience.yml');
    expect(a.version).toMatch(/^sha256:[0-9a-f]{12}$/);
    expect(parseAudience(yaml('version: 3\n'), 'audiences/test-audience.yml').version).toBe('3');
    expect(parseAudience(yaml('# a comment\n'), 'audiences/test-audience.yml').version).not.toBe(a.version);
    expect(a.definition.exclusions.in_other_running_audience).toBe(true);
  });

  it('names the file and the field of each problem', () => {
    expect(() => parseAudience(yaml().replace('channel: email', 'channel: fax'), 'audiences/test-audience.yml')).toThrow(/audiences\/test-audience\.yml: channel:/);
    expect(() => parseAudience(yaml().replace('control_share: 0.2', 'control_share: 2'), 'audiences/test-audience.yml')).toThrow(/test-audience\.yml: control_share:/);
    expect(() => parseAudience(yaml('size: { cap: 10, order_by: "clv; drop" }\n'), 'audiences/test-audience.yml')).toThrow(/size\.order_by/);
    expect(() => parseAudience(yaml('colour: red\n'), 'audiences/test-audience.yml')).toThrow(/test-audience\.yml: .*colour/);
    expect(() => parseAudience(yaml(), 'audiences/other.yml')).toThrow(/other\.yml: name: .*must match the file name/);
  });

  it('accepts boolean expressions and refuses statements, subqueries and precedence tricks', () => {
    for (const ok of ["lifecycle_stage = 'At Risk' and clv_expected >= 100", "coalesce(city, '') like 'Lon%' or p_alive between 0.2 and 0.8", "rfm_segment in ('At Risk', 'Cannot Lose Them')"]) {
      expect(() => checkSegmentExpression(ok)).not.toThrow();
    }
    const refused: [string, RegExp][] = [
      ["1 = 1) union select * from dim_customer where (1 = 1", /unbalanced|statement/],
      ['a = 1) or (1 = 1', /unbalanced parentheses/],
      ['1 = 1; drop table customer_360', /no ;/],
      ['1 = 1 -- and more', /no comments/],
      ['customer_key in (select customer_key from dim_customer)', /subqueries/],
      ['select 1', /not a SQL expression|statement/],
    ];
    for (const [bad, why] of refused) expect(() => checkSegmentExpression(bad, 'f.yml'), bad).toThrow(why);
  });
});

describe('control group split', () => {
  it('is stable per customer and audience, and independent across audiences', () => {
    expect(controlDraw('win-back', 'C1')).toBe(controlDraw('win-back', 'C1'));
    expect(controlDraw('win-back', 'C1')).not.toBe(controlDraw('other', 'C1'));
    const keys = Array.from({ length: 20_000 }, (_, i) => `C${i.toString(36).toUpperCase()}`);
    const a = keys.map((k) => isControl('win-back', k, 0.2));
    const b = keys.map((k) => isControl('other', k, 0.2));
    // Binomial(20000, 0.2): sd = 57 customers; 5 sd either side.
    const share = a.filter(Boolean).length;
    expect(Math.abs(share - 4000)).toBeLessThan(285);
    // Independence: both-control count near 20000 · 0.04 = 800 (sd ≈ 28).
    const both = a.filter((x, i) => x && b[i]).length;
    expect(Math.abs(both - 800)).toBeLessThan(140);
    // A larger share keeps every customer the smaller one held out (a nested, monotone draw).
    expect(keys.filter((k) => isControl('win-back', k, 0.1) && !isControl('win-back', k, 0.2))).toEqual([]);
  });
});

describe('ad-platform hashing (published normalization examples)', () => {
  it("matches Meta's customer information parameter examples", () => {
    // developers.facebook.com/docs/marketing-api/conversions-api/parameters/customer-information-parameters
    expect(hashedEmail('  John_Smith@gmail.com ')).toBe('62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f');
    expect(hashedPhone('+1 (650) 555-1212')).toBe('e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176');
    expect(normalizePhone('+1 (650) 555-1212')).toBe('16505551212');
    expect(normalizePhone('0016505551212')).toBe('16505551212');
  });

  it("matches TikTok's customer file e-mail example and refuses what cannot be matched", () => {
    expect(sha256Hex(normalizeEmail('JaneDoe@Gmail.com ')!)).toBe('d6117306485ed0e50afab3ac871e98f81699151f30281527d63ff5f233656c69');
    expect(normalizeEmail('not an address')).toBeNull();
    expect(normalizePhone('12345')).toBeNull();
    expect(normalizePhone('')).toBeNull();
  });
});

const candidate = (key: string, over: Partial<Candidate> = {}): Candidate => ({
  customerKey: key,
  email: `${key}@example.com`,
  mobile: '+447911123456',
  nextBestProduct: 'Teapot',
  orderValue: 1,
  consent: true,
  contactedRecently: false,
  complainedRecently: false,
  inOtherRunningAudience: false,
  ...over,
});

describe('exclusions', () => {
  it('excludes opt-outs, unknown consent, missing contact, recent contact, complaints and running audiences, then caps', () => {
    const audience: Audience = parseAudience(yaml('size: { cap: 2, order_by: clv_expected }\n'), 'audiences/test-audience.yml');
    const selection = selectMembers(audience, [
      candidate('C1', { consent: false }),
      candidate('C2', { consent: null }),
      candidate('C3', { email: null }),
      candidate('C4', { contactedRecently: true }),
      candidate('C5', { complainedRecently: true }),
      candidate('C6', { inOtherRunningAudience: true }),
      candidate('C7'),
      candidate('C8'),
      candidate('C9'),
    ]);
    expect(selection.excluded).toEqual({
      no_consent: 2,
      no_contact_field: 1,
      contacted_recently: 1,
      complained_recently: 1,
      in_other_running_audience: 1,
      over_size_cap: 1,
    });
    expect(selection.members.map((m) => m.customerKey)).toEqual(['C7', 'C8']);
  });

  it('writes only the field the channel uses, with formulas neutralized', () => {
    const a = parseAudience(yaml().replace('offer: Come back', 'offer: "=1+2"').replace('channel: email', 'channel: sms'), 'audiences/test-audience.yml');
    const file = vendorFile(a.definition, [candidate('C1', { nextBestProduct: '@SUM(A1)' })]);
    expect(file.text).toBe("customer_key,mobile,offer,next_best_product\nC1,+447911123456,\"'=1+2\",\"'@SUM(A1)\"\n");
    const ads = parseAudience(yaml().replace('channel: email', 'channel: ads'), 'audiences/test-audience.yml');
    const hashed = vendorFile(ads.definition, [candidate('C1', { email: 'John_Smith@gmail.com', mobile: '+16505551212' })]);
    expect(hashed.text).toBe('Email,Phone\n62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f,e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176\n');
  });
});

describe('lift arithmetic', () => {
  it("reproduces R's Welch t.test on the sleep data (t.test(extra ~ group, data = sleep))", () => {
    const g1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
    const g2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
    const stats = (xs: number[]) => {
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      return { n: xs.length, mean, variance: xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1) };
    };
    const w = welch(stats(g1), stats(g2));
    // R 4.x: t = -1.8608, df = 17.776, p-value = 0.07939, 95 percent CI -3.3654832 0.2054832
    expect(w.degreesOfFreedom).toBeCloseTo(17.776, 3);
    expect(w.difference / w.standardError!).toBeCloseTo(-1.8608, 4);
    expect(w.pValue).toBeCloseTo(0.07939, 5);
    expect(w.low).toBeCloseTo(-3.3654832, 6);
    expect(w.high).toBeCloseTo(0.2054832, 6);
    // Student's t table: t(0.975, 10) = 2.228, t(0.975, ∞) → 1.960.
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.2281389, 6);
    expect(studentTQuantile(0.975, 1e7)).toBeCloseTo(1.959964, 5);
  });

  it('turns group aggregates into incremental revenue, cost and ROI, and says when the lift is not significant', () => {
    const common = { audience: 'a', audience_version: 'v1', channel: 'email', offer: 'x', window_start: '2011-04-01', window_end: '2011-04-30', cost_per_contact: 0.5, fixed_cost: 100, gross_margin_rate: 0.4, last_order_date: '2011-05-31' };
    const row = liftRow('e1', { ...common, customers: 1000, responders: 300, revenue: 30_000, revenue_mean: 30, revenue_variance: 2500 }, { ...common, customers: 250, responders: 50, revenue: 5000, revenue_mean: 20, revenue_variance: 1600 });
    const [, , , , , , , complete, nt, nc, rt, rc, rateT, rateC, uplift, , , , , , , lift, low, high, , incremental, incLow, incHigh, cost, roi, , , significant, verdict] = row;
    expect([complete, nt, nc, rt, rc, rateT, rateC]).toEqual([true, 1000, 250, 300, 50, 0.3, 0.2]);
    expect(uplift).toBeCloseTo(0.1, 12);
    expect(lift).toBe(10);
    // se = sqrt(2500/1000 + 1600/250) = sqrt(8.9); df large → t ≈ 1.97
    const se = Math.sqrt(8.9);
    expect(Number(high) - Number(low)).toBeCloseTo(2 * studentTQuantile(0.975, (8.9 ** 2) / (2.5 ** 2 / 999 + 6.4 ** 2 / 249)) * se, 3);
    expect(incremental).toBe(10_000);
    expect(Number(incLow)).toBeCloseTo(Number(low) * 1000, 0);
    expect(Number(incHigh)).toBeCloseTo(Number(high) * 1000, 0);
    expect(cost).toBe(600);
    expect(roi).toBeCloseTo((10_000 * 0.4 - 600) / 600, 4);
    expect(significant).toBe(true);
    expect(verdict).toMatch(/^significant lift/);
    // 80% power at two-sided 95%: (t(0.975, df) + t(0.80, df)) · se; for large df ≈ (1.960 + 0.842) · se.
    const df = 8.9 ** 2 / (2.5 ** 2 / 999 + 6.4 ** 2 / 249);
    expect(Number(row.at(-1))).toBeCloseTo((studentTQuantile(0.975, df) + studentTQuantile(0.8, df)) * se, 3);
    expect(Number(row.at(-1))).toBeCloseTo(2.8 * se, 1);
    const flat = liftRow('e2', { ...common, customers: 100, responders: 10, revenue: 1000, revenue_mean: 10, revenue_variance: 400 }, { ...common, customers: 25, responders: 2, revenue: 200, revenue_mean: 8, revenue_variance: 400 });
    expect(flat.at(-3)).toBe(false);
    expect(flat.at(-2)).toMatch(/^not significant/);
    // The lift seen (2) is below what groups of 100 and 25 could show.
    expect(Number(flat.at(-1))).toBeGreaterThan(2);
  });
});
