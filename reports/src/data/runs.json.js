// The lake's run log for the data quality page: feeds, the latest ingests, every model's last
// run and the last test run (src/report/runs.ts; the same facts as `crmlake status --json`).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const { Lake } = await import(path.join(repo, 'src/lake/lake.ts'));
const { lakeRuns } = await import(path.join(repo, 'src/report/runs.ts'));
const lake = new Lake(process.env.CRMLAKE_LAKE ?? path.join(repo, 'lake'));
process.stdout.write(JSON.stringify(await lakeRuns(lake)));
