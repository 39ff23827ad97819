import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { DiagnoseMigrationHistoryOutput } from '@prisma/schema-engine-wasm';
import type { Database } from './database';
import { PGliteMigrationFactory } from './database';
import { migrationsDir as defaultMigrationsDir, schemaPath as defaultSchemaPath } from './paths';
import { openSchemaEngine, readMigrationsDirectory, type MigrationList } from './schema-engine';

const NO_FILTER = { externalTables: [], externalEnums: [] };
/** PostgreSQL's SQLSTATE for a table that does not exist. */
const UNDEFINED_TABLE = '42P01';

/**
 * True when every migration of the folder is recorded as applied — finished, not rolled back, with the
 * checksum (SHA-256 of its migration.sql) Prisma recorded — and none is half-applied: then there is
 * nothing to do and the schema engine (half a second to start) is not needed. Anything else, a
 * database without the table included, goes to the engine, which decides and explains.
 */
async function everyMigrationApplied(db: Database, migrationsList: MigrationList): Promise<boolean> {
  let rows: { migration_name: string; checksum: string; finished: boolean; rolled_back: boolean }[];
  try {
    rows = await db.directQuery(
      `SELECT migration_name, checksum, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back
       FROM _prisma_migrations`,
      [],
    );
  } catch (error) {
    // A database the migrations never ran on goes to the engine, which makes the table. Anything else
    // (no server at that address or socket, a wrong password or database name) is said as the driver
    // said it: the engine answers some of those only with "External error id#0".
    if ((error as { code?: unknown }).code === UNDEFINED_TABLE) return false;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot read ${db.description}: ${reason}`, { cause: error });
  }
  if (rows.some((row) => !row.finished && !row.rolled_back)) return false;
  const applied = new Map(
    rows.filter((row) => row.finished && !row.rolled_back).map((row) => [row.migration_name, row.checksum]),
  );
  return migrationsList.migrationDirectories.every(
    (directory) =>
      directory.migrationFile.content.tag === 'ok' &&
      applied.get(directory.path) === createHash('sha256').update(directory.migrationFile.content.value).digest('hex'),
  );
}

/**
 * Applies every migration not yet applied (the app does this at start-up). Returns their names.
 * `migrations` is the folder already read (a start reads it while the database opens), else it is read here.
 */
export async function applyPendingMigrations(
  db: Database,
  dir = defaultMigrationsDir(),
  migrations?: Promise<MigrationList>,
): Promise<string[]> {
  const migrationsList = await (migrations ?? readMigrationsDirectory(dir));
  if (await everyMigrationApplied(db, migrationsList)) return [];
  const handle = await openSchemaEngine(db.migrationAdapterFactory());
  try {
    const result = await handle.engine
      .applyMigrations({ migrationsList, filters: NO_FILTER })
      .catch((error: unknown) => {
        throw handle.explain(error);
      });
    return result.appliedMigrationNames;
  } finally {
    handle.dispose();
  }
}

/** The database's migration history relative to the migrations folder (null history = up to date). */
export async function migrationStatus(
  db: Database,
  dir = defaultMigrationsDir(),
): Promise<DiagnoseMigrationHistoryOutput> {
  const handle = await openSchemaEngine(db.migrationAdapterFactory());
  try {
    const migrationsList = await readMigrationsDirectory(dir);
    return await handle.engine
      .diagnoseMigrationHistory({ migrationsList, optInToShadowDatabase: false, filters: NO_FILTER })
      .catch((error: unknown) => {
        throw handle.explain(error);
      });
  } finally {
    handle.dispose();
  }
}

export function describeMigrationStatus(status: DiagnoseMigrationHistoryOutput): { upToDate: boolean; text: string } {
  if (status.failedMigrationNames.length > 0) {
    return { upToDate: false, text: `failed migrations: ${status.failedMigrationNames.join(', ')}` };
  }
  if (status.editedMigrationNames.length > 0) {
    return { upToDate: false, text: `edited after being applied: ${status.editedMigrationNames.join(', ')}` };
  }
  const history = status.history;
  if (history === null) return { upToDate: true, text: 'all migrations applied' };
  switch (history.diagnostic) {
    case 'databaseIsBehind':
      return { upToDate: false, text: `not yet applied: ${history.unappliedMigrationNames.join(', ')}` };
    case 'migrationsDirectoryIsBehind':
      return { upToDate: false, text: `applied but missing here: ${history.unpersistedMigrationNames.join(', ')}` };
    case 'historiesDiverge':
      return {
        upToDate: false,
        text: `histories diverge after ${history.lastCommonMigrationName ?? '(start)'}`,
      };
  }
}

/**
 * The SQL that would take a database built from the migrations folder to the schema in
 * schema.prisma; empty when they agree. Uses in-memory PGlites as the shadow database.
 */
export async function diffMigrationsToSchema(
  dir = defaultMigrationsDir(),
  schemaFile = defaultSchemaPath(),
): Promise<string> {
  const main = await PGlite.create();
  const factory = new PGliteMigrationFactory(main);
  const handle = await openSchemaEngine(factory);
  try {
    const migrationsList = await readMigrationsDirectory(dir);
    const content = await readFile(schemaFile, 'utf8');
    const result = await handle.engine
      .diff({
        // The engine needs migration_lock.toml to know the connector; with no migrations, start from empty.
        from:
          migrationsList.migrationDirectories.length > 0 ? { tag: 'migrations', ...migrationsList } : { tag: 'empty' },
        to: { tag: 'schemaDatamodel', files: [{ path: schemaFile, content }] },
        script: true,
        exitCode: true,
        filters: NO_FILTER,
      })
      .catch((error: unknown) => {
        throw handle.explain(error);
      });
    return result.exitCode === 2 ? (result.stdout ?? '') : '';
  } finally {
    handle.dispose();
    await factory.closeShadows();
    await main.close();
  }
}

function timestamp(now: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return (
    `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}` +
    `${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`
  );
}

/** Writes a new migration from the difference between the migrations folder and schema.prisma. */
export async function createMigration(
  name: string,
  now: Date,
  dir = defaultMigrationsDir(),
  schemaFile = defaultSchemaPath(),
): Promise<string | null> {
  if (!/^[a-z0-9_]+$/.test(name)) {
    throw new Error(`Migration name must be lower-case letters, digits and underscores, got "${name}"`);
  }
  const script = await diffMigrationsToSchema(dir, schemaFile);
  if (script.trim() === '') return null;
  const folder = `${timestamp(now)}_${name}`;
  await mkdir(path.join(dir, folder), { recursive: true });
  await writeFile(path.join(dir, folder, 'migration.sql'), script);
  await writeFile(
    path.join(dir, 'migration_lock.toml'),
    '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n',
  );
  return folder;
}
