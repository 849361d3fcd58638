import { createHash } from 'node:crypto';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportAudience, listAudiences } from '../../src/app/audiences.js';
import { runBuild } from '../../src/app/build.js';
import { ingestPaths } from '../../src/app/ingest.js';
import { queryLake as analystQuery } from '../../src/app/sql.js';
import { loadAudience } from '../../src/audiences/definition.js';
import { listExports } from '../../src/audiences/records.js';
import { welch } from '../../src/audiences/stats.js';
import { Lake } from '../../src/lake/lake.js';
import { copyRetailDays, independentRows, queryLake, RETAIL_DAYS, scratchDir } from '../helpers.js';

/**
 * The loop end to end on real Online Retail days (December 2010) as of 2011-04-01, when the
 * December buyers are At Risk: a customers file with e-mails and consent (generated here),
 * build, export the shipped win-back-at-risk audience, land synthetic responses in its window,
 * build again, and read the lift.
 */
const DAYS = ['2010-12-01', '2010-12-02', '2010-12-03', '2010-12-05', '2010-12-06', '2010-12-07', '2010-12-08'];
const AS_OF = '2011-04-01';
let dir: string;
let cleanup: () => Promise<void>;
let lake: Lake;
let ids: string[];
/** Customers whose profile says they opted out of e-mail, or says nothing. */
const optedOut = (id: string) => Number(id) % 7 === 0;
const unknown = (id: string) => Number(id) % 7 === 1;
const complainer = (id: string) => Number(id) % 7 === 2;
const laterOptOut = (id: string) => Number(id) % 7 === 3;
const earlierOptOut = (id: string) => Number(id) % 7 === 4;

beforeAll(async () => {
  ({ dir, cleanup } = await scratchDir('audiences'));
  lake = new Lake(path.join(dir, 'lake'));
  const pos = await copyRetailDays(dir, DAYS);
  await ingestPaths(lake, 'pos', [pos]);
  const files = DAYS.map((d) => `'${path.join(RETAIL_DAYS, `${d}.csv`)}'`).join(', ');
  ids = (await independentRows(`select distinct cast(cast(CustomerID as double) as bigint)::varchar as id from read_csv([${files}], header = true, all_varchar = true) where CustomerID is not null and CustomerID <> '' order by 1`)).map((r) => String(r.id));
  // Profiles for the POS customers: e-mail and mobile, consent per channel with its date.
  const lines = ['source_system,source_customer_id,full_name,email,mobile,updated_at,email_consent,email_consent_at,sms_consent,ads_consent'];
  for (const id of ids) {
    const consent = optedOut(id) ? 'no' : unknown(id) ? '' : 'yes';
    const mobile = `+44791112${id.padStart(4, '0').slice(-4)}`;
    lines.push(`pos,${id},Customer ${id},c${id}@Example.com,${mobile},2011-01-15T10:00:00Z,${consent},${consent ? '2011-01-15T10:00:00Z' : ''},yes,${Number(id) % 2 === 0 ? 'yes' : ''}`);
    // The call centre knows complainers under its own id: the customer master links them by e-mail.
    // A second system (linked by e-mail) with a later opt-out, or an earlier one the shop's opt-in supersedes.
    if (laterOptOut(id)) lines.push(`web,W${id},Customer ${id},c${id}@example.com,${mobile},2011-03-01T10:00:00Z,no,2011-03-01T10:00:00Z,,`);
    if (earlierOptOut(id)) lines.push(`web,W${id},Customer ${id},c${id}@example.com,${mobile},2010-06-01T10:00:00Z,no,2010-06-01T10:00:00Z,,`);
    if (complainer(id)) lines.push(`calls,K${id},Customer ${id},c${id}@example.com,${mobile},2011-03-10T09:00:00Z,,,,`);
  }
  await mkdir(path.join(dir, 'customers'));
  await writeFile(path.join(dir, 'customers', 'profiles.csv'), lines.join('\n') + '\n');
  await ingestPaths(lake, 'customers', [path.join(dir, 'customers', 'profiles.csv')], { mapping: 'crmlake-profiles' });
  // Complaints in the 90 days before the start, from identified callers.
  const calls = ['call_id,customer_id,started_at,queue,complaint'];
  ids.filter(complainer).forEach((id, i) => calls.push(`K${i},K${id},2011-03-10T09:00:00Z,Complaints,yes`));
  await mkdir(path.join(dir, 'calls'));
  await writeFile(path.join(dir, 'calls', 'calls.csv'), calls.join('\n') + '\n');
  const mapping = path.join(dir, 'calls-mapping.yaml');
  await writeFile(
    mapping,
    'name: test-calls\nversion: 1\nfeed: calls\nfields:\n  call_id: call_id\n  customer_id: customer_id\n  started_at: { column: started_at, transform: timestamp, format: iso }\n  queue: queue\n  complaint: { column: complaint, transform: boolean }\n  answered: { value: "true" }\n  channel: { value: phone }\n',
  );
  const landed = await ingestPaths(lake, 'calls', [path.join(dir, 'calls', 'calls.csv')], { mapping });
  expect(landed.files[0]!.quarantined, JSON.stringify(landed.files[0]!.topReasons)).toBe(0);
  await runBuild(lake, { var: [`as_of=${AS_OF}`] });
}, 600_000);
afterAll(() => cleanup());

describe('audience export', () => {
  it('selects At Risk, high-CLV customers with e-mail consent, holds out a stable control group and records both', async () => {
    const now = new Date('2011-04-01T08:00:00Z');
    const result = await exportAudience(lake, 'win-back-at-risk', { start: AS_OF, out: path.join(dir, 'out'), now });
    const s = result.selection;
    expect(s.segment).toBeGreaterThan(20);
    expect(s.excluded.no_consent).toBeGreaterThan(0);
    expect(result.target).toBeGreaterThan(0);
    expect(result.control).toBeGreaterThan(0);
    // Segment semantics, checked on the marts independently of the export.
    const segment = await queryLake(lake, `select customer_key from customer_360 where lifecycle_stage = 'At Risk' and clv_segment = 'High'`);
    expect(s.segment).toBe(segment.length);

    // Nobody who opted out or said nothing is in the vendor file; every row has its e-mail.
    const csv = (await readFile(result.vendorFile!, 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('customer_key,email,offer,next_best_product');
    expect(csv).toHaveLength(result.target + 1);
    const emailed = csv.slice(1).map((l) => /c(\d+)@example\.com/i.exec(l)![1]!);
    expect(emailed.filter((id) => optedOut(id) || unknown(id) || laterOptOut(id))).toEqual([]);
    expect(emailed.filter(earlierOptOut).length).toBeGreaterThan(0);
    // The golden record keeps the most recent statement per channel across the customer's records.
    const consent = await queryLake(
      lake,
      `select x.source_customer_id as id, c.email_consent, cast(c.email_consent_at as varchar) as at from int_customer_consent c join customer_xref x on x.customer_key = c.customer_key and x.source_system = 'pos'`,
    );
    const byId = new Map(consent.map((r) => [String(r.id), r]));
    for (const id of ids.slice(0, 200)) {
      const expected = optedOut(id) || laterOptOut(id) ? false : unknown(id) ? null : true;
      expect(byId.get(id)?.email_consent ?? null, id).toBe(expected);
    }

    // The record in the lake: target + control, version, window; the YAML is kept with it.
    const [manifest] = await listExports(lake);
    expect(manifest).toMatchObject({ audience: 'win-back-at-risk', window_start: AS_OF, window_end: '2011-04-30', target: result.target, control: result.control });
    expect(manifest!.audience_version).toMatch(/^sha256:[0-9a-f]{12}$/);
    expect(manifest!.definition).toContain("lifecycle_stage = 'At Risk'");
    const recorded = await queryLake(lake, `select is_control, count(*) as n from curated.audience_members group by 1 order by 1`);
    expect(recorded).toEqual([
      { is_control: false, n: result.target },
      { is_control: true, n: result.control },
    ]);

    // A re-run (dry) draws the same split: not Math.random.
    const again = await exportAudience(lake, 'win-back-at-risk', { start: AS_OF, dryRun: true });
    const split = (r: typeof result) => r.selection.members.map((m) => `${m.customerKey}:${m.isControl}`).sort();
    expect(split(again)).toEqual(split(result));
    expect((await listAudiences(lake))[0]).toMatchObject({ name: 'win-back-at-risk', exports: 1 });
  });

  it('excludes customers in another running audience and complainers, and never contacts the control group', async () => {
    const audiences = path.join(dir, 'audiences');
    await mkdir(audiences, { recursive: true });
    await writeFile(
      path.join(audiences, 'everyone-sms.yml'),
      `name: everyone-sms\nsegment: orders > 0 and r_score >= 1 and days_since_last_purchase > 90 and coalesce(clv_12m, 0) >= 0\nchannel: sms\noffer: "=HYPERLINK(\\"x\\")"\nexclusions:\n  complained_within_days: 90\ncontrol_share: 0.5\n`,
    );
    // A segment over a column the marts do not have fails with the file named, before anything is written.
    await writeFile(path.join(audiences, 'typo.yml'), 'name: typo\nsegment: lifecycle_stag = 1\nchannel: email\noffer: x\ncontrol_share: 0.2\n');
    await expect(exportAudience(lake, 'typo', { dir: audiences, start: AS_OF, out: path.join(dir, 'out') })).rejects.toThrow(/typo\.yml: segment or size\.order_by does not compile on the marts: .*lifecycle_stag/);
    expect(await listExports(lake)).toHaveLength(1);
    const first = await loadAudience('win-back-at-risk');
    expect(first.definition.channel).toBe('email');
    const result = await exportAudience(lake, 'everyone-sms', { dir: audiences, start: '2011-04-05', dryRun: true });
    const [manifest] = await listExports(lake);
    expect(result.selection.excluded, JSON.stringify(result.selection.excluded)).toMatchObject({ no_consent: 0, no_contact_field: 0 });
    expect(result.selection.excluded.in_other_running_audience).toBe(manifest!.target + manifest!.control);
    expect(result.selection.excluded.complained_recently).toBeGreaterThan(0);
    // Nobody left to send to: refused, nothing recorded.
    await writeFile(path.join(audiences, 'nobody.yml'), 'name: nobody\nsegment: orders < 0\nchannel: email\noffer: x\ncontrol_share: 0.2\n');
    await expect(exportAudience(lake, 'nobody', { dir: audiences, start: AS_OF, out: path.join(dir, 'out') })).rejects.toThrow(/nobody\.yml: nobody to send to: 0 in the segment; nothing was written/);
    expect(await listExports(lake)).toHaveLength(1);
    // Ads: only customers who agreed to ad matching, as SHA-256 of the normalized e-mail and phone, no key.
    await writeFile(path.join(audiences, 'ads-buyers.yml'), 'name: ads-buyers\nsegment: orders > 0\nchannel: ads\noffer: x\ncontrol_share: 0.1\nexclusions: { in_other_running_audience: false }\n');
    const ads = await exportAudience(lake, 'ads-buyers', { dir: audiences, start: '2011-04-06', out: path.join(dir, 'out'), now: new Date('2011-04-06T08:00:00Z') });
    const hashed = (await readFile(ads.vendorFile!, 'utf8')).trim().split('\n');
    expect(hashed[0]).toBe('Email,Phone');
    expect(hashed).toHaveLength(ads.target + 1);
    const expected = ads.selection.members
      .filter((m) => !m.isControl)
      .map((m) => {
        const id = /c(\d+)@/i.exec(m.email!)![1]!;
        expect(Number(id) % 2, 'ads consent').toBe(0);
        const sha = (text: string) => createHash('sha256').update(text).digest('hex');
        return `${sha(`c${id}@example.com`)},${sha(m.mobile!.replace('+', ''))}`;
      });
    expect(hashed.slice(1)).toEqual(expected);
    // Formula-looking offers are neutralized in the vendor file.
    const real = await exportAudience(lake, 'everyone-sms', { dir: audiences, start: '2011-04-05', out: path.join(dir, 'out'), now: new Date('2011-04-05T08:00:00Z') });
    await expect(exportAudience(lake, 'everyone-sms', { dir: audiences, start: '2011-04-05', out: path.join(dir, 'out'), now: new Date('2011-04-05T08:00:00Z') })).rejects.toThrow(/already recorded/);
    const text = await readFile(real.vendorFile!, 'utf8');
    expect(text.split('\n')[0]).toBe('customer_key,mobile,offer,next_best_product');
    expect(text).toContain(`"'=HYPERLINK(""x"")"`);
    // Only the target group is in the vendor file; the control group is held out.
    const rows = text.trim().split('\n').slice(1);
    expect(rows).toHaveLength(real.target);
    const sent = new Set(rows.map((r) => r.split(',')[0]));
    expect(real.selection.members.filter((m) => m.isControl && sent.has(m.customerKey))).toEqual([]);
    expect(real.control).toBeGreaterThan(0);
  });
});

describe('measured lift', () => {
  it('lands responses in the window, builds audience_lift and matches an independent computation', async () => {
    const [manifest] = await listExports(lake);
    const members = await queryLake(lake, `select customer_key, is_control from curated.audience_members where export_id = '${manifest!.export_id}'`);
    expect(members.length).toBe(manifest!.target + manifest!.control);
    // customer_key -> POS id, to write the responses as POS lines.
    const xref = await queryLake(lake, `select customer_key, source_customer_id from customer_xref where source_system = 'pos'`);
    const posId = new Map(xref.map((r) => [String(r.customer_key), String(r.source_customer_id)]));
    // Deterministic synthetic responses: targets buy more often and more than controls.
    const lines = ['InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country'];
    const revenue = new Map<string, number>();
    members.forEach((m, i) => {
      const key = String(m.customer_key);
      const target = !m.is_control;
      const buys = target ? i % 2 === 0 : i % 5 === 0;
      if (!buys) return;
      const amount = (target ? 30 : 20) + (i % 7) * 5;
      lines.push(`R${700000 + i},85123A,WHITE HANGING HEART T-LIGHT HOLDER,1,2011-04-${String(2 + (i % 20)).padStart(2, '0')} 10:00:00,${amount},${posId.get(key)},United Kingdom`);
      revenue.set(key, amount);
    });
    await mkdir(path.join(dir, 'responses'));
    await writeFile(path.join(dir, 'responses', 'responses.csv'), lines.join('\n') + '\n');
    const ingest = await ingestPaths(lake, 'pos', [path.join(dir, 'responses', 'responses.csv')]);
    expect(ingest.files[0]!.quarantined).toBe(0);
    await runBuild(lake, { var: [`as_of=${AS_OF}`] });

    const [lift] = (await analystQuery(lake, `select * from audience_lift where export_id = '${manifest!.export_id}'`)).rows;
    // Independent: plain arithmetic over what was generated.
    const group = (control: boolean) => {
      const values = members.filter((m) => Boolean(m.is_control) === control).map((m) => revenue.get(String(m.customer_key)) ?? 0);
      const n = values.length;
      const mean = values.reduce((a, b) => a + b, 0) / n;
      const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
      return { n, mean, variance, responders: values.filter((v) => v > 0).length, total: values.reduce((a, b) => a + b, 0) };
    };
    const t = group(false);
    const c = group(true);
    expect(lift).toMatchObject({ target_customers: t.n, control_customers: c.n, target_responders: t.responders, control_responders: c.responders });
    expect(lift!.target_revenue).toBeCloseTo(t.total, 2);
    expect(lift!.lift_per_customer).toBeCloseTo(t.mean - c.mean, 3);
    expect(lift!.incremental_revenue).toBeCloseTo((t.mean - c.mean) * t.n, 1);
    const w = welch(t, c);
    expect(lift!.lift_per_customer_low).toBeCloseTo(w.low!, 3);
    expect(lift!.lift_per_customer_high).toBeCloseTo(w.high!, 3);
    const cost = 0.05 * t.n + 150;
    expect(lift!.cost).toBeCloseTo(cost, 2);
    expect(lift!.roi).toBeCloseTo(((t.mean - c.mean) * t.n * 0.4 - cost) / cost, 3);
    expect(typeof lift!.lift_verdict).toBe('string');
    // The targets count as outbound contacts (the contact-frequency rule), the control group does not.
    const contacts = await queryLake(lake, `select count(*) as n from int_contacts where contact_type = 'audience' and reference_id = '${manifest!.export_id}'`);
    expect(contacts).toEqual([{ n: t.n }]);
    // An analyst's session reads the export records (no contact field in them).
    const recorded = (await analystQuery(lake, `select count(*) as n from curated.audience_members where export_id = '${manifest!.export_id}'`)).rows;
    expect(recorded).toEqual([{ n: t.n + c.n }]);
    // After the build its own earlier targets are contacts in int_contacts: a re-export still draws the same audience.
    const rerun = await exportAudience(lake, 'win-back-at-risk', { start: AS_OF, dryRun: true });
    expect(rerun.selection.members.map((m) => `${m.customerKey}:${m.isControl}`).sort()).toEqual(members.map((m) => `${m.customer_key}:${m.is_control}`).sort());
  }, 600_000);
});
