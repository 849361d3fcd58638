// One contender in the writer-lock stress test (test/integration/lock.test.ts): takes the lake's
// lock `tries` times and, while holding it, claims a marker file exclusively. Finding another
// live process's marker means two writers held the lock at once. With KILL_EVERY=n it SIGKILLs
// itself while holding the lock on every n-th try, so the others must take over a dead holder.
import { open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Lake } from '../../../src/lake/lake.js';

const [lakeDir, triesText] = process.argv.slice(2);
const tries = Number(triesText);
const killEvery = Number(process.env.KILL_EVERY ?? 0);
const marker = path.join(lakeDir!, 'inside');
const lake = new Lake(lakeDir!);
let overlaps = 0;
let acquired = 0;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

for (let i = 0; i < tries; i++) {
  // Retry at once while it is held: the harshest contention (the race windows of taking,
  // reading and releasing the lock are hit far more often than with the lock's own back-off).
  let unlock: (() => Promise<void>) | undefined;
  while (!unlock) {
    unlock = await lake.lock(`stress ${process.pid}`).catch((error: Error) => {
      if (!/locked/.test(error.message)) throw error;
      return undefined;
    });
  }
  acquired++;
  for (;;) {
    try {
      const handle = await open(marker, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch {
      const other = Number(await readFile(marker, 'utf8').catch(() => '0'));
      if (other && alive(other)) {
        overlaps++;
        break;
      }
      // A holder killed inside its turn left its marker: that is a takeover, not an overlap.
      await unlink(marker).catch(() => undefined);
    }
  }
  if (killEvery && i % killEvery === killEvery - 1) process.kill(process.pid, 'SIGKILL');
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
  await unlink(marker).catch(() => undefined);
  await unlock();
}
process.stdout.write(JSON.stringify({ acquired, overlaps }) + '\n');
