// The interpreter of `src/data/*.sql` loaders: runs the query with `crmlake sql` on the lake in
// CRMLAKE_LAKE, in the format the file name asks for (`x.json.sql` → JSON, `x.csv.sql` → CSV).
// `crmlake report` runs the same queries itself, in one DuckDB session (src/report/build.ts);
// this serves `observable preview` and anyone running Framework directly.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const file = process.argv[2];
const format = /\.csv\.sql$/.test(file) ? 'csv' : 'json';
const crmlake = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'crmlake.js');
const child = spawn(process.execPath, [crmlake, 'sql', '--format', format, '--file', file], { stdio: 'inherit' });
child.on('close', (code) => process.exit(code ?? 1));
