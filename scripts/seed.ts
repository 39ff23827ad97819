/**
 * npm run seed -- --bookings N [--seed S] [--now ISO] [--data-dir DIR]
 * Deterministic demo data (same N, seed and day → same rows) into the configured database
 * (embedded PGlite in the data dir, or DATABASE_URL). Applies pending migrations first.
 */
import { argValue, loadConfig } from '../src/main/config/config';
import { openDatabase } from '../src/main/db/database';
import { seedDatabase } from '../src/main/db/bulk-seed';
import { applyPendingMigrations } from '../src/main/db/migrate';

function startOfUtcDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const bookingsText = argValue(argv, 'bookings') ?? '1000';
  const bookings = Number(bookingsText);
  if (!Number.isInteger(bookings) || bookings < 10 || bookings > 1_000_000) {
    console.error(`--bookings must be a whole number from 10 to 1000000, got "${bookingsText}"`);
    return 2;
  }
  const seedText = argValue(argv, 'seed') ?? '1';
  const seed = Number(seedText);
  if (!Number.isInteger(seed) || seed < 0) {
    console.error(`--seed must be a non-negative whole number, got "${seedText}"`);
    return 2;
  }
  const nowText = argValue(argv, 'now');
  const now = nowText ? new Date(nowText) : startOfUtcDay(new Date());
  if (Number.isNaN(now.getTime())) {
    console.error(`--now must be an ISO date, got "${nowText ?? ''}"`);
    return 2;
  }
  const config = loadConfig(argv);
  const db = await openDatabase(config.database);
  try {
    await applyPendingMigrations(db);
    const started = performance.now();
    let lastPrint = 0;
    console.log(
      `Seeding ${bookings.toLocaleString('en-US')} bookings (seed ${seed}, around ${now.toISOString().slice(0, 10)}) into ${db.description}…`,
    );
    const result = await seedDatabase(db, { bookings, seed, now }, ({ done, total }) => {
      const elapsed = (performance.now() - started) / 1000;
      if (total >= 20_000 && (elapsed - lastPrint > 2 || done === total)) {
        lastPrint = elapsed;
        console.log(
          `  ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} bookings  ${elapsed.toFixed(1)} s  ${Math.round(done / elapsed).toLocaleString('en-US')}/s`,
        );
      }
    });
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `Done in ${seconds.toFixed(1)} s: ${result.teachers} teachers, ${result.students} students, ${result.gigs} gigs, ` +
        `${result.bookings.toLocaleString('en-US')} bookings, ${result.transitions.toLocaleString('en-US')} transitions.`,
    );
    return 0;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
