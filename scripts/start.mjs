// npm start: builds the app, then starts the Electron shell — or, where the Electron binary is not
// installed (it cannot be downloaded on every machine), says so in one line and starts the
// headless host instead, which serves the same console in a browser.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const args = process.argv.slice(2);
const run = (command, commandArgs) => {
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

run(process.execPath, ['scripts/prisma-generate.mjs']);
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

function electronBinary() {
  // Read electron's path.txt ourselves: requiring the package would try to download the binary.
  const dir = path.join(root, 'node_modules', 'electron');
  const pathFile = path.join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = path.join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

const binary = electronBinary();
const child = binary
  ? spawn(binary, ['.', ...args], { cwd: root, stdio: 'inherit' })
  : (console.log(
      'The Electron binary is not installed on this machine, so LinguaFlex Ops runs as a web console instead (open the URL below).',
    ),
    spawn(process.execPath, ['--import', 'tsx', 'scripts/serve.ts', ...args], { cwd: root, stdio: 'inherit' }));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
