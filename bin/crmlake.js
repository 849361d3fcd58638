#!/usr/bin/env -S node --max-semi-space-size=128
// --max-semi-space-size: V8's young generation at 128 MiB. The customer master allocates millions
// of short-lived objects, and with the default 16 MiB much of its time was scavenging: 17% faster
// at 500,000 people (farm-bench, 3 paired runs: 58.5 s against 70.8 s, peak +0.4 GiB). It works only
// on node's command line, so it is here and in package.json's scripts (`node bin/crmlake.js` by
// hand: add it, or put it in NODE_OPTIONS). Not by starting a second process: a kill -9 of the
// first would leave the second running (test/integration/concurrency.test.ts caught it).
// Runs the CLI compiled to dist/ by `npm run build` (run by `prepare` on npm install / npm ci):
// `crmlake sql "select 1"` costs about 0.8 s of CPU instead of 2.3 s with tsx compiling the
// TypeScript at each start (warm cache; about 5 s cold) — `npm run bench cli`. The sources run through tsx instead when dist/ is missing, older
// than any file in src/ (edited since the build), or CRMLAKE_FROM_SOURCE=1 (the tests set it),
// so an edit is never hidden behind a stale build.
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function builtIsCurrent() {
  if (process.env.CRMLAKE_FROM_SOURCE === '1') return false;
  let built;
  try {
    built = statSync(`${root}dist/.built`).mtimeMs;
  } catch {
    return false;
  }
  // Walking src/ is a few milliseconds (about 250 files) against seconds of compiling.
  for (const entry of readdirSync(`${root}src`, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && statSync(`${entry.parentPath}/${entry.name}`).mtimeMs > built) return false;
  }
  return true;
}

if (builtIsCurrent()) {
  await import('../dist/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
