import { parse, type PGlite, protocol, type QueryOptions, type Results, type Transaction } from '@electric-sql/pglite';

/**
 * PGlite answers `query` with six calls into its WebAssembly PostgreSQL (parse, describe, bind,
 * describe, execute, sync), parses and plans the text every time, and copies its whole parser table
 * into a new object for every call that brings its own parsers (the Prisma adapter's do). The app sends
 * a few hundred fixed texts, so here each text is parsed once as a named prepared statement — PGlite is
 * a single session, so it lives as long as the instance — and every run is one message: bind, describe,
 * execute, sync. bench:payments measured this process's CPU per seed flow on PGlite falling from 106 to
 * 93 ms (11.6 → 13.1 flows/s), and the test suite runs a sixth faster.
 *
 * The result is what `query` returns (the same `parseResults`), errors are PGlite's own DatabaseErrors,
 * and the locks are PGlite's: outside a transaction a call waits for any open transaction, inside one it
 * runs on that transaction like `tx.query`.
 */

const { serialize } = protocol;

/** Longer texts (bulk inserts) are rare; they take PGlite's own path instead of being kept. */
const PREPARED_MAX_SQL = 4000;
/** Distinct texts kept at most; beyond that, PGlite's own path. */
const PREPARED_MAX_STATEMENTS = 500;
/**
 * A prepared statement whose result changed type under it (a migration altered a column) is refused
 * with 0A000; one whose name is unknown (a `DEALLOCATE ALL`) with 26000. Either way it is prepared again.
 */
const STALE_STATEMENT_CODES = new Set(['0A000', '26000']);

interface Prepared {
  readonly name: string;
  readonly parameterTypes: readonly number[];
}

type Parsers = Parameters<typeof parse.parseResults>[1];

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Only `rowMode` and `parsers` are understood here; anything else (blobs, serializers, types) takes PGlite's path. */
function understood(options: QueryOptions | undefined): boolean {
  if (!options) return true;
  for (const key of Object.keys(options)) if (key !== 'rowMode' && key !== 'parsers') return false;
  return true;
}

const isStale = (error: unknown): boolean =>
  error instanceof Error && STALE_STATEMENT_CODES.has((error as { code?: unknown }).code as string);

export class PreparedStatements {
  private readonly statements = new Map<string, Prepared>();
  private nextId = 1;
  /** The caller's parsers over PGlite's own (looked up live through the prototype), made once per parser set. */
  private readonly merged = new WeakMap<object, Parsers>();

  constructor(private readonly client: PGlite) {}

  /** Like `client.query`, outside any transaction (waits for an open one to finish). */
  async query<Row>(sql: string, params: readonly unknown[] = [], options?: QueryOptions): Promise<Results<Row>> {
    if (!this.handles(sql, options)) return this.client.query<Row>(sql, [...params], options);
    await this.client._checkReady();
    return this.client._runExclusiveTransaction(() =>
      this.client._runExclusiveQuery(async () => {
        let result: Results<Row>;
        try {
          result = await this.run<Row>(sql, params, options);
        } catch (error) {
          if (!isStale(error)) throw error;
          result = await this.run<Row>(sql, params, options); // prepared again under a new name
        }
        await this.client.syncToFs(); // as PGlite does after a statement outside a transaction
        return result;
      }),
    );
  }

  /** Like `tx.query`: on the open transaction `tx`. */
  async queryIn<Row>(
    tx: Transaction,
    sql: string,
    params: readonly unknown[] = [],
    options?: QueryOptions,
  ): Promise<Results<Row>> {
    if (!this.handles(sql, options)) return tx.query<Row>(sql, [...params], options);
    if (tx.closed) throw new Error('Transaction is closed');
    // A stale statement fails the transaction (PostgreSQL aborts it): it is prepared again next time.
    return this.client._runExclusiveQuery(() => this.run<Row>(sql, params, options));
  }

  /**
   * Forgets every statement (after a migration changed what they read): under both of PGlite's locks,
   * so no statement is prepared or run between the DEALLOCATE and the list being emptied.
   */
  async forgetAll(): Promise<void> {
    if (this.statements.size === 0) return;
    await this.client._runExclusiveTransaction(() =>
      this.client._runExclusiveQuery(async () => {
        await this.client.execProtocolStream(concat([serialize.query('DEALLOCATE ALL'), serialize.sync()]), {
          syncToFs: false,
        });
        this.statements.clear();
      }),
    );
  }

  private handles(sql: string, options: QueryOptions | undefined): boolean {
    if (sql.length > PREPARED_MAX_SQL || !understood(options)) return false;
    return this.statements.has(sql) || this.statements.size < PREPARED_MAX_STATEMENTS;
  }

  private async run<Row>(
    sql: string,
    params: readonly unknown[],
    options: QueryOptions | undefined,
  ): Promise<Results<Row>> {
    const statement = this.statements.get(sql) ?? (await this.prepare(sql));
    const values = params.map((value, index) => {
      if (value === null || value === undefined) return null;
      const type = statement.parameterTypes[index] ?? 0;
      const serializer = this.client.serializers[type];
      return serializer ? serializer(value) : (value as { toString(): string }).toString(); // as PGlite does
    });
    let messages;
    try {
      messages = await this.client.execProtocolStream(
        concat([
          serialize.bind({ statement: statement.name, values }),
          serialize.describe({ type: 'P' }),
          serialize.execute({}),
          serialize.sync(),
        ]),
        { syncToFs: false },
      );
    } catch (error) {
      if (isStale(error)) this.statements.delete(sql);
      // As PGlite's own errors carry them, for whoever logs the error.
      if (error instanceof Error) Object.assign(error, { query: sql, params, queryOptions: options });
      throw error;
    }
    const parsers = this.parsersFor(options?.parsers);
    const [result] = parse.parseResults(messages, parsers, options?.rowMode ? { rowMode: options.rowMode } : undefined);
    return result as Results<Row>;
  }

  private async prepare(sql: string): Promise<Prepared> {
    const name = `linguaflex_${this.nextId++}`;
    const messages = await this.client.execProtocolStream(
      concat([serialize.parse({ name, text: sql }), serialize.describe({ type: 'S', name }), serialize.sync()]),
      { syncToFs: false },
    );
    const statement = { name, parameterTypes: parse.parseDescribeStatementResults(messages) };
    this.statements.set(sql, statement);
    return statement;
  }

  private parsersFor(own: QueryOptions['parsers']): Parsers {
    if (!own) return this.client.parsers;
    let merged = this.merged.get(own);
    if (!merged) {
      merged = Object.assign(Object.create(this.client.parsers) as Parsers, own);
      this.merged.set(own, merged);
    }
    return merged;
  }
}

/**
 * `client` as the Prisma adapter sees it: its `query` and its transactions' `query` run through
 * `statements`; everything else is PGlite's own (bound to the instance, whose fields are private).
 */
export function withPreparedStatements(client: PGlite, statements: PreparedStatements): PGlite {
  const onTransaction = (tx: Transaction): Transaction =>
    new Proxy(tx, {
      get(target, property, receiver) {
        if (property === 'query') return statements.queryIn.bind(statements, target);
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
  return new Proxy(client, {
    get(target, property) {
      if (property === 'query') return statements.query.bind(statements);
      if (property === 'transaction')
        return <T>(work: (tx: Transaction) => Promise<T>) => target.transaction((tx) => work(onTransaction(tx)));
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
