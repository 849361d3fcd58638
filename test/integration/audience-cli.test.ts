import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, scratchDir } from '../helpers.js';

const exec = promisify(execFile);
let dir: string;
let cleanup: () => Promise<void>;
const crmlake = (...args: string[]) => exec(process.execPath, [CLI, '--lake', path.join(dir, 'lake'), ...args]);

beforeAll(async () => {
  ({ dir, cleanup } = await scratchDir('audience-cli'));
});
afterAll(() => cleanup());

describe('crmlake audience', () => {
  it('lists and shows the shipped audiences', async () => {
    const list = (await crmlake('audience', 'list')).stdout;
    expect(list).toMatch(/^name\s+channel\s+version\s+exports/);
    expect(list).toMatch(/win-back-at-risk\s+email\s+sha256:[0-9a-f]{12}\s+0/);
    const show = (await crmlake('audience', 'show', 'win-back-at-risk')).stdout;
    expect(show).toContain("lifecycle_stage = 'At Risk'");
    expect(show).toContain('Not exported yet.');
    expect((await crmlake('audience', 'export', '--help')).stdout).toMatch(/^Usage: crmlake audience export \[options\] <name>/);
  });

  it('names the file and the field of a bad definition, and refuses a statement as a segment', async () => {
    const bad = path.join(dir, 'bad');
    await mkdir(bad);
    await writeFile(path.join(bad, 'oops.yml'), 'name: oops\nsegment: "1 = 1; drop table customer_360"\nchannel: fax\noffer: x\ncontrol_share: 0.2\n');
    const failure = await crmlake('audience', 'list', '--dir', bad).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(/oops\.yml: channel: /);
    await writeFile(path.join(bad, 'oops.yml'), 'name: oops\nsegment: "1 = 1; drop table customer_360"\nchannel: sms\noffer: x\ncontrol_share: 0.2\n');
    const statement = await crmlake('audience', 'show', 'oops', '--dir', bad).then(
      () => undefined,
      (error: { stderr: string }) => error,
    );
    expect(statement?.stderr).toMatch(/oops\.yml: segment: must be one SQL expression/);
  });
});
