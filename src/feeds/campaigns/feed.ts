import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { sqlString } from '../../engine/sql.js';
import { type CanonicalRow, type FeedDefinition, onceInFileSql, type RowValidator, schemaReject, utcToday } from '../feed.js';
import { rowProblem } from '../parse.js';
import { CAMPAIGN_MEMBERS_COLUMNS, CAMPAIGN_MEMBERS_TABLE, CAMPAIGNS_COLUMNS, CAMPAIGNS_TABLE } from './schema.js';

const OFFER_TYPES = ['spend_threshold', 'free_delivery', 'percent_off', 'none'] as const;
const mappingsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'mappings');

const CampaignRow = z.object({
  campaign_id: z.string({ error: 'campaign id is required' }),
  channel: z.string({ error: 'channel is required' }),
  offer_type: z.enum(OFFER_TYPES, { error: `offer type must be one of ${OFFER_TYPES.join(', ')}` }).nullable().optional(),
  start_date: z.string({ error: 'start date is required' }),
  end_date: z.string({ error: 'end date is required' }),
});

const MemberRow = z.object({
  campaign_id: z.string({ error: 'campaign id is required' }),
  source_system: z.string({ error: 'source system is required' }),
  source_customer_id: z.string({ error: 'source customer id is required' }),
  is_control: z.string({ error: 'is_control (yes/no) is required' }),
});

/** One row per campaign; a campaign id twice in one file is a fault of the export. */
export const campaignsFeed: FeedDefinition = {
  name: 'campaigns',
  table: CAMPAIGNS_TABLE,
  columns: CAMPAIGNS_COLUMNS,
  partitionColumn: 'business_date',
  defaultMapping: 'crmlake-campaigns',
  mappingsDir,
  derivedSql: {},
  createValidator(): RowValidator {
    const firstLine = new Map<string, number>();
    return (mapped: CanonicalRow, line: number) => {
      const rejected = schemaReject(CampaignRow, mapped);
      if (rejected) return rejected;
      const row: CanonicalRow = Object.assign({}, mapped);
      row.offer_type = mapped.offer_type ?? 'none';
      row.business_date = mapped.start_date;
      const problem = rowProblem(CAMPAIGNS_COLUMNS, row);
      if (problem) return { ok: false, ...problem };
      if (row.end_date! < row.start_date!) return { ok: false, field: 'end_date', reason: `end date ${row.end_date} is before the start date ${row.start_date}` };
      const first = firstLine.get(row.campaign_id!);
      if (first !== undefined) return { ok: false, field: 'campaign_id', reason: `duplicate campaign ${row.campaign_id}: first seen on line ${first}` };
      firstLine.set(row.campaign_id!, line);
      return { ok: true, row };
    };
  },
};

/**
 * Campaign audiences: one row per campaign and customer, treatment or control. A control member
 * is not contacted, so a control row with a contact date is rejected (it would count as a contact
 * in int_contacts and blur the comparison).
 */
export const campaignMembersFeed: FeedDefinition = {
  name: 'campaign-members',
  table: CAMPAIGN_MEMBERS_TABLE,
  columns: CAMPAIGN_MEMBERS_COLUMNS,
  partitionColumn: 'business_date',
  defaultMapping: 'crmlake-campaign-members',
  mappingsDir,
  derivedSql: {},
  sqlRules() {
    const ok = [
      'campaign_id IS NOT NULL',
      'source_system IS NOT NULL',
      'source_customer_id IS NOT NULL',
      'is_control IS NOT NULL',
      "NOT (is_control = 'true' AND contacted_on IS NOT NULL)",
      // A member once per campaign.
      onceInFileSql('campaign_id, source_system, source_customer_id'),
    ];
    return { ok: ok.join(' AND '), columns: { business_date: `coalesce(contacted_on, ${sqlString(utcToday())})` } };
  },
  createValidator(): RowValidator {
    const today = utcToday();
    const firstLine = new Map<string, number>();
    return (mapped: CanonicalRow, line: number) => {
      const rejected = schemaReject(MemberRow, mapped);
      if (rejected) return rejected;
      if (mapped.is_control === 'true' && mapped.contacted_on) {
        return { ok: false, field: 'contacted_on', reason: 'a control member was contacted' };
      }
      const row: CanonicalRow = Object.assign({}, mapped);
      row.business_date = mapped.contacted_on ?? today;
      const problem = rowProblem(CAMPAIGN_MEMBERS_COLUMNS, row);
      if (problem) return { ok: false, ...problem };
      const key = `${row.campaign_id}\u0000${row.source_system}\u0000${row.source_customer_id}`;
      const first = firstLine.get(key);
      if (first !== undefined) {
        return { ok: false, field: 'source_customer_id', reason: `${row.source_system}:${row.source_customer_id} is twice in campaign ${row.campaign_id}: first seen on line ${first}` };
      }
      firstLine.set(key, line);
      return { ok: true, row };
    };
  },
};
