import { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { mkdirSync } from 'node:fs';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from './generated/client.ts';
import { acquireDataDirLock } from './lock';
import { describePrivateFolder, makeFolderPrivate, PRIVATE_DIR_MODE } from './paths';
import { PreparedStatements, withPreparedStatements } from './pglite-prepared';
import { PipelinedConnections } from './pipelined-connections';
import { driverTransaction, type TransactionQuery } from './driver-transaction';

export type DatabaseTarget =
  | { readonly kind: 'pglite'; readonly dataDir: string }
  | { readonly kind: 'pglite-memory' }
  | { readonly kind: 'postgres'; readonly url: string };

/** Parameterized SQL through the database's own driver, for bulk work Prisma is not built for. */
export type NativeQuery = <Row = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<Row[]>;

/**
 * One statement outside any transaction, through the driver (a read, or a write that commits on its
 * own). `prepared`: a statement run on every request or delivery (the API's session and booking
 * reads, the event log after each commit, the outbox's claims and outcomes) — PostgreSQL keeps its
 * plan per connection instead of parsing and planning it each time. Only for fixed SQL whose best
 * plan does not depend on the values (a generic plan is used after a few runs).
 */
export type DirectQuery = <Row>(sql: string, params: readonly unknown[], prepared?: boolean) => Promise<Row[]>;

export type { TransactionQuery } from './driver-transaction';

/**
 * node-postgres's query shape, for libraries that speak PostgreSQL themselves (rate-limiter-flexible's
 * store): one statement outside any transaction; `name` prepares it per connection.
 */
export interface PgShapedClient {
  query(config: {
    text: string;
    values?: unknown[];
    name?: string;
  }): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}

/** One name per distinct prepared SQL text in this process (each pooled connection prepares it once). */
const statementNames = new Map<string, string>();
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `linguaflex_${statementNames.size + 1}`;
    statementNames.set(sql, name);
  }
  return name;
}

/**
 * Prisma's other error formats capture a stack trace on every query (`new Error()`, to quote the calling
 * line if the query fails): 3–4 % of the main thread in bench:payments' profile. Errors keep their
 * code, message and own stack.
 */
const CLIENT_OPTIONS = { errorFormat: 'minimal' } as const;

/** Longer statements (bulk inserts with thousands of parameters) are rare and would stay in memory per connection. */
const PREPARED_MAX_SQL = 4000;
/**
 * `SELECT *` / `b.*`: a prepared statement's result type is fixed, so once another host's migration adds
 * a column PostgreSQL refuses to run it ("cached plan must not change result type"). Such statements
 * run unnamed; the hot ones name their columns.
 */
const UNNAMED_COLUMNS = /(?:\bSELECT\s+(?:DISTINCT\s+)?|\bRETURNING\s+|[\w"]\.)\*/i;
/** Distinct texts prepared at most: the app issues a few hundred shapes; anything beyond runs unnamed. */
const PREPARED_MAX_STATEMENTS = 500;
/**
 * Pooled connections are replaced after this long, with what they prepared: a statement whose result
 * changed type under it (a column's type changed by another host's migration) is refused by
 * PostgreSQL until its connection goes, so no connection lives forever.
 */
const CONNECTION_LIFETIME_SECONDS = 900;

/**
 * Pipelined connections for statements outside transactions (pipelined-connections.ts): the first
 * takes them while it keeps up, the second takes over past a slow statement or a lost connection.
 */
const PIPELINED_READ_CONNECTIONS = 2;

/** Texts found to run unnamed, so the pattern is not searched again on every run (bounded like the names). */
const unnamedTexts = new Set<string>();

/**
 * Prisma's statements on PostgreSQL run as named prepared statements (adapter-pg's
 * `statementNameGenerator`): PostgreSQL parses and plans each distinct text once per connection instead
 * of on every run, which is most of its work for the app's short statements (bench:api measured the
 * server's CPU per booking read falling from 0.76 to 0.24 ms). Bulk statements stay unnamed.
 */
function preparedName(query: { sql: string }): string | undefined {
  const known = statementNames.get(query.sql);
  if (known !== undefined) return known;
  if (unnamedTexts.has(query.sql)) return undefined;
  if (query.sql.length > PREPARED_MAX_SQL || UNNAMED_COLUMNS.test(query.sql)) {
    if (query.sql.length <= PREPARED_MAX_SQL && unnamedTexts.size < PREPARED_MAX_STATEMENTS)
      unnamedTexts.add(query.sql);
    return undefined;
  }
  if (statementNames.size >= PREPARED_MAX_STATEMENTS) return undefined;
  return statementName(query.sql);
}

/** `timestamp(3)` columns hold UTC; read them as UTC whatever the process's time zone. */
const parseUtcTimestamp = (text: string): Date => new Date(`${text.replace(' ', 'T')}Z`);
const TIMESTAMP_OID = 1114;
const defaultParser = pg.types.getTypeParser as (oid: number, format: string) => (value: string) => unknown;
/** PGlite's driver-level reads: one constant, so its parsers are merged with PGlite's once. */
const READ_OPTIONS = { parsers: { [TIMESTAMP_OID]: parseUtcTimestamp } };
const readTypes = {
  getTypeParser: (oid: number, format = 'text') =>
    oid === TIMESTAMP_OID ? parseUtcTimestamp : defaultParser(oid, format),
};
/**
 * A transaction's statements read values as Prisma's raw queries return them: timestamps as UTC
 * Dates, 64-bit integers (`count(*)`, sums of integers) as bigints.
 */
const INT8_OID = 20;
const parseBigInt = (text: string): bigint => BigInt(text);
const transactionTypes = {
  getTypeParser: (oid: number, format = 'text') =>
    oid === TIMESTAMP_OID ? parseUtcTimestamp : oid === INT8_OID ? parseBigInt : defaultParser(oid, format),
};
const TRANSACTION_OPTIONS = { parsers: { [TIMESTAMP_OID]: parseUtcTimestamp, [INT8_OID]: parseBigInt } };

export interface Database {
  readonly prisma: PrismaClient;
  /**
   * A statement outside any transaction through the driver itself, for hot statements where Prisma's
   * request pipeline costs more than the statement (bench:payments measured 0.1–0.2 ms of CPU per
   * statement). Timestamps come back as UTC Dates, as Prisma returns them; timestamps sent are
   * `utcTimestamp` text, as the driver would send a Date in this process's time zone.
   */
  directQuery: DirectQuery;
  /** This database in node-postgres's query shape (on PostgreSQL, the pipelined connections' statements). */
  readonly pgShaped: PgShapedClient;
  /** Throws unless the database answers a trivial query. */
  ping(): Promise<void>;
  /** Refreshes planner statistics where nothing else does (PGlite has no autovacuum). */
  maintain(): Promise<void>;
  /**
   * Calls `onNotify` for every NOTIFY on `channel` from any process (one dedicated connection on
   * PostgreSQL, reconnecting after a loss — and calling `onNotify` then, as something may have been
   * missed). Returns a function that stops listening.
   */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  /**
   * Runs `work` in one transaction on the driver (BEGIN … COMMIT on one connection; ROLLBACK if it
   * throws). Statements are prepared like Prisma's. Values come back as in `TransactionQuery`. On
   * PostgreSQL `last` runs the final statement with the COMMIT in one round trip (driver-transaction.ts).
   */
  transaction<T>(work: (query: TransactionQuery, last?: TransactionQuery) => Promise<T>): Promise<T>;
  /** Runs `work` in one native transaction (bulk seeding). */
  nativeTransaction<T>(work: (query: NativeQuery) => Promise<T>): Promise<T>;
  readonly target: DatabaseTarget;
  /** A human-readable description with no password in it. */
  readonly description: string;
  /** For the schema engine (migrations). */
  migrationAdapterFactory(): SqlMigrationAwareDriverAdapterFactory;
  close(): Promise<void>;
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

/**
 * The schema engine runs each migration through `executeScript`. The stock adapters get that wrong
 * for real migrations: adapter-pg splits the script on every `;` (breaking `$$` function bodies) and
 * the PGlite adapter does not await `exec` (so a failing migration looks applied). We replace just
 * that method with one that runs the whole script in one round trip and awaits it.
 */
function withScriptRunner(adapter: SqlDriverAdapter, runScript: (script: string) => Promise<void>): SqlDriverAdapter {
  return new Proxy(adapter, {
    get(target, property, receiver) {
      if (property === 'executeScript') return runScript;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * A migration-aware factory over one PGlite instance whose shadow databases are in-memory PGlites
 * that we close ourselves (the adapter's own shadow DB is never closed).
 */
export class PGliteMigrationFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres' as const;
  readonly adapterName = 'linguaflex-pglite-migrate';
  private readonly shadows: PGlite[] = [];
  /** `afterScript`: runs after each migration script (the app's prepared statements are forgotten). */
  constructor(
    private readonly client: PGlite,
    private readonly afterScript: () => Promise<void> = () => Promise.resolve(),
  ) {}
  async connect(): Promise<SqlDriverAdapter> {
    return PGliteMigrationFactory.adapterFor(this.client, this.afterScript);
  }
  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const shadow = await PGlite.create();
    this.shadows.push(shadow);
    return PGliteMigrationFactory.adapterFor(shadow, () => Promise.resolve());
  }
  async closeShadows(): Promise<void> {
    await Promise.all(this.shadows.splice(0).map((shadow) => shadow.close()));
  }
  private static async adapterFor(client: PGlite, afterScript: () => Promise<void>): Promise<SqlDriverAdapter> {
    const adapter = await new PrismaPGlite(client).connect();
    return withScriptRunner(adapter, async (script) => {
      await client.exec(script);
      await afterScript();
    });
  }
}

/** PostgreSQL for migrations: PrismaPg over the app's pool for queries, one pooled connection per script. */
class PgMigrationFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres' as const;
  readonly adapterName = 'linguaflex-pg-migrate';
  constructor(private readonly pool: pg.Pool) {}
  async connect(): Promise<SqlDriverAdapter> {
    const adapter = await new PrismaPg(this.pool).connect();
    return withScriptRunner(adapter, async (script) => {
      // A multi-statement simple query runs as one implicit transaction: all of it or none.
      await this.pool.query(script);
    });
  }
  connectToShadowDb(): Promise<SqlDriverAdapter> {
    return Promise.reject(new Error('Shadow databases are made with PGlite (npm run migrate -- new/check)'));
  }
}

/** A dedicated connection that LISTENs on `channel` and comes back after a lost connection. */
async function listenOnPostgres(
  url: string,
  channel: string,
  onNotify: (payload: string) => void,
): Promise<() => Promise<void>> {
  let stopped = false;
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url });
    next.on('notification', (message) => onNotify(message.payload ?? ''));
    next.on('error', (error) => {
      console.warn(`PostgreSQL notification connection lost: ${error.message}`);
      schedule();
    });
    await next.connect();
    await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    if (stopped) {
      await next.end();
      return;
    }
    client = next;
    onNotify(''); // whatever happened while it was down
  };
  const schedule = () => {
    client = null;
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = null;
      connect().catch(() => schedule());
    }, 1000);
    retry.unref();
  };
  await connect();
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    await client?.end().catch(() => undefined);
  };
}

type NodeOps = Record<string, ((...args: never[]) => unknown) | undefined>;
interface EmscriptenNodeFs {
  node_ops: NodeOps;
  stream_ops: NodeOps;
}
type PreRun = (module: { NODEFS?: EmscriptenNodeFs }) => void;

/** Group and other bits off a mode PGlite asks for. */
const ownerOnly = (mode: number): number => mode & ~0o077;

/**
 * PGlite's file system on disk, owner-only: every folder it makes is 0700 and every file 0600.
 * PGlite's Emscripten layer creates files and then chmods them to what its PostgreSQL asks for (0666),
 * so a umask does not help; the node operations that create (mknod) and change modes (setattr) of
 * its NODEFS are wrapped instead, for this instance's module only, to drop the group and other bits.
 */
class PrivateNodeFS extends NodeFS {
  override async init(pg: PGlite, options: Parameters<NodeFS['init']>[1]) {
    const { emscriptenOpts } = await super.init(pg, options);
    const preRun = [...((emscriptenOpts.preRun ?? []) as PreRun[])];
    preRun.push((module) => {
      const nodefs = module.NODEFS;
      if (!nodefs) throw new Error('PGlite has no NODEFS: cannot keep its data folder private');
      const wrap = (ops: NodeOps, name: string, masked: (args: unknown[]) => unknown[]) => {
        const original = ops[name] as ((...args: unknown[]) => unknown) | undefined;
        if (!original) throw new Error(`PGlite's NODEFS has no ${name}: cannot keep its data folder private`);
        ops[name] = (...args: unknown[]) => original(...masked(args));
      };
      // mknod(parent, name, mode, dev); setattr(node or stream, { mode?, … })
      wrap(nodefs.node_ops, 'mknod', ([parent, name, mode, dev]) => [parent, name, ownerOnly(mode as number), dev]);
      const setattr = ([target, attr]: unknown[]) => {
        const change = attr as { mode?: number };
        return [target, change.mode === undefined ? change : { ...change, mode: ownerOnly(change.mode) }];
      };
      wrap(nodefs.node_ops, 'setattr', setattr);
      if (nodefs.stream_ops['setattr']) wrap(nodefs.stream_ops, 'setattr', setattr);
    });
    return { emscriptenOpts: { ...emscriptenOpts, preRun: preRun as typeof emscriptenOpts.preRun } };
  }
}

export interface OpenOptions {
  /** Where the one line goes that says an embedded data folder had to be made private (default: console.warn). */
  warn?: (line: string) => void;
  /** The caller has just made the folder private (the app's data folder holds it): not walked twice. */
  folderMadePrivate?: boolean;
  /**
   * Called once this process holds the data folder's lock, before the database's files are read (at
   * once for a database without a folder): what must not run beside another process on the same
   * folder (the sandboxes' state files) may start from then on, while the database opens.
   */
  onLocked?: () => void;
}

export async function openDatabase(target: DatabaseTarget, options: OpenOptions = {}): Promise<Database> {
  if (target.kind === 'postgres') {
    // One pool for Prisma, migrations and bulk work. An idle connection that dies (server restart,
    // network) must not crash the app: log it, the pool reconnects on the next query.
    const pool = new pg.Pool({
      connectionString: target.url,
      max: 10,
      maxLifetimeSeconds: CONNECTION_LIFETIME_SECONDS,
      // A transaction waits this long for a connection, then fails (as Prisma's maxWait did), not forever.
      connectionTimeoutMillis: 10_000,
    });
    pool.on('error', (error) => {
      console.warn(`PostgreSQL connection lost: ${error.message}`);
    });
    // The adapter passes the name through to pg, where `undefined` means an unnamed statement.
    const factory = new PrismaPg(pool, { statementNameGenerator: preparedName as (query: { sql: string }) => string });
    // The statements outside transactions (the repositories' direct ones and the rate limiter's), with
    // their own timestamp parser (Prisma's pool keeps its own).
    const reads = new PipelinedConnections({
      connectionString: target.url,
      lanes: PIPELINED_READ_CONNECTIONS,
      types: readTypes,
      lifetimeMs: CONNECTION_LIFETIME_SECONDS * 1000,
      onLost: (error) => console.warn(`PostgreSQL connection lost: ${error.message}`),
    });
    // The driver's transactions, on pipelined connections of their own: a transaction's statements still
    // wait for each other, but its last one and the COMMIT travel together (driver-transaction.ts).
    const transactionPool = new pg.Pool({
      connectionString: target.url,
      max: 10,
      maxLifetimeSeconds: CONNECTION_LIFETIME_SECONDS,
      connectionTimeoutMillis: 10_000,
      pipeline: true,
    });
    transactionPool.on('error', (error) => {
      console.warn(`PostgreSQL connection lost: ${error.message}`);
    });
    const prisma = new PrismaClient({ adapter: factory, ...CLIENT_OPTIONS });
    options.onLocked?.(); // PostgreSQL is shared by design: no folder, no lock
    return {
      prisma,
      target,
      description: `PostgreSQL at ${redactUrl(target.url)}`,
      migrationAdapterFactory: () => new PgMigrationFactory(pool),
      ping: async () => {
        await pool.query('SELECT 1');
      },
      directQuery: async <Row>(sql: string, params: readonly unknown[], prepared = false) => {
        const name = prepared ? preparedName({ sql }) : undefined;
        return reads.query<Row>({ text: sql, values: [...params], ...(name ? { name } : {}) });
      },
      pgShaped: {
        query: async ({ text, values, name }) => {
          const result = await reads.result({ text, ...(values ? { values } : {}), ...(name ? { name } : {}) });
          return { rows: result.rows as Record<string, unknown>[], rowCount: result.rowCount };
        },
      },
      maintain: () => Promise.resolve(), // PostgreSQL's autovacuum keeps statistics current
      listen: (channel, onNotify) => listenOnPostgres(target.url, channel, onNotify),
      transaction: (work) =>
        driverTransaction(
          transactionPool,
          (client, sql, params) => {
            const name = preparedName({ sql });
            return client.query({ text: sql, values: [...params], types: transactionTypes, ...(name ? { name } : {}) });
          },
          ({ query, last }) => work(query, last),
        ),
      nativeTransaction: (work) =>
        driverTransaction(
          pool,
          (client, sql, params) => client.query(sql, [...params]),
          ({ query }) => work(async (sql, params) => (await query(sql, params ?? [])).rows as never[]),
        ),
      close: async () => {
        await prisma.$disconnect();
        await Promise.all([pool.end(), transactionPool.end(), reads.end()]);
      },
    };
  }

  let release: (() => void) | undefined;
  let client: PGlite;
  if (target.kind === 'pglite') {
    // Owner-only: created 0700, or repaired (and said so, once) when an earlier start left it open.
    if (options.folderMadePrivate) {
      mkdirSync(target.dataDir, { recursive: true, mode: PRIVATE_DIR_MODE }); // new on a first start
    } else {
      const repair = describePrivateFolder(target.dataDir, makeFolderPrivate(target.dataDir));
      if (repair) (options.warn ?? ((line: string) => console.warn(line)))(repair);
    }
    release = acquireDataDirLock(target.dataDir);
    options.onLocked?.();
    try {
      client = await PGlite.create({ fs: new PrivateNodeFS(target.dataDir) });
    } catch (error) {
      release();
      throw error;
    }
  } else {
    options.onLocked?.();
    client = await PGlite.create();
  }
  const statements = new PreparedStatements(client);
  const prisma = new PrismaClient({
    adapter: new PrismaPGlite(withPreparedStatements(client, statements)),
    ...CLIENT_OPTIONS,
  });
  let closed = false;
  return {
    prisma,
    target,
    description: target.kind === 'pglite' ? `embedded PGlite in ${target.dataDir}` : 'embedded PGlite in memory',
    migrationAdapterFactory: () => new PGliteMigrationFactory(client, () => statements.forgetAll()),
    ping: async () => {
      await client.query('SELECT 1');
    },
    // Prepared like Prisma's statements only when asked: the booking list's filter combinations stay unkept.
    directQuery: async <Row>(sql: string, params: readonly unknown[], prepared = false) =>
      (prepared
        ? await statements.query<Row>(sql, params, READ_OPTIONS)
        : await client.query<Row>(sql, [...params], READ_OPTIONS)
      ).rows,
    pgShaped: {
      // Statements with a name are the library's fixed ones: prepared once, like the app's.
      query: async ({ text, values = [], name }) => {
        const result = name
          ? await statements.query<Record<string, unknown>>(text, values)
          : await client.query<Record<string, unknown>>(text, values);
        return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
      },
    },
    maintain: async () => {
      await client.exec('ANALYZE');
    },
    listen: async (channel, onNotify) => {
      const stop = await client.listen(channel, (payload) => onNotify(payload));
      return async () => {
        if (!closed) await stop();
      };
    },
    transaction: (work) =>
      client.transaction((tx) =>
        work(async (sql, params) => {
          const answer = await statements.queryIn(tx, sql, params, TRANSACTION_OPTIONS);
          return { rows: answer.rows, count: answer.affectedRows ?? answer.rows.length };
        }),
      ),
    nativeTransaction: (work) =>
      client.transaction((tx) => work(async (sql, params) => (await tx.query(sql, params)).rows as never[])),
    close: async () => {
      if (closed) return;
      closed = true;
      await prisma.$disconnect();
      await client.close();
      release?.();
    },
  };
}
