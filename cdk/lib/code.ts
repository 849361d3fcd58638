import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';

/** The repository root (cdk/lib/ → ../..). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** What a function needs at run time besides node_modules: code and the files it reads beside it. */
export const PACKAGE_ENTRIES = ['package.json', 'package-lock.json', 'src', 'lambdas', 'models', 'seeds', 'tests', 'reports'];

/** Never part of the package (nor of its hash): dependencies, outputs, data, the CDK app itself. */
const EXCLUDE = ['node_modules', '.git', 'cdk.out', 'cdk', 'lake', 'samples', 'test', 'bench', 'docs', 'scripts', 'dist', '.tmp', 'test-output', 'bench-output', 'reports/dist', '**/.observablehq', '**/*.log'];

/**
 * Files no function ever reads; pruned so the package stays under Lambda's 250 MB unzipped limit
 * (*measured* December 2026: the production node_modules for linux-arm64 are 298 MB, of which
 * 92 MB are source maps and 45 MB node-sql-parser's browser builds; about 160 MB after pruning,
 * 63 MB of it DuckDB's native binding).
 */
function prune(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (full.endsWith(path.join('node-sql-parser', 'umd'))) rmSync(full, { recursive: true, force: true });
      else prune(full);
    } else if (/\.(map|d\.ts|d\.mts|d\.cts|md)$/i.test(entry.name) && !/^license/i.test(entry.name)) {
      rmSync(full, { force: true });
    }
  }
}

/**
 * Builds the package in `outputDir`: the repository layout (see lambdas/runtime.mjs for why not
 * a bundle) and `npm install --omit=dev` for linux-arm64. The `--os`/`--cpu` flags are what makes
 * npm fetch `@duckdb/node-bindings-linux-arm64` (and esbuild's arm64 binary for tsx) on an x64
 * build machine: left out, an ARM function gets the x64 DuckDB binding and fails to load it
 * (*measured* pitfall, see DESIGN.md).
 */
export function buildPackage(outputDir: string, options: { arch?: 'arm64' | 'x64' } = {}): void {
  for (const entry of PACKAGE_ENTRIES) {
    const source = path.join(REPO_ROOT, entry);
    if (!existsSync(source)) continue;
    cpSync(source, path.join(outputDir, entry), {
      recursive: true,
      filter: (file) => !file.includes(`${path.sep}.observablehq`) && !file.includes(`${path.sep}dist${path.sep}`) && !file.endsWith(`${path.sep}dist`),
    });
  }
  execFileSync(
    'npm',
    ['install', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts', '--os=linux', `--cpu=${options.arch ?? 'arm64'}`, '--no-package-lock'],
    { cwd: outputDir, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, npm_config_update_notifier: 'false' } },
  );
  prune(path.join(outputDir, 'node_modules'));
}

/** Bytes under a folder (for the size check after packaging). */
export function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

const LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024;

/**
 * The one code asset every crmlake function runs (each with its own handler in
 * lambdas/runtime.mjs). Built locally, no Docker; the asset hash is the source's, so an
 * unchanged repository is not repackaged. Tests skip bundling (`aws:cdk:bundling-stacks: []`).
 */
const codeByStack = new WeakMap<Stack, lambda.Code>();

export function appCode(scope: Construct): lambda.Code {
  const stack = Stack.of(scope);
  const existing = codeByStack.get(stack);
  if (existing) return existing;
  const code = lambda.Code.fromAsset(REPO_ROOT, {
    exclude: EXCLUDE,
    assetHashType: AssetHashType.SOURCE,
    bundling: {
      // Never used: local bundling always succeeds or throws (no Docker on the build machines).
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22'),
      local: {
        tryBundle(outputDir: string) {
          buildPackage(outputDir);
          const bytes = folderBytes(outputDir);
          if (bytes > LAMBDA_UNZIPPED_LIMIT) throw new Error(`The function package is ${(bytes / 2 ** 20).toFixed(0)} MB unzipped, above Lambda's 250 MB: prune more in cdk/lib/code.ts`);
          return true;
        },
      },
    },
  });
  // One asset for every function of the stack: one package built, one upload.
  codeByStack.set(stack, code);
  return code;
}
