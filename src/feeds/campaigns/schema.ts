import type { CanonicalColumn } from '../feed.js';

/**
 * Marketing campaigns and their audiences, delivered by the campaign tool: the same columns as
 * the `campaigns` and `campaign_members` seeds (which remain the example a project starts from).
 * The staging models read the feeds when they hold rows and the seeds otherwise. Thresholds,
 * rewards and costs are in the reporting currency (var reporting_currency).
 */
export const CAMPAIGNS_TABLE = 'marketing_campaigns';
export const CAMPAIGN_MEMBERS_TABLE = 'marketing_campaign_members';

export const CAMPAIGNS_COLUMNS: CanonicalColumn[] = [
  { name: 'campaign_id', type: 'VARCHAR', doc: 'Campaign code; required, unique within a file' },
  { name: 'campaign_name', type: 'VARCHAR', doc: 'Name' },
  { name: 'channel', type: 'VARCHAR', doc: 'How the audience was contacted (email, sms, wechat, direct_mail, …); required' },
  { name: 'offer_type', type: 'VARCHAR', doc: 'spend_threshold, free_delivery, percent_off or none' },
  { name: 'start_date', type: 'DATE', doc: 'First day of the offer (response window opens); required' },
  { name: 'end_date', type: 'DATE', doc: 'Last day of the offer, inclusive; required, not before start_date' },
  { name: 'threshold_1', type: 'DOUBLE', doc: 'Lowest spend threshold (spend_threshold, free_delivery)' },
  { name: 'reward_1', type: 'DOUBLE', doc: 'Money off at threshold_1' },
  { name: 'threshold_2', type: 'DOUBLE', doc: 'Second threshold' },
  { name: 'reward_2', type: 'DOUBLE', doc: 'Money off at threshold_2' },
  { name: 'threshold_3', type: 'DOUBLE', doc: 'Third threshold' },
  { name: 'reward_3', type: 'DOUBLE', doc: 'Money off at threshold_3' },
  { name: 'percent_off', type: 'DOUBLE', doc: 'Discount in percent (percent_off offers)' },
  { name: 'cost_per_contact', type: 'DOUBLE', doc: 'Cost of one contact' },
  { name: 'fixed_cost', type: 'DOUBLE', doc: 'Creative and set-up cost' },
  { name: 'currency', type: 'VARCHAR', doc: 'Currency of thresholds, rewards and costs' },
  { name: 'description', type: 'VARCHAR', doc: 'What the offer was and who got it' },
  { name: 'business_date', type: 'DATE', doc: 'Partition key: start_date' },
];

export const CAMPAIGN_MEMBERS_COLUMNS: CanonicalColumn[] = [
  { name: 'campaign_id', type: 'VARCHAR', doc: 'Campaign (marketing_campaigns.campaign_id); required' },
  { name: 'source_system', type: 'VARCHAR', doc: 'System of the customer id (pos, web, …); required' },
  { name: 'source_customer_id', type: 'VARCHAR', doc: "The customer's id in that system; required, once per campaign in a file" },
  { name: 'is_control', type: 'BOOLEAN', doc: 'Held out (not contacted) to measure what the campaign added; required' },
  { name: 'contacted_on', type: 'DATE', doc: 'Day the contact went out; empty for the control group' },
  { name: 'business_date', type: 'DATE', doc: 'Partition key: contacted_on, else the ingest date' },
];
