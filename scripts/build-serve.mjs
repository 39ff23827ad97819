// The headless host as one prebuilt file, out/serve/serve.mjs (issue 10, point 8): `npm start` without
// the Electron binary and `npm run bench:start` run it with plain `node`. Loading the app through tsx
// (transpiling some 300 files, resolving hundreds of packages' modules one by one) took about 2 s of
// every start; one bundled file parses in a fraction of that.
//
// `node scripts/build-serve.mjs` builds it when a source is newer than the bundle (so a restart after
// a crash skips it), `--force` always. Kept external, and so loaded from node_modules as before: the
// packages that find their own WebAssembly and data files next to their modules (PGlite's postgres.wasm
// and fs bundle, the schema engine's .wasm through require.resolve) — bundled, those paths would point
// into out/serve. Our own paths (prisma/migrations, out/renderer) are found by walking up from the
// module to the folder holding prisma/schema.prisma, which works from out/serve as from src/main/db.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const SERVE_BUNDLE = path.join(root, 'out', 'serve', 'serve.mjs');

/** Packages that resolve files relative to their own modules: loaded from node_modules, not bundled. */
const EXTERNAL = ['@electric-sql/pglite', 'pglite-prisma-adapter', '@prisma/schema-engine-wasm'];

/** What the bundle is made from: a change in any of them makes it stale. */
const INPUTS = [
  'src/main',
  'src/shared',
  'scripts/serve.ts',
  'scripts/build-serve.mjs',
  'package.json',
  'package-lock.json',
];

function newestInput() {
  let latest = 0;
  const visit = (entry) => {
    if (!existsSync(entry)) return;
    const stat = statSync(entry);
    if (stat.isDirectory()) for (const name of readdirSync(entry)) visit(path.join(entry, name));
    else latest = Math.max(latest, stat.mtimeMs);
  };
  for (const entry of INPUTS) visit(path.join(root, entry));
  return latest;
}

export function serveBundleIsStale() {
  return !existsSync(SERVE_BUNDLE) || newestInput() > statSync(SERVE_BUNDLE).mtimeMs;
}

/** Builds out/serve/serve.mjs when stale (or always with `force`); true when it built. */
export async function buildServe({ force = false } = {}) {
  if (!force && !serveBundleIsStale()) return false;
  // esbuild is what tsx itself transpiles with (node_modules/.bin/esbuild); loaded only when building.
  const { build } = await import('esbuild');
  await build({
    entryPoints: [path.join(root, 'scripts', 'serve.ts')],
    outfile: SERVE_BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: EXTERNAL,
    // Bundled CommonJS packages call require() for Node's modules; an ES module has none of its own.
    banner: {
      js: "import { createRequire as __serveCreateRequire } from 'node:module'; const require = __serveCreateRequire(import.meta.url);",
    },
    legalComments: 'none',
    logLevel: 'warning',
  });
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const built = await buildServe({ force: process.argv.includes('--force') });
  if (process.argv.includes('--verbose'))
    console.log(
      `${Math.round(performance.now() - started)
        .toString()
        .padStart(6)} ms  ${built ? 'built' : 'up to date:'} ${path.relative(root, SERVE_BUNDLE)}`,
    );
}
