// npm test: the whole suite, from a fresh checkout after `npm ci`. Each step installs or builds
// what it needs (Chromium via apt-get when run as root); the last line is the plain
// "N passed, N failed" summary CI reads.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const reports = path.join(root, 'test-results');
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });
const npx = (args) => ['npx', ['--no-install', ...args]];
const counts = { passed: 0, failed: 0, skipped: 0 };
const failures = [];

function step(name, [command, args], options = {}) {
  const started = Date.now();
  console.log(`\n── ${name} ──`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...options.env } });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    failures.push(name);
    console.log(`── ${name}: FAILED after ${seconds} s ──`);
    return false;
  }
  console.log(`── ${name}: ok in ${seconds} s ──`);
  return true;
}

function readJson(file) {
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
}

step('prisma client', ['node', ['scripts/prisma-generate.mjs']]);
step('typecheck (node and web)', ['npm', ['run', '--silent', 'typecheck']]);
step('lint (zero warnings)', ['npm', ['run', '--silent', 'lint']]);
step('format', ['npm', ['run', '--silent', 'format:check']]);

const vitestJson = path.join(reports, 'vitest.json');
step(
  'unit and integration tests (PGlite and PostgreSQL)',
  npx(['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`]),
);
const vitest = readJson(vitestJson);
if (vitest) {
  counts.passed += vitest.numPassedTests ?? 0;
  counts.failed += vitest.numFailedTests ?? 0;
  counts.skipped += (vitest.numPendingTests ?? 0) + (vitest.numTodoTests ?? 0);
}

// End to end: Debian's Chromium drives the built console served by the headless host.
function findChromium() {
  for (const candidate of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  return null;
}
let chromium = findChromium();
if (!chromium && process.getuid?.() === 0) {
  console.log("\n── installing Debian's chromium (apt-get) ──");
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  chromium = findChromium();
}
if (!chromium) {
  console.log(
    '\nChromium is needed for the end-to-end tests: install it with `sudo apt-get install chromium` (or set CHROMIUM_PATH).',
  );
  failures.push('chromium');
} else if (step('build (electron-vite)', npx(['electron-vite', 'build', '--logLevel', 'error']))) {
  step('end-to-end tests (Playwright, Chromium, headless host)', npx(['playwright', 'test']), {
    env: { CHROMIUM_PATH: chromium },
  });
  const stats = readJson(path.join(reports, 'playwright.json'))?.stats;
  if (stats) {
    counts.passed += stats.expected ?? 0;
    counts.failed += (stats.unexpected ?? 0) + (stats.flaky ?? 0);
    counts.skipped += stats.skipped ?? 0;
  }
}

console.log(failures.length ? `\nFailed steps: ${failures.join(', ')}` : '\nAll steps passed.');
if (failures.length && counts.failed === 0) counts.failed = failures.length; // a failed build or lint counts too
console.log(
  `tests: ${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}`,
);
process.exit(failures.length ? 1 : 0);
