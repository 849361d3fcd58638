import { describe, expect, it } from 'vitest';
import { ingestWorkers } from '../../src/feeds/ingest.js';

describe('files landed at once (ingest --workers, CRMLAKE_INGEST_WORKERS)', () => {
  it('is 2 unless set, and takes a whole number from 1 to 64', () => {
    expect(ingestWorkers(undefined)).toBe(2);
    expect(ingestWorkers(' ')).toBe(2);
    expect(ingestWorkers('1')).toBe(1);
    expect(ingestWorkers('8')).toBe(8);
  });

  it('refuses anything else, naming the setting and the value', () => {
    expect(() => ingestWorkers('0')).toThrow('CRMLAKE_INGEST_WORKERS "0" must be a whole number of files to land at once, 1 to 64');
    expect(() => ingestWorkers('1.5', '--workers')).toThrow('--workers "1.5" must be');
    expect(() => ingestWorkers('two', '--workers')).toThrow('--workers "two" must be');
    expect(() => ingestWorkers('65')).toThrow('"65" must be');
  });
});
