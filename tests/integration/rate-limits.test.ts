import { PGlite } from '@electric-sql/pglite';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock, type Container } from '../../src/main/container';
import { createRateLimits } from '../../src/main/db/rate-limits';
import { DB_KINDS, openTestContainer } from '../support/test-db';

/**
 * The limits are rate-limiter-flexible's PostgreSQL store over the migrations' RateLimitCounter
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
      'SELECT "points", "expire" FROM "RateLimitCounter" WHERE "key" = $1',
      [`money.user:${key}`],
    );
    expect(row?.points).toBe(61);
    // The window's end, in milliseconds since the epoch, about a minute from now.
    expect(Number(row?.expire) - Date.now()).toBeGreaterThan(50_000);
    expect(Number(row?.expire) - Date.now()).toBeLessThanOrEqual(60_000);

    // The window ended (as if a minute passed): the count starts again at one.
    await container.db.directQuery('UPDATE "RateLimitCounter" SET "expire" = $1 WHERE "key" = $2', [
      Date.now() - 1,
      `money.user:${key}`,
    ]);
    expect(await one.consume('money.user', key)).toEqual({ allowed: true });
    const [again] = await container.db.directQuery<{ points: number }>(
      'SELECT "points" FROM "RateLimitCounter" WHERE "key" = $1',
      [`money.user:${key}`],
    );
    expect(again?.points).toBe(1);
    // Given back, a refused call's point returns; reset forgets the key.
    await one.giveBack('money.user', key);
    await two.reset('money.user', key);
    expect(
      await container.db.directQuery('SELECT 1 FROM "RateLimitCounter" WHERE "key" = $1', [`money.user:${key}`]),
    ).toEqual([]);
  });
});

describe('the rate_limit_expire_ms migration', () => {
  it('converts running windows in place: each keeps its end, now in milliseconds since the epoch', async () => {
    const migrations = path.join(import.meta.dirname, '../../prisma/migrations');
    const folder = readdirSync(migrations).find((name) => name.endsWith('_rate_limit_expire_ms'));
    expect(folder).toBeDefined();
    const db = await PGlite.create();
    try {
      // The table as the migration before it left it, with a window and a counter without one.
      await db.exec(`
        CREATE TABLE "RateLimitCounter" ("key" VARCHAR(255) NOT NULL, "points" INTEGER NOT NULL DEFAULT 0,
          "expire" TIMESTAMP(3), CONSTRAINT "RateLimitCounter_pkey" PRIMARY KEY ("key"));
        INSERT INTO "RateLimitCounter" VALUES ('a', 3, '2026-11-29 06:00:01.234'), ('b', 1, NULL);`);
      await db.exec(readFileSync(path.join(migrations, folder ?? '', 'migration.sql'), 'utf8'));
      const { rows } = await db.query<{ key: string; points: number; expire: number | null }>(
        'SELECT "key", "points", "expire" FROM "RateLimitCounter" ORDER BY "key"',
      );
      expect(rows).toEqual([
        { key: 'a', points: 3, expire: Date.parse('2026-11-29T06:00:01.234Z') },
        { key: 'b', points: 1, expire: null },
      ]);
    } finally {
      await db.close();
    }
  });
});
