/**
 * The simulation's database: one per process (PGlite in memory by default, or a throwaway embedded
 * PostgreSQL), migrated once. Every run starts from empty tables (TRUNCATE … RESTART IDENTITY), so a
 * run's records are exactly the tables' rows: the global passes (reconciliation, sweeps, the outbox)
 * never meet an earlier run's rows, whose Stripe objects lived in an earlier run's sandbox.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/main/db/database';
import { applyPendingMigrations } from '../../src/main/db/migrate';
import { startPostgres, type PostgresServer } from '../../tests/support/postgres-server';

export type SimDbKind = 'pglite' | 'postgres';

export interface SimDatabase {
  readonly kind: SimDbKind;
  readonly db: Database;
  /** Empties every table but the migrations' own (identities restart). */
  reset(): Promise<void>;
  query<Row>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  close(): Promise<void>;
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function openSimDatabase(kind: SimDbKind): Promise<SimDatabase> {
  let server: PostgresServer | null = null;
  let db: Database;
  if (kind === 'postgres') {
    server = await startPostgres();
    const name = `sim_${randomUUID().replaceAll('-', '')}`;
    await adminQuery(server.url('postgres'), `CREATE DATABASE ${name}`);
    db = await openDatabase({ kind: 'postgres', url: server.url(name) });
  } else {
    db = await openDatabase({ kind: 'pglite-memory' });
  }
  try {
    await applyPendingMigrations(db);
  } catch (error) {
    await db.close();
    await server?.stop();
    throw error;
  }
  const tables = (
    await db.directQuery<{ tablename: string }>(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY tablename`,
      [],
    )
  ).map((row) => `"${row.tablename}"`);
  const truncate = `TRUNCATE ${tables.join(', ')} RESTART IDENTITY CASCADE`;
  return {
    kind,
    db,
    reset: async () => {
      await db.directQuery(truncate, []);
    },
    query: <Row>(sql: string, params: readonly unknown[] = []) => db.directQuery<Row>(sql, params),
    close: async () => {
      await db.close();
      await server?.stop();
    },
  };
}
