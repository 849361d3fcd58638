import { describe, expect, it } from 'vitest';
import { isPersonalColumn } from '../../src/engine/duckdb/personal.js';

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
