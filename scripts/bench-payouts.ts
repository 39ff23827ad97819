/**
 * npm run bench:payouts [-- --sessions 100000] [--teachers 10000] [--db pglite|postgres|both] [--direct 2000]
 *
 * Teacher payouts (R40–R47, issue 9) at volume, on PGlite and on PostgreSQL, each in a fresh data
 * folder / database, through the product's own services against the local Stripe sandbox:
 * - bulk SQL writes `--sessions` COMPLETED, paid one-hour USD sessions spread over `--teachers`
 *   teachers, all ended well before the payout hold, and the ledger comes from the migration's own
 *   `ledger_backfill()` (R40);
 * - every teacher gets a connected account at the local Stripe through the product's gateway (timed,
 *   not counted), and the platform balance is funded with `pm_card_bypassPending` charges (available at
 *   once, so no clock games);
 * - then `payouts.preview` (median of 5), `payouts.createRun`, `payouts.approve` (by a second staff),
 *   `payouts.send` (lines per second, with its phases from the lines' states), `ledger.check`
 *   (median of 3), and the local Stripe on its own (8 concurrent `POST /v1/transfers`), with peak RSS
 *   and heap sampled per phase. Goals: preview < 2 s and ledger check < 5 s on PostgreSQL.
 * Always exits 0 once it has measured; a missed goal is printed as MISSED.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import pg from 'pg';
import Stripe from 'stripe';
import { argValue } from '../src/main/config/config';
import { createContainer, type Container } from '../src/main/container';
import type { Actor } from '../src/main/domain/actors';
import { quoteSession } from '../src/main/domain/pricing';
import type { StripeSandbox } from '../src/main/sandbox/stripe';
import { startPostgres, type PostgresServer } from '../tests/support/postgres-server';

const CURRENCY = 'USD';
const CONCURRENCY = 8;
/** Stripe's largest single charge (99,999,999 minor units). */
const MAX_CHARGE = 99_999_999;
const PREVIEW_GOAL_MS = 2000;
const CHECK_GOAL_MS = 5000;

type Kind = 'pglite' | 'postgres';
type Staff = Actor & { kind: 'STAFF' };

// ---- memory: peak RSS and heap used, sampled every 20 ms and at each phase's edges ----

/** A full collection, so "retained" figures are live objects rather than garbage not yet collected. */
v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc') as () => void;

interface Peak {
  rss: number;
  heap: number;
  /** Heap used after a full collection when the phase started and when it ended. */
  retainedBefore: number;
  retainedAfter: number;
}

class MemorySampler {
  private peak = { rss: 0, heap: 0 };
  private retainedBefore = 0;
  private readonly timer: NodeJS.Timeout;
  constructor() {
    this.timer = setInterval(() => {
      this.sample();
    }, 20);
    this.timer.unref();
  }
  sample(): void {
    const usage = process.memoryUsage();
    this.peak = { rss: Math.max(this.peak.rss, usage.rss), heap: Math.max(this.peak.heap, usage.heapUsed) };
  }
  /** Starts a phase (outside its timing): a full collection, and the peak so far forgotten. */
  reset(): void {
    collect();
    this.retainedBefore = process.memoryUsage().heapUsed;
    this.peak = { rss: 0, heap: 0 };
    this.sample();
  }
  /** Ends a phase (outside its timing): its peaks, and what it left alive after a full collection. */
  read(): Peak {
    this.sample();
    const peak = { ...this.peak };
    collect();
    return { ...peak, retainedBefore: this.retainedBefore, retainedAfter: process.memoryUsage().heapUsed };
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

const memory = new MemorySampler();

interface Phase<T> {
  value: T;
  ms: number;
  peak: Peak;
}

async function phase<T>(work: () => Promise<T>): Promise<Phase<T>> {
  memory.reset();
  const started = performance.now();
  const value = await work();
  const ms = performance.now() - started;
  return { value, ms, peak: memory.read() };
}

const median = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? NaN)
    : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
};

// ---- the data: teachers, gigs, students, bookings, payments, ledger ----

interface Seeded {
  teacherIds: number[];
  sessions: number;
  teacherTotalMinor: number;
  seedMs: number;
  backfillMs: number;
  ledgerLines: number;
  analyzeMs: number;
}

/**
 * `sessions` COMPLETED, PAID sessions (60 min, USD) spread round-robin over `teachers` teachers with
 * one gig each (rates 20.00–60.00/h), all ended 4+ days before `now`; one PAID payment each; then the
 * ledger from `ledger_backfill()` and fresh planner statistics.
 */
async function seed(container: Container, kind: Kind, sessions: number, teachers: number, now: Date): Promise<Seeded> {
  const db = container.db;
  const quotes = Array.from({ length: teachers }, (_, index) =>
    quoteSession({ currency: CURRENCY, hourlyRateMinor: 2000 + (index % 41) * 100, minutes: 60 }),
  );
  const started = performance.now();
  const teacherIds = await db.nativeTransaction(async (query) => {
    const reserve = async (table: string, count: number) =>
      (
        await query<{ id: number }>(
          `SELECT nextval(pg_get_serial_sequence('"${table}"', 'id'))::int AS id FROM generate_series(1, $1::int)`,
          [count],
        )
      ).map((row) => row.id);
    const ids = await reserve('Teacher', teachers);
    const gigIds = await reserve('Gig', teachers);
    await query(
      `INSERT INTO "Teacher" (id, email, name, timezone, "createdAt")
       SELECT id, 'bench-teacher-' || id || '@payouts.bench.test', 'Bench Teacher ' || id, 'UTC', $2::timestamp(3)
       FROM unnest($1::int[]) AS t(id)`,
      [ids, now.toISOString()],
    );
    await query(
      `INSERT INTO "Gig" (id, "teacherId", title, language, "hourlyRateMinor", currency, active, "createdAt")
       SELECT gig, teacher, 'Conversation', 'Spanish', rate, $4, true, $5::timestamp(3)
       FROM unnest($1::int[], $2::int[], $3::int[]) AS g(gig, teacher, rate)`,
      [gigIds, ids, quotes.map((quote) => quote.hourlyRateMinor), CURRENCY, now.toISOString()],
    );
    const students = Math.max(1, Math.min(5000, Math.ceil(sessions / 20)));
    await query(
      `INSERT INTO "Student" (email, name, timezone, "createdAt")
       SELECT 'bench-student-' || g || '@payouts.bench.test', 'Bench Student ' || g, 'UTC', $2::timestamp(3)
       FROM generate_series(1, $1::int) AS g`,
      [students, now.toISOString()],
    );
    // Session g goes to teacher g mod M; a teacher's sessions are 3 h apart, the newest ending 4 days ago.
    await query(
      `WITH t AS (
         SELECT * FROM unnest($2::int[], $3::int[], $4::int[], $5::int[], $6::int[], $7::int[], $8::int[], $9::int[])
           WITH ORDINALITY AS t(teacher, gig, rate, base, fee, total, bps, min_fee, k)
       ),
       s AS (SELECT min(id) AS first, count(*)::int AS n FROM "Student"),
       g AS (
         SELECT g, $10::timestamp(3) - interval '4 days' - (g / $11::int) * interval '3 hours'
                   - (g % $11::int) * interval '1 second' AS ends
         FROM generate_series(0, $1::int - 1) AS g
       )
       INSERT INTO "Booking" ("studentId", "teacherId", "gigId", "startsAt", "endsAt", minutes, status, "paymentStatus",
         queue, currency, "hourlyRateMinor", "baseMinor", "feeMinor", "totalMinor", "teacherMinor", "platformMinor",
         "feeRateBps", "minimumFeeMinor", version, "createdAt", "updatedAt")
       SELECT s.first + g.g % s.n, t.teacher, t.gig, g.ends - interval '1 hour', g.ends, 60, 'COMPLETED', 'PAID',
         'COMPLETED', $12, t.rate, t.base, t.fee, t.total, t.base, t.fee, t.bps, t.min_fee, 4,
         g.ends - interval '8 days', g.ends + interval '1 hour'
       FROM g JOIN t ON t.k = g.g % $11::int + 1 CROSS JOIN s`,
      [
        sessions,
        ids,
        gigIds,
        quotes.map((quote) => quote.hourlyRateMinor),
        quotes.map((quote) => quote.baseMinor),
        quotes.map((quote) => quote.feeMinor),
        quotes.map((quote) => quote.totalMinor),
        quotes.map((quote) => quote.feeRateBps),
        quotes.map((quote) => quote.minimumFeeMinor),
        now.toISOString(),
        teachers,
        CURRENCY,
      ],
    );
    await query(
      `INSERT INTO "Payment" ("bookingId", "amountMinor", currency, status, "refundedMinor", "idempotencyKey",
         "stripeStatus", "paidAt", version, "createdAt", "updatedAt")
       SELECT b.id, b."totalMinor", b.currency, 'PAID', 0, 'bench:booking:' || b.id || ':payment', 'succeeded',
         b."startsAt" - interval '7 days', 2, b."startsAt" - interval '7 days', b."startsAt" - interval '7 days'
       FROM "Booking" b WHERE b."teacherId" = ANY($1::int[])`,
      [ids],
    );
    return ids;
  });
  const seedMs = performance.now() - started;
  const backfillStarted = performance.now();
  const [posted] = await db.prisma.$queryRawUnsafe<{ posted: number }[]>('SELECT "ledger_backfill"() AS posted');
  const backfillMs = performance.now() - backfillStarted;
  const analyzeStarted = performance.now();
  if (kind === 'postgres') await db.prisma.$executeRawUnsafe('ANALYZE');
  else await db.maintain();
  const analyzeMs = performance.now() - analyzeStarted;
  const [total] = await db.directQuery<{ total: string }>(
    `SELECT coalesce(sum("teacherMinor"), 0)::text AS total FROM "Booking" WHERE "teacherId" = ANY($1::int[])`,
    [teacherIds],
  );
  return {
    teacherIds,
    sessions,
    teacherTotalMinor: Number(total?.total ?? 0),
    seedMs,
    backfillMs,
    ledgerLines: posted?.posted ?? 0,
    analyzeMs,
  };
}

/** A connected account at the local Stripe for every teacher, through the product's gateway, 8 at a time. */
async function connectTeachers(container: Container, teacherIds: readonly number[]): Promise<void> {
  const gateway = container.integrations.gateway;
  const accounts: string[] = new Array<string>(teacherIds.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const index = next++;
      const teacherId = teacherIds[index];
      if (teacherId === undefined) return;
      const account = await gateway.createConnectedAccount(
        { email: `bench-teacher-${teacherId}@payouts.bench.test`, teacherId },
        `teacher:${teacherId}:connect`,
      );
      if (!account.transfersActive) throw new Error(`The sandbox's account ${account.id} cannot receive transfers`);
      accounts[index] = account.id;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await container.db.nativeTransaction((query) =>
    query(
      `UPDATE "Teacher" t SET "stripeAccountId" = a.account, "transfersActive" = true, "payoutsEnabled" = true
       FROM unnest($1::int[], $2::text[]) AS a(id, account) WHERE t.id = a.id`,
      [teacherIds, accounts],
    ),
  );
}

function sdkFor(stripe: StripeSandbox): Stripe {
  const url = new URL(stripe.url);
  return new Stripe(stripe.apiKey, {
    host: url.hostname,
    port: url.port,
    protocol: 'http',
    maxNetworkRetries: 0,
    timeout: 30_000,
    telemetry: false,
  });
}

/**
 * The platform balance at the sandbox comes only from charges: cards' funds are pending for 2 days of
 * the sandbox's clock, except `pm_card_bypassPending` (4000 0000 0000 0077), whose funds are available
 * at once. So: charges of at most 999,999.99 on that card until the available balance covers `amount`.
 */
async function fund(stripe: StripeSandbox, amountMinor: number): Promise<{ charges: number; availableMinor: number }> {
  const sdk = sdkFor(stripe);
  const customer = await sdk.customers.create({ email: 'platform-funding@payouts.bench.test', name: 'Funding' });
  const method = await sdk.paymentMethods.attach('pm_card_bypassPending', { customer: customer.id });
  let charges = 0;
  for (let left = amountMinor; left > 0; left -= MAX_CHARGE) {
    await sdk.paymentIntents.create({
      amount: Math.max(100, Math.min(MAX_CHARGE, left)),
      currency: CURRENCY.toLowerCase(),
      customer: customer.id,
      payment_method: method.id,
      confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    charges += 1;
  }
  const balance = await sdk.balance.retrieve();
  const available = balance.available.find((entry) => entry.currency === CURRENCY.toLowerCase())?.amount ?? 0;
  if (available < amountMinor) throw new Error(`The sandbox's available balance is ${available}, not ${amountMinor}`);
  return { charges, availableMinor: available };
}

// ---- the local Stripe on its own ----

interface Direct {
  transfers: number;
  seconds: number;
}

/** `count` transfers, 8 in flight, straight at the sandbox: raw HTTP (fetch) or the Stripe SDK the product uses. */
async function directTransfers(
  stripe: StripeSandbox,
  accounts: readonly string[],
  count: number,
  client: 'fetch' | 'sdk',
): Promise<Direct> {
  const sdk = sdkFor(stripe);
  let next = 0;
  const send = async (index: number) => {
    const destination = accounts[index % accounts.length] ?? '';
    const key = `bench-direct-${client}-${index}`;
    const metadata = { payoutLineId: String(index), payoutRunId: '0', teacherId: String(index % accounts.length) };
    if (client === 'sdk') {
      await sdk.transfers.create(
        { amount: 1000, currency: 'usd', destination, transfer_group: `bench-direct-${client}`, metadata },
        { idempotencyKey: key },
      );
      return;
    }
    const body = new URLSearchParams({
      amount: '1000',
      currency: 'usd',
      destination,
      transfer_group: `bench-direct-${client}`,
      ...Object.fromEntries(Object.entries(metadata).map(([name, value]) => [`metadata[${name}]`, value])),
    });
    const response = await fetch(`${stripe.url}/v1/transfers`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${stripe.apiKey}`,
        'Content-Type': 'application/x-www-form-urlencoded',
        'Idempotency-Key': key,
      },
      body,
    });
    if (!response.ok) throw new Error(`POST /v1/transfers answered ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
  };
  const run = async (from: number, to: number) => {
    next = from;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (;;) {
          const index = next++;
          if (index >= to) return;
          await send(index);
        }
      }),
    );
  };
  const warmUp = Math.min(100, count);
  await run(count, count + warmUp); // connections and JIT warm, not counted
  const started = performance.now();
  await run(0, count);
  return { transfers: count, seconds: (performance.now() - started) / 1000 };
}

// ---- one database ----

interface SendFigures {
  lines: number;
  sent: number;
  failed: number;
  seconds: number;
  /** READY → SENDING, one transaction per line, before any transfer goes out. */
  startSeconds: number | null;
  /** From the last line started to the last one answered: the transfers themselves. */
  transferSeconds: number | null;
  /** After the last line settled until `send` returned (finishing the run, its detail). */
  tailSeconds: number | null;
}

interface Result {
  kind: Kind;
  seeded: Seeded;
  accounts: Phase<void>;
  funding: Phase<{ charges: number; availableMinor: number }>;
  preview: { medianMs: number; samples: number[]; lines: number; ready: number; peak: Peak } | null;
  createRun: Phase<{ id: number; lines: number; ready: number; totalMinor: number }> | null;
  approve: Phase<void> | null;
  send: Phase<SendFigures> | null;
  check: { medianMs: number; samples: number[]; ok: boolean; problems: number; peak: Peak } | null;
  direct: { fetch: Direct; sdk: Direct; peak: Peak } | null;
  errors: string[];
}

/** Polls the run's lines by state while `send` runs, to split its time into phases. */
function watchSend(container: Container, runId: number, lines: number) {
  const started = performance.now();
  let startedAll: number | null = null;
  let settledAll: number | null = null;
  let stopped = false;
  const poll = async () => {
    while (!stopped) {
      const rows = await container.db.directQuery<{ status: string; n: number }>(
        `SELECT status::text AS status, count(*)::int AS n FROM "PayoutLine" WHERE "runId" = $1 GROUP BY status`,
        [runId],
      );
      const count = (status: string) => rows.find((row) => row.status === status)?.n ?? 0;
      const now = performance.now();
      if (startedAll === null && count('READY') === 0) startedAll = now;
      if (startedAll !== null && settledAll === null && count('SENDING') === 0 && count('READY') === 0)
        settledAll = now;
      if (settledAll !== null) return;
      await new Promise((resolve) => setTimeout(resolve, lines > 1000 ? 250 : 50));
    }
  };
  const polling = poll().catch(() => undefined);
  return async (): Promise<Omit<SendFigures, 'lines' | 'sent' | 'failed'>> => {
    const ended = performance.now();
    stopped = true;
    await polling;
    // Settled between the last poll and `send` returning: the tail was shorter than one poll.
    startedAll ??= ended;
    settledAll ??= ended;
    const s = (from: number | null, to: number | null) => (from !== null && to !== null ? (to - from) / 1000 : null);
    return {
      seconds: (ended - started) / 1000,
      startSeconds: s(started, startedAll),
      transferSeconds: s(startedAll, settledAll),
      tailSeconds: s(settledAll, ended),
    };
  };
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n').join(' ');

async function benchOne(
  kind: Kind,
  work: string,
  server: PostgresServer | undefined,
  sessions: number,
  teachers: number,
  directCount: number,
): Promise<Result> {
  let database;
  if (kind === 'postgres') {
    if (!server) throw new Error('no PostgreSQL server');
    const admin = new pg.Client({ connectionString: server.url('postgres') });
    await admin.connect();
    await admin.query('CREATE DATABASE bench_payouts');
    await admin.end();
    database = { kind: 'postgres' as const, url: server.url('bench_payouts') };
  } else {
    database = { kind: 'pglite' as const, dataDir: path.join(work, 'pglite', 'db') };
  }
  const container = await createContainer({
    config: { dataDir: path.join(work, kind), database, firstAdmin: null },
    env: {},
  });
  const errors: string[] = [];
  try {
    const stripe = container.integrations.sandboxes.stripe;
    if (!stripe) throw new Error('expected the local Stripe sandbox');
    const services = container.services;
    // Two finance staff: one creates the run, the other approves it (four eyes, R43).
    const staff = await container.db.nativeTransaction((query) =>
      query<{ id: number; role: 'FINANCE' | 'ADMIN' }>(
        `INSERT INTO "Staff" (email, name, role, "passwordHash", active, "createdAt", "updatedAt")
         SELECT email, name, role::"StaffRole", 'disabled$bench', true, now(), now()
         FROM (VALUES ('fay@payouts.bench.test', 'Fay Finance', 'FINANCE'), ('ada@payouts.bench.test', 'Ada Admin', 'ADMIN'))
           AS s(email, name, role)
         RETURNING id, role::text AS role`,
      ),
    );
    const finance = staff.find((row) => row.role === 'FINANCE');
    const admin = staff.find((row) => row.role === 'ADMIN');
    if (!finance || !admin) throw new Error('staff not created');
    const creator: Staff = { kind: 'STAFF', id: finance.id, role: 'FINANCE' };
    const approver: Staff = { kind: 'STAFF', id: admin.id, role: 'ADMIN' };

    const now = container.clock.now();
    process.stdout.write(
      `${kind}: writing ${sessions.toLocaleString('en-US')} sessions over ${teachers.toLocaleString('en-US')} teachers… `,
    );
    const seeded = await seed(container, kind, sessions, teachers, now);
    console.log(
      `${(seeded.seedMs / 1000).toFixed(1)} s, ledger_backfill() ${(seeded.backfillMs / 1000).toFixed(1)} s (${seeded.ledgerLines.toLocaleString('en-US')} lines), statistics ${(seeded.analyzeMs / 1000).toFixed(1)} s`,
    );
    process.stdout.write(`${kind}: ${teachers.toLocaleString('en-US')} connected accounts at the local Stripe… `);
    const accounts = await phase(() => connectTeachers(container, seeded.teacherIds));
    console.log(
      `${(accounts.ms / 1000).toFixed(1)} s (${(teachers / (accounts.ms / 1000)).toFixed(0)}/s, not counted)`,
    );
    const funding = await phase(() =>
      fund(stripe, seeded.teacherTotalMinor + (directCount + 100) * 2 * 1000 + 100_000),
    );
    console.log(
      `${kind}: platform balance funded with ${funding.value.charges} pm_card_bypassPending charges: ${(funding.value.availableMinor / 100).toLocaleString('en-US')} USD available`,
    );

    const result: Result = {
      kind,
      seeded,
      accounts,
      funding,
      preview: null,
      createRun: null,
      approve: null,
      send: null,
      check: null,
      direct: null,
      errors,
    };
    const cutoff = new Date(container.clock.now().getTime() - 1000);
    try {
      memory.reset();
      const samples: number[] = [];
      let lines = 0;
      let ready = 0;
      for (let i = 0; i < 5; i += 1) {
        const started = performance.now();
        const preview = await services.payouts.preview(creator, { currency: CURRENCY, cutoff });
        samples.push(performance.now() - started);
        lines = preview.lines.length;
        ready = preview.lines.filter((line) => line.state === 'READY').length;
      }
      result.preview = { medianMs: median(samples), samples, lines, ready, peak: memory.read() };
      console.log(
        `${kind}: preview ${samples.map((ms) => ms.toFixed(0)).join(', ')} ms (${lines.toLocaleString('en-US')} lines, ${ready.toLocaleString('en-US')} ready)`,
      );
    } catch (error) {
      errors.push(`preview: ${message(error)}`);
    }

    let runId: number | null = null;
    try {
      result.createRun = await phase(async () => {
        const run = await services.payouts.createRun(creator, { currency: CURRENCY, cutoff });
        return { id: run.id, lines: run.totals.lines, ready: run.totals.ready, totalMinor: run.totalMinor };
      });
      runId = result.createRun.value.id;
      console.log(
        `${kind}: createRun ${result.createRun.ms.toFixed(0)} ms (run ${runId}: ${result.createRun.value.lines} lines, ${result.createRun.value.ready} ready, ${(result.createRun.value.totalMinor / 100).toLocaleString('en-US')} USD)`,
      );
    } catch (error) {
      errors.push(`createRun: ${message(error)}`);
      console.log(`${kind}: createRun FAILED: ${message(error).slice(0, 400)}`);
    }

    if (runId !== null) {
      const id = runId;
      try {
        result.approve = await phase(async () => {
          await services.payouts.approve(approver, { id });
        });
        console.log(`${kind}: approve ${result.approve.ms.toFixed(0)} ms`);
      } catch (error) {
        errors.push(`approve: ${message(error)}`);
        console.log(`${kind}: approve FAILED: ${message(error).slice(0, 400)}`);
      }
    }

    if (runId !== null && result.approve) {
      const id = runId;
      const lines = result.createRun?.value.ready ?? 0;
      process.stdout.write(`${kind}: sending ${lines.toLocaleString('en-US')} lines… `);
      try {
        const watch = watchSend(container, id, lines);
        result.send = await phase(async () => {
          let failure: unknown = null;
          await services.payouts.send(approver, { id }).catch((error: unknown) => (failure = error));
          const timing = await watch();
          const [counts] = await container.db.directQuery<{ sent: number; failed: number }>(
            `SELECT count(*) FILTER (WHERE status = 'SENT')::int AS sent, count(*) FILTER (WHERE status = 'FAILED')::int AS failed
             FROM "PayoutLine" WHERE "runId" = $1`,
            [id],
          );
          if (failure !== null) errors.push(`send: ${message(failure)}`);
          return { lines, sent: counts?.sent ?? 0, failed: counts?.failed ?? 0, ...timing };
        });
        const figures = result.send.value;
        console.log(
          `${figures.seconds.toFixed(1)} s, ${(figures.sent / figures.seconds).toFixed(0)} lines/s (${figures.sent} sent, ${figures.failed} failed)`,
        );
      } catch (error) {
        errors.push(`send: ${message(error)}`);
        console.log(`FAILED: ${message(error).slice(0, 400)}`);
      }
    }

    try {
      memory.reset();
      const samples: number[] = [];
      let ok = false;
      let problems = 0;
      for (let i = 0; i < 3; i += 1) {
        const started = performance.now();
        const check = await services.ledger.check(approver, {});
        samples.push(performance.now() - started);
        ok = check.ok;
        problems = check.problems.length;
        if (!check.ok) errors.push(`ledger.check: ${check.problems.slice(0, 3).join('; ')}`);
      }
      result.check = { medianMs: median(samples), samples, ok, problems, peak: memory.read() };
      console.log(
        `${kind}: ledger.check ${samples.map((ms) => ms.toFixed(0)).join(', ')} ms (${ok ? 'ok' : `${problems} problems`})`,
      );
    } catch (error) {
      errors.push(`ledger.check: ${message(error)}`);
    }

    try {
      const rows = await container.db.directQuery<{ account: string }>(
        `SELECT "stripeAccountId" AS account FROM "Teacher" WHERE id = ANY($1::int[]) AND "stripeAccountId" IS NOT NULL LIMIT 100`,
        [seeded.teacherIds],
      );
      const destinations = rows.map((row) => row.account);
      memory.reset();
      const sdk = await directTransfers(stripe, destinations, directCount, 'sdk');
      const fetched = await directTransfers(stripe, destinations, directCount, 'fetch');
      result.direct = { fetch: fetched, sdk, peak: memory.read() };
      console.log(
        `${kind}: local Stripe alone, ${CONCURRENCY} at a time: ${(fetched.transfers / fetched.seconds).toFixed(0)} transfers/s raw HTTP, ${(sdk.transfers / sdk.seconds).toFixed(0)} through the Stripe SDK`,
      );
    } catch (error) {
      errors.push(`direct transfers: ${message(error)}`);
    }
    return result;
  } finally {
    await container.close();
  }
}

// ---- the report ----

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const opt = (value: number | null, format: (value: number) => string) => (value === null ? '—' : format(value));

function printGrid(header: string[], lines: string[][]): void {
  const widths = header.map((title, index) => Math.max(title.length, ...lines.map((line) => line[index]?.length ?? 0)));
  const format = (cells: string[]) => cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join(' | ');
  console.log(`\n${format(header)}\n${widths.map((width) => '-'.repeat(width)).join('-|-')}`);
  for (const line of lines) console.log(format(line));
}

function printReport(results: Result[], sessions: number, teachers: number): void {
  const column = (map: (result: Result) => string) => results.map(map);
  const rows: [string, ...string[]][] = [
    ['bulk write (bookings, payments)', ...column((r) => sec(r.seeded.seedMs))],
    ['ledger_backfill()', ...column((r) => `${sec(r.seeded.backfillMs)} (${r.seeded.ledgerLines} lines)`)],
    ['connected accounts (not counted)', ...column((r) => `${sec(r.accounts.ms)} (${r.seeded.teacherIds.length})`)],
    ['payouts.preview, median of 5', ...column((r) => (r.preview ? `${r.preview.medianMs.toFixed(0)} ms` : 'FAILED'))],
    ['  preview samples ms', ...column((r) => r.preview?.samples.map((ms) => ms.toFixed(0)).join(' ') ?? '—')],
    ['payouts.createRun', ...column((r) => (r.createRun ? `${r.createRun.ms.toFixed(0)} ms` : 'FAILED'))],
    [
      '  lines / ready',
      ...column((r) => (r.createRun ? `${r.createRun.value.lines} / ${r.createRun.value.ready}` : '—')),
    ],
    [
      'payouts.approve (2nd staff)',
      ...column((r) => (r.approve ? `${r.approve.ms.toFixed(0)} ms` : r.createRun ? 'FAILED' : 'not run')),
    ],
    [
      'payouts.send, lines/s overall',
      ...column((r) =>
        r.send
          ? `${(r.send.value.sent / r.send.value.seconds).toFixed(0)}/s (${r.send.value.sent} in ${r.send.value.seconds.toFixed(1)} s)`
          : 'not run',
      ),
    ],
    [
      '  start lines (READY→SENDING)',
      ...column((r) => opt(r.send?.value.startSeconds ?? null, (s) => `${s.toFixed(1)} s`)),
    ],
    [
      '  transfers, lines/s',
      ...column((r) =>
        opt(
          r.send?.value.transferSeconds ?? null,
          (s) => `${s.toFixed(1)} s, ${((r.send?.value.sent ?? 0) / s).toFixed(0)}/s`,
        ),
      ),
    ],
    [
      '  after the last line settled',
      ...column((r) => opt(r.send?.value.tailSeconds ?? null, (s) => `${s.toFixed(1)} s`)),
    ],
    ['  sent / failed', ...column((r) => (r.send ? `${r.send.value.sent} / ${r.send.value.failed}` : '—'))],
    [
      `local Stripe alone, ${CONCURRENCY} at a time`,
      ...column((r) =>
        r.direct
          ? `${(r.direct.fetch.transfers / r.direct.fetch.seconds).toFixed(0)}/s raw HTTP, ${(r.direct.sdk.transfers / r.direct.sdk.seconds).toFixed(0)}/s SDK`
          : '—',
      ),
    ],
    [
      'ledger.check, median of 3',
      ...column((r) => (r.check ? `${r.check.medianMs.toFixed(0)} ms${r.check.ok ? '' : ' (NOT ok)'}` : 'FAILED')),
    ],
    ['  check samples ms', ...column((r) => r.check?.samples.map((ms) => ms.toFixed(0)).join(' ') ?? '—')],
  ];
  const [load1, load5] = os.loadavg();
  console.log(
    `\nTeacher payouts: ${sessions.toLocaleString('en-US')} sessions, ${teachers.toLocaleString('en-US')} teachers, ${CURRENCY}` +
      ` (machine: ${os.cpus().length} cores, load average ${load1?.toFixed(1)} / ${load5?.toFixed(1)} over 1 / 5 min at the end)`,
  );
  printGrid(
    ['figure', ...results.map((r) => r.kind)],
    rows.map(([label, ...cells]) => [label, ...cells]),
  );
  const peak = (value: Peak | undefined) =>
    value ? `${mb(value.rss)} / ${mb(value.heap)} / ${mb(value.retainedBefore)}→${mb(value.retainedAfter)}` : '—';
  printGrid(
    ['memory MB: peak RSS / peak heap used / heap live before→after', ...results.map((r) => r.kind)],
    [
      ['connected accounts', ...column((r) => peak(r.accounts.peak))],
      ['preview ×5', ...column((r) => peak(r.preview?.peak))],
      ['createRun', ...column((r) => peak(r.createRun?.peak))],
      ['approve', ...column((r) => peak(r.approve?.peak))],
      ['send', ...column((r) => peak(r.send?.peak))],
      ['ledger.check ×3', ...column((r) => peak(r.check?.peak))],
      ['local Stripe alone', ...column((r) => peak(r.direct?.peak))],
    ],
  );
  console.log(
    '\n(one process: the local Stripe and PGlite run inside it, so their memory is in these figures — the sandbox keeps every' +
      ' account, transfer, event and idempotent answer; PostgreSQL runs apart. "Live" is heap used after a full collection.)',
  );
  console.log('\nGoals (PostgreSQL):');
  const postgres = results.find((r) => r.kind === 'postgres');
  if (!postgres) console.log('  not measured (run with --db postgres or both)');
  else {
    const goal = (label: string, ms: number | undefined, limit: number) =>
      console.log(
        `  ${label} < ${limit / 1000} s: ${ms === undefined ? 'MISSED (failed)' : `${ms < limit ? 'met' : 'MISSED'} (${(ms / 1000).toFixed(2)} s)`}`,
      );
    goal('preview', postgres.preview?.medianMs, PREVIEW_GOAL_MS);
    goal('ledger check', postgres.check?.medianMs, CHECK_GOAL_MS);
  }
  for (const r of results)
    for (const error of r.errors)
      console.log(`${r.kind}: ERROR ${error.length > 600 ? `${error.slice(0, 600)}…` : error}`);
  if (results.some((r) => r.errors.some((error) => error.startsWith('createRun') && error.includes('bind message'))))
    console.log(
      `\ncreateRun: PayoutRepository.planLines updates the lines with one VALUES list of 7 bind parameters per line;` +
        ` the wire protocol counts parameters in 16 bits (at most 65,535), so a run of more than` +
        ` ${Math.floor((65_535 - 1) / 7).toLocaleString('en-US')} lines cannot be created (here ${teachers.toLocaleString('en-US')}).` +
        ` Approve, send and their memory were therefore not measured at this size; try --teachers 9000.`,
    );
}

/**
 * rate-limiter-flexible's Prisma store clears expired rows every 5 minutes on a timer that
 * `container.close()` does not stop, so once a database's container is closed each of its six limiters
 * logs a stack trace every 5 minutes. Counted here and reported once instead of flooding the figures.
 */
let staleLimiterWarnings = 0;
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].startsWith('Failed to clear expired records')) staleLimiterWarnings += 1;
  else warn(...args);
};

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const sessions = Number(argValue(argv, 'sessions') ?? '100000');
  const teachers = Number(argValue(argv, 'teachers') ?? '10000');
  const only = argValue(argv, 'db') ?? 'both';
  if (!['pglite', 'postgres', 'both'].includes(only)) throw new Error('--db must be pglite, postgres or both');
  if (!Number.isInteger(sessions) || !Number.isInteger(teachers) || teachers < 1 || sessions < teachers)
    throw new Error('--sessions and --teachers must be whole numbers, with at least one session per teacher');
  const directCount = Number(argValue(argv, 'direct') ?? String(Math.min(2000, teachers)));
  const kinds = (['postgres', 'pglite'] as const).filter((kind) => only === 'both' || only === kind);
  const work = mkdtempSync(path.join(os.tmpdir(), 'linguaflex-bench-payouts-'));
  const server = kinds.includes('postgres') ? await startPostgres({ durable: true }) : undefined;
  const results: Result[] = [];
  try {
    for (const kind of kinds) results.push(await benchOne(kind, work, server, sessions, teachers, directCount));
  } finally {
    memory.stop();
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  }
  printReport(results, sessions, teachers);
  if (staleLimiterWarnings > 0)
    console.log(
      `\n(${staleLimiterWarnings} "Failed to clear expired records" warnings from rate limiters of an already closed container were hidden)`,
    );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
