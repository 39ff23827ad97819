/**
 * The fault-injecting simulation (scripts/simulate.ts) as a CI test: a few hundred seeded runs of
 * random interleavings of bookings, payments, 3-D Secure, refunds, cancellations, sweeps, the
 * outbox, Stripe's events and reconciliation, with Stripe failures and lost answers, crashes
 * between Stripe's answer and our commit, and Zoom and mail outages; invariants after every step
 * and, once everything settled, our records equal to Stripe's and every paid booking's meeting and
 * emails sent exactly once. PGlite in memory only.
 *
 * The runs are split over two processes (PGlite is CPU-bound; this machine has two cores). A
 * failure fails the test with the simulation's report: the seed, the shrunk command list with each
 * step's outcome, the invariant and its numbers, and the command that replays it. Each process
 * stops starting runs SIMULATION_TIME_LIMIT seconds after its first run (but not before
 * SIMULATION_MIN_RUNS runs), so the test stays near a minute; the runs it reaches are the seed's
 * first ones, always the same.
 *
 * Next to them, the named shortest reproductions of what the simulation found (scripts/simulate/
 * scenarios.ts: receipts and meetings after a cancel or completion, duplicate and orphan meetings,
 * a 5xx to cancelling an intent, a stale refund outcome, refunds of a cancelled booking, a confirm
 * that leaked a gateway error) run once each, so each fix stays proven.
 *
 * Environment: SIMULATION_SEED (default fixed, so CI is repeatable), SIMULATION_RUNS (per process),
 * SIMULATION_STEPS (the most steps per run), SIMULATION_TIME_LIMIT (seconds per process),
 * SIMULATION_IGNORE (invariant ids known to fail; none today).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PROCESSES = 2;
const SEED = Number(process.env['SIMULATION_SEED'] ?? 20_261_128);
const RUNS = Number(process.env['SIMULATION_RUNS'] ?? 150);
const STEPS = Number(process.env['SIMULATION_STEPS'] ?? 40);
const IGNORE = process.env['SIMULATION_IGNORE'] ?? '';
/** Each process stops starting runs (or shrinking) after this long and reports what it has. */
const TIME_LIMIT_S = Number(process.env['SIMULATION_TIME_LIMIT'] ?? 40);
/** …but only once it made this many runs, so a busy machine still checks this much. */
const MIN_RUNS = Math.min(RUNS, Number(process.env['SIMULATION_MIN_RUNS'] ?? 20));
/** A machine too busy even for that fails the test rather than hanging CI; the children go with it. */
const TEST_TIMEOUT_MS = 480_000;

function runSimulate(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/simulate.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: TEST_TIMEOUT_MS - 10_000,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

const simulateInChild = (seed: number) =>
  runSimulate([
    '--seed',
    String(seed),
    '--seeds',
    String(RUNS),
    '--steps',
    String(STEPS),
    '--profile',
    'ci',
    '--time-limit',
    String(TIME_LIMIT_S),
    '--min-runs',
    String(MIN_RUNS),
    ...(IGNORE ? ['--ignore', IGNORE] : []),
  ]);

describe('simulation: random interleavings of the money flows with injected faults', () => {
  it.concurrent(
    'the shortest reproductions of what it found pass: every fixed bug stays fixed',
    async () => {
      const result = await runSimulate(['--scenario', 'all']);
      if (result.code !== 0) expect.fail(`A reproduction fails again:\n\n${result.output}`);
      const lines = result.output.split('\n').filter((line) => line.startsWith('=== '));
      console.log(lines.join('\n'));
      expect(lines.length).toBeGreaterThan(0);
    },
    TEST_TIMEOUT_MS,
  );

  it.concurrent(
    `${PROCESSES} × up to ${RUNS} seeded runs of up to ${STEPS} steps keep every invariant`,
    async () => {
      const started = performance.now();
      const results = await Promise.all(
        Array.from({ length: PROCESSES }, (_, index) => simulateInChild(SEED + index * 7919)),
      );
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const failed = results.filter((result) => result.code !== 0);
      if (failed.length > 0) {
        expect.fail(
          `The simulation found a violation (${seconds} s):\n\n${failed.map((result) => result.output).join('\n\n')}`,
        );
      }
      for (const result of results) console.log(result.output.trim());
      console.log(`simulation: ${PROCESSES} processes in ${seconds} s`);
      // Never a vacuous pass: each process made its runs.
      for (const result of results) {
        const runs = Number(/OK: (\d+) runs/.exec(result.output)?.[1] ?? 0);
        expect(runs).toBeGreaterThanOrEqual(MIN_RUNS);
      }
    },
    TEST_TIMEOUT_MS,
  );
});
