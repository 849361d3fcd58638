import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse } from '../../src/app/warehouse.js';
import { getFeed } from '../../src/feeds/index.js';
import { ingestFiles, type IngestRun } from '../../src/feeds/ingest.js';
import { loadMapping } from '../../src/feeds/mapping.js';
import { Lake } from '../../src/lake/lake.js';
import { DATASETS, independentRows, scratchDir } from '../helpers.js';

const CALLS = path.join(DATASETS, 'pwc-call-centre', 'call-center.csv');
const VIEWS = path.join(DATASETS, 'diginetica-clickstream', 'item-views.csv');

let cleanup: () => Promise<void>;
let lake: Lake;
let callsRun: IngestRun;
let webRun: IngestRun;

/** The first row of a query over the raw files in a separate DuckDB. */
const independent = async (sql: string) => (await independentRows(sql))[0]!;

beforeAll(async () => {
  const scratch = await scratchDir('feeds');
  cleanup = scratch.cleanup;
  lake = new Lake(path.join(scratch.dir, 'lake'));
  const calls = getFeed('calls');
  callsRun = await ingestFiles(lake, [CALLS], { feed: calls, mapping: await loadMapping(calls) });
  const web = getFeed('web');
  webRun = await ingestFiles(lake, [VIEWS], { feed: web, mapping: await loadMapping(web) });
});
afterAll(async () => cleanup());

describe('the calls feed on the PwC call-centre data (BOM, CRLF, 9:12:58, 0:02:23, blanks)', () => {
  it('lands every call', async () => {
    expect(callsRun.files[0]).toMatchObject({ outcome: 'landed', read: 5000, landed: 5000, quarantined: 0 });
    expect(callsRun.files[0]!.businessDates).toEqual({ min: '2021-01-01', max: '2021-03-31' });
  });

  it('keeps answered, durations, speed and ratings equal to the source', async () => {
    const expected = await independent(
      `SELECT count(*) FILTER (WHERE "Answered (Y/N)" = 'N') AS unanswered,
              count(*) FILTER (WHERE "Resolved" = 'Y') AS resolved,
              sum(CAST(split_part(AvgTalkDuration, ':', 1) AS INTEGER) * 3600 + CAST(split_part(AvgTalkDuration, ':', 2) AS INTEGER) * 60
                  + CAST(split_part(AvgTalkDuration, ':', 3) AS INTEGER)) AS talk,
              sum(CAST("Speed of answer in seconds" AS INTEGER)) AS speed,
              sum(CAST("Satisfaction rating" AS INTEGER)) AS rating
       FROM read_csv('${CALLS}', header = true, all_varchar = true)`,
    );
    const engine = await openWarehouse(lake);
    const actual = (
      await engine.query(
        `SELECT count(*) FILTER (WHERE NOT answered) AS unanswered, count(*) FILTER (WHERE resolved) AS resolved,
                sum(talk_seconds) AS talk, sum(speed_of_answer_seconds) AS speed, sum(satisfaction_score) AS rating,
                count(*) FILTER (WHERE NOT answered AND (talk_seconds IS NOT NULL OR satisfaction_score IS NOT NULL)) AS unanswered_with_values,
                CAST(min(started_at) AS VARCHAR) AS first_call
         FROM curated.calls`,
      )
    ).rows[0]!;
    await engine.close();
    expect(actual).toEqual({
      unanswered: 946,
      resolved: Number(expected.resolved),
      talk: Number(expected.talk),
      speed: Number(expected.speed),
      rating: Number(expected.rating),
      unanswered_with_values: 0,
      first_call: '2021-01-01 09:12:58',
    });
    expect(Number(expected.unanswered)).toBe(946);
  });
});

describe('the web feed on the DIGINETICA product views (semicolons, NA users, relative timeframes)', () => {
  it('lands every view with anonymous visitors as NULL customers and offsets within the session', async () => {
    const expected = await independent(
      `SELECT count(*) AS n, count(*) FILTER (WHERE user_id <> 'NA') AS known, count(DISTINCT session_id) AS sessions,
              sum(CAST(timeframe AS BIGINT)) AS offsets, CAST(min(eventdate) AS VARCHAR) AS first, CAST(max(eventdate) AS VARCHAR) AS last
       FROM read_csv('${VIEWS}', header = true, delim = ';', all_varchar = true)`,
    );
    expect(webRun.files[0]).toMatchObject({ outcome: 'landed', read: Number(expected.n), landed: Number(expected.n), quarantined: 0 });
    const engine = await openWarehouse(lake);
    const actual = (
      await engine.query(
        `SELECT count(*) AS n, count(customer_id) AS known, count(DISTINCT session_id) AS sessions, sum(session_offset_ms) AS offsets,
                CAST(min(business_date) AS VARCHAR) AS first, CAST(max(business_date) AS VARCHAR) AS last,
                count(DISTINCT event_id) AS ids, count(*) FILTER (WHERE event_type <> 'product_view') AS others
         FROM curated.web_events`,
      )
    ).rows[0]!;
    await engine.close();
    expect(actual).toEqual({
      n: Number(expected.n), known: Number(expected.known), sessions: Number(expected.sessions), offsets: Number(expected.offsets),
      first: expected.first, last: expected.last, ids: Number(expected.n), others: 0,
    });
  });
});
