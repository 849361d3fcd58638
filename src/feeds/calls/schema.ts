import type { CanonicalColumn } from '../feed.js';

/** The canonical call-center contact: one row per call (or ticket). */
export const CALLS_TABLE = 'calls';

export const CALLS_COLUMNS: CanonicalColumn[] = [
  { name: 'call_id', type: 'VARCHAR', doc: 'Call or ticket id' },
  { name: 'started_at', type: 'TIMESTAMP', doc: 'Local date and time the call came in' },
  { name: 'business_date', type: 'DATE', doc: 'Day of the call; the partition key' },
  { name: 'agent_id', type: 'VARCHAR', doc: 'Agent who took the call; NULL if unanswered' },
  { name: 'queue', type: 'VARCHAR', doc: 'Queue or topic' },
  { name: 'channel', type: 'VARCHAR', doc: "Contact channel: 'phone' unless the source says otherwise" },
  { name: 'answered', type: 'BOOLEAN', doc: 'An agent answered the call' },
  { name: 'speed_of_answer_seconds', type: 'INTEGER', doc: 'Seconds in queue before an answer; NULL if unanswered' },
  { name: 'talk_seconds', type: 'INTEGER', doc: 'Talk time in seconds; NULL if unanswered' },
  { name: 'hold_seconds', type: 'INTEGER', doc: 'Hold time in seconds, when the source has it' },
  { name: 'resolved', type: 'BOOLEAN', doc: 'Resolved on this contact (first-contact resolution)' },
  { name: 'complaint', type: 'BOOLEAN', doc: 'The call was a complaint, when the source says' },
  { name: 'satisfaction_score', type: 'INTEGER', doc: 'Satisfaction rating given after the call (1 to the mapping scale, default 5)' },
  { name: 'customer_id', type: 'VARCHAR', doc: 'Customer id when the caller was identified' },
  { name: 'phone', type: 'VARCHAR', doc: 'Caller phone number as captured' },
];
