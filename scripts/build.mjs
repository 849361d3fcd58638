// `npm run build` (and `prepare`, so `npm install` / `npm ci` run it): compiles src/ to dist/ with
// tsc and copies the files src/ reads at run time beside the code (feed mappings, the divisions
// table). bin/crmlake.js runs dist/ only while dist/.built is newer than every file in src/, so a
// failed or stale build falls back to running the sources through tsx.
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');

rmSync(dist, { recursive: true, force: true }); // no compiled file of a deleted source survives
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  // Installed without dev dependencies: nothing to compile with, the CLI runs the sources.
  console.log('crmlake build: typescript is not installed; the CLI runs the sources through tsx');
  process.exit(0);
}
const compiled = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (compiled.status !== 0) {
  rmSync(dist, { recursive: true, force: true });
  console.error('crmlake build: tsc failed; the CLI keeps running the sources through tsx');
  process.exit(compiled.status ?? 1);
}
let assets = 0;
for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || entry.name.endsWith('.ts')) continue;
  const from = path.join(entry.parentPath, entry.name);
  cpSync(from, path.join(dist, path.relative(src, from)));
  assets++;
}
writeFileSync(path.join(dist, '.built'), new Date().toISOString() + '\n');
console.log(`crmlake build: src/ → dist/ (${assets} data files copied)`);
