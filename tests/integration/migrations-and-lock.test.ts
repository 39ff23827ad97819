import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/main/db/database';
import { LOCK_FILE_NAME } from '../../src/main/db/lock';
import {
  applyPendingMigrations,
  describeMigrationStatus,
  diffMigrationsToSchema,
  migrationStatus,
} from '../../src/main/db/migrate';
import { migrationsDir, projectRoot, schemaPath } from '../../src/main/db/paths';

const temp = mkdtempSync(path.join(os.tmpdir(), 'linguaflex-migrate-test-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('migrations', () => {
  it('schema.prisma and prisma/migrations have not drifted apart', async () => {
    const missing = await diffMigrationsToSchema();
    expect(missing, `Run \`npm run migrate -- new <name>\`; missing SQL:\n${missing}`).toBe('');
  });

  it('detects drift when the schema gains a column the migrations lack', async () => {
    const schema = path.join(temp, 'schema.prisma');
    cpSync(schemaPath(), schema);
    writeFileSync(
      schema,
      `${(await import('node:fs')).readFileSync(schemaPath(), 'utf8')}\nmodel DriftProbe {\n  id Int @id\n}\n`,
    );
    const missing = await diffMigrationsToSchema(migrationsDir(), schema);
    expect(missing).toContain('CREATE TABLE "DriftProbe"');
  });

  it('applies every migration once on a fresh embedded database, then reports it up to date', async () => {
    const db = await openDatabase({ kind: 'pglite', dataDir: path.join(temp, 'fresh') });
    try {
      const names = readdirSync(migrationsDir(), { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
      expect(await applyPendingMigrations(db)).toEqual(names);
      expect(await applyPendingMigrations(db)).toEqual([]);
      expect(describeMigrationStatus(await migrationStatus(db))).toEqual({
        upToDate: true,
        text: 'all migrations applied',
      });
    } finally {
      await db.close();
    }
  });

  it('a PostgreSQL that cannot be reached is named with the driver’s reason, at a TCP port or a socket', async () => {
    const missingSocket = path.join(temp, 'no-server-here');
    for (const [url, reason] of [
      ['postgresql://ops:secret@127.0.0.1:1/linguaflex', 'connect ECONNREFUSED 127.0.0.1:1'],
      [`postgresql://ops:secret@localhost/linguaflex?host=${encodeURIComponent(missingSocket)}`, 'ENOENT'],
    ] as const) {
      const db = await openDatabase({ kind: 'postgres', url });
      try {
        const failure = await applyPendingMigrations(db).then(
          () => null,
          (error: unknown) => error as Error,
        );
        expect(failure?.message).toMatch(/^Cannot read PostgreSQL at postgresql:\/\/ops:\*\*\*@/);
        expect(failure?.message).toContain(reason);
        expect(failure?.message).not.toContain('secret');
      } finally {
        await db.close();
      }
    }
  });

  it('a failing migration is reported as failed, not as applied', async () => {
    const dir = path.join(temp, 'broken-migrations');
    cpSync(migrationsDir(), dir, { recursive: true });
    const broken = path.join(dir, '29991231000000_broken');
    (await import('node:fs')).mkdirSync(broken);
    writeFileSync(path.join(broken, 'migration.sql'), 'CREATE TABLE "Ok" (id int);\nSELECT no_such_function();\n');
    const db = await openDatabase({ kind: 'pglite-memory' });
    try {
      await expect(applyPendingMigrations(db, dir)).rejects.toThrow(/no_such_function/);
      const status = describeMigrationStatus(await migrationStatus(db, dir));
      expect(status.upToDate).toBe(false);
    } finally {
      await db.close();
    }
  });
});

function runChild(script: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: projectRoot(),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('the data directory lock', () => {
  it('a second process opening the same data dir gets a clear error; after release it may open it', async () => {
    const dataDir = path.join(temp, 'locked');
    const db = await openDatabase({ kind: 'pglite', dataDir });
    const script = `
      import { openDatabase } from './src/main/db/database.ts';
      try {
        const db = await openDatabase({ kind: 'pglite', dataDir: ${JSON.stringify(dataDir)} });
        await db.close();
        console.log('OPENED');
      } catch (error) {
        console.log('REFUSED', error.code, error.message);
        process.exitCode = 3;
      }`;
    try {
      const second = await runChild(script);
      expect(second.code).toBe(3);
      expect(second.output).toContain('REFUSED DATABASE_LOCKED');
      expect(second.output).toContain(`is in use by process ${process.pid}`);
      expect(second.output).toContain('--data-dir');
    } finally {
      await db.close();
    }
    const third = await runChild(script);
    expect(third.output).toContain('OPENED');
    expect(readdirSync(dataDir)).not.toContain(LOCK_FILE_NAME);
  });

  it('a lock left by a process that no longer runs is taken over', async () => {
    const dataDir = path.join(temp, 'stale');
    (await import('node:fs')).mkdirSync(dataDir, { recursive: true });
    writeFileSync(
      path.join(dataDir, LOCK_FILE_NAME),
      JSON.stringify({ pid: 2 ** 22 + 12345, hostname: os.hostname(), startedAt: 'long ago' }),
    );
    const db = await openDatabase({ kind: 'pglite', dataDir });
    await db.close();
  });
});
