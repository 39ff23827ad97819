import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock, type Container } from '../../src/main/container';
import { prismaUnitOfWork } from '../../src/main/db/repositories';
import { SqlTransaction } from '../../src/main/db/repositories/sql-transaction';
import { DomainError } from '../../src/main/domain/errors';
import { DB_KINDS, openTestContainer } from '../support/test-db';

/**
 * Transactions run on the driver (Database.transaction, SqlTransaction) instead of Prisma's
 * interactive transactions. What the repositories get back must be what Prisma's raw queries gave
 * them; a transaction that fails must leave nothing and give its connection back; a unique violation
 * and a race between two transactions must keep their meaning (CONFLICT); a model call, which has no
 * SQL here, is refused by name.
 */
const PROBE = `SELECT count(*) AS n, $1::timestamp(3) AS "at", '{"a":[1,"é"]}'::jsonb AS "json",
  'ADMIN'::"StaffRole" AS "role", true AS "flag", 7::int AS "small", NULL::text AS "none"`;

const staffInput = (email: string) => ({
  email,
  name: 'Driver Probe',
  role: 'SUPPORT' as const,
  passwordHash: 'not a real hash',
  createdAt: new Date('2030-01-02T03:04:05.678Z'),
});

const refusal = async (work: Promise<unknown>): Promise<unknown> =>
  work.then(
    () => undefined,
    (error: unknown) => error,
  );

describe.each(DB_KINDS)('transactions on the driver, %s', (kind) => {
  let database: Awaited<ReturnType<typeof openTestContainer>>;
  let container: Container;

  beforeAll(async () => {
    database = await openTestContainer(kind, systemClock);
    container = database.container;
  });
  afterAll(async () => {
    await database.dispose();
  });

  it('returns values as Prisma raw queries return them: bigint counts, UTC Dates, parsed JSON, enums as text', async () => {
    const at = new Date('2031-05-06T07:08:09.123Z');
    const viaDriver = await container.db.transaction((query) =>
      new SqlTransaction(query, Number.POSITIVE_INFINITY).$queryRawUnsafe<Record<string, unknown>[]>(PROBE, at),
    );
    const viaPrisma = await container.db.prisma.$queryRawUnsafe<Record<string, unknown>[]>(PROBE, at);
    expect(viaDriver).toEqual(viaPrisma);
    expect(viaDriver).toEqual([{ n: 1n, at, json: { a: [1, 'é'] }, role: 'ADMIN', flag: true, small: 7, none: null }]);
  });

  it('rolls back everything a failing transaction wrote, and its connection serves the next ones', async () => {
    // More failures than PostgreSQL's pool has connections: a connection kept by a failure would stall the last ones.
    for (let attempt = 0; attempt < 12; attempt += 1) {
      const error = await refusal(
        container.uow.transaction(async (repos) => {
          await repos.staff.create(staffInput(`rolled-back-${kind}-${attempt}@ops.test`));
          throw new Error('the use case refused');
        }),
      );
      expect(error).toEqual(new Error('the use case refused'));
    }
    const created = await container.uow.transaction((repos) => repos.staff.create(staffInput(`kept-${kind}@ops.test`)));
    const emails = (await container.uow.read.staff.list()).map((staff) => staff.email);
    expect(emails).toContain(`kept-${kind}@ops.test`);
    expect(emails.filter((email) => email.startsWith(`rolled-back-${kind}-`))).toEqual([]);
    expect(created).toMatchObject({ email: `kept-${kind}@ops.test`, role: 'SUPPORT', active: true });
  });

  it("commits with the event log's statement, its last (on PostgreSQL in the same round trip); nothing may follow it", async () => {
    const at = new Date('2031-02-03T04:05:06.789Z');
    const logged = await container.uow.transaction(async (repos) => {
      await repos.staff.create(staffInput(`last-${kind}@ops.test`));
      const rows = await repos.eventLog.appendLast([{ type: 'settings.changed', payload: { probe: kind }, at }]);
      // On PostgreSQL the COMMIT went with it: another connection sees the rows before the use case
      // returns. (The embedded database runs one transaction at a time: the unit of work commits next.)
      if (kind === 'postgres') {
        const seen = (await container.uow.read.staff.list()).map((staff) => staff.email);
        expect(seen).toContain(`last-${kind}@ops.test`);
      }
      // A statement after the last one is a mistake of the use case, refused on every database.
      const after = await refusal(repos.staff.create(staffInput(`after-last-${kind}@ops.test`)));
      expect(after).toEqual(new Error('The transaction has ended: no statement may follow its last one'));
      return rows;
    });
    expect(logged).toMatchObject([{ type: 'settings.changed', payload: { probe: kind }, at }]);
    const [row] = logged;
    expect((await container.uow.read.eventLog.after((row?.id ?? 1) - 1, 1))[0]).toMatchObject({ id: row?.id });
    const emails = (await container.uow.read.staff.list()).map((staff) => staff.email);
    expect(emails).toContain(`last-${kind}@ops.test`);
    expect(emails).not.toContain(`after-last-${kind}@ops.test`);
  });

  it('rolls back the whole transaction when its last statement fails, and its connection serves the next ones', async () => {
    for (let attempt = 0; attempt < 12; attempt += 1) {
      const error = await refusal(
        container.uow.transaction(async (repos) => {
          await repos.staff.create(staffInput(`failed-last-${kind}-${attempt}@ops.test`));
          // A log row without a type breaks the log's NOT NULL: the statement fails (on PostgreSQL
          // with its COMMIT already sent, which PostgreSQL then answers with a rollback).
          return repos.eventLog.appendLast([{ type: null as unknown as string, payload: {}, at: new Date() }]);
        }),
      );
      expect(error).toBeInstanceOf(Error);
    }
    const emails = (await container.uow.read.staff.list()).map((staff) => staff.email);
    expect(emails.filter((email) => email.startsWith(`failed-last-${kind}-`))).toEqual([]);
    const created = await container.uow.transaction((repos) =>
      repos.staff.create(staffInput(`after-${kind}@ops.test`)),
    );
    expect(created).toMatchObject({ email: `after-${kind}@ops.test` });
  });

  it('refuses a statement from a branch still running after the use case failed: nothing of it is written', async () => {
    let late: Promise<unknown> = Promise.resolve();
    const error = await refusal(
      container.uow.transaction(async (repos) => {
        // A branch loaded side by side that goes on after its sibling failed (and the transaction rolled back).
        const straggler = (async () => {
          await repos.settings.all();
          await new Promise((resolve) => setTimeout(resolve, 50));
          return repos.staff.create(staffInput(`straggler-${kind}@ops.test`));
        })();
        late = straggler.catch((reason: unknown) => reason);
        await Promise.all([straggler, Promise.reject(new Error('the sibling failed'))]);
      }),
    );
    expect(error).toEqual(new Error('the sibling failed'));
    expect(await late).toEqual(
      new Error('The transaction is over: a statement issued after its use case settled is refused'),
    );
    const emails = (await container.uow.read.staff.list()).map((staff) => staff.email);
    expect(emails).not.toContain(`straggler-${kind}@ops.test`);
  });

  it('turns a unique violation into a CONFLICT naming what exists, and saves nothing of that transaction', async () => {
    await container.uow.transaction((repos) => repos.staff.create(staffInput(`twice-${kind}@ops.test`)));
    const error = await refusal(
      container.uow.transaction(async (repos) => {
        await repos.people.createTeacher({
          email: `half-${kind}@ops.test`,
          name: 'Half Written',
          timezone: 'UTC',
          createdAt: new Date(),
        });
        await repos.staff.create(staffInput(`twice-${kind}@ops.test`));
      }),
    );
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({
      code: 'CONFLICT',
      message: `A staff account for twice-${kind}@ops.test already exists`,
    });
    expect(await container.uow.read.people.emailTaken(`half-${kind}@ops.test`)).toBe(false);
  });

  it("tells this host's outbox worker after a commit that enqueued outbox rows, and only then", async () => {
    let told = 0;
    const uow = prismaUnitOfWork(container.db, undefined, () => {
      told += 1;
    });
    const draft = (key: string) => ({ key, kind: 'email' as const, bookingId: null, payload: { template: 'probe' } });
    await uow.transaction((repos) => repos.outbox.enqueue([draft(`kick-${kind}-1`), draft(`kick-${kind}-2`)]));
    expect(told).toBe(1);
    await uow.transaction((repos) => repos.staff.create(staffInput(`no-outbox-${kind}@ops.test`)));
    expect(told).toBe(1); // nothing to deliver
    const error = await refusal(
      uow.transaction(async (repos) => {
        await repos.outbox.enqueue([draft(`kick-${kind}-rolled-back`)]);
        throw new Error('refused after enqueueing');
      }),
    );
    expect(error).toEqual(new Error('refused after enqueueing'));
    expect(told).toBe(1); // rolled back: nothing was enqueued
  });

  it('refuses a Prisma model call inside a transaction, naming the model, and writes nothing', async () => {
    const error = await refusal(
      container.uow.transaction(async (repos) => {
        await repos.staff.create(staffInput(`model-call-${kind}@ops.test`));
        // What a repository method written with a model call would do:
        const db = (repos.staff as unknown as { db: { staff: { count(): Promise<number> } } }).db;
        return db.staff.count();
      }),
    );
    expect(String(error)).toContain(`Prisma's model "staff" was used inside a transaction on the driver`);
    expect(await container.uow.read.staff.findByEmailWithHash(`model-call-${kind}@ops.test`)).toBeNull();
  });
});

/**
 * PostgreSQL only. PGlite is one session: its transactions take turns and cannot deadlock, and it has
 * no socket. Each socket write costs this VM's loopback 40–80 µs of CPU: on PostgreSQL's pipelined
 * transaction connections, what a transaction sends in one turn of the event loop leaves in one write.
 */
describe('transactions on the driver, PostgreSQL only: deadlocks and socket writes', () => {
  let database: Awaited<ReturnType<typeof openTestContainer>>;
  let container: Container;

  beforeAll(async () => {
    database = await openTestContainer('postgres', systemClock);
    container = database.container;
  });
  afterAll(async () => {
    await database.dispose();
  });

  it('turns a deadlock between two transactions into a CONFLICT; the other commits', async () => {
    const [first, second] = await Promise.all([
      container.uow.transaction((repos) => repos.staff.create(staffInput(`lock-a-postgres@ops.test`))),
      container.uow.transaction((repos) => repos.staff.create(staffInput(`lock-b-postgres@ops.test`))),
    ]);
    let arrived = 0;
    let release: () => void = () => undefined;
    const bothHoldOne = new Promise<void>((resolve) => {
      release = resolve;
    });
    const meet = async () => {
      arrived += 1;
      if (arrived === 2) release();
      await bothHoldOne;
    };
    // Each locks one row, waits for the other to hold the other row, then asks for it: PostgreSQL aborts one.
    const crosswise = (a: number, b: number) =>
      container.uow.transaction(async (repos) => {
        await repos.staff.setActive(a, false, new Date());
        await meet();
        await repos.staff.setActive(b, false, new Date());
        return 'committed';
      });
    const outcomes = await Promise.allSettled([crosswise(first.id, second.id), crosswise(second.id, first.id)]);
    const committed = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const refused = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
    expect(committed).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toBeInstanceOf(DomainError);
    expect(refused[0]).toMatchObject({ code: 'CONFLICT' });
    const after = await container.uow.read.staff.list();
    expect(
      after.filter((staff) => staff.id === first.id || staff.id === second.id).map((staff) => staff.active),
    ).toEqual([false, false]);
  });

  /**
   * The writes to the socket of the transaction `work` runs (the one that sends BEGIN); other
   * connections (the event log's reads, a connection being opened) may write meanwhile.
   */
  async function transactionWrites<T>(work: () => Promise<T>): Promise<{ result: T; writes: number }> {
    const prototype = net.Socket.prototype as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
    const originals = { _write: prototype._write, _writev: prototype._writev };
    const sent = new Map<unknown, string[]>();
    for (const name of ['_write', '_writev'] as const)
      prototype[name] = function (this: unknown, ...args: unknown[]) {
        const [data] = args as [Buffer | { chunk: Buffer }[]];
        const bytes = Array.isArray(data) ? Buffer.concat(data.map((item) => item.chunk)) : data;
        sent.set(this, [...(sent.get(this) ?? []), bytes.toString('latin1')]);
        return originals[name].apply(this, args);
      };
    try {
      const result = await work();
      const ours = [...sent.values()].filter((writes) => writes.some((write) => write.includes('BEGIN\0')));
      expect(ours).toHaveLength(1);
      return { result, writes: ours[0]?.length ?? 0 };
    } finally {
      Object.assign(prototype, originals);
    }
  }

  it('sends BEGIN with the first statement, statements loaded side by side together, the last with the COMMIT', async () => {
    const at = new Date('2031-03-04T05:06:07.890Z');
    await container.uow.transaction((repos) => repos.settings.all()); // the connection is open
    const { result, writes } = await transactionWrites(() =>
      container.uow.transaction(async (repos) => {
        const [booking, settings] = await Promise.all([repos.bookings.findById(1), repos.settings.all()]);
        await repos.staff.create(staffInput('writes@ops.test'));
        const logged = await repos.eventLog.appendLast([
          { type: 'settings.changed', payload: { settings, booking: booking?.id ?? null }, at },
        ]);
        return { logged };
      }),
    );
    // BEGIN + both reads; the insert; the log's statement + COMMIT (it was five: BEGIN and each read on its own).
    expect(writes).toBe(3);
    expect(result.logged).toMatchObject([{ type: 'settings.changed', at }]);
    const emails = (await container.uow.read.staff.list()).map((staff) => staff.email);
    expect(emails).toContain('writes@ops.test');
  });
});

describe('SqlTransaction', () => {
  it('sends a Date as UTC text whatever the time zone, and refuses every statement after its deadline', async () => {
    const sent: unknown[][] = [];
    const record = (sql: string, params: readonly unknown[]) => {
      sent.push([sql, ...params]);
      return Promise.resolve({ rows: [], count: 3 });
    };
    const open = new SqlTransaction(record, Number.POSITIVE_INFINITY);
    expect(await open.$executeRawUnsafe('UPDATE x SET at = $1, n = $2', new Date('2031-05-06T07:08:09.123Z'), 5n)).toBe(
      3,
    );
    expect(sent).toEqual([['UPDATE x SET at = $1, n = $2', '2031-05-06T07:08:09.123', 5n]]);

    const expired = new SqlTransaction(record, performance.now() - 1);
    await expect(expired.$queryRawUnsafe('SELECT 1')).rejects.toThrow(
      'The transaction ran past its time limit and was rolled back; nothing was saved',
    );
    expect(() => expired.checkDeadline()).toThrow('ran past its time limit');
    expect(sent).toHaveLength(1);
  });
});
