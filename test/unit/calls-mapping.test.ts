import { describe, expect, it } from 'vitest';
import { expectRejected, validateRecord } from '../helpers.js';
import { callsFeed } from '../../src/feeds/calls/feed.js';

const header = ['Call Id', 'Agent', 'Date', 'Time', 'Topic', 'Answered (Y/N)', 'Resolved', 'Speed of answer in seconds', 'AvgTalkDuration', 'Satisfaction rating'];

const validate = (values: string[]) => validateRecord(callsFeed, header, values);

describe('the pwc-call-centre calls mapping', () => {
  it('joins date and time, reads Y/N and H:MM:SS', async () => {
    const result = await validate(['ID0001', 'Diane', '2021-01-01', '9:12:58', 'Contract related', 'Y', 'Y', '109', '0:02:23', '3']);
    expect(result.ok && result.row).toMatchObject({
      call_id: 'ID0001', started_at: '2021-01-01 09:12:58', business_date: '2021-01-01', agent_id: 'Diane', queue: 'Contract related',
      answered: 'true', resolved: 'true', speed_of_answer_seconds: '109', talk_seconds: '143', satisfaction_score: '3', channel: 'phone',
    });
  });

  it('keeps unanswered calls with NULL speed, talk time and rating', async () => {
    const result = await validate(['ID0005', 'Joe', '2021-01-01', '10:00:29', 'Payment related', 'N', 'N', '', '', '']);
    expect(result.ok && [result.row.answered, result.row.talk_seconds, result.row.satisfaction_score]).toEqual(['false', null, null]);
  });

  it.each([
    [['ID1', 'Joe', '2021-01-01', '10:00:29', 'T', 'Y', 'N', '10', '0:01:00', '7'], 'satisfaction_score', /outside 1-5/],
    [['ID1', 'Joe', '2021-01-01', '10:00:29', 'T', 'N', 'N', '', '0:01:00', ''], 'talk_seconds', /unanswered call has talk time/],
    [['ID1', 'Joe', '2021-01-01', '10:00:29', 'T', 'maybe', 'N', '', '', ''], 'answered', /not a yes\/no value/],
    [['ID1', 'Joe', '2021-01-01', '10:00:29', 'T', '', 'N', '', '', ''], 'answered', /answered \(yes\/no\) is required/],
    [['ID1', 'Joe', '2021-01-01', '25:00:29', 'T', 'Y', 'N', '5', '0:01:00', '3'], 'started_at', /impossible time/],
    [['ID1', 'Joe', '2021-01-01', '10:00:29', 'T', 'Y', 'N', '5', '0:99:00', '3'], 'talk_seconds', /not a duration/],
  ])('rejects %j: field %s', async (values, field, reason) => {
    expectRejected(await validate(values), field, reason);
  });
});
