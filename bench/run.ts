/** `npm run bench`: every benchmark in this folder, one after the other (two cores: never in parallel). */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
for (const file of (await readdir(here)).filter((f) => f.endsWith('.ts') && f !== 'run.ts').sort()) {
  if (only.length && !only.some((o) => file.includes(o))) continue;
  const bench = (await import(path.join(here, file))) as { main?: () => Promise<void> };
  if (typeof bench.main !== 'function') throw new Error(`bench/${file} must export main()`);
  await bench.main();
  console.log('');
}
