// The Lambda entry of every crmlake function (the stack points each function's handler here:
// `lambdas/runtime.ingest`, `lambdas/runtime.build`, …).
//
// Why not one esbuild bundle per function: the code reads files beside it at run time (each
// feed's mappings/*.yaml, models/, seeds/, tests/, reports/ and Observable Framework), found
// from `import.meta.url`, which a single-file bundle breaks. So the package is the repository
// layout with production node_modules for linux-arm64 (cdk/lib/code.ts), and tsx compiles the
// TypeScript on load (cached under /tmp, so a warm function pays nothing).
//
// The report step builds the site inside reports/ (Framework writes its cache and build there),
// and /var/task is read-only: that function runs from a copy of the package in /tmp (node_modules
// linked, not copied), made once per cold start.
import { cp, mkdir, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

register();

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

let writableRoot;
async function writableCopy() {
  writableRoot ??= (async () => {
    const target = path.join(process.env.CRMLAKE_WORK_DIR ?? '/tmp', 'crmlake-app');
    if (!(await stat(target).then(() => true, () => false))) {
      await mkdir(target, { recursive: true });
      for (const entry of ['package.json', 'src', 'lambdas', 'models', 'seeds', 'tests', 'reports']) {
        await cp(path.join(packageRoot, entry), path.join(target, entry), { recursive: true }).catch((error) => {
          if (error.code !== 'ENOENT') throw error;
        });
      }
      await symlink(path.join(packageRoot, 'node_modules'), path.join(target, 'node_modules'), 'dir');
    }
    return target;
  })();
  return writableRoot;
}

const load = async (file, writable = false) => import(pathToFileURL(path.join(writable ? await writableCopy() : packageRoot, file)).href);

export const ingest = async (event, context) => (await load('lambdas/ingest.ts')).handler(event, context);
export const collector = async (event, context) => (await load('lambdas/collector.ts')).handler(event, context);
export const build = async (event) => (await load('lambdas/refresh.ts')).build(event);
export const test = async (event) => (await load('lambdas/refresh.ts')).test(event);
export const report = async (event) => (await load('lambdas/refresh.ts', true)).report(event);
export const publish = async (event) => (await load('lambdas/refresh.ts')).publish(event);
