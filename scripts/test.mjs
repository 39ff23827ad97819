// npm test: the whole suite, from a fresh checkout after `npm ci`. Each step installs or builds
// what it needs; the last line is the plain "N passed, N failed" summary CI reads.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const reports = path.join(root, 'test-results');
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

function addVitestCounts(file) {
  if (!existsSync(file)) return;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  counts.passed += report.numPassedTests ?? 0;
  counts.failed += report.numFailedTests ?? 0;
  counts.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
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
addVitestCounts(vitestJson);

console.log(failures.length ? `\nFailed steps: ${failures.join(', ')}` : '\nAll steps passed.');
if (failures.length && counts.failed === 0) counts.failed = failures.length; // a failed build or lint counts too
console.log(
  `tests: ${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}`,
);
process.exit(failures.length ? 1 : 0);
