import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/main/db/database';
import { seedDatabase } from '../../src/main/db/bulk-seed';
import { applyPendingMigrations } from '../../src/main/db/migrate';
import { migrationsDir } from '../../src/main/db/paths';
import { prismaUnitOfWork } from '../../src/main/db/repositories';
import { createLedgerUseCases } from '../../src/main/services/payouts/ledger-check';

const LEDGER_MIGRATION = /_payouts_ledger$/;
const options = { bookings: 3000, seed: 11, now: new Date('2026-06-01T00:00:00Z') };

const check = (db: Database) =>
  createLedgerUseCases({
    uow: prismaUnitOfWork(db),
    clock: { now: () => new Date() },
  }).check.now();

/**
 * R40's back-fill: a database that already holds history when the ledger migration arrives (here:
 * the demo generator's payments, refunds included) gets a ledger that passes every R46 check, and
 * the back-fill never posts a payment twice.
 */
describe('the ledger migration back-fills an existing database (PGlite)', () => {
  const temp = mkdtempSync(path.join(os.tmpdir(), 'linguaflex-backfill-'));
  afterAll(() => rmSync(temp, { recursive: true, force: true }));

  it('seeded before the ledger existed → migrated → ledger.check ok, every paid payment posted once', async () => {
    // The migrations as they were before the ledger: everything sorted before it.
    const before = path.join(temp, 'before-ledger');
    const names = readdirSync(migrationsDir()).sort();
    const ledgerIndex = names.findIndex((name) => LEDGER_MIGRATION.test(name));
    expect(ledgerIndex).toBeGreaterThan(0);
    cpSync(migrationsDir(), before, {
      recursive: true,
      filter: (source) => {
        const name = path.relative(migrationsDir(), source).split(path.sep)[0] ?? '';
        const index = names.indexOf(name);
        return index === -1 || index < ledgerIndex || name === 'migration_lock.toml';
      },
    });
    const db = await openDatabase({ kind: 'pglite-memory' });
    try {
      await applyPendingMigrations(db, before);
      await seedDatabase(db, options);
      const [{ exists } = { exists: true }] = await db.prisma.$queryRawUnsafe<{ exists: boolean }[]>(
        `SELECT to_regclass('"LedgerEntry"') IS NOT NULL AS exists`,
      );
      expect(exists).toBe(false);

      const applied = await applyPendingMigrations(db);
      expect(applied.some((name) => LEDGER_MIGRATION.test(name))).toBe(true);
      const result = await check(db);
      expect(result.problems).toEqual([]);
      expect(result.ok).toBe(true);

      const [counts] = await db.prisma.$queryRawUnsafe<
        { paid: bigint; posted: bigint; refunded: bigint; refunds: bigint }[]
      >(`
        SELECT (SELECT count(*) FROM "Payment" WHERE status IN ('PAID', 'PARTIALLY_REFUNDED', 'REFUNDED')) AS paid,
               (SELECT count(*) FROM "LedgerEntry" WHERE kind = 'payment_succeeded') AS posted,
               (SELECT count(*) FROM "Payment" WHERE "refundedMinor" > 0) AS refunded,
               (SELECT count(*) FROM "LedgerEntry" WHERE kind = 'refund_succeeded') AS refunds`);
      expect(Number(counts?.paid)).toBeGreaterThan(100);
      expect(Number(counts?.posted)).toBe(Number(counts?.paid));
      expect(Number(counts?.refunded)).toBeGreaterThan(10);
      expect(Number(counts?.refunds)).toBe(Number(counts?.refunded));

      // Per currency: the platform holds what was paid less what was refunded; fees less refunds' parts.
      const [money] = await db.prisma.$queryRawUnsafe<{ held: bigint; expected: bigint }[]>(`
        SELECT (SELECT coalesce(sum("amountMinor"), 0) FROM "LedgerLine" WHERE account = 'stripe_balance' AND currency = 'USD') AS held,
               (SELECT coalesce(sum("amountMinor" - "refundedMinor"), 0) FROM "Payment"
                 WHERE currency = 'USD' AND status IN ('PAID', 'PARTIALLY_REFUNDED', 'REFUNDED')) AS expected`);
      expect(Number(money?.held)).toBe(Number(money?.expected));

      // Run again (as the demo generator does after writing): nothing new is posted.
      const [again] = await db.prisma.$queryRawUnsafe<{ posted: number }[]>('SELECT "ledger_backfill"() AS posted');
      expect(Number(again?.posted)).toBe(0);
      expect((await check(db)).ok).toBe(true);
    } finally {
      await db.close();
    }
  });

  it('seeded after the ledger exists: the demo generator posts its history through the same back-fill', async () => {
    const db = await openDatabase({ kind: 'pglite-memory' });
    try {
      await applyPendingMigrations(db);
      await seedDatabase(db, { ...options, seed: 12 });
      const posted = await db.prisma.ledgerEntry.count({ where: { kind: 'payment_succeeded' } });
      expect(posted).toBeGreaterThan(100);
      const result = await check(db);
      expect(result.problems).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
