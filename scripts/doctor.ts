/**
 * npm run doctor [-- --data-dir DIR]: like the seed's `manage.py check`. Checks the configuration,
 * that the database is reachable, that every migration is applied (and, in a source checkout, that
 * schema.prisma matches the migrations), that someone can sign in, that the ledger holds R46's
 * invariants, and which integrations are real
 * and which run against the local sandboxes. Exits 1 when something needs fixing.
 */
import { ConfigError, loadConfig } from '../src/main/config/config';
import { credentialProblems, credentialsFromEnv, realServices } from '../src/main/integrations';
import { openDatabase } from '../src/main/db/database';
import { prismaUnitOfWork, repositoriesFor } from '../src/main/db/repositories';
import { createLedgerUseCases } from '../src/main/services/payouts/ledger-check';
import { describeMigrationStatus, diffMigrationsToSchema, migrationStatus } from '../src/main/db/migrate';
import { DomainError } from '../src/main/domain/errors';
import { readFileSync } from 'node:fs';
import { satisfiesEngines } from './node-engines';

interface PackageJson {
  engines: { node: string };
}

type Level = 'ok' | 'warn' | 'fail';
const results: { level: Level; check: string; detail: string }[] = [];
const report = (level: Level, check: string, detail: string) => {
  results.push({ level, check, detail });
  console.log(`${level === 'ok' ? ' ok ' : level === 'warn' ? 'warn' : 'FAIL'}  ${check.padEnd(14)} ${detail}`);
};

async function main(): Promise<number> {
  // The supported range is package.json's `engines.node` (the same one npm checks at install).
  const engines = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as PackageJson).engines
    .node;
  const nodeOk = satisfiesEngines(process.versions.node, engines);
  report(
    nodeOk === true ? 'ok' : nodeOk === null ? 'warn' : 'fail',
    'node',
    nodeOk === null
      ? `Node.js ${process.versions.node}; package.json's engines range "${engines}" is not one doctor can read`
      : `Node.js ${process.versions.node} (supported: ${engines}, package.json engines)`,
  );

  let config;
  try {
    config = loadConfig(process.argv.slice(2));
  } catch (error) {
    report('fail', 'configuration', error instanceof ConfigError ? error.message : String(error));
    return 1;
  }
  report('ok', 'configuration', `data dir ${config.dataDir}`);
  report(
    config.firstAdmin ? 'ok' : 'warn',
    'first admin',
    config.firstAdmin
      ? `LINGUAFLEX_ADMIN_EMAIL=${config.firstAdmin.email} (password set)`
      : 'LINGUAFLEX_ADMIN_EMAIL/PASSWORD not set (an embedded first start creates admin@linguaflex.local)',
  );

  try {
    const missing = await diffMigrationsToSchema();
    report(
      missing ? 'fail' : 'ok',
      'schema drift',
      missing
        ? 'schema.prisma has changes no migration contains: npm run migrate -- new <name>'
        : 'schema.prisma matches prisma/migrations',
    );
  } catch (error) {
    report('warn', 'schema drift', `not checked: ${error instanceof Error ? error.message : String(error)}`);
  }

  let db;
  try {
    db = await openDatabase(config.database);
    await db.ping();
    report('ok', 'database', `reachable: ${db.description}`);
  } catch (error) {
    if (error instanceof DomainError && error.code === 'DATABASE_LOCKED') {
      report('warn', 'database', `${error.message} (the running app holds it; stop it to check migrations)`);
    } else {
      report(
        'fail',
        'database',
        `unreachable (${config.database.kind}): ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  if (db) {
    try {
      const status = describeMigrationStatus(await migrationStatus(db));
      report(
        status.upToDate ? 'ok' : status.text.startsWith('not yet applied') ? 'warn' : 'fail',
        'migrations',
        status.upToDate ? status.text : `${status.text} (the app applies pending ones at start-up)`,
      );
      const staff = await repositoriesFor(db.prisma).staff.countActive();
      report(
        staff > 0 ? 'ok' : 'warn',
        'staff',
        staff > 0 ? `${staff} active staff account(s)` : 'no staff yet: the first start creates the first admin',
      );
      if (status.upToDate) {
        // R46: the ledger balances, every teacher's payable matches the records, nothing paid twice.
        const started = performance.now();
        const ledger = await createLedgerUseCases({
          uow: prismaUnitOfWork(db),
          clock: { now: () => new Date() },
        }).check.now();
        const took = `${Math.round(performance.now() - started)} ms`;
        if (ledger.ok) report('ok', 'ledger', `every R46 invariant holds (checked in ${took})`);
        else {
          report('fail', 'ledger', `${ledger.problems.length} problem(s) (checked in ${took}):`);
          for (const problem of ledger.problems.slice(0, 20)) console.log(`        - ${problem}`);
          if (ledger.problems.length > 20) console.log(`        … and ${ledger.problems.length - 20} more`);
        }
      }
    } finally {
      await db.close();
    }
  }

  const credentials = credentialsFromEnv(process.env);
  const real = realServices(credentials);
  const problems = credentialProblems(credentials);
  const modes = {
    stripe: real.stripe
      ? `real Stripe (${credentials.stripeSecretKey?.startsWith('sk_live_') ? 'live' : 'test'} mode key set)`
      : 'local Stripe sandbox (no STRIPE_SECRET_KEY)',
    zoom: real.zoom
      ? 'real Zoom (Server-to-Server OAuth credentials set)'
      : 'local Zoom sandbox (no ZOOM_* credentials)',
    mail: real.mail ? 'real SMTP server (SMTP_URL set)' : 'local SMTP sandbox (no SMTP_URL)',
  };
  for (const name of ['stripe', 'zoom', 'mail'] as const) {
    const problem = problems.find((candidate) => candidate.name === name)?.problem;
    report(problem ? 'fail' : 'ok', name, problem ?? modes[name]);
  }

  const failed = results.filter((result) => result.level === 'fail').length;
  console.log(failed === 0 ? '\nAll checks passed.' : `\n${failed} check(s) failed.`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
