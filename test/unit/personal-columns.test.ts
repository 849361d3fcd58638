import { describe, expect, it } from 'vitest';
import { isPersonalColumn, namesRelation, withoutComments } from '../../src/engine/duckdb/personal.js';

describe('personal columns in an analyst session', () => {
  it('pseudonymizes contact data, names and original records', () => {
    for (const column of ['email', 'email_std', 'phone', 'mobile_phone', 'street', 'birth_date', 'full_name', 'family_name', 'raw_record', 'issues']) {
      expect(isPersonalColumn(column), column).toBe(true);
    }
  });

  it('leaves facts about contact data readable: consent flags and dates, counts, statuses', () => {
    for (const column of ['email_consent', 'sms_consent_at', 'ads_consent', 'email_opt_out', 'phone_count', 'email_verified', 'address_source_system', 'product_name', 'city']) {
      expect(isPersonalColumn(column), column).toBe(false);
    }
  });
});

describe('which relations a query names (the copies an analyst session makes)', () => {
  const names = (sql: string, table: string) => namesRelation(withoutComments(sql), table);
  it('finds a name unquoted, quoted, with its schema or in a string, as a whole word', () => {
    expect(names('select * from calls', 'calls')).toBe(true);
    expect(names('select * from curated."calls" c', 'calls')).toBe(true);
    expect(names(`select * from query_table('CALLS')`, 'calls')).toBe(true);
    expect(names('select * from quarantine."web-orders"', 'web-orders')).toBe(true);
    expect(names('select * from callcenter_kpis', 'calls')).toBe(false);
    expect(names('select * from customer_profiles_v2', 'customer_profiles')).toBe(false);
  });
  it('ignores names in comments, but not comment marks inside strings or quoted names', () => {
    expect(names('-- answered calls per day\nselect * from callcenter_kpis', 'calls')).toBe(false);
    expect(names('select /* calls */ 1', 'calls')).toBe(false);
    expect(names(`select '--' || email from curated.customer_profiles`, 'customer_profiles')).toBe(true);
    expect(names(`select 'it''s -- not a comment', "a--b" from calls`, 'calls')).toBe(true);
  });
});
