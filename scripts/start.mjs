// npm start: builds the app, then starts the Electron shell — or, where the Electron binary is not
// installed (it cannot be downloaded on every machine), says so in one line and starts the
// headless host instead, which serves the same console in a browser. `npm start -- --verbose` prints
// where the start spent its time (passed on to the app, as every other argument).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { buildServe, SERVE_BUNDLE } from './build-serve.mjs';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const args = process.argv.slice(2);
const run = (command, commandArgs) => {
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

// Rebuilt only when a source is newer than what was built last time: a start after a crash (or any
// restart without changes) skips both steps, which take several seconds.
const started = performance.now();
const newest = (paths) => {
  let latest = 0;
  const visit = (entry) => {
    if (!existsSync(entry)) return;
    const stat = statSync(entry);
    if (stat.isDirectory()) for (const name of readdirSync(entry)) visit(path.join(entry, name));
    else latest = Math.max(latest, stat.mtimeMs);
  };
  for (const entry of paths) visit(path.join(root, entry));
  return latest;
};
const oldest = (paths) => {
  let earliest = Infinity;
  const visit = (entry) => {
    if (!existsSync(entry)) {
      earliest = 0;
      return;
    }
    const stat = statSync(entry);
    if (stat.isDirectory()) for (const name of readdirSync(entry)) visit(path.join(entry, name));
    else earliest = Math.min(earliest, stat.mtimeMs);
  };
  for (const entry of paths) visit(path.join(root, entry));
  return earliest;
};
const inputs = ['package.json', 'package-lock.json'];
if (newest(['prisma/schema.prisma', ...inputs]) > oldest(['src/main/db/generated'])) {
  run(process.execPath, ['scripts/prisma-generate.mjs']);
}
const sources = [
  'src',
  'electron.vite.config.ts',
  'tsconfig.json',
  'tsconfig.node.json',
  'tsconfig.web.json',
  ...inputs,
];
if (newest(sources) > oldest(['out/main', 'out/preload', 'out/renderer'])) {
  run(process.execPath, [
    path.join(
      path.dirname(createRequire(import.meta.url).resolve('electron-vite/package.json')),
      'bin',
      'electron-vite.js',
    ),
    'build',
    '--logLevel',
    'warn',
  ]);
}

function electronBinary() {
  // Read electron's path.txt ourselves: requiring the package would try to download the binary.
  const dir = path.join(root, 'node_modules', 'electron');
  const pathFile = path.join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = path.join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

const binary = electronBinary();
// Without Electron the host runs from one prebuilt file (scripts/build-serve.mjs): loading it through
// tsx instead cost about 2 s of every start. Built here only when a source changed.
if (!binary) await buildServe();
if (args.includes('--verbose'))
  console.log(
    `${Math.round(performance.now() - started)
      .toString()
      .padStart(6)} ms  build check (npm start)`,
  );
const child = binary
  ? spawn(binary, ['.', ...args], { cwd: root, stdio: 'inherit' })
  : (console.log(
      'The Electron binary is not installed on this machine, so LinguaFlex Ops runs as a web console instead (open the URL below).',
    ),
    spawn(process.execPath, [SERVE_BUNDLE, ...args], { cwd: root, stdio: 'inherit' }));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
