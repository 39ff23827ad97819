/**
 * npm run bench:start [-- --restarts N] — how long a start takes until the console is usable
 * (issue 10, point 8). Not a test: it prints what it measured.
 *
 * 1. A first start on a fresh data folder (the headless host, `out/serve/serve.mjs --verbose`, the
 *    prebuilt bundle `npm start` runs without Electron — built first if a source changed), waiting
 *    until its demo set is made.
 * 2. N times: the host is killed with SIGKILL (a crash: no clean shutdown, the embedded database's
 *    write-ahead log left to recover), then started again on the same folder; timed from the spawn of
 *    the process until the console is usable — the page is served and a sign-in (auth.login, which
 *    reads the database) is answered.
 * Each restart's phases (database open, migrations check, sandboxes, …) are printed from --verbose.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { argValue } from '../src/main/config/config';

const TARGET_MS = 2000;
const root = path.resolve(import.meta.dirname, '..');
/** What `npm start` spawns where Electron is not installed (scripts/start.mjs, scripts/build-serve.mjs). */
const SERVE_BUNDLE = path.join(root, 'out', 'serve', 'serve.mjs');

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
}

function start(dataDir: string): Promise<Started> {
  const child = spawn(process.execPath, [SERVE_BUNDLE, '--data-dir', dataDir, '--port', '0', '--verbose'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`No console within 5 minutes:\n${output}`)), 300_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /console: (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ child, url: match[1], output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The host exited with ${code ?? 'a signal'}:\n${output}`));
    });
  });
}

async function usable(url: string, dataDir: string): Promise<void> {
  const page = await fetch(url);
  if (!page.ok) throw new Error(`GET / answered ${page.status}`);
  const file = readFileSync(path.join(dataDir, 'first-admin.txt'), 'utf8');
  const email = /email: (\S+)/.exec(file)?.[1] ?? '';
  const password = /password: (\S+)/.exec(file)?.[1] ?? '';
  const login = await fetch(`${url}/trpc/auth.login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ json: { email, password } }),
  });
  if (!login.ok) throw new Error(`auth.login answered ${login.status}: ${await login.text()}`);
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

const phasesOf = (output: string): string[] => {
  const lines = output.split('\n');
  const from = lines.findIndex((line) => line.startsWith('Start-up:'));
  if (from < 0) return [];
  const rest = lines.slice(from + 1);
  const end = rest.findIndex((line) => !/^\s*\d+ ms {2}/.test(line));
  return rest.slice(0, end < 0 ? undefined : end);
};

async function main(): Promise<void> {
  const restarts = Number(argValue(process.argv.slice(2), 'restarts') ?? '3');
  // The same build check as npm start's: the bundle is rebuilt only when a source changed.
  const built = spawnSync(process.execPath, ['scripts/build-serve.mjs'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('Building out/serve/serve.mjs failed');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'linguaflex-bench-start-'));
  try {
    console.log(`Start time of the console (data folder ${dataDir})`);
    let t0 = performance.now();
    const first = await start(dataDir);
    const firstUsable = performance.now() - t0;
    await usable(first.url, dataDir);
    // Wait until the demo set is made (it is loaded after the console is usable, and appears live).
    while (!first.output().includes('After the console was usable:')) await new Promise((r) => setTimeout(r, 250));
    const demoDone = performance.now() - t0;
    console.log(
      `first start (fresh folder): console usable after ${Math.round(firstUsable)} ms; demo set made after ${Math.round(demoDone)} ms`,
    );
    await kill(first.child);

    const times: number[] = [];
    for (let run = 1; run <= restarts; run += 1) {
      t0 = performance.now();
      const again = await start(dataDir);
      await usable(again.url, dataDir);
      const ms = performance.now() - t0;
      times.push(ms);
      console.log(
        `restart ${run} after kill -9: console usable after ${Math.round(ms)} ms (spawn → page and sign-in answered; load ${os.loadavg()[0]?.toFixed(1) ?? '?'})`,
      );
      for (const line of phasesOf(again.output())) console.log(`    ${line}`);
      // Let what runs after the start (reconciliation) finish or not: a crash can come at any time.
      await new Promise((r) => setTimeout(r, 500));
      await kill(again.child);
    }
    const sorted = [...times].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    console.log(
      `start after kill -9: median ${Math.round(median)} ms, best ${Math.round(sorted[0] ?? 0)} ms, worst ${Math.round(sorted.at(-1) ?? 0)} ms ` +
        `(target < ${TARGET_MS} ms: ${median < TARGET_MS ? 'met' : 'not met'} on this machine, ${os.cpus().length} cores, load ${os.loadavg()[0]?.toFixed(1) ?? '?'})`,
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
