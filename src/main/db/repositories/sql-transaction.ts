import type { TransactionQuery } from '../database';
import { Prisma } from '../generated/client.ts';
import { utcTimestamp } from './json-rows';
import type { Db } from './prisma-types';

/** A Date parameter as UTC text, as Prisma's adapters send one (the driver would use this process's time zone). */
const parameter = (value: unknown): unknown => (value instanceof Date ? utcTimestamp(value) : value);

/**
 * A transaction on the driver, with the raw-statement methods of Prisma's transaction client that
 * the repositories use inside transactions — their statements and their values are the same, without
 * Prisma's interactive-transaction machinery, which costs more CPU than the statements themselves
 * (bench:payments on PostgreSQL: 534–771 µs for a transaction with one statement against 187–251 µs on
 * the driver). Model calls (`db.booking.findMany`) have no SQL here: a repository method that runs
 * inside a transaction is written as SQL, and one that does not is refused with its name.
 */
export class SqlTransaction {
  /** Whether the last statement went with the COMMIT (`$queryRawUnsafeLast`): the transaction has ended. */
  committedWithLast = false;

  /** Set by the last statement: a statement after it is a mistake in the use case, refused. */
  private ended = false;
  /** Set once the use case has settled (close): a statement still coming from one of its branches is refused. */
  private closed = false;

  /**
   * `deadline`: on performance.now()'s clock, after which no statement runs (the transaction rolls
   * back). `last`: the database's way of sending a final statement with the COMMIT, if it has one.
   */
  constructor(
    private readonly query: TransactionQuery,
    private readonly deadline: number,
    private readonly last?: TransactionQuery,
  ) {}

  async $queryRawUnsafe<T = unknown>(text: string, ...values: unknown[]): Promise<T> {
    return (await this.run(text, values)).rows as T;
  }

  /**
   * The transaction's final statement: with the COMMIT in the same round trip where the database
   * offers it (nothing may follow), otherwise as any statement, the unit of work committing after.
   */
  async $queryRawUnsafeLast<T = unknown>(text: string, ...values: unknown[]): Promise<T> {
    this.refuseWhenOver();
    if (!this.last) {
      const rows = await this.$queryRawUnsafe<T>(text, ...values);
      this.ended = true; // the same rule on every database: nothing follows the last statement
      return rows;
    }
    this.checkDeadline();
    this.ended = true;
    this.committedWithLast = true;
    return (await this.last(text, values.map(parameter))).rows as T;
  }

  /** The use case has settled: the unit of work commits or rolls back next, and no statement may follow. */
  close(): void {
    this.closed = true;
  }

  async $executeRawUnsafe(text: string, ...values: unknown[]): Promise<number> {
    return (await this.run(text, values)).count;
  }

  /** Throws once the transaction has run past its deadline, so that it rolls back instead of committing. */
  checkDeadline(): void {
    if (performance.now() > this.deadline)
      throw new Error('The transaction ran past its time limit and was rolled back; nothing was saved');
  }

  private refuseWhenOver(): void {
    if (this.closed)
      throw new Error('The transaction is over: a statement issued after its use case settled is refused');
    if (this.ended) throw new Error('The transaction has ended: no statement may follow its last one');
  }

  private run(text: string, values: readonly unknown[]) {
    this.refuseWhenOver();
    this.checkDeadline();
    return this.query(text, values.map(parameter));
  }

  $queryRaw<T = unknown>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<T> {
    const sql = query instanceof Prisma.Sql ? query : Prisma.sql(query, ...values);
    return this.$queryRawUnsafe<T>(sql.text, ...sql.values);
  }

  $executeRaw(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<number> {
    const sql = query instanceof Prisma.Sql ? query : Prisma.sql(query, ...values);
    return this.$executeRawUnsafe(sql.text, ...sql.values);
  }

  /** This transaction where repositories take a `Db`; a model call on it throws, naming the model. */
  asDb(): Db {
    return new Proxy(this, {
      get(target, property, receiver) {
        if (typeof property === 'symbol' || property in target || property === 'then')
          return Reflect.get(target, property, receiver) as unknown;
        throw new Error(
          `Prisma's model "${property}" was used inside a transaction on the driver: that repository method must be SQL`,
        );
      },
    }) as unknown as Db;
  }
}
