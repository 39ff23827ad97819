/**
 * npm run simulate -- [--seed N] [--steps M] [--seeds K] [--db pglite|postgres] [--path P]
 *                     [--profile full|ci] [--ignore id,id] [--time-limit SECONDS [--min-runs K]] [--trace]
 *      npm run simulate -- --scenario <name>|all   (the shortest reproductions of what it found)
 *
 * Seeded random interleavings of the marketplace's money flows (bookings, payments, 3-D Secure,
 * refunds, cancellations, sweeps, the outbox, Stripe's events, reconciliation) with injected faults
 * (Stripe 5xx, lost requests and lost answers, a process crash between Stripe's answer and our
 * commit followed by a restart, Zoom and mail outages), checking invariants after every step and,
 * once everything settled, that our records equal Stripe's and that every paid booking got its
 * meeting and emails exactly once. `--seeds K` is the number of runs (fast-check derives each run
 * from the seed). A failure prints the seed, the shrunk command list with each step's outcome, the
 * invariant and its numbers, and the `--seed N --path P` that replays it.
 */
import { argValue } from '../src/main/config/config';
import type { Profile } from './simulate/commands';
import { runScenarios, simulate } from './simulate/runner';
import { SCENARIOS } from './simulate/scenarios';
import type { SimDbKind } from './simulate/sim-db';

function number(name: string, fallback: number): number {
  const raw = argValue(process.argv.slice(2), name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} must be a whole number, got ${raw}`);
  return value;
}

function choice<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const raw = argValue(process.argv.slice(2), name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new Error(`--${name} must be one of ${allowed.join(', ')}`);
  return raw as T;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const path = argValue(args, 'path');
  const seed = number('seed', Date.now() % 1_000_000);
  const steps = number('steps', 30);
  // A path replays one run; fast-check reaches it by its index among the seed's runs.
  const runs = path ? Number(path.split(':')[0] ?? 0) + 1 : number('seeds', 100);
  const db = choice<SimDbKind>('db', ['pglite', 'postgres'], 'pglite');
  const profile = choice<Profile>('profile', ['full', 'ci'], 'full');
  const ignore = (argValue(args, 'ignore') ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  const timeLimit = argValue(args, 'time-limit');
  const scenario = argValue(args, 'scenario');
  const timeouts = { stripeTimeoutMs: 300, zoomTimeoutMs: 300, stepTimeoutMs: 60_000 };
  if (scenario !== undefined) {
    const names = scenario === 'all' ? Object.keys(SCENARIOS) : scenario.split(',');
    const result = await runScenarios(names, { db, ignore, ...timeouts });
    console.log(result.report);
    return result.ok ? 0 : 1;
  }
  console.log(
    `simulate: seed ${seed}, ${runs} run(s) of up to ${steps} steps, ${db}, profile ${profile}${path ? `, replaying path ${path}` : ''}${ignore.length > 0 ? `, ignoring ${ignore.join(', ')}` : ''}`,
  );
  const result = await simulate({
    seed,
    runs,
    steps,
    db,
    path,
    profile,
    ignore,
    ...timeouts,
    timeLimitMs: timeLimit === undefined ? undefined : Number(timeLimit) * 1000,
    minRuns: number('min-runs', 0),
    progress: (line) => console.log(line),
    trace: args.includes('--trace'),
  });
  console.log(result.report);
  if (result.ok)
    console.log(`runs: ${result.runs}, steps: ${result.steps}, wall time: ${(result.ms / 1000).toFixed(1)} s`);
  return result.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(2);
  },
);
