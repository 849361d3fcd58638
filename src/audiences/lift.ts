import type { ProgramModel } from '../models/program.js';
import { EXPORTS_FEED, MEMBERS_TABLE } from './records.js';
import { studentTQuantile, welch, type WelchResult } from './stats.js';

/**
 * audience_lift: each recorded audience export (src/audiences/records.ts) measured over its
 * response window, target against the held-out control group. The engine aggregates each group
 * (customers, responders, mean and sample variance of revenue); the comparison is Welch's
 * difference of means with a 95% interval (src/audiences/stats.ts), which SQL cannot express on
 * both engines (no t quantile). A program model, so it reads through the engine and runs on
 * DuckDB and Athena alike.
 *
 * A response is a purchase order (int_orders.is_purchase) with an order date in the window;
 * revenue is its net revenue. Incremental revenue = (revenue per target − revenue per control)
 * × targets; ROI = (incremental revenue × gross margin rate − cost) / cost, where cost is the
 * contacts (cost per contact × targets) plus the fixed cost, as the export recorded them.
 */
type Row = (string | number | boolean | null)[];

export const AUDIENCE_LIFT: ProgramModel = {
  name: 'audience_lift',
  file: 'src/audiences/lift.ts',
  refs: ['int_orders'],
  description:
    'One row per audience export: target vs held-out control over the response window, from the export records in the lake ' +
    '(activation/audience_members) and int_orders. Response rate, revenue per customer, incremental revenue with a 95% ' +
    "confidence interval (Welch's difference of means), cost and ROI; lift_verdict says plainly whether the lift is significant.",
  columns: [
    { name: 'export_id', type: 'VARCHAR', description: 'The export (<audience>-<UTC timestamp>).' },
    { name: 'audience', type: 'VARCHAR', description: 'Audience name.' },
    { name: 'audience_version', type: 'VARCHAR', description: 'Definition version the export used.' },
    { name: 'channel', type: 'VARCHAR', description: 'email, sms or ads.' },
    { name: 'offer', type: 'VARCHAR', description: 'Offer text sent.' },
    { name: 'window_start', type: 'DATE', description: 'First day of the response window.' },
    { name: 'window_end', type: 'DATE', description: 'Last day of the response window.' },
    { name: 'window_complete', type: 'BOOLEAN', description: 'The orders reach past the window end (else the result is provisional).' },
    { name: 'target_customers', type: 'INTEGER', description: 'Customers sent the offer.' },
    { name: 'control_customers', type: 'INTEGER', description: 'Customers held out.' },
    { name: 'target_responders', type: 'INTEGER', description: 'Targets with a purchase in the window.' },
    { name: 'control_responders', type: 'INTEGER', description: 'Controls with a purchase in the window.' },
    { name: 'target_response_rate', type: 'DOUBLE', description: 'target_responders / target_customers.' },
    { name: 'control_response_rate', type: 'DOUBLE', description: 'control_responders / control_customers.' },
    { name: 'response_uplift', type: 'DOUBLE', description: 'target_response_rate − control_response_rate.' },
    { name: 'response_uplift_low', type: 'DOUBLE', description: '95% interval of the uplift, lower bound (Welch).' },
    { name: 'response_uplift_high', type: 'DOUBLE', description: '95% interval of the uplift, upper bound.' },
    { name: 'target_revenue', type: 'DOUBLE', description: 'Net revenue of targets in the window.' },
    { name: 'control_revenue', type: 'DOUBLE', description: 'Net revenue of controls in the window.' },
    { name: 'revenue_per_target', type: 'DOUBLE', description: 'target_revenue / target_customers.' },
    { name: 'revenue_per_control', type: 'DOUBLE', description: 'control_revenue / control_customers.' },
    { name: 'lift_per_customer', type: 'DOUBLE', description: 'revenue_per_target − revenue_per_control.' },
    { name: 'lift_per_customer_low', type: 'DOUBLE', description: '95% interval, lower bound (Welch; NULL with fewer than 2 customers in a group).' },
    { name: 'lift_per_customer_high', type: 'DOUBLE', description: '95% interval, upper bound.' },
    { name: 'lift_p_value', type: 'DOUBLE', description: 'Two-sided p-value of no difference in revenue per customer.' },
    { name: 'incremental_revenue', type: 'DOUBLE', description: 'lift_per_customer × target_customers.' },
    { name: 'incremental_revenue_low', type: 'DOUBLE', description: '95% interval, lower bound.' },
    { name: 'incremental_revenue_high', type: 'DOUBLE', description: '95% interval, upper bound.' },
    { name: 'cost', type: 'DOUBLE', description: 'cost_per_contact × target_customers + fixed_cost.' },
    { name: 'roi', type: 'DOUBLE', description: '(incremental_revenue × gross_margin_rate − cost) / cost (NULL when cost is 0).' },
    { name: 'roi_low', type: 'DOUBLE', description: 'ROI at the lower bound of incremental revenue.' },
    { name: 'roi_high', type: 'DOUBLE', description: 'ROI at the upper bound.' },
    { name: 'lift_significant', type: 'BOOLEAN', description: 'The 95% interval of lift_per_customer excludes 0.' },
    { name: 'lift_verdict', type: 'VARCHAR', description: 'Plain words: significant lift, significant loss, not significant, or too small to measure.' },
    {
      name: 'detectable_lift_per_customer',
      type: 'DOUBLE',
      description:
        'The smallest lift per customer these groups could show: (t(0.975) + t(0.80)) × the standard error, i.e. a true lift this large is found significant 4 times in 5 (80% power). A lift below it cannot be told from no effect at this size.',
    },
  ],
  async build({ engine, ref }) {
    const members = engine.sourceRelation(EXPORTS_FEED, MEMBERS_TABLE);
    const { rows } = await engine.query(`
with members as (
    select distinct export_id, audience, audience_version, channel, offer, window_start, window_end,
        customer_key, is_control, cost_per_contact, fixed_cost, gross_margin_rate
    from ${members}
),
outcomes as (
    select
        members.export_id, members.audience, members.audience_version, members.channel, members.offer,
        members.window_start, members.window_end, members.cost_per_contact, members.fixed_cost, members.gross_margin_rate,
        members.customer_key, members.is_control,
        count(orders.order_key) as orders,
        coalesce(sum(orders.net_revenue), 0) as revenue
    from members
    left join ${ref('int_orders')} as orders
        on orders.customer_key = members.customer_key
        and orders.is_purchase
        and orders.order_date between members.window_start and members.window_end
    group by members.export_id, members.audience, members.audience_version, members.channel, members.offer,
        members.window_start, members.window_end, members.cost_per_contact, members.fixed_cost, members.gross_margin_rate,
        members.customer_key, members.is_control
)
select
    export_id, audience, audience_version, channel, offer,
    cast(window_start as varchar) as window_start, cast(window_end as varchar) as window_end,
    max(cost_per_contact) as cost_per_contact, max(fixed_cost) as fixed_cost, max(gross_margin_rate) as gross_margin_rate,
    is_control,
    count(*) as customers,
    sum(case when orders > 0 then 1 else 0 end) as responders,
    sum(revenue) as revenue,
    avg(revenue) as revenue_mean,
    coalesce(var_samp(revenue), 0) as revenue_variance,
    (select cast(max(order_date) as varchar) from ${ref('int_orders')}) as last_order_date
from outcomes
group by export_id, audience, audience_version, channel, offer, window_start, window_end, is_control
order by window_start, export_id, is_control`);
    const exports = new Map<string, { target?: Record<string, unknown>; control?: Record<string, unknown> }>();
    for (const r of rows) {
      const entry = exports.get(String(r.export_id)) ?? {};
      entry[r.is_control ? 'control' : 'target'] = r;
      exports.set(String(r.export_id), entry);
    }
    const out: Row[] = [];
    for (const [exportId, groups] of exports) out.push(liftRow(exportId, groups.target, groups.control));
    return out;
  },
};

/** Minimum detectable difference at 95% confidence and 80% power, from Welch's standard error and degrees of freedom. */
function detectable(w: WelchResult): number | null {
  if (w.standardError === null || w.degreesOfFreedom === null) return null;
  return (studentTQuantile(0.975, w.degreesOfFreedom) + studentTQuantile(0.8, w.degreesOfFreedom)) * w.standardError;
}

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const round = (v: number | null, places = 2) => (v === null || !Number.isFinite(v) ? null : Math.round(v * 10 ** places) / 10 ** places);

/** One export's comparison; exported for tests of the arithmetic. */
export function liftRow(exportId: string, target: Record<string, unknown> | undefined, control: Record<string, unknown> | undefined): Row {
  const any = (target ?? control)!;
  const nt = num(target?.customers);
  const nc = num(control?.customers);
  const rt = num(target?.responders);
  const rc = num(control?.responders);
  const rateT = nt ? rt / nt : null;
  const rateC = nc ? rc / nc : null;
  // Response as a 0/1 outcome: its sample variance is p(1-p)·n/(n-1).
  const binary = (n: number, p: number | null) => ({ n, mean: p ?? 0, variance: n > 1 && p !== null ? (p * (1 - p) * n) / (n - 1) : 0 });
  const response = welch(binary(nt, rateT), binary(nc, rateC));
  const revenue = welch(
    { n: nt, mean: num(target?.revenue_mean), variance: num(target?.revenue_variance) },
    { n: nc, mean: num(control?.revenue_mean), variance: num(control?.revenue_variance) },
  );
  const measurable = nt > 0 && nc > 0;
  const cost = num(any.cost_per_contact) * nt + num(any.fixed_cost);
  const margin = num(any.gross_margin_rate);
  const incremental = measurable ? revenue.difference * nt : null;
  const incLow = revenue.low === null ? null : revenue.low * nt;
  const incHigh = revenue.high === null ? null : revenue.high * nt;
  const roiOf = (inc: number | null) => (inc === null || cost === 0 ? null : (inc * margin - cost) / cost);
  const significant = revenue.low === null || revenue.high === null ? null : revenue.low > 0 || revenue.high < 0;
  const verdict =
    significant === null
      ? 'too small to measure: each group needs at least 2 customers'
      : revenue.low! > 0
        ? 'significant lift (95% interval above 0)'
        : revenue.high! < 0
          ? 'significant loss (95% interval below 0)'
          : 'not significant: the 95% interval includes 0, the campaign may have had no effect';
  const windowEnd = String(any.window_end);
  const lastOrder = any.last_order_date === null || any.last_order_date === undefined ? null : String(any.last_order_date);
  return [
    exportId,
    String(any.audience),
    String(any.audience_version),
    String(any.channel),
    String(any.offer),
    String(any.window_start),
    windowEnd,
    lastOrder !== null && lastOrder >= windowEnd,
    nt,
    nc,
    rt,
    rc,
    rateT,
    rateC,
    measurable ? response.difference : null,
    response.low,
    response.high,
    round(num(target?.revenue)),
    round(num(control?.revenue)),
    nt ? round(num(target?.revenue_mean), 4) : null,
    nc ? round(num(control?.revenue_mean), 4) : null,
    measurable ? round(revenue.difference, 4) : null,
    round(revenue.low, 4),
    round(revenue.high, 4),
    revenue.pValue,
    round(incremental),
    round(incLow),
    round(incHigh),
    round(cost),
    round(roiOf(incremental), 4),
    round(roiOf(incLow), 4),
    round(roiOf(incHigh), 4),
    significant,
    measurable ? verdict : 'too small to measure: no target or no control group',
    round(detectable(revenue), 4),
  ];
}
