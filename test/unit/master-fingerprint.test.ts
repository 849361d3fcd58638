import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { masterFingerprint } from '../../src/customers/models.js';
import { REPO } from '../helpers.js';

// The customer master is kept when its inputs, settings and code are those of the build that
// stored it. The CLI runs compiled (dist/), the tests and an edited checkout run the sources:
// the same code must be the same fingerprint, or switching would match every customer again
// (113 s at 500,000 people).
describe('the customer master code fingerprint', () => {
  it('is the same whether the code runs compiled from dist/ or from its sources', async () => {
    const compiled = pathToFileURL(path.join(REPO, 'dist', 'customers', 'models.js')).href;
    const script = `const m = await import(${JSON.stringify(compiled)}); console.log(m.masterFingerprint(['records'], { customer_default_country: 'CN' }));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO });
    const fromSources = masterFingerprint(['records'], { customer_default_country: 'CN' });
    expect(stdout.trim()).toBe(fromSources);
    // And it is a fingerprint of the inputs: other records, another one.
    expect(masterFingerprint(['other records'], { customer_default_country: 'CN' })).not.toBe(fromSources);
  });
});
