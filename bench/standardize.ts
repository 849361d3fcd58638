/**
 * Profile standardization throughput on generated messy profiles (Chinese member and dealer
 * records, Brazilian web-shop rows in the Olist shape, British web accounts).
 * Baseline measured in the same run: NFKC-normalizing and trimming the same strings, the least
 * any standardizer must do with every value.
 * BENCH_PROFILES (default 200,000) sets the size.
 */
import type { RawProfile } from '../src/customers/profile.js';
import { mulberry32 as rng } from '../src/clv/clv.js';
import { standardizeProfile } from '../src/customers/standardize/index.js';

const PROFILES = Number(process.env.BENCH_PROFILES ?? 200_000);

const FAMILY = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '欧阳', '司马', '诸葛', '上官'];
const GIVEN = ['立', '伟', '芳', '娜', '秀英', '敏', '静', '强', '磊', '军', '洋', '勇', '艳', '杰'];
const LATIN_FAMILY = ['Wang', 'Smith', 'Silva', 'Santos', 'Jones', 'Oliveira', 'Brown', 'Souza'];
const LATIN_GIVEN = ['Martin', 'Maria', 'John', 'Ana', 'James', 'Lucas', 'Emma', 'Pedro'];
const GENDERS = ['男', '女', 'M', 'F', 'male', 'Female', '', '先生', '女士', 'U', '1'];
const PLACES = [
  '湖南长沙岳麓区麓山南路{n}号',
  '湖南省长沙市岳麓区麓山南路{n}号',
  '长沙岳麓区桐梓坡路{n}号',
  '北京朝阳区建国路{n}号',
  '上海市浦东新区世纪大道{n}号',
  '广东省深圳市南山区科技园{n}栋',
  '广西南宁青秀区民族大道{n}号',
  '四川成都武侯区人民南路{n}号',
];
const AREAS = ['0731', '010', '020', '0755', '028', '0571'];
const DOMAINS = ['qq.com', '163.com', 'gmail.com', 'gmial.com', 'hotmail.com', '126.com', 'qq.co', 'sina.com'];
const BR_CITIES = ['sao paulo', 'rio de janeiro', 'belo horizonte', 'curitiba', 'SOROCABA', 'varzea grande'];
const BR_STATES = ['SP', 'RJ', 'MG', 'PR', 'sp', 'MT'];

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

export function generate(count: number, seed = 42): RawProfile[] {
  const r = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const digits = (w: number): string => pad(Math.floor(r() * 10 ** w), w);
  const out: RawProfile[] = [];
  for (let i = 0; i < count; i++) {
    const kind = r();
    const year = 1950 + Math.floor(r() * 60);
    const month = 1 + Math.floor(r() * 12);
    const day = 1 + Math.floor(r() * 28);
    if (kind < 0.7) {
      const area = pick(AREAS);
      const local = digits(8).replace(/^[01]/, '5');
      const mobile = `13${Math.floor(r() * 10)}${digits(8)}`;
      const style = Math.floor(r() * 6);
      const phone = [`${area}-${local}`, `(${area})${local}`, `${area}${local}`, `+86 ${area.slice(1)} ${local.slice(0, 4)} ${local.slice(4)}`, `0086 ${area.slice(1)} ${local}`, local.slice(0, 6)][style]!;
      const fam = pick(FAMILY);
      const name = r() < 0.1 ? `${fam}先生` : r() < 0.1 ? `${fam}${pick(GIVEN)}（VIP）` : `${fam}${pick(GIVEN)}`;
      const dateStyle = Math.floor(r() * 6);
      const birth = [`${year}.${month}.${day}`, `${year}年${month}月${day}日`, `${year}-${pad(month, 2)}-${pad(day, 2)}`, `${year}/${month}/${day}`, `${pad(day, 2)}/${pad(month, 2)}/${year}`, `${year}${pad(month, 2)}${pad(day, 2)}`][dateStyle]!;
      out.push({
        source_system: 'member',
        source_customer_id: String(i),
        full_name: r() < 0.05 ? name.replace(/./g, (c) => String.fromCharCode(c.charCodeAt(0) + (c < '~' ? 0xfee0 : 0))) : name,
        gender: pick(GENDERS),
        birth_date: r() < 0.02 ? `${year}-02-30` : birth,
        phone,
        mobile: r() < 0.6 ? (r() < 0.5 ? `${mobile.slice(0, 3)} ${mobile.slice(3, 7)} ${mobile.slice(7)}` : `+86 ${mobile}`) : null,
        email: r() < 0.5 ? ` ${pick(LATIN_GIVEN)}${i}@${pick(DOMAINS).toUpperCase()} ` : null,
        address_line: pick(PLACES).replace('{n}', String(1 + Math.floor(r() * 999))),
        country: r() < 0.5 ? '中国' : null,
        updated_at: `2024-${pad(month, 2)}-${pad(day, 2)} 10:00:00`,
      });
    } else if (kind < 0.9) {
      out.push({
        source_system: 'olist',
        source_customer_id: `c${i}`,
        source_person_id: `p${i >> 1}`,
        city: pick(BR_CITIES),
        province: pick(BR_STATES),
        postcode: digits(5),
        country: 'BR',
        phone: r() < 0.3 ? `(11) 9${digits(4)}-${digits(4)}` : null,
      });
    } else {
      const fam = pick(LATIN_FAMILY);
      const given = pick(LATIN_GIVEN);
      const style = Math.floor(r() * 3);
      out.push({
        source_system: 'web',
        source_customer_id: `w${i}`,
        full_name: [`${given} ${fam}`, `${fam.toUpperCase()}, ${given}`, `Mr. ${given} ${fam.toUpperCase()}`][style],
        gender: pick(GENDERS),
        birth_date: `${pad(day, 2)}/${pad(month, 2)}/${year}`,
        phone: `020 7946 ${digits(4)}`,
        email: `${given.toLowerCase()}.${fam.toLowerCase()}@${pick(DOMAINS)}`,
        postcode: 'sw1a1aa',
        country: 'UK',
      });
    }
  }
  return out;
}

const FIELDS: (keyof RawProfile)[] = ['full_name', 'family_name', 'given_name', 'gender', 'birth_date', 'phone', 'mobile', 'email', 'address_line', 'district', 'city', 'province', 'postcode', 'country', 'updated_at'];

function baseline(profiles: RawProfile[]): number {
  let chars = 0;
  for (const p of profiles) {
    for (const f of FIELDS) {
      const v = p[f];
      if (typeof v === 'string') chars += v.normalize('NFKC').trim().length;
    }
  }
  return chars;
}

function run(profiles: RawProfile[]): number {
  const now = new Date('2026-11-15T00:00:00Z');
  let issues = 0;
  for (const p of profiles) issues += standardizeProfile(p, { defaultCountry: 'CN', now, dayFirst: p.source_system === 'web' ? true : undefined }).issues.length;
  return issues;
}

const time = <T>(fn: () => T): [T, number] => {
  const t0 = performance.now();
  const result = fn();
  return [result, (performance.now() - t0) / 1000];
};

export async function main(): Promise<void> {
  const [profiles, genSeconds] = time(() => generate(PROFILES));
  console.log(`standardize bench: ${PROFILES.toLocaleString('en-US')} messy profiles generated in ${genSeconds.toFixed(1)} s`);
  // Warm-up on a slice so both loops run optimized code.
  baseline(profiles.slice(0, 5000));
  run(profiles.slice(0, 5000));
  const [, baseSeconds] = time(() => baseline(profiles));
  const [issues, stdSeconds] = time(() => run(profiles));
  const rate = (s: number): string => Math.round(PROFILES / s).toLocaleString('en-US');
  console.log(`  baseline     NFKC + trim of every field: ${baseSeconds.toFixed(2)} s = ${rate(baseSeconds)} profiles/s`);
  console.log(
    `  standardize  ${issues.toLocaleString('en-US')} issues: ${stdSeconds.toFixed(2)} s = ${rate(stdSeconds)} profiles/s = ${(stdSeconds / baseSeconds).toFixed(1)}× baseline` +
      ` (1M profiles ≈ ${((stdSeconds * 1_000_000) / PROFILES).toFixed(0)} s on one core)`,
  );
}
