#!/usr/bin/env node
// Runs the CLI compiled to dist/ by `npm run build` (run by `prepare` on npm install / npm ci):
// `crmlake sql "select 1"` costs about 0.8 s of CPU instead of 2.3 s with tsx compiling the
// TypeScript at each start (warm cache; about 5 s cold) — `npm run bench cli`. The sources run through tsx instead when dist/ is missing, older
// than any file in src/ (edited since the build), or CRMLAKE_FROM_SOURCE=1 (the tests set it),
// so an edit is never hidden behind a stale build.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

// V8's young generation: matching, standardizing and parsing allocate millions of short-lived
// objects, and with the default 16 MiB semi-space V8 spends much of that time collecting them.
// 128 MiB made the customer master at 500,000 people 17% faster (farm-bench, 3 paired runs: 58.5 s
// against 70.8 s, peak +0.4 GiB). The flag only works on the command line, so the CLI starts
// itself once more with it (about 40 ms), unless it was given (here or in NODE_OPTIONS).
const YOUNG_GENERATION = '--max-semi-space-size';
const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((arg) => arg.startsWith(YOUNG_GENERATION));
if (!given) {
  const child = spawn(process.execPath, [`${YOUNG_GENERATION}=128`, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  // Ctrl-C reaches both processes (one process group): this one waits for the CLI to stop. A
  // process manager's SIGTERM or SIGHUP names this process: pass it on.
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
} else {
  await run();
}

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

async function run() {
  if (builtIsCurrent()) {
    await import('../dist/cli/main.js');
  } else {
    const { register } = await import('tsx/esm/api');
    register();
    await import('../src/cli/main.ts');
  }
}
