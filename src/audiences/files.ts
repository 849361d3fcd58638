import { formatResult } from '../engine/format.js';
import type { AudienceDefinition } from './definition.js';
import { hashedEmail, hashedPhone } from './hashing.js';
import type { Candidate } from './select.js';

/**
 * The files handed to the activation vendors; only the target group is in them (the control
 * group is held out, so nobody may contact it).
 *
 * - email / sms: a CSV for the sending vendor with the golden customer key (their reply and
 *   bounce files come back on it), the one contact field the channel and its consent allow,
 *   the offer and the next best product. Cells that a spreadsheet would run as a formula are
 *   neutralized (src/engine/format.ts), since names and product texts come from customers.
 * - ads: the identifiers ad platforms match on, SHA-256 of the normalized e-mail and phone
 *   (src/audiences/hashing.ts), in Google Customer Match's upload header (Email, Phone; Meta
 *   accepts the same columns). No customer key or clear value leaves in it.
 */
export function vendorFile(definition: AudienceDefinition, targets: Candidate[]): { name: string; text: string; rows: number } {
  if (definition.channel === 'ads') {
    const rows = targets
      .map((t) => ({ Email: hashedEmail(t.email), Phone: hashedPhone(t.mobile) }))
      .filter((r) => r.Email !== null || r.Phone !== null);
    return { name: 'ads-hashed.csv', rows: rows.length, text: formatResult({ columns: [{ name: 'Email', type: 'VARCHAR' }, { name: 'Phone', type: 'VARCHAR' }], rows }, 'csv') + '\n' };
  }
  const contact = definition.channel === 'email' ? 'email' : 'mobile';
  const rows = targets.map((t) => ({ customer_key: t.customerKey, [contact]: t[contact], offer: definition.offer, next_best_product: t.nextBestProduct }));
  const columns = ['customer_key', contact, 'offer', 'next_best_product'].map((name) => ({ name, type: 'VARCHAR' }));
  return { name: `${definition.channel}.csv`, rows: rows.length, text: formatResult({ columns, rows }, 'csv') + '\n' };
}
