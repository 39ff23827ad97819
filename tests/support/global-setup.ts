import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/main/db/database';
import { applyPendingMigrations } from '../../src/main/db/migrate';
import { startPostgres, type PostgresServer } from './postgres-server';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
  }
}

export const TEMPLATE_DATABASE = 'linguaflex_template';

/**
 * One PostgreSQL server per test run (fresh temp dir, random port) with a migrated template
 * database; each test file clones the template into its own database.
 */
let server: PostgresServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  server = await startPostgres();
  const admin = server.url('postgres');
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  await client.end();
  const db = await openDatabase({ kind: 'postgres', url: server.url(TEMPLATE_DATABASE) });
  await applyPendingMigrations(db);
  await db.close();
  // Cloning needs the template to have no sessions; make sure none linger after the migration.
  const closer = new pg.Client({ connectionString: admin });
  await closer.connect();
  await closer.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${TEMPLATE_DATABASE}' AND pid <> pg_backend_pid()`,
  );
  await closer.end();
  project.provide('postgresAdminUrl', admin);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
