import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers.js';

/**
 * A fresh clone stands alone: a user has nothing beside the repository. The data that tests,
 * benchmarks and the demo use is bundled under samples/ (sources and licences in its README);
 * nothing the project runs may reach for a folder outside it. `.ci/run` runs the suite from a
 * clone with nothing beside it; this test names the offending line directly.
 */
describe('a fresh clone stands alone', () => {
  it('no code, test, benchmark, script or report page reads a folder beside the repository', () => {
    const tracked = execFileSync('git', ['ls-files', '-z', 'src', 'test', 'bench', 'scripts', 'reports', 'bin', 'lambdas', 'cdk', 'package.json', '.ci'], {
      cwd: REPO,
      encoding: 'utf8',
    })
      .split('\0')
      .filter((f) => /\.(ts|js|mjs|json|md|sql|yaml|yml|sh)$|^\.ci\//.test(f));
    const outside = new RegExp(['\\.\\./', 'shared/'].join('') + '|' + ['\\.\\.', "'shared'"].join("', "));
    const offending: string[] = [];
    for (const file of tracked) {
      readFileSync(path.join(REPO, file), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (outside.test(line)) offending.push(`${file}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offending).toEqual([]);
  });
});
