import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Bundles the client demo (`client-demo/`) with esbuild into `client-demo/dist/`
 * (gitignored): `index.html`, `app.js`, `app.css` and their source maps.
 *
 * Development only: esbuild and Uppy are dev dependencies, and production never
 * mounts `/demo`. The output records a hash of its inputs (the demo's sources and
 * the lockfile), so a build is skipped when nothing changed and redone when
 * anything did. Files are written under temporary names and renamed into place,
 * so servers building at the same moment (parallel tests) never serve a torn file.
 */

export const DEMO_ROOT = path.resolve(import.meta.dirname, '../../client-demo');
export const DEMO_DIST = path.join(DEMO_ROOT, 'dist');
const STAMP = 'build.json';
/** Bump when the build settings below change, so older outputs count as stale. */
const BUILD_VERSION = 1;

export type DemoBuild = { dir: string; built: boolean; ms: number };

export async function ensureDemoBuilt(opts: { force?: boolean } = {}): Promise<DemoBuild> {
  const started = performance.now();
  const inputs = await inputsHash();
  if (!opts.force && (await currentStamp()) === inputs) return { dir: DEMO_DIST, built: false, ms: performance.now() - started };

  // Loaded only when a build is needed: production never gets here.
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: { app: path.join(DEMO_ROOT, 'src/main.ts') },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome120', 'firefox120', 'safari17'],
    minify: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    define: { 'process.env.NODE_ENV': '"production"' },
    outdir: DEMO_DIST,
    write: false,
    logLevel: 'silent',
  });
  const files = [...result.outputFiles.map((f) => ({ path: f.path, contents: f.contents })), { path: path.join(DEMO_DIST, 'index.html'), contents: await readFile(path.join(DEMO_ROOT, 'index.html')) }];
  await mkdir(DEMO_DIST, { recursive: true });
  for (const f of files) await writeAtomically(f.path, f.contents);
  await writeAtomically(path.join(DEMO_DIST, STAMP), JSON.stringify({ inputs, builtAt: new Date().toISOString() }));
  return { dir: DEMO_DIST, built: true, ms: performance.now() - started };
}

async function writeAtomically(file: string, contents: Uint8Array | string): Promise<void> {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, contents);
  await rename(tmp, file);
}

async function currentStamp(): Promise<string | undefined> {
  try {
    return (JSON.parse(await readFile(path.join(DEMO_DIST, STAMP), 'utf8')) as { inputs?: string }).inputs;
  } catch {
    return undefined;
  }
}

/** Everything the bundle depends on: the demo's own files and the exact dependency versions. */
async function inputsHash(): Promise<string> {
  const hash = createHash('sha256').update(`v${BUILD_VERSION}\n`);
  const sources = (await readdir(DEMO_ROOT, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile() && !path.relative(DEMO_ROOT, e.parentPath).startsWith('dist'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
  for (const file of [...sources, path.resolve(DEMO_ROOT, '../package-lock.json')]) {
    hash.update(`${path.relative(DEMO_ROOT, file)}\n`).update(await readFile(file));
  }
  return hash.digest('hex');
}
