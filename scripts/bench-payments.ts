/**
 * npm run bench:payments [-- --flows 200] [--concurrency 4] [--runs 3] [--db pglite|postgres]
 * The seed's whole flow against the local sandboxes, on PGlite and on PostgreSQL: booking created,
 * teacher confirms, card attached, intent, payment, then the Zoom meeting and both emails delivered
 * by the outbox worker. Prints flows per second and the worker's delivery latency (commit → sent) of
 * each burst and their median (this machine's speed varies from one minute to the next).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { argValue } from '../src/main/config/config';
import { createContainer, type Container } from '../src/main/container';
import { HOUR_MS } from '../src/main/domain/clock';
import { startPostgres } from '../tests/support/postgres-server';
import { postgresCpuMs } from './bench-cpu';
import { instrument, type Timing } from './bench-timing';

/** The middle value; for an even count, the mean of the two middle ones. */
const median = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
};

const pct = (samples: number[], p: number) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

async function runFlows(
  container: Container,
  flows: number,
  concurrency: number,
  tag: string,
  timing: Timing | null,
  waitEach = false,
  postgresPort: number | null = null,
): Promise<{ seconds: number; latencies: number[]; requestMs: number[]; cpuMs: number; postgresMs: number | null }> {
  const watermark = (await container.db.prisma.outboxMessage.aggregate({ _max: { id: true } }))._max.id ?? 0;
  const admin = { kind: 'STAFF' as const, id: 1, role: 'ADMIN' as const };
  const { services } = container;
  const teachers: { teacher: { id: number }; gig: { id: number } }[] = [];
  for (let t = 0; t < concurrency * 2; t += 1) {
    const teacher = await services.people.create(admin, {
      kind: 'teacher',
      email: `t${t}-${tag}@bench.test`,
      name: `Teacher ${t}`,
    });
    teachers.push({
      teacher,
      gig: await services.people.createGig(admin, {
        teacherId: teacher.id,
        title: 'Spanish',
        language: 'Spanish',
        hourlyRateMinor: 5000,
        currency: 'USD',
      }),
    });
  }
  const student = await services.people.create(admin, {
    kind: 'student',
    email: `student-${tag}@bench.test`,
    name: 'Bench Student',
  });
  const card = await services.payments.attachMethod(admin, { studentId: student.id, paymentMethodId: 'pm_card_visa' });
  const smtp = container.integrations.sandboxes.smtp;
  const paidMails = () => smtp?.messages.filter((mail) => mail.subject.includes('is paid')).length ?? 0;
  const before = paidMails();
  let next = 0;
  const requestMs: number[] = [];
  timing?.reset();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const postgresBefore = postgresPort === null ? 0 : postgresCpuMs(postgresPort);
  const worker = async () => {
    for (;;) {
      const index = next++;
      if (index >= flows) return;
      const slot = teachers[index % teachers.length];
      if (!slot) return;
      const startsAt = new Date(Date.now() + 48 * HOUR_MS + Math.floor(index / teachers.length) * 3 * HOUR_MS);
      const flowStarted = performance.now();
      const flow = async () => {
        const booking = await services.bookings.create(admin, {
          studentId: student.id,
          gigId: slot.gig.id,
          startsAt,
          minutes: 60,
        });
        await services.bookings.confirm({ kind: 'TEACHER', id: slot.teacher.id }, { id: booking.id });
        const intent = await services.payments.createIntent(admin, {
          bookingId: booking.id,
          paymentMethodId: card.paymentMethodId,
        });
        await services.payments.confirm(admin, { paymentIntentId: intent.paymentIntentId });
      };
      await (timing ? timing.request(flow) : flow());
      requestMs.push(performance.now() - flowStarted);
      if (waitEach) {
        const target = before + (index + 1) * 2;
        while (paidMails() < target) await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  // Done when every flow's two "paid" emails (with the join link) have gone out.
  for (;;) {
    await container.outbox.drain();
    if (paidMails() - before >= flows * 2) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const postgresMs = postgresPort === null ? null : postgresCpuMs(postgresPort) - postgresBefore;
  const rows = await container.db.prisma.outboxMessage.findMany({
    where: { status: 'DELIVERED', id: { gt: watermark } },
    select: { createdAt: true, deliveredAt: true },
  });
  const latencies = rows.map((row) => (row.deliveredAt?.getTime() ?? 0) - row.createdAt.getTime());
  return { seconds, latencies, requestMs, cpuMs, postgresMs };
}

/** Per flow, in ms: the request path (its database, Stripe and the rest) and the outbox's work. */
function breakdown(kind: string, flows: number, timing: Timing, requestMs: number[]): string {
  const { request, background } = timing.totals();
  const per = (ms: number) => (ms / flows).toFixed(1);
  const wall = requestMs.reduce((sum, ms) => sum + ms, 0);
  // Calls overlap (4 flows at once; a call waits while the one thread serves another flow), so the
  // parts are not a sum of the whole: each is the time calls of that kind were outstanding.
  return [
    `${kind.padEnd(9)} where a flow's time goes (ms per flow; calls overlap, so parts do not add up):`,
    `            request path ${per(wall)} from start to PAID; of it, waiting on the database ${per(request.db)}, on Stripe ${per(request.stripe)}`,
    `            outbox worker: database ${per(background.db)}, Zoom ${per(background.zoom)}, mail ${per(background.mail)}, Stripe ${per(background.stripe)}`,
  ].join('\n');
}

const WARM_UP_FLOWS = 60;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const flows = Number(argValue(argv, 'flows') ?? '200');
  const concurrency = Number(argValue(argv, 'concurrency') ?? '4');
  const runs = Number(argValue(argv, 'runs') ?? '3');
  for (const [name, value] of [
    ['flows', flows],
    ['concurrency', concurrency],
    ['runs', runs],
  ] as const)
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} takes a whole number of at least 1`);
  const work = mkdtempSync(path.join(os.tmpdir(), 'linguaflex-bench-payments-'));
  const server = await startPostgres({ durable: true });
  try {
    console.log(`${flows} seed flows, ${concurrency} at a time, against the Stripe, Zoom and SMTP sandboxes:\n`);
    const only = argValue(argv, 'db');
    for (const kind of (['pglite', 'postgres'] as const).filter((name) => only === undefined || name === only)) {
      let database;
      if (kind === 'postgres') {
        const admin = new pg.Client({ connectionString: server.url('postgres') });
        await admin.connect();
        await admin.query('CREATE DATABASE bench_payments');
        await admin.end();
        database = { kind: 'postgres' as const, url: server.url('bench_payments') };
      } else {
        database = { kind: 'pglite' as const, dataDir: path.join(work, 'pglite', 'db') };
      }
      const dataDir = path.join(work, kind);
      const container = await createContainer({ config: { dataDir, database, firstAdmin: null }, env: {} });
      try {
        await container.services.staff.ensureFirstAdmin({ email: 'bench@ops.test', password: 'bench password' });
        const postgresPort = kind === 'postgres' ? server.port : null;
        // The figures come from runs without the timers: they keep per-call context in AsyncLocalStorage,
        // whose promise hooks slow every await of the process (≈ 14 % more CPU per flow in back-to-back runs).
        // A long-running host is measured warm: the first flows also compile the code (V8), fill Prisma's
        // plan cache and prepare each connection's statements.
        const warm = await runFlows(container, WARM_UP_FLOWS, concurrency, 'warm', null);
        console.log(
          `${kind.padEnd(9)} warm-up: ${WARM_UP_FLOWS} flows at ${(WARM_UP_FLOWS / warm.seconds).toFixed(1)} flows/s`,
        );
        // Per burst: this process's CPU (app, its database on PGlite, the sandboxes) is steadier than wall time.
        const rates: number[] = [];
        const cpuPerFlow: number[] = [];
        const postgresPerFlow: number[] = [];
        for (let run = 1; run <= runs; run += 1) {
          const burst = await runFlows(container, flows, concurrency, `burst${run}`, null, false, postgresPort);
          rates.push(flows / burst.seconds);
          cpuPerFlow.push(burst.cpuMs / flows);
          if (burst.postgresMs !== null) postgresPerFlow.push(burst.postgresMs / flows);
          console.log(
            `${kind.padEnd(9)} burst ${run}: ${(flows / burst.seconds).toFixed(1)} flows/s (${burst.seconds.toFixed(1)} s)  ·  delivery latency under that load p50 ${pct(burst.latencies, 50).toFixed(0)} ms, p95 ${pct(burst.latencies, 95).toFixed(0)} ms (${burst.latencies.length} deliveries)  ·  CPU per flow ${(burst.cpuMs / flows).toFixed(1)} ms` +
              (burst.postgresMs === null ? '' : `, PostgreSQL ${(burst.postgresMs / flows).toFixed(1)} ms`),
          );
        }
        console.log(
          `${kind.padEnd(9)} median of ${runs} bursts: ${median(rates).toFixed(1)} flows/s  ·  CPU per flow: this process (app${kind === 'pglite' ? ', its database' : ''} and the sandboxes) ${median(cpuPerFlow).toFixed(1)} ms` +
            (postgresPerFlow.length === 0 ? '' : ` · PostgreSQL ${median(postgresPerFlow).toFixed(1)} ms`),
        );
        const steady = await runFlows(container, 40, 1, 'steady', null, true);
        console.log(
          `${kind.padEnd(9)} steady: one flow at a time, ${(40 / steady.seconds).toFixed(1)} flows/s  ·  delivery latency p50 ${pct(steady.latencies, 50).toFixed(0)} ms, p95 ${pct(steady.latencies, 95).toFixed(0)} ms (${steady.latencies.length} deliveries)`,
        );
        // Then the same burst again with the timers on, for where the time goes.
        const timing = instrument(container);
        const timed = await runFlows(container, flows, concurrency, 'timed', timing, false, postgresPort);
        console.log(breakdown(kind, flows, timing, timed.requestMs));
        console.log(
          `            (a separate burst with the timers on: ${(flows / timed.seconds).toFixed(1)} flows/s, ${(timed.cpuMs / flows).toFixed(1)} ms CPU per flow in this process)`,
        );
      } finally {
        await container.close();
      }
    }
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
