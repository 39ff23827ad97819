import { PGlite, type QueryOptions } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PreparedStatements, withPreparedStatements } from '../../src/main/db/pglite-prepared';

/**
 * The embedded database runs the app's statements as named prepared statements, one protocol message
 * per run (src/main/db/pglite-prepared.ts). What it returns, throws and waits for must be what PGlite's
 * own `query` does, on every type the schema uses.
 */
describe('prepared statements on PGlite', () => {
  let client: PGlite;
  let statements: PreparedStatements;

  // Parsers like the Prisma adapter's: a different result for timestamps than PGlite's default.
  const adapterLike: QueryOptions = { rowMode: 'array', parsers: { 1114: (text: string) => `ts:${text}` } };

  beforeAll(async () => {
    client = await PGlite.create();
    statements = new PreparedStatements(client);
    await client.exec(`
      CREATE TYPE "Mood" AS ENUM ('CALM', 'BUSY');
      CREATE TABLE t (
        id serial PRIMARY KEY, key text UNIQUE NOT NULL, n integer, big bigint, flag boolean, price numeric(12, 2),
        at timestamp(3), atz timestamptz, doc jsonb, tags text[], mood "Mood", moods "Mood"[], raw bytea
      );
      INSERT INTO t (key, n, big, flag, price, at, atz, doc, tags, mood, moods, raw) VALUES
        ('a', 1, 9007199254740993, true, 12.50, '2026-11-28 10:00:00.123', '2026-11-28 10:00:00+02', '{"x": [1, "two"]}',
         ARRAY['p', 'q, r', NULL], 'CALM', ARRAY['CALM', 'BUSY']::"Mood"[], '\\x00ff10'),
        ('b', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    `);
  });
  afterAll(async () => {
    await client.close();
  });

  const select =
    'SELECT id, key, n, big, flag, price, at, atz, doc, tags, mood, moods, raw FROM t WHERE key = ANY($1) ORDER BY key';

  it('returns what PGlite returns, in both row modes, with and without the caller’s parsers', async () => {
    for (const options of [undefined, { rowMode: 'array' as const }, adapterLike, { parsers: adapterLike.parsers }]) {
      const expected = await client.query(select, [['a', 'b']], options);
      for (let run = 0; run < 3; run++) {
        const actual = await statements.query(select, [['a', 'b']], options);
        expect(actual).toEqual(expected);
      }
    }
    const [row] = (await statements.query<unknown[]>(select, [['a']], adapterLike)).rows;
    expect(row?.[6]).toBe('ts:2026-11-28 10:00:00.123'); // the caller's parser won over PGlite's
  });

  it('serializes parameters by the types PostgreSQL expects, nulls included', async () => {
    const insert =
      'INSERT INTO t (key, n, big, flag, price, at, doc, tags, mood, raw) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING key, n, big, flag, price, at, doc, tags, mood, raw';
    const values = [
      'c',
      7,
      12345678901234n,
      false,
      '3.25',
      new Date('2026-01-02T03:04:05.678Z'),
      { k: 'v' },
      ['x', 'y'],
      'BUSY',
      new Uint8Array([1, 2]),
    ];
    const viaPrepared = await statements.query(insert, values);
    const viaPGlite = await client.query<Record<string, unknown>>(insert, ['d', ...values.slice(1)]);
    expect(viaPrepared.rows[0]).toEqual({ ...viaPGlite.rows[0], key: 'c' });
    expect(viaPrepared.affectedRows).toBe(1);
    const nulls = await statements.query(insert, ['e', null, null, null, null, null, null, null, null, undefined]);
    expect(nulls.rows[0]).toEqual({
      key: 'e',
      n: null,
      big: null,
      flag: null,
      price: null,
      at: null,
      doc: null,
      tags: null,
      mood: null,
      raw: null,
    });
  });

  it('throws PGlite’s own error and leaves the session usable', async () => {
    const insert = 'INSERT INTO t (key) VALUES ($1)';
    await expect(statements.query(insert, ['a'])).rejects.toMatchObject({ code: '23505' });
    await expect(statements.query('SELECT nope FROM t WHERE id = $1', [1])).rejects.toMatchObject({ code: '42703' });
    expect(
      (await statements.query<{ n: number }>('SELECT count(*)::int AS n FROM t WHERE key = $1', ['a'])).rows,
    ).toEqual([{ n: 1 }]);
    expect(client.isInTransaction()).toBe(false);
  });

  it('runs inside a transaction through the adapter’s view, and a rollback undoes it', async () => {
    const prepared = withPreparedStatements(client, statements);
    const count = 'SELECT count(*)::int AS n FROM t WHERE key LIKE $1';
    await prepared
      .transaction(async (tx) => {
        await tx.query('INSERT INTO t (key) VALUES ($1)', ['tx-1']);
        expect((await tx.query<{ n: number }>(count, ['tx-%'])).rows).toEqual([{ n: 1 }]);
        throw new Error('give up');
      })
      .catch((error: unknown) => expect(error).toMatchObject({ message: 'give up' }));
    expect((await prepared.query<{ n: number }>(count, ['tx-%'])).rows).toEqual([{ n: 0 }]);
  });

  it('makes a statement outside a transaction wait until the open transaction ends', async () => {
    const order: string[] = [];
    let inside!: () => void;
    const started = new Promise<void>((resolve) => (inside = resolve));
    const transaction = client.transaction(async (tx) => {
      inside();
      await new Promise((resolve) => setTimeout(resolve, 50));
      await tx.query('INSERT INTO t (key) VALUES ($1)', ['waited']);
      order.push('commit');
    });
    await started;
    const read = statements
      .query<{ n: number }>('SELECT count(*)::int AS n FROM t WHERE key = $1', ['waited'])
      .then((result) => {
        order.push('read');
        return result;
      });
    await transaction;
    expect((await read).rows).toEqual([{ n: 1 }]);
    expect(order).toEqual(['commit', 'read']);
  });

  it('prepares a statement again when a migration changed what it returns', async () => {
    await client.exec(`CREATE TABLE m (id integer PRIMARY KEY, v integer); INSERT INTO m VALUES (1, 5);`);
    const read = 'SELECT id, v FROM m WHERE id = $1';
    expect((await statements.query(read, [1])).rows).toEqual([{ id: 1, v: 5 }]);
    await client.exec(`ALTER TABLE m ALTER COLUMN v TYPE text`);
    // Outside a transaction: prepared again and answered at once.
    expect((await statements.query(read, [1])).rows).toEqual([{ id: 1, v: '5' }]);

    await client.exec(`ALTER TABLE m ALTER COLUMN v TYPE integer USING v::integer`);
    // Inside one, PostgreSQL has aborted the transaction: that transaction fails, the next one works.
    const prepared = withPreparedStatements(client, statements);
    await expect(prepared.transaction((tx) => tx.query(read, [1]))).rejects.toMatchObject({ code: '0A000' });
    expect((await prepared.transaction((tx) => tx.query(read, [1]))).rows).toEqual([{ id: 1, v: 5 }]);
  });

  it('forgets every statement after a migration script, and keeps working', async () => {
    const read = 'SELECT count(*)::int AS n FROM t WHERE key = $1';
    await statements.query(read, ['a']);
    await statements.forgetAll();
    expect((await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_prepared_statements')).rows).toEqual([
      { n: 0 },
    ]);
    expect((await statements.query(read, ['a'])).rows).toEqual([{ n: 1 }]);
  });

  it('forgets statements atomically: one prepared while forgetting waited is not dropped under the list', async () => {
    const read = 'SELECT count(*)::int AS n FROM t WHERE key = $1 AND n IS NOT NULL';
    await statements.forgetAll(); // `read` not yet prepared …
    await statements.query('SELECT $1::int AS x', [1]); // … and the list not empty, so forgetting has work to do
    let release!: () => void;
    let held!: () => void;
    const holding = new Promise<void>((resolve) => (held = resolve));
    const transaction = client.transaction(async () => {
      held();
      await new Promise<void>((resolve) => (release = resolve));
    });
    await holding;
    const first = statements.query(read, ['a']); // waits for the transaction, then prepares `read`
    const forgetting = statements.forgetAll(); // waits too, behind it
    release();
    await transaction;
    expect((await first).rows).toEqual([{ n: 1 }]);
    await forgetting;
    // Inside a transaction a dropped statement still listed would fail with 26000.
    const prepared = withPreparedStatements(client, statements);
    expect((await prepared.transaction((tx) => tx.query(read, ['a']))).rows).toEqual([{ n: 1 }]);
  });

  it('names the statement and its parameters on an error, as PGlite does', async () => {
    const failing = 'SELECT 1 / $1::int AS v';
    await expect(statements.query(failing, [0])).rejects.toMatchObject({ code: '22012', query: failing, params: [0] });
  });

  it('keeps at most 500 texts and runs the rest through PGlite’s own path', async () => {
    for (let index = 0; index < 520; index++) {
      const { rows } = await statements.query<{ v: number }>(`SELECT $1::int + ${index} AS v`, [1]);
      expect(rows).toEqual([{ v: 1 + index }]);
    }
    const kept = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_prepared_statements');
    expect(kept.rows[0]?.n).toBeLessThanOrEqual(500);
  });
});
