/**
 * npm run bench [-- --sizes 100000,1000000] [--pages 1000] [--iterations 200] [--db pglite|postgres]
 * Seeds PGlite and PostgreSQL side by side at each size and prints one table: seed time, p50/p95 of
 * the first queue page (50 rows, keyset), of page N by keyset and by OFFSET, and booking-creation
 * throughput through the real service. Figures are medians and percentiles of repeated runs.
 * A second table puts each queue figure next to the identical SQL (bookingListSql) run raw on the
 * same connection (Database.directQuery, the driver the app's reads use) and the ratio between them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { argValue } from '../src/main/config/config';
import { createContainer, type Container } from '../src/main/container';
import { seedDatabase } from '../src/main/db/bulk-seed';
import { bookingListSql } from '../src/main/db/repositories/booking-repository';
import { fixedClock, HOUR_MS } from '../src/main/domain/clock';
import type { BookingListQuery } from '../src/main/services/ports';
import { startPostgres } from '../tests/support/postgres-server';

const PAGE = 50;

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

interface Figure {
  p50: number;
  p95: number;
}

/** A queue figure and the same SQL run raw on the same connection, sampled alternately (ABBA) so drift hits both. */
interface Compared extends Figure {
  raw: Figure;
}

async function compare(
  iterations: number,
  run: () => Promise<unknown>,
  raw: () => Promise<unknown>,
): Promise<Compared> {
  for (let i = 0; i < Math.min(20, iterations); i += 1) {
    await run(); // warm caches and plans
    await raw();
  }
  const samples: number[] = [];
  const rawSamples: number[] = [];
  const sample = async (into: number[], work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    into.push(performance.now() - started);
  };
  for (let i = 0; i < iterations; i += 1) {
    if (i % 2 === 0) {
      await sample(samples, run);
      await sample(rawSamples, raw);
    } else {
      await sample(rawSamples, raw);
      await sample(samples, run);
    }
  }
  return {
    p50: percentile(samples, 50),
    p95: percentile(samples, 95),
    raw: { p50: percentile(rawSamples, 50), p95: percentile(rawSamples, 95) },
  };
}

interface Row {
  size: number;
  db: string;
  seedSeconds: number;
  confirmFirst: Compared;
  paymentFirst: Compared;
  keysetDeep: Compared;
  offsetDeep: Compared;
  deepPage: number;
  createsPerSecond: number;
}

async function measure(
  container: Container,
  size: number,
  label: string,
  seedSeconds: number,
  pages: number,
  iterations: number,
): Promise<Row> {
  const now = container.clock.now();
  const admin = { kind: 'STAFF' as const, id: 1, role: 'ADMIN' as const };
  // The repository the app reads with outside transactions (driver-level reads, as the service uses).
  const bookings = container.uow.read.bookings;
  const base = (queue: BookingListQuery['queue']): BookingListQuery => ({
    queue,
    sort: 'startsAt',
    limit: PAGE + 1,
    now,
  });
  // The identical SQL run raw: the text and values list() builds, on the connection list() reads from.
  const raw = (query: BookingListQuery) => {
    const { text, values } = bookingListSql(query);
    return () => container.db.directQuery<{ id: number }>(text, values);
  };
  // The service's first page is the repository's list(base(queue)) (limit + 1, the fixed clock's now).
  for (const queue of ['AWAITING_CONFIRMATION', 'AWAITING_PAYMENT'] as const) {
    const page = await container.services.bookings.list(admin, { queue, limit: PAGE });
    const rawIds = (await raw(base(queue))()).slice(0, PAGE).map((row) => row.id);
    if (JSON.stringify(page.items.map((item) => item.id)) !== JSON.stringify(rawIds)) {
      throw new Error(`The raw SQL for ${queue} does not return the service's page`);
    }
  }
  const confirmFirst = await compare(
    iterations,
    () => container.services.bookings.list(admin, { queue: 'AWAITING_CONFIRMATION', limit: PAGE }),
    raw(base('AWAITING_CONFIRMATION')),
  );
  const paymentFirst = await compare(
    iterations,
    () => container.services.bookings.list(admin, { queue: 'AWAITING_PAYMENT', limit: PAGE }),
    raw(base('AWAITING_PAYMENT')),
  );
  // The cursor of the deepest page that exists (≤ pages), found once by stepping through the queue.
  const total = (await bookings.countByQueue(now)).AWAITING_CONFIRMATION;
  const deepPage = Math.max(1, Math.min(pages, Math.floor((total - 1) / PAGE)));
  const skipped = await bookings.list({
    ...base('AWAITING_CONFIRMATION'),
    limit: 1,
    offset: (deepPage - 1) * PAGE - 1,
  });
  const anchor = skipped[0];
  const after = anchor ? { at: anchor.startsAt, id: anchor.id } : undefined;
  const keysetQuery = { ...base('AWAITING_CONFIRMATION'), after };
  const keysetDeep = await compare(iterations, () => bookings.list(keysetQuery), raw(keysetQuery));
  const offsetQuery = { ...base('AWAITING_CONFIRMATION'), offset: (deepPage - 1) * PAGE };
  const offsetDeep = await compare(
    Math.max(10, Math.floor(iterations / 4)),
    () => bookings.list(offsetQuery),
    raw(offsetQuery),
  );
  // Creation throughput through the service, for fresh teachers so the slots never collide.
  const gigs = [];
  for (let t = 0; t < 10; t += 1) {
    const teacher = await container.services.people.create(admin, {
      kind: 'teacher',
      email: `bench-${label}-${t}@ops.test`,
      name: `Bench Teacher ${t}`,
    });
    gigs.push(
      await container.services.people.createGig(admin, {
        teacherId: teacher.id,
        title: 'Bench',
        language: 'Spanish',
        hourlyRateMinor: 4000,
        currency: 'USD',
      }),
    );
  }
  const students = await container.uow.read.people.searchStudents('', 20);
  const creations = 300;
  const started = performance.now();
  for (let i = 0; i < creations; i += 1) {
    const gig = gigs[i % gigs.length];
    const student = students[i % students.length];
    if (!gig || !student) throw new Error('no gig or student to book');
    const startsAt = new Date(now.getTime() + 48 * HOUR_MS + Math.floor(i / gigs.length) * 5 * HOUR_MS);
    await container.services.bookings.create(admin, { studentId: student.id, gigId: gig.id, startsAt, minutes: 60 });
  }
  const createsPerSecond = creations / ((performance.now() - started) / 1000);
  return {
    size,
    db: label,
    seedSeconds,
    confirmFirst,
    paymentFirst,
    keysetDeep,
    offsetDeep,
    deepPage,
    createsPerSecond,
  };
}

function printGrid(header: string[], lines: string[][]): void {
  const widths = header.map((title, index) => Math.max(title.length, ...lines.map((line) => line[index]?.length ?? 0)));
  const format = (cells: string[]) => cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join(' | ');
  console.log(`\n${format(header)}\n${widths.map((width) => '-'.repeat(width)).join('-|-')}`);
  for (const line of lines) console.log(format(line));
}

const ms = (value: number) => value.toFixed(2);
const RAW_RATIO_GOAL = 1.5;

function printTable(rows: Row[]): void {
  printGrid(
    [
      'bookings',
      'database',
      'seed s',
      'confirm p1 p50/p95 ms',
      'payment p1 p50/p95 ms',
      'keyset pN p50/p95 ms',
      'OFFSET pN p50/p95 ms',
      'N',
      'keyset pN / p1 (p95)',
      'creates/s',
    ],
    rows.map((row) => [
      row.size.toLocaleString('en-US'),
      row.db,
      row.seedSeconds.toFixed(1),
      `${ms(row.confirmFirst.p50)} / ${ms(row.confirmFirst.p95)}`,
      `${ms(row.paymentFirst.p50)} / ${ms(row.paymentFirst.p95)}`,
      `${ms(row.keysetDeep.p50)} / ${ms(row.keysetDeep.p95)}`,
      `${ms(row.offsetDeep.p50)} / ${ms(row.offsetDeep.p95)}`,
      String(row.deepPage),
      (row.keysetDeep.p95 / row.confirmFirst.p95).toFixed(2),
      row.createsPerSecond.toFixed(0),
    ]),
  );
  // Each queue figure next to its SQL run raw on the same connection: what the app layers add.
  printGrid(
    [
      'bookings',
      'database',
      'queue figure',
      'app p50/p95 ms',
      'raw SQL p50/p95 ms',
      'ratio p50',
      'ratio p95',
      `p50 ≤ ${RAW_RATIO_GOAL}×`,
    ],
    rows.flatMap((row) =>
      (
        [
          ['confirm p1 (service)', row.confirmFirst],
          ['payment p1 (service)', row.paymentFirst],
          [`keyset p${row.deepPage} (repository)`, row.keysetDeep],
          [`OFFSET p${row.deepPage} (repository)`, row.offsetDeep],
        ] as const
      ).map(([label, figure]) => {
        const ratio50 = figure.p50 / figure.raw.p50;
        return [
          row.size.toLocaleString('en-US'),
          row.db,
          label,
          `${ms(figure.p50)} / ${ms(figure.p95)}`,
          `${ms(figure.raw.p50)} / ${ms(figure.raw.p95)}`,
          `${ratio50.toFixed(2)}×`,
          `${(figure.p95 / figure.raw.p95).toFixed(2)}×`,
          ratio50 <= RAW_RATIO_GOAL ? 'yes' : 'NO',
        ];
      }),
    ),
  );
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const sizes = (argValue(argv, 'sizes') ?? '100000,1000000').split(',').map(Number);
  const pages = Number(argValue(argv, 'pages') ?? '1000');
  const iterations = Number(argValue(argv, 'iterations') ?? '200');
  const only = argValue(argv, 'db');
  const now = new Date(Date.UTC(2026, 5, 1));
  const rows: Row[] = [];
  const server = only === 'pglite' ? undefined : await startPostgres({ durable: true });
  const work = mkdtempSync(path.join(os.tmpdir(), 'linguaflex-bench-'));
  try {
    for (const size of sizes) {
      for (const kind of ['pglite', 'postgres'] as const) {
        if (only && only !== kind) continue;
        let database;
        if (kind === 'postgres' && server) {
          const name = `bench_${size}`;
          const admin = new pg.Client({ connectionString: server.url('postgres') });
          await admin.connect();
          await admin.query(`CREATE DATABASE ${name}`);
          await admin.end();
          database = { kind: 'postgres' as const, url: server.url(name) };
        } else {
          database = { kind: 'pglite' as const, dataDir: path.join(work, `pglite-${size}`) };
        }
        const container = await createContainer({
          config: { dataDir: work, database, firstAdmin: null },
          clock: fixedClock(now),
        });
        try {
          await container.services.staff.ensureFirstAdmin({ email: 'bench@ops.test', password: 'bench password' });
          process.stdout.write(`seeding ${size.toLocaleString('en-US')} bookings into ${kind}… `);
          const started = performance.now();
          await seedDatabase(container.db, { bookings: size, seed: 1, now });
          const seedSeconds = (performance.now() - started) / 1000;
          console.log(`${seedSeconds.toFixed(1)} s`);
          if (kind === 'postgres') await container.db.prisma.$executeRawUnsafe('ANALYZE');
          rows.push(await measure(container, size, kind, seedSeconds, pages, iterations));
          printTable(rows);
        } finally {
          await container.close();
        }
      }
    }
  } finally {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  }
  console.log(
    '\nTargets at 1,000,000: first page p95 < 15 ms on PGlite and < 5 ms on PostgreSQL; keyset page 1,000 ≤ 1.5× page 1;' +
      ` every queue figure ≤ ${RAW_RATIO_GOAL}× its SQL run raw on the same connection.`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
