import { PGlite } from '@electric-sql/pglite';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock, type Container } from '../../src/main/container';
import { createRateLimits } from '../../src/main/db/rate-limits';
import { DB_KINDS, openTestContainer } from '../support/test-db';

/**
 * The limits are rate-limiter-flexible's PostgreSQL store over the migrations' RateLimitWindow
 * table, on both databases: one count per key whichever host (limiter) asks, a window that ends
 * starts again, and Retry-After from the window's end.
 */
describe.each(DB_KINDS)('rate limits on %s', (kind) => {
  let database: Awaited<ReturnType<typeof openTestContainer>>;
  let container: Container;

  beforeAll(async () => {
    database = await openTestContainer(kind, systemClock);
    container = database.container;
  });
  afterAll(async () => database.dispose());

  it('counts a key once for every host, refuses past the allowance with the wait, and starts again when the window ends', async () => {
    const key = `STUDENT:${kind}-limits`;
    // Two hosts: each has its own limiters over the one database.
    const [one, two] = [createRateLimits(container.db.pgShaped), createRateLimits(container.db.pgShaped)];
    for (let call = 0; call < 60; call += 1)
      expect(await (call % 2 === 0 ? one : two).consume('money.user', key)).toEqual({ allowed: true });
    const refused = await two.consume('money.user', key);
    expect(refused).toMatchObject({ allowed: false });
    const wait = refused.allowed ? 0 : refused.retryAfterSeconds;
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60);
    const [row] = await container.db.directQuery<{ points: number; expire: string | number }>(
      'SELECT "points", "expire" FROM "RateLimitWindow" WHERE "key" = $1',
      [`money.user:${key}`],
    );
    expect(row?.points).toBe(61);
    // The window's end, in milliseconds since the epoch, about a minute from now.
    expect(Number(row?.expire) - Date.now()).toBeGreaterThan(50_000);
    expect(Number(row?.expire) - Date.now()).toBeLessThanOrEqual(60_000);

    // The window ended (as if a minute passed): the count starts again at one.
    await container.db.directQuery('UPDATE "RateLimitWindow" SET "expire" = $1 WHERE "key" = $2', [
      Date.now() - 1,
      `money.user:${key}`,
    ]);
    expect(await one.consume('money.user', key)).toEqual({ allowed: true });
    const [again] = await container.db.directQuery<{ points: number }>(
      'SELECT "points" FROM "RateLimitWindow" WHERE "key" = $1',
      [`money.user:${key}`],
    );
    expect(again?.points).toBe(1);
    // Given back, a refused call's point returns; reset forgets the key.
    await one.giveBack('money.user', key);
    await two.reset('money.user', key);
    expect(
      await container.db.directQuery('SELECT 1 FROM "RateLimitWindow" WHERE "key" = $1', [`money.user:${key}`]),
    ).toEqual([]);
  });
});

describe('the rate_limit_windows migration', () => {
  it("carries running windows over with their end in milliseconds, and leaves earlier hosts' table as it was", async () => {
    const migrations = path.join(import.meta.dirname, '../../prisma/migrations');
    const folder = readdirSync(migrations).find((name) => name.endsWith('_rate_limit_windows'));
    expect(folder).toBeDefined();
    const db = await PGlite.create();
    try {
      // The table as the migrations before it left it: a running window, an ended one, one without an end.
      const running = new Date(Date.now() + 60 * 60_000);
      await db.exec(`
        CREATE TABLE "RateLimitCounter" ("key" VARCHAR(255) NOT NULL, "points" INTEGER NOT NULL DEFAULT 0,
          "expire" TIMESTAMP(3), CONSTRAINT "RateLimitCounter_pkey" PRIMARY KEY ("key"));
        INSERT INTO "RateLimitCounter" VALUES
          ('running', 3, '${running.toISOString().replace('T', ' ').replace('Z', '')}'),
          ('ended', 9, '2020-01-01 00:00:00'),
          ('open', 1, NULL);`);
      await db.exec(readFileSync(path.join(migrations, folder ?? '', 'migration.sql'), 'utf8'));
      const { rows } = await db.query<{ key: string; points: number; expire: number | null }>(
        'SELECT "key", "points", "expire" FROM "RateLimitWindow" ORDER BY "key"',
      );
      expect(rows).toEqual([
        { key: 'open', points: 1, expire: null },
        { key: 'running', points: 3, expire: running.getTime() },
      ]);
      const { rows: earlier } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM "RateLimitCounter"');
      expect(earlier).toEqual([{ n: 3 }]);
    } finally {
      await db.close();
    }
  });
});
