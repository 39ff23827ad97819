import net from 'node:net';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PipelinedConnections, type PipelinedOptions } from '../../src/main/db/pipelined-connections';
import { freshPostgresDatabase } from '../support/test-db';

/**
 * database.ts runs the statements outside transactions on PostgreSQL through PipelinedConnections:
 * statements written without waiting for earlier answers, those of one event-loop turn in one write.
 * Each caller must still get its own answer, a failing statement must fail alone, and a lost or old
 * connection must be replaced without losing the statements that follow.
 */
describe('pipelined connections (PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshPostgresDatabase>>;
  let admin: pg.Client;
  const open: PipelinedConnections[] = [];

  beforeAll(async () => {
    database = await freshPostgresDatabase();
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await Promise.all(open.splice(0).map((connections) => connections.end()));
  });
  afterAll(async () => {
    await admin.end();
    await database.drop();
  });

  function connections(options: Partial<PipelinedOptions> = {}) {
    const made = new PipelinedConnections({
      connectionString: database.url,
      lanes: 2,
      types: pg.types,
      lifetimeMs: 60_000,
      onLost: () => undefined,
      ...options,
    });
    open.push(made);
    return made;
  }

  const backends = async () =>
    Number(
      (
        await admin.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
        )
      ).rows[0]?.n,
    );

  it('gives every caller its own answer, prepared or not, with hundreds under way at once', async () => {
    const reads = connections();
    const answers = await Promise.all(
      Array.from({ length: 400 }, (_, n) =>
        reads.query<{ n: number; doubled: number }>({
          text: 'SELECT $1::int AS n, $1::int * 2 AS doubled',
          values: [n],
          ...(n % 2 === 0 ? { name: 'pipelined_double' } : {}),
        }),
      ),
    );
    answers.forEach((rows, n) => expect(rows).toEqual([{ n, doubled: n * 2 }]));
    expect(await backends()).toBe(2); // the two connections, no more
  });

  it('fails a failing statement alone: those written with it are answered', async () => {
    const reads = connections();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 30 }, (_, n) =>
        reads.query<{ q: number }>({ text: 'SELECT 10 / $1::int AS q', values: [n % 3] }),
      ),
    );
    outcomes.forEach((outcome, n) => {
      if (n % 3 === 0) expect(outcome.status === 'rejected' && String(outcome.reason)).toMatch(/division by zero/);
      else expect(outcome).toEqual({ status: 'fulfilled', value: [{ q: Math.trunc(10 / (n % 3)) }] });
    });
  });

  it('writes the statements of one turn together: a few writes for many statements', async () => {
    const reads = connections();
    await reads.query({ text: 'SELECT 1' }); // both connections open
    await Promise.all([reads.query({ text: 'SELECT 1' }), reads.query({ text: 'SELECT 1' })]);
    const writes = { count: 0 };
    const count = <F extends (...args: never[]) => unknown>(original: F) =>
      function (this: net.Socket, ...args: Parameters<F>) {
        writes.count += 1;
        return original.apply(this, args);
      };
    const prototype = net.Socket.prototype as unknown as Record<'_write' | '_writev', (...args: never[]) => unknown>;
    const { _write: write, _writev: writev } = prototype;
    vi.spyOn(prototype, '_write').mockImplementation(count(write));
    vi.spyOn(prototype, '_writev').mockImplementation(count(writev));
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, n) => reads.query<{ n: number }>({ text: 'SELECT $1::int AS n', values: [n] })),
    );
    expect(answers.map((rows) => rows[0]?.n)).toEqual(Array.from({ length: 40 }, (_, n) => n));
    expect(writes.count).toBeGreaterThan(0);
    expect(writes.count).toBeLessThanOrEqual(2); // one per connection, not one per statement
  });

  it('keeps to one connection while it keeps up, and passes a stalled one by', async () => {
    const reads = connections();
    const pid = () => reads.query<{ pid: number }>({ text: 'SELECT pg_backend_pid() AS pid' });
    const together = await Promise.all(Array.from({ length: 40 }, pid));
    expect(new Set(together.map((rows) => rows[0]?.pid)).size).toBe(1); // one connection, the largest batches

    const slow = reads.query<{ pid: number }>({ text: 'SELECT pg_backend_pid() AS pid, pg_sleep(0.5)' });
    await new Promise((resolve) => setTimeout(resolve, 50)); // the first connection has answered nothing since
    const started = performance.now();
    const [other] = await pid();
    expect(performance.now() - started).toBeLessThan(400); // not queued behind the slow statement
    const [stalled] = await slow;
    expect(other?.pid).not.toBe(stalled?.pid);
  });

  it('replaces a lost connection: what follows runs on a new one, and the loss is reported', async () => {
    const lost: Error[] = [];
    const reads = connections({ lanes: 1, onLost: (error) => lost.push(error) });
    const [first] = await reads.query<{ pid: number }>({ text: 'SELECT pg_backend_pid() AS pid' });
    await admin.query('SELECT pg_terminate_backend($1)', [first?.pid]);
    await expect.poll(() => lost.length, { timeout: 5_000 }).toBeGreaterThan(0);
    const [next] = await reads.query<{ pid: number }>({ text: 'SELECT pg_backend_pid() AS pid' });
    expect(next?.pid).not.toBe(first?.pid);
    expect(String(lost[0])).toMatch(/terminat/i);
  });

  it('retires an old connection once its statements are answered, and opens a new one', async () => {
    const reads = connections({ lanes: 1, lifetimeMs: 200 });
    const pid = async () => (await reads.query<{ pid: number }>({ text: 'SELECT pg_backend_pid() AS pid' }))[0]?.pid;
    const first = await pid();
    const slow = reads.query<{ done: boolean }>({ text: 'SELECT pg_sleep(0.4) IS NOT NULL AS done' });
    await new Promise((resolve) => setTimeout(resolve, 250));
    const second = await pid();
    expect(second).not.toBe(first);
    expect(await slow).toEqual([{ done: true }]); // the old connection finished what it had
    await expect.poll(backends, { timeout: 5_000 }).toBe(1);
  });

  it('refuses statements once ended, saying so', async () => {
    const reads = connections();
    await reads.query({ text: 'SELECT 1' });
    await reads.end();
    await expect(reads.query({ text: 'SELECT 1' })).rejects.toThrow(/closed/);
    await expect.poll(backends, { timeout: 5_000 }).toBe(0);
  });
});
