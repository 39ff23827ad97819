/**
 * Seeded random interleavings of the marketplace's money flows, as a fast-check model-based
 * property (fc.asyncModelRun over a generated command list): a run is a fresh world (empty tables,
 * new sandboxes, the clock at SIM_START) and a list of commands; invariants are checked after every
 * step and, once everything settled, at the end. A failure is shrunk to the shortest command list
 * that still fails and replayed once more with each step's outcome, so the report shows what
 * happened; `--seed` and `--path` replay it.
 */
import fc from 'fast-check';
import { commandArbitrary, type Profile, type SimCommand } from './commands';
import { checkAtEnd } from './invariants';
import { SCENARIOS } from './scenarios';
import { openSimDatabase, type SimDatabase, type SimDbKind } from './sim-db';
import { describeError, InvariantViolation, World, type WorldOptions } from './world';

export interface SimulateOptions {
  seed: number;
  /** Runs (each a fresh world and up to `steps` commands). */
  runs: number;
  steps: number;
  db: SimDbKind;
  /** Replays the run at this fast-check path (from a failure report). */
  path?: string | undefined;
  profile: Profile;
  ignore: readonly string[];
  stripeTimeoutMs: number;
  zoomTimeoutMs: number;
  stepTimeoutMs: number;
  /**
   * Stop shrinking (and starting runs) after this long, counted from the first run (opening and
   * migrating the database is not counted); the best reproduction so far is reported.
   */
  timeLimitMs?: number | undefined;
  /** The time limit never stops the check before this many runs were made (so a busy machine still checks something). */
  minRuns?: number | undefined;
  progress?: ((line: string) => void) | undefined;
  /** Print every run's trace (with step durations) as it ends. */
  trace?: boolean;
}

export interface SimulationResult {
  ok: boolean;
  runs: number;
  steps: number;
  shrinks: number;
  ms: number;
  restarts: number;
  crashes: number;
  ignored: Map<string, number>;
  /** Printable: the summary on success, the reproduction on failure. */
  report: string;
}

/** Math.random for one run, from the run's seed: the sandboxes' ids and the outbox's jitter replay too. */
function seededRandom(seed: number): () => void {
  const original = Math.random;
  let state = seed >>> 0;
  Math.random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return () => {
    Math.random = original;
  };
}

interface RunOutcome {
  world: World;
  error: unknown;
}

async function executeRun(
  sim: SimDatabase,
  worldOptions: WorldOptions,
  runSeed: number,
  commands: readonly SimCommand[],
): Promise<RunOutcome> {
  const restore = seededRandom(runSeed);
  let world: World | null = null;
  try {
    const t0 = performance.now();
    world = await World.create(sim, worldOptions);
    const t1 = performance.now();
    const real = world;
    await fc.asyncModelRun(() => ({ model: { steps: 0 }, real }), commands);
    const t2 = performance.now();
    await world.quiesce();
    const t3 = performance.now();
    await checkAtEnd(world);
    if (process.env['SIM_TIMING'])
      console.log(
        `create ${(t1 - t0).toFixed(0)} steps ${(t2 - t1).toFixed(0)} (${world.stepNo}) quiesce ${(t3 - t2).toFixed(0)} end ${(performance.now() - t3).toFixed(0)}`,
      );
    return { world, error: null };
  } catch (error) {
    if (!world) throw error;
    return { world, error };
  } finally {
    restore();
    await world?.dispose();
  }
}

function describeViolation(error: unknown): string[] {
  if (error instanceof InvariantViolation) {
    return [
      `invariant: ${error.invariant}`,
      `  ${error.message}`,
      ...(Object.keys(error.numbers).length > 0 ? [`  numbers: ${JSON.stringify(error.numbers)}`] : []),
    ];
  }
  return [`unexpected failure of the simulation itself: ${describeError(error)}`, (error as Error).stack ?? ''];
}

export function reproduceCommand(options: SimulateOptions, seed: number, path: string): string {
  const extra = [
    options.profile !== 'full' ? `--profile ${options.profile}` : '',
    options.db !== 'pglite' ? `--db ${options.db}` : '',
    options.ignore.length > 0 ? `--ignore '${options.ignore.join(',')}'` : '',
  ].filter(Boolean);
  return `npm run simulate -- --seed ${seed} --path ${path} --steps ${options.steps} ${extra.join(' ')}`.trim();
}

export async function simulate(options: SimulateOptions): Promise<SimulationResult> {
  const started = performance.now();
  const sim = await openSimDatabase(options.db);
  const runsStarted = performance.now();
  const worldOptions: WorldOptions = {
    stripeTimeoutMs: options.stripeTimeoutMs,
    zoomTimeoutMs: options.zoomTimeoutMs,
    stepTimeoutMs: options.stepTimeoutMs,
    ignore: options.ignore,
    timings: options.trace === true,
  };
  const totals = {
    runs: 0,
    steps: 0,
    restarts: 0,
    crashes: 0,
    ignored: new Map<string, number>(),
    expected: new Map<string, number>(),
  };
  let lastProgress = performance.now();
  const budget = { exceeded: false };
  try {
    const property = fc.asyncProperty(
      fc.nat(),
      // A plain array rather than fc.commands: its shrinker may drop any command, the last one
      // included (fc.commands always keeps the last, but a run can fail after it, at the end).
      fc.array(commandArbitrary(options.profile), { maxLength: options.steps, size: 'max' }),
      async (runSeed, commands) => {
        // Past the time limit every further run (or shrinking candidate) passes without running,
        // so the check ends soon with the runs done and the shortest failure found so far.
        if (
          options.timeLimitMs !== undefined &&
          totals.runs >= (options.minRuns ?? 0) &&
          performance.now() - runsStarted > options.timeLimitMs
        ) {
          budget.exceeded = true;
          return;
        }
        const { world, error } = await executeRun(sim, worldOptions, runSeed, commands);
        totals.runs += 1;
        if (options.trace && options.progress) {
          options.progress(
            `--- run ${totals.runs} (run seed ${runSeed})${error ? ` FAILED: ${describeError(error)}` : ''}`,
          );
          for (const line of world.trace) options.progress(`  ${line}`);
        }
        totals.steps += world.stepNo;
        totals.restarts += world.restarts;
        totals.crashes += world.crashes;
        for (const [id, count] of world.ignored) totals.ignored.set(id, (totals.ignored.get(id) ?? 0) + count);
        for (const [id, count] of world.expected) totals.expected.set(id, (totals.expected.get(id) ?? 0) + count);
        if (options.progress && performance.now() - lastProgress > 10_000) {
          lastProgress = performance.now();
          options.progress(
            `  … ${totals.runs} runs, ${totals.steps} steps, ${((performance.now() - started) / 1000).toFixed(0)} s`,
          );
        }
        if (error) throw error instanceof Error ? error : new Error(describeError(error));
      },
    );
    const details = await fc.check(property, {
      seed: options.seed,
      numRuns: options.runs,
      ...(options.path ? { path: options.path } : {}),
    });
    const ms = performance.now() - started;
    const base = {
      runs: totals.runs,
      steps: totals.steps,
      shrinks: details.numShrinks,
      ms,
      restarts: totals.restarts,
      crashes: totals.crashes,
      ignored: totals.ignored,
    };
    const ignoredLine = [
      ...(totals.ignored.size > 0
        ? [`ignored (known) violations: ${[...totals.ignored].map(([id, n]) => `${id} ×${n}`).join(', ')}`]
        : []),
      ...(totals.expected.size > 0
        ? [`legal races seen: ${[...totals.expected].map(([id, n]) => `${id} ×${n}`).join(', ')}`]
        : []),
    ];
    if (!details.failed || !details.counterexample) {
      const lines = [
        `OK: ${totals.runs} runs, ${totals.steps} steps, ${totals.crashes} crashes and ${totals.restarts} restarts, in ${(ms / 1000).toFixed(1)} s (seed ${options.seed}${budget.exceeded ? ', stopped by the time limit' : ''})`,
        ...ignoredLine,
      ];
      return { ...base, ok: true, report: lines.join('\n') };
    }
    const [runSeed, commands] = details.counterexample;
    const list = commands.map((command) => command.label());
    // Replay the shrunk run once more, recording each step's outcome.
    const replay = await executeRun(sim, worldOptions, runSeed, commands);
    const error = replay.error ?? details.errorInstance;
    const lines = [
      `FAILED after ${details.numRuns} run(s) — seed ${details.seed}, path ${details.counterexamplePath}, shrunk ${details.numShrinks} time(s) to ${list.length} command(s)${budget.exceeded ? ' (shrinking stopped by the time limit)' : ''}`,
      ...describeViolation(error),
      '',
      'shortest command list:',
      ...list.map((command, i) => `  ${String(i + 1).padStart(2)}. ${command}`),
      '',
      replay.error
        ? 'replay of that list (each step → its outcome; then the end-of-run settling):'
        : 'replay of that list did NOT fail again (timing-dependent); its trace:',
      ...replay.world.trace.map((line) => `  ${line}`),
      '',
      `reproduce: ${reproduceCommand(options, details.seed, details.counterexamplePath)}`,
      `skip it to look for other bugs: --ignore ${error instanceof InvariantViolation ? error.invariant : '<invariant>'}`,
      ...ignoredLine,
    ];
    return { ...base, ok: false, report: lines.join('\n') };
  } finally {
    await sim.close();
  }
}

/** Runs named reproductions (scenarios.ts); ok when none of them violates an invariant any more. */
export async function runScenarios(
  names: readonly string[],
  options: Pick<SimulateOptions, 'db' | 'ignore' | 'stripeTimeoutMs' | 'zoomTimeoutMs' | 'stepTimeoutMs'>,
): Promise<{ ok: boolean; report: string }> {
  const sim = await openSimDatabase(options.db);
  const worldOptions: WorldOptions = {
    stripeTimeoutMs: options.stripeTimeoutMs,
    zoomTimeoutMs: options.zoomTimeoutMs,
    stepTimeoutMs: options.stepTimeoutMs,
    ignore: options.ignore,
  };
  const lines: string[] = [];
  let ok = true;
  try {
    for (const name of names) {
      const scenario = SCENARIOS[name];
      if (!scenario) throw new Error(`No scenario ${name}; there are: ${Object.keys(SCENARIOS).join(', ')}`);
      const { world, error } = await executeRun(sim, worldOptions, 1, scenario.commands());
      ok &&= error === null;
      lines.push(
        `=== ${name}: ${error === null ? 'passes (no invariant violated)' : 'STILL FAILS'}`,
        `    ${scenario.what}`,
        ...world.trace.map((line) => `  ${line}`),
        ...(error === null ? [] : describeViolation(error)),
        '',
      );
    }
  } finally {
    await sim.close();
  }
  return { ok, report: lines.join('\n') };
}
