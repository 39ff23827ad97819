import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from './generated/client.ts';
import { acquireDataDirLock } from './lock';

export type DatabaseTarget =
  | { readonly kind: 'pglite'; readonly dataDir: string }
  | { readonly kind: 'pglite-memory' }
  | { readonly kind: 'postgres'; readonly url: string };

/** Parameterized SQL through the database's own driver, for bulk work Prisma is not built for. */
export type NativeQuery = <Row = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<Row[]>;

export interface Database {
  readonly prisma: PrismaClient;
  /** Throws unless the database answers a trivial query. */
  ping(): Promise<void>;
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
  constructor(private readonly client: PGlite) {}
  async connect(): Promise<SqlDriverAdapter> {
    return PGliteMigrationFactory.adapterFor(this.client);
  }
  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const shadow = await PGlite.create();
    this.shadows.push(shadow);
    return PGliteMigrationFactory.adapterFor(shadow);
  }
  async closeShadows(): Promise<void> {
    await Promise.all(this.shadows.splice(0).map((shadow) => shadow.close()));
  }
  private static async adapterFor(client: PGlite): Promise<SqlDriverAdapter> {
    const adapter = await new PrismaPGlite(client).connect();
    return withScriptRunner(adapter, async (script) => {
      await client.exec(script);
    });
  }
}

/** PostgreSQL for migrations: PrismaPg for queries, one `pg` connection per script. */
class PgMigrationFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres' as const;
  readonly adapterName = 'linguaflex-pg-migrate';
  constructor(
    private readonly inner: PrismaPg,
    private readonly url: string,
  ) {}
  async connect(): Promise<SqlDriverAdapter> {
    const adapter = await this.inner.connect();
    return withScriptRunner(adapter, async (script) => {
      const client = new pg.Client({ connectionString: this.url });
      await client.connect();
      try {
        // A multi-statement simple query runs as one implicit transaction: all of it or none.
        await client.query(script);
      } finally {
        await client.end();
      }
    });
  }
  connectToShadowDb(): Promise<SqlDriverAdapter> {
    return Promise.reject(new Error('Shadow databases are made with PGlite (npm run migrate -- new/check)'));
  }
}

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.kind === 'postgres') {
    const factory = new PrismaPg({ connectionString: target.url });
    const prisma = new PrismaClient({ adapter: factory });
    let pool: pg.Pool | undefined;
    return {
      prisma,
      target,
      description: `PostgreSQL at ${redactUrl(target.url)}`,
      migrationAdapterFactory: () => new PgMigrationFactory(factory, target.url),
      ping: async () => {
        await prisma.$queryRaw`SELECT 1`;
      },
      nativeTransaction: async (work) => {
        pool ??= new pg.Pool({ connectionString: target.url, max: 2 });
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const result = await work(async (sql, params) => (await client.query(sql, params)).rows as never[]);
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        } finally {
          client.release();
        }
      },
      close: async () => {
        await prisma.$disconnect();
        await pool?.end();
      },
    };
  }

  let release: (() => void) | undefined;
  let client: PGlite;
  if (target.kind === 'pglite') {
    mkdirSync(target.dataDir, { recursive: true });
    release = acquireDataDirLock(target.dataDir);
    try {
      client = await PGlite.create(target.dataDir);
    } catch (error) {
      release();
      throw error;
    }
  } else {
    client = await PGlite.create();
  }
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(client) });
  let closed = false;
  return {
    prisma,
    target,
    description: target.kind === 'pglite' ? `embedded PGlite in ${target.dataDir}` : 'embedded PGlite in memory',
    migrationAdapterFactory: () => new PGliteMigrationFactory(client),
    ping: async () => {
      await client.query('SELECT 1');
    },
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
