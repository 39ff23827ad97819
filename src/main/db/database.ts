import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from './generated/client.ts';
import { acquireDataDirLock } from './lock';

export type DatabaseTarget =
  | { readonly kind: 'pglite'; readonly dataDir: string }
  | { readonly kind: 'pglite-memory' }
  | { readonly kind: 'postgres'; readonly url: string };

export interface Database {
  readonly prisma: PrismaClient;
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
 * A migration-aware factory over one PGlite instance whose shadow databases are in-memory PGlites
 * that we close ourselves (the adapter's own shadow DB is never closed).
 */
export class PGliteMigrationFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres' as const;
  readonly adapterName = 'linguaflex-pglite-migrate';
  private readonly shadows: PGlite[] = [];
  constructor(private readonly client: PGlite) {}
  connect(): Promise<SqlDriverAdapter> {
    return new PrismaPGlite(this.client).connect();
  }
  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const shadow = await PGlite.create();
    this.shadows.push(shadow);
    return new PrismaPGlite(shadow).connect();
  }
  async closeShadows(): Promise<void> {
    await Promise.all(this.shadows.splice(0).map((shadow) => shadow.close()));
  }
}

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.kind === 'postgres') {
    const factory = new PrismaPg({ connectionString: target.url });
    const prisma = new PrismaClient({ adapter: factory });
    return {
      prisma,
      target,
      description: `PostgreSQL at ${redactUrl(target.url)}`,
      migrationAdapterFactory: () => factory,
      close: () => prisma.$disconnect(),
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
    migrationAdapterFactory: () => new PrismaPGlite(client),
    close: async () => {
      if (closed) return;
      closed = true;
      await prisma.$disconnect();
      await client.close();
      release?.();
    },
  };
}
