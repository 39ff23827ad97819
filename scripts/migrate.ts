/**
 * Migrations without the Prisma CLI's native engine (it cannot be downloaded here):
 *   npm run migrate -- new <name>   write prisma/migrations/<timestamp>_<name>/migration.sql from schema.prisma
 *   npm run migrate -- check        exit 1 when schema.prisma and the migrations have drifted apart
 *   npm run migrate -- deploy       apply pending migrations to the configured database
 *   npm run migrate -- status       show the configured database's migration status
 */
import { loadConfig } from '../src/main/config/config';
import { openDatabase } from '../src/main/db/database';
import {
  applyPendingMigrations,
  createMigration,
  describeMigrationStatus,
  diffMigrationsToSchema,
  migrationStatus,
} from '../src/main/db/migrate';

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'new': {
      const name = rest[0];
      if (!name) {
        console.error('usage: npm run migrate -- new <name>');
        return 2;
      }
      const folder = await createMigration(name, new Date());
      console.log(
        folder
          ? `Created prisma/migrations/${folder}/migration.sql`
          : 'schema.prisma matches the migrations; nothing to create.',
      );
      return 0;
    }
    case 'check': {
      const script = await diffMigrationsToSchema();
      if (script.trim() === '') {
        console.log('schema.prisma and prisma/migrations agree.');
        return 0;
      }
      console.error(
        'schema.prisma and prisma/migrations have drifted apart. Run `npm run migrate -- new <name>`. Missing SQL:\n' +
          script,
      );
      return 1;
    }
    case 'deploy':
    case 'status': {
      const config = loadConfig(rest);
      const db = await openDatabase(config.database);
      try {
        if (command === 'deploy') {
          const applied = await applyPendingMigrations(db);
          console.log(
            applied.length ? `Applied to ${db.description}: ${applied.join(', ')}` : `${db.description} is up to date.`,
          );
        } else {
          const status = describeMigrationStatus(await migrationStatus(db));
          console.log(`${db.description}: ${status.text}`);
          return status.upToDate ? 0 : 1;
        }
      } finally {
        await db.close();
      }
      return 0;
    }
    default:
      console.error('usage: npm run migrate -- new <name> | check | deploy | status [--data-dir DIR]');
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
